"""Where shipping labels and manifest summaries live: MEDIA_ROOT/labels and /manifests.

Names are generated (a random token), never taken from a carrier's answer, so nothing a carrier
sends can reach outside these folders. A file is written before the row that names it is
committed; a write that loses (another process stored its label first) deletes its own file.
"""

from __future__ import annotations

from pathlib import Path

from kucun.core.dataio.files import absolute, delete_quietly, new_relative_path

LABELS_DIR = "labels"
MANIFESTS_DIR = "manifests"


def pdf_save(folder: str, content: bytes) -> str:
    """Write the PDF under MEDIA_ROOT/<folder>/ and answer its path relative to MEDIA_ROOT."""
    relative = new_relative_path(folder, "pdf")
    absolute(relative).write_bytes(content)
    return relative


def label_save(content: bytes) -> str:
    return pdf_save(LABELS_DIR, content)


def manifest_save(content: bytes) -> str:
    return pdf_save(MANIFESTS_DIR, content)


def stored_path(relative: str) -> Path | None:
    """The file's absolute path when it exists under MEDIA_ROOT; None otherwise."""
    if not relative:
        return None
    try:
        path = absolute(relative)
    except ValueError:
        return None
    return path if path.is_file() else None


def file_delete(relative: str) -> None:
    delete_quietly(relative)
