"""The import engine: read, map the header, validate every row, then write all or nothing.

An importer (one per kind) validates rows into plain records without touching the database
row by row: it loads what it needs to look up (the rows a file refers to) in a few queries first.
Writing happens only when validation found no error, or when the person chose to import the
valid rows only; it runs in one transaction, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django import forms
from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kucun.core.dataio.columns import Column, HeaderMap, map_header
from kucun.core.dataio.rows import RowError
from kucun.core.errors import DomainError
from kucun.core.tabular import Table, TabularError, open_table, unescape_cell

ProgressCallback = Callable[[int, int], None]
StrOrPromise = str | Promise


class ImportOptions:
    """How one import runs: ``valid_rows_only`` (every kind) and the options its kind's importer
    declares (``Importer.option_types``), read as attributes. Core names none of them."""

    def __init__(self, valid_rows_only: bool = False, **values: Any) -> None:
        self.valid_rows_only = valid_rows_only
        self.values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ImportOptions) and self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ImportOptions({self.as_dict()!r})"

    def with_defaults(self, defaults: dict[str, Any]) -> ImportOptions:
        """These options, with a default for each one not given."""
        return ImportOptions(self.valid_rows_only, **{**defaults, **self.values})

    def replace(self, **values: Any) -> ImportOptions:
        return ImportOptions(self.valid_rows_only, **{**self.values, **values})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportOptions:
        values = dict(data)
        return cls(values.pop("valid_rows_only", False), **values)

    def as_dict(self) -> dict[str, Any]:
        return {"valid_rows_only": self.valid_rows_only, **self.values}


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    document: str = ""


@dataclass
class ImportResult:
    """What happened: written only when ``written`` is true."""

    rows_total: int = 0
    created: int = 0
    updated: int = 0
    failed_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    message: str = ""
    source: str = ""
    file_format: str = ""
    document: str = ""
    written: bool = False

    @property
    def complete(self) -> bool:
        """Every row was written (the CLI's exit status 0)."""
        return self.written and not self.errors


class Importer:
    """Base of each kind's importer. Subclasses define columns, validate_row and write.

    A kind that needs more than the file (where to put the rows, whether to post) declares those
    options: ``option_fields`` gives the console's form fields and ``clean_options`` refuses
    bad values before anything is stored.
    """

    kind: ClassVar[str] = ""
    kind_label: ClassVar[StrOrPromise] = ""
    columns: ClassVar[tuple[Column, ...]] = ()

    # The options this kind takes beyond the file: name -> (type, default). The API refuses
    # an option no kind declares, or a value of another type.
    option_types: ClassVar[dict[str, tuple[type, Any]]] = {}

    @classmethod
    def option_defaults(cls) -> dict[str, Any]:
        return {name: default for name, (_type, default) in cls.option_types.items()}

    @classmethod
    def option_fields(cls) -> dict[str, forms.Field]:
        """The console form's fields for this kind's options, by option name."""
        return {}

    @classmethod
    def clean_options(cls, options: ImportOptions) -> ImportOptions:
        """The options tidied, or refused if this kind cannot use them (raise
        ValidationFailed naming the option)."""
        return options

    def __init__(self, *, user: Any, options: ImportOptions) -> None:
        self.user = user
        self.options = options.with_defaults(self.option_defaults())
        self.errors: list[RowError] = []
        self.failed: set[int] = set()
        self.rows_seen = 0
        self.source = ""
        self.header_map = HeaderMap(positions={}, labels={})

    # -- header -------------------------------------------------------------------------
    def prepare(self, header: list[str]) -> None:
        """Map the header row; subclasses may recognise other layouts (Shopify, eBay)."""
        self.header_map = map_header(header, self.columns)

    def label(self, key: str) -> str:
        return self.header_map.labels.get(key, key)

    def columns_read(self) -> int:
        """How many columns of each row this importer looks at: up to its rightmost mapped
        column. The reader builds no more of a row than that."""
        return max(self.header_map.positions.values(), default=-1) + 1

    def cell_reader(self) -> Callable[[list[str], str], str]:
        positions = self.header_map.positions

        def cell(cells: list[str], key: str) -> str:
            index = positions.get(key)
            if index is None or index >= len(cells):
                return ""
            value = cells[index]
            if value[:1] == "'":
                value = unescape_cell(value)
            return value.strip()

        return cell

    # -- validation ---------------------------------------------------------------------
    def error(self, row: int, key: str, message: str, value: str = "") -> None:
        self.errors.append(RowError(row=row, column=self.label(key), message=message, value=value))
        self.failed.add(row)

    def validate(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        cell = self.cell_reader()
        for number, cells in rows:
            self.rows_seen += 1
            self.validate_row(number, cells, cell)
        self.finish_validation()

    def validate_row(
        self, number: int, cells: list[str], cell: Callable[[list[str], str], str]
    ) -> None:
        raise NotImplementedError

    def finish_validation(self) -> None:
        """Checks across rows (that they agree with each other); runs after every row is read."""

    @property
    def valid_count(self) -> int:
        return self.rows_seen - len(self.failed)

    # -- writing ------------------------------------------------------------------------
    def write(self) -> WriteCounts:
        """Write the valid records; called inside a transaction."""
        raise NotImplementedError


def counted_rows(
    rows: Iterator[tuple[int, list[str]]], total: int, progress: ProgressCallback | None
) -> Iterator[tuple[int, list[str]]]:
    """Pass rows through, reporting progress at most every half second."""
    if progress is None:
        yield from rows
        return
    done = 0
    last = time.monotonic()
    for row in rows:
        done += 1
        yield row
        if done % 500 == 0:
            now = time.monotonic()
            if now - last >= 0.5:
                progress(done, max(total, done))
                last = now
    progress(done, max(total, done))


def sorted_errors(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda error: error.row)


def import_file(
    *,
    importer: Importer,
    path: Path | str,
    progress: ProgressCallback | None = None,
    on_written: Callable[[WriteCounts], None] | None = None,
) -> ImportResult:
    """Validate the whole file, then write everything, or the valid rows only, or nothing."""
    result = ImportResult()
    try:
        with open_table(path) as table:
            result.file_format = table.format
            importer.prepare(table.header)
            table.keep_columns(importer.columns_read())
            result.source = importer.source
            validate_table(importer, table, progress)
    except TabularError as error:
        result.message = error.detail
        result.errors = sorted_errors(importer.errors)
        result.rows_total = importer.rows_seen
        return result
    result.rows_total = importer.rows_seen
    result.errors = sorted_errors(importer.errors)
    result.failed_rows = len(importer.failed)
    if importer.rows_seen == 0:
        result.message = _("The file has a header row but no data rows: nothing to import.")
        return result
    if result.errors and not importer.options.valid_rows_only:
        result.message = _(
            "%(rows)d of %(total)d rows have errors: nothing was written. Correct them and "
            "upload the file again, or choose to import only the valid rows."
        ) % {"rows": result.failed_rows, "total": result.rows_total}
        return result
    if importer.valid_count == 0:
        result.message = _("No row is valid: nothing was written.")
        return result
    try:
        with transaction.atomic():
            counts = importer.write()
            if on_written is not None:
                on_written(counts)
    except DomainError as error:
        result.message = _("Nothing was written: %(reason)s") % {"reason": error.detail}
        return result
    except IntegrityError:
        result.message = _(
            "Nothing was written: the data changed while the file was being imported "
            "(another person or import saved the same rows first). Upload it again."
        )
        return result
    result.created, result.updated, result.document = (
        counts.created,
        counts.updated,
        counts.document,
    )
    result.written = True
    result.message = summary_message(result)
    return result


def validate_table(importer: Importer, table: Table, progress: ProgressCallback | None) -> None:
    total = table.row_count_hint or 0
    importer.validate(counted_rows(table.rows, total, progress))


def summary_message(result: ImportResult) -> str:
    message = _("%(created)d created, %(updated)d updated.") % {
        "created": result.created,
        "updated": result.updated,
    }
    if result.failed_rows:
        message += " " + _("%(failed)d rows with errors were left out.") % {
            "failed": result.failed_rows
        }
    if result.document:
        message += " " + _("Document %(document)s.") % {"document": result.document}
    return message
