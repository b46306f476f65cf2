"""Open an uploaded file as a table: a header row and numbered data rows of text cells.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first data row is row 2.
Blank rows are skipped but still counted, so a reported row number is where the person looks.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from kucun.core.errors import FieldError, ValidationFailed
from kucun.core.tabular.xlsx import (
    MAX_COLUMNS,
    Row,
    SheetLimitExceeded,
    SheetLimits,
    iter_sheet_rows,
    row_cells,
)

CHUNK_BYTES = 1024 * 1024
SNIFF_BYTES = 64 * 1024
# An XLSX member that expands more than this many times, beyond MIN_BOMB_BYTES, is a bomb.
MAX_COMPRESSION_RATIO = 200
MIN_BOMB_BYTES = 10 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
DELIMITERS = (",", ";", "\t")

# Signatures of common files that are not tables, so the message can say what was uploaded.
NOT_TABULAR_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf", "7-Zip archive"),
    (b"\x7fELF", "program"),
    (b"MZ", "Windows program"),
)
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"


@dataclass
class TabularError(ValidationFailed):
    """The file as a whole cannot be read as a table."""

    @classmethod
    def about_file(cls, message: str) -> TabularError:
        return cls(detail=message, errors=[FieldError("file", message)])


@dataclass
class Columns:
    """How many columns of each row are read; the rest of a row is never built."""

    width: int = MAX_COLUMNS


@dataclass
class Table:
    format: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str | None = None
    row_count_hint: int | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    columns: Columns = field(default_factory=Columns)

    def keep_columns(self, width: int) -> None:
        """Read only the first ``width`` columns of the data rows (the ones the header maps):
        a cell far to the right costs nothing."""
        self.columns.width = max(0, min(width, MAX_COLUMNS))


def max_import_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 50 * 1024 * 1024))


def max_cell_chars() -> int:
    return int(getattr(settings, "IMPORT_MAX_CELL_CHARS", SheetLimits.max_cell_chars))


def max_line_chars() -> int:
    return int(getattr(settings, "IMPORT_MAX_LINE_CHARS", 1024 * 1024))


def sheet_limits() -> SheetLimits:
    return SheetLimits(
        max_cell_chars=max_cell_chars(),
        max_rows=int(getattr(settings, "IMPORT_MAX_ROWS", SheetLimits.max_rows)),
        max_shared_strings=int(
            getattr(settings, "IMPORT_MAX_SHARED_STRINGS", SheetLimits.max_shared_strings)
        ),
        max_shared_chars=int(
            getattr(settings, "IMPORT_MAX_SHARED_CHARS", SheetLimits.max_shared_chars)
        ),
    )


def max_uncompressed_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 20 * max_import_bytes()))


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_size(size: int) -> None:
    limit = max_import_bytes()
    if size > limit:
        raise TabularError.about_file(
            _("The file is %(size)s; the largest file accepted is %(limit)s.")
            % {"size": megabytes(size), "limit": megabytes(limit)}
        )
    if size == 0:
        raise TabularError.about_file(_("The file is empty."))


def sniff_format(path: Path) -> str:
    """'csv' or 'xlsx', after refusing oversized, binary, corrupted and bomb files."""
    check_size(path.stat().st_size)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(ZIP_SIGNATURE):
        check_xlsx_archive(path)
        return "xlsx"
    if head.startswith(OLE_SIGNATURE):
        raise TabularError.about_file(
            _("Old Excel .xls files cannot be read: save the sheet as .xlsx or CSV UTF-8.")
        )
    for signature, kind in NOT_TABULAR_SIGNATURES:
        if head.startswith(signature):
            raise TabularError.about_file(
                _("This is not a spreadsheet (it looks like a %(kind)s): upload CSV or XLSX.")
                % {"kind": kind}
            )
    if b"\x00" in head:
        raise TabularError.about_file(
            _("This is not a text or spreadsheet file: upload CSV (UTF-8 or GBK) or XLSX.")
        )
    return "csv"


def check_xlsx_archive(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise TabularError.about_file(
            _("The XLSX file is damaged and cannot be opened (%(reason)s).") % {"reason": error}
        ) from error
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise TabularError.about_file(
            _("This ZIP archive is not an XLSX workbook: upload CSV or XLSX.")
        )
    if len(infos) > MAX_ZIP_MEMBERS:
        raise TabularError.about_file(_("The XLSX file holds too many parts to be a workbook."))
    total = sum(info.file_size for info in infos)
    limit = max_uncompressed_bytes()
    if total > limit:
        raise TabularError.about_file(
            _("The XLSX file expands to %(size)s, over the limit of %(limit)s: refused.")
            % {"size": megabytes(total), "limit": megabytes(limit)}
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MIN_BOMB_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise TabularError.about_file(
                _(
                    "The XLSX file expands %(ratio)d times (a decompression bomb): refused. "
                    "Save the sheet again from your spreadsheet program."
                )
                % {"ratio": ratio}
            )


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312)."""
    with path.open("rb") as handle:
        encoding = "utf-8-sig" if handle.read(3) == codecs.BOM_UTF8 else "utf-8"
    for candidate in (encoding, "gb18030"):
        if decodes_as(path, candidate):
            return candidate
    raise TabularError.about_file(
        _(
            "The file is not UTF-8 or GB18030/GBK text. In your spreadsheet program choose "
            "“Save as CSV UTF-8”, or upload XLSX."
        )
    )


def decodes_as(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk, final=False)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def count_lines(path: Path) -> int:
    """Lines in the file (an upper bound on rows, for progress)."""
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            lines += chunk.count(b"\n")
    return max(lines, 1)


def choose_delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 0 else ","


def is_blank(cells: list[str]) -> bool:
    return not "".join(cells).strip()


def first_row(rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    for _number, cells in rows:
        return cells
    raise TabularError.about_file(_("The file has no header row: it holds no table."))


class BoundedLines:
    """The lines of a text file, refusing one longer than the limit as soon as it passes it,
    so a file with no line breaks is never read into one string."""

    def __init__(self, handle: IO[str], limit: int) -> None:
        self.handle = handle
        self.limit = limit
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(self.limit + 1)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) > self.limit:
            raise TabularError.about_file(
                _("Line %(line)d is longer than %(limit)d characters: refused.")
                % {"line": self.number, "limit": self.limit}
            )
        return line


@contextmanager
def open_csv(path: Path) -> Iterator[Table]:
    encoding = detect_encoding(path)
    handle: IO[str] = path.open("r", encoding=encoding, newline="")
    try:
        lines = BoundedLines(handle, max_line_chars())
        sample = next(lines, "")
        handle.seek(0)
        lines.number = 0
        reader = csv.reader(lines, delimiter=choose_delimiter(sample))
        columns = Columns()
        rows = csv_rows(reader, columns)
        header = first_row(rows)
        yield Table(
            format="csv",
            header=header,
            rows=rows,
            encoding=encoding,
            row_count_hint=count_lines(path),
            columns=columns,
        )
    finally:
        handle.close()


def csv_rows(reader: Any, columns: Columns) -> Iterator[tuple[int, list[str]]]:
    number = 0
    limit = max_cell_chars()
    try:
        for cells in reader:
            number += 1
            if cells and not is_blank(cells):
                check_cell_lengths(number, cells, limit)
                width = columns.width
                yield number, cells if len(cells) <= width else cells[:width]
    except csv.Error as error:
        raise TabularError.about_file(
            _("Row %(row)d cannot be read as CSV: %(reason)s.")
            % {"row": number + 1, "reason": error}
        ) from error


def check_cell_lengths(number: int, cells: list[str], limit: int) -> None:
    if max(map(len, cells)) <= limit:
        return
    column = next(index for index, cell in enumerate(cells) if len(cell) > limit)
    raise TabularError.about_file(
        _(
            "Row %(row)d, column %(column)d holds more than %(limit)d characters, more than a "
            "spreadsheet cell can: refused."
        )
        % {"row": number, "column": column + 1, "limit": limit}
    )


@contextmanager
def open_xlsx(path: Path) -> Iterator[Table]:
    try:
        archive = zipfile.ZipFile(path)
        row_count, values = iter_sheet_rows(archive, sheet_limits())
    except TabularError:
        raise
    except SheetLimitExceeded as error:
        raise TabularError.about_file(error.message) from error
    except Exception as error:
        raise damaged_xlsx(error) from error
    try:
        columns = Columns()
        rows = xlsx_rows(values, columns)
        header = first_row(rows)
        yield Table(
            format="xlsx",
            header=header,
            rows=rows,
            row_count_hint=row_count - 1 if row_count and row_count > 1 else None,
            columns=columns,
        )
    finally:
        archive.close()


def damaged_xlsx(error: Exception) -> TabularError:
    return TabularError.about_file(
        _("The XLSX file is damaged and cannot be read (%(reason)s).")
        % {"reason": str(error) or error.__class__.__name__}
    )


def xlsx_rows(
    values: Iterator[tuple[int, Row]], columns: Columns
) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, row in values:
            if row and not is_blank(list(row.values())):
                yield number, row_cells(row, columns.width)
    except TabularError:
        raise
    except SheetLimitExceeded as error:
        raise TabularError.about_file(error.message) from error
    except Exception as error:
        raise damaged_xlsx(error) from error


@contextmanager
def open_table(path: Path | str) -> Iterator[Table]:
    """Open a CSV or XLSX file (told apart by content, not by name) as a Table."""
    path = Path(path)
    kind = sniff_format(path)
    opener = open_xlsx if kind == "xlsx" else open_csv
    with opener(path) as table:
        yield table
