"""Downloadable templates: each kind's columns with one example row, as CSV or XLSX."""

from __future__ import annotations

import tempfile
from pathlib import Path

from kucun.core.dataio.columns import Column
from kucun.core.dataio.registry import importer_class
from kucun.core.tabular import write_table


def template_columns(kind: str) -> tuple[list[str], list[str]]:
    columns: tuple[Column, ...] = getattr(importer_class(kind), "columns", ())
    return [column.key for column in columns], [column.example for column in columns]


def template_bytes(kind: str, file_format: str) -> bytes:
    header, example = template_columns(kind)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"template.{file_format}"
        write_table(path, file_format, header, [example])
        return path.read_bytes()
