"""Helpers for import tests: write a file, import it through the service, read the outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kucun.core.dataio.importing import ImportOptions, ImportResult
from kucun.core.dataio.services import import_path
from kucun.core.models import ImportRun


def write_csv(tmp_path: Path, text: str, name: str = "file.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run_import(
    kind: str, path: Path, *, user: Any = None, **options: Any
) -> tuple[ImportRun, ImportResult]:
    return import_path(user=user, kind=kind, path=path, options=ImportOptions(**options))


def errors_of(result: ImportResult) -> list[tuple[int, str, str]]:
    return [(error.row, error.column, error.message) for error in result.errors]
