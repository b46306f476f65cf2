"""Where import uploads, error reports and export files live: MEDIA_ROOT/imports, /exports.

Names are generated (a random token and the format's extension), never taken from the upload,
so no file name a person sends can reach outside these folders.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

from django.conf import settings

IMPORTS_DIR = "imports"
EXPORTS_DIR = "exports"


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def new_relative_path(folder: str, extension: str) -> str:
    directory = media_root() / folder
    directory.mkdir(parents=True, exist_ok=True)
    return f"{folder}/{secrets.token_hex(16)}.{extension}"


def absolute(relative: str) -> Path:
    """The file under MEDIA_ROOT; refuses anything that would resolve outside it."""
    root = media_root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(f"{relative!r} is outside the media folder")
    return path


def delete_quietly(relative: str) -> None:
    if not relative:
        return
    with contextlib.suppress(OSError, ValueError):
        absolute(relative).unlink(missing_ok=True)
