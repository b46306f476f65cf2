"""Write tables as CSV (UTF-8 with BOM, so Excel shows Chinese correctly) or XLSX (streaming).

Text cells are escaped against formula injection; numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from kucun.core.tabular.escaping import FORMULA_STARTS, escape_cell
from kucun.core.tabular.xlsx import XlsxStreamWriter

FORMATS = ("csv", "xlsx")
ESCAPE_FIRST_CHARACTERS = frozenset({*FORMULA_STARTS, "'"})
PLAIN_TYPES = (int, Decimal, float)


class TableWriter(Protocol):
    def writerow(self, values: Sequence[Any]) -> None: ...


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return escape_cell(str(value))


class CsvTableWriter:
    def __init__(self, handle: Any) -> None:
        self.writer = csv.writer(handle)

    def writerow(self, values: Sequence[Any]) -> None:
        # The csv module writes None as "" and numbers with str(); only text needs escaping
        # (checked on its first character, which is all most cells need) and flags a word.
        row = []
        for value in values:
            kind = type(value)
            if kind is str:
                if value[:1] in ESCAPE_FIRST_CHARACTERS:
                    value = escape_cell(value)
            elif kind is bool:
                value = "true" if value else "false"
            elif value is not None and kind not in PLAIN_TYPES:
                value = csv_cell(value)
            row.append(value)
        self.writer.writerow(row)


class XlsxTableWriter:
    def __init__(self, stream_writer: XlsxStreamWriter) -> None:
        self.stream_writer = stream_writer

    @staticmethod
    def cell(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | Decimal):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else str(value)
        if isinstance(value, datetime.datetime | datetime.date):
            # Spreadsheets have no time zones: the time is written as ISO text, as in CSV.
            return value.isoformat()
        return escape_cell(str(value))

    def writerow(self, values: Sequence[Any]) -> None:
        self.stream_writer.writerow([self.cell(value) for value in values])


@contextmanager
def open_writer(path: Path | str, fmt: str, header: Sequence[str]) -> Iterator[TableWriter]:
    """A writer for rows of plain values; the header row is written first."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown table format {fmt!r}")
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = CsvTableWriter(handle)
            writer.writerow(header)
            yield writer
        return
    stream_writer = XlsxStreamWriter(path)
    try:
        stream_writer.writerow([escape_cell(str(name)) for name in header], style=1)
        yield XlsxTableWriter(stream_writer)
    except BaseException:
        stream_writer.abort()
        raise
    stream_writer.close()


def write_table(
    path: Path | str, fmt: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Write header and rows; returns the number of data rows written."""
    count = 0
    with open_writer(path, fmt, header) as writer:
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
