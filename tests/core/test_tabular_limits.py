"""Hostile files: cells far to the right, over-long cells and lines, endless shared text.

Each file is small on disk (compression) but would take gigabytes if read naively. The reader
must refuse it with a message naming what is wrong, or read it, in bounded memory; through the
reader, the import service (as the worker runs it) and `kucun import`.
"""

from __future__ import annotations

import io
import random
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.core.management import call_command

from kucun.catalog.models import Item
from kucun.core.choices import JobStatus
from kucun.core.dataio import services
from kucun.core.dataio.importing import ImportOptions
from kucun.core.models import ImportRun
from kucun.core.tabular import TabularError, open_table
from kucun.core.tabular.xlsx import CONTENT_TYPES, ROOT_RELS, WORKBOOK, WORKBOOK_RELS

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MEGABYTE = 1024 * 1024
# Far below what the naive reader took on these files (hundreds of MB to many GB).
MEMORY_BOUND = 40 * MEGABYTE
T = TypeVar("T")


def measured(action: Callable[[], T]) -> tuple[T, int]:
    """The action's result and the peak of memory allocated while it ran."""
    tracemalloc.start()
    try:
        result = action()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def refusal(path: Path) -> tuple[str, int]:
    def read_all() -> None:
        with open_table(path) as table:
            table.keep_columns(2)
            for _row in table.rows:
                pass

    def read() -> str:
        with pytest.raises(TabularError) as caught:
            read_all()
        return caught.value.detail

    return measured(read)


def noise_block(size: int = MEGABYTE) -> bytes:
    """Text that deflates about 60 times: far under the bomb ratio, yet small on disk."""
    block = bytearray(b"A" * size)
    rnd = random.Random(7)
    for index in range(0, size, 128):
        block[index] = rnd.randrange(65, 91)
    return bytes(block)


def repeated(block: bytes, megabytes: int) -> Iterator[bytes]:
    for _ in range(megabytes * MEGABYTE // len(block)):
        yield block


def sheet_start() -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>sku</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
    ).encode()


SHEET_END = b"</sheetData></worksheet>"


def write_xlsx(
    path: Path, sheet: Iterable[bytes], shared_strings: Iterable[bytes] | None = None
) -> Path:
    """A workbook whose sheet (and shared text) parts are streamed from the given pieces."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.replace("{name}", "Sheet1"))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, pieces in (
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", shared_strings),
        ):
            if pieces is None:
                continue
            with archive.open(name, "w", force_zip64=True) as stream:
                for piece in pieces:
                    stream.write(piece)
    return path


def far_right_rows(rows: int, column: str) -> Iterator[bytes]:
    yield sheet_start()
    buffer = []
    for number in range(2, rows + 2):
        buffer.append(
            f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>SKU-{number}</t></is></c>'
            f'<c r="B{number}" t="inlineStr"><is><t>Item {number}</t></is></c>'
            f'<c r="{column}{number}"><v>7</v></c></row>'
        )
        if len(buffer) == 1000:
            yield "".join(buffer).encode()
            buffer.clear()
    yield "".join(buffer).encode()
    yield SHEET_END


def long_cell_sheet(megabytes: int) -> Iterator[bytes]:
    yield sheet_start()
    yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>SKU-1</t></is></c><c r="B2"><v>'
    yield from repeated(noise_block(), megabytes)
    yield b"</v></c></row>" + SHEET_END


def import_through_service(path: Path, settings: Any, tmp_path: Path) -> ImportRun:
    """Upload and run the import as the console and the worker do."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with path.open("rb") as upload:
        run = services.import_run_create(
            user=None,
            kind="items",
            upload=upload,
            original_name=path.name,
            size=path.stat().st_size,
            options=ImportOptions(),
        )
    services.import_run_execute(import_run_id=run.pk)
    run.refresh_from_db()
    return run


def import_through_cli(path: Path) -> tuple[int, str]:
    err = io.StringIO()
    try:
        call_command("import_data", "items", str(path), stdout=io.StringIO(), stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), err.getvalue()
    return 0, err.getvalue()


# -- columns ---------------------------------------------------------------------------
def test_a_cell_past_column_xfd_is_refused_naming_it(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "wide.xlsx", far_right_rows(3, "ZZZZZZ"))

    detail, peak = refusal(path)

    assert detail == "Cell ZZZZZZ2 is past column XFD, the last one a spreadsheet has: refused."
    assert peak < MEMORY_BOUND


@pytest.mark.django_db
def test_a_cell_past_column_xfd_is_refused_by_the_service_and_the_cli(
    tmp_path: Path, settings: Any
) -> None:
    path = write_xlsx(tmp_path / "wide.xlsx", far_right_rows(3, "ZZZZZZ"))
    message = "Cell ZZZZZZ2 is past column XFD, the last one a spreadsheet has: refused."

    run = import_through_service(path, settings, tmp_path)
    code, err = import_through_cli(path)

    assert (run.status, run.message) == (JobStatus.FAILED, message)
    assert (code, err) == (1, message + "\n")
    assert Item.objects.count() == 0


def test_cells_far_to_the_right_cost_no_memory(tmp_path: Path) -> None:
    # 5,000 rows with a cell at XFD: padded rows would take 16,384 slots each (GBs).
    path = write_xlsx(tmp_path / "far.xlsx", far_right_rows(5000, "XFD"))

    def read() -> list[tuple[int, list[str]]]:
        with open_table(path) as table:
            table.keep_columns(2)
            return list(table.rows)

    rows, peak = measured(read)

    assert len(rows) == 5000
    assert rows[0] == (2, ["SKU-2", "Item 2"])
    assert {len(cells) for _number, cells in rows} == {2}
    assert peak < MEMORY_BOUND


@pytest.mark.django_db
def test_cells_far_to_the_right_import_in_bounded_memory(tmp_path: Path, settings: Any) -> None:
    path = write_xlsx(tmp_path / "far.xlsx", far_right_rows(3000, "XFD"))

    run, peak = measured(lambda: import_through_service(path, settings, tmp_path))

    assert (run.status, run.created_count) == (JobStatus.SUCCEEDED, 3000)
    assert peak < 4 * MEMORY_BOUND


# -- long cells ------------------------------------------------------------------------
def test_a_100_mb_cell_is_refused_as_soon_as_it_passes_the_limit(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "long.xlsx", long_cell_sheet(100))
    assert path.stat().st_size < 5 * MEGABYTE

    detail, peak = refusal(path)

    assert detail == (
        "Cell B2 holds more than 32767 characters, more than a spreadsheet cell can: refused."
    )
    assert peak < MEMORY_BOUND


@pytest.mark.django_db
def test_a_100_mb_cell_is_refused_by_the_service_and_the_cli(tmp_path: Path, settings: Any) -> None:
    path = write_xlsx(tmp_path / "long.xlsx", long_cell_sheet(100))
    message = "Cell B2 holds more than 32767 characters, more than a spreadsheet cell can: refused."

    run, service_peak = measured(lambda: import_through_service(path, settings, tmp_path))
    (code, err), cli_peak = measured(lambda: import_through_cli(path))

    assert (run.status, run.message, run.rows_total) == (JobStatus.FAILED, message, 0)
    assert (code, err) == (1, message + "\n")
    assert service_peak < MEMORY_BOUND
    assert cli_peak < MEMORY_BOUND


def test_a_100_mb_shared_string_is_refused_while_streaming(tmp_path: Path) -> None:
    def shared() -> Iterator[bytes]:
        yield f'<?xml version="1.0"?><sst xmlns="{MAIN}"><si><t>'.encode()
        yield from repeated(noise_block(), 100)
        yield b"</t></si></sst>"

    path = write_xlsx(tmp_path / "shared.xlsx", [sheet_start(), SHEET_END], shared())

    detail, peak = refusal(path)

    assert detail == (
        "Shared text number 1 holds more than 32767 characters, more than a spreadsheet cell "
        "can: refused."
    )
    assert peak < MEMORY_BOUND


def test_too_many_shared_strings_are_refused(tmp_path: Path, settings: Any) -> None:
    settings.IMPORT_MAX_SHARED_STRINGS = 1000
    entries = "".join(f"<si><t>{number}</t></si>" for number in range(1001))
    shared = f'<?xml version="1.0"?><sst xmlns="{MAIN}">{entries}</sst>'.encode()
    path = write_xlsx(tmp_path / "shared.xlsx", [sheet_start(), SHEET_END], [shared])

    detail, _peak = refusal(path)

    assert detail == "The workbook's shared text holds more than 1000 entries: refused."


def test_shared_text_over_its_total_is_refused(tmp_path: Path, settings: Any) -> None:
    settings.IMPORT_MAX_SHARED_CHARS = 10_000
    entries = "".join(f"<si><t>{'x' * 100}</t></si>" for _ in range(101))
    shared = f'<?xml version="1.0"?><sst xmlns="{MAIN}">{entries}</sst>'.encode()
    path = write_xlsx(tmp_path / "shared.xlsx", [sheet_start(), SHEET_END], [shared])

    detail, _peak = refusal(path)

    assert detail == "The workbook's shared text holds more than 10000 characters: refused."


def test_an_endless_tag_is_refused(tmp_path: Path) -> None:
    def sheet() -> Iterator[bytes]:
        yield sheet_start()
        yield b'<row r="2"><c r="A2" custom="'
        yield from repeated(noise_block(), 50)
        yield b'"/></row>' + SHEET_END

    path = write_xlsx(tmp_path / "tag.xlsx", sheet())

    detail, peak = refusal(path)

    assert detail == "The workbook holds an XML element longer than 4 MB: refused."
    assert peak < MEMORY_BOUND


# -- rows ------------------------------------------------------------------------------
def test_a_row_past_the_last_spreadsheet_row_is_refused(tmp_path: Path) -> None:
    sheet = sheet_start() + b'<row r="1048577"><c r="A1048577"><v>1</v></c></row>' + SHEET_END
    path = write_xlsx(tmp_path / "tall.xlsx", [sheet])

    detail, _peak = refusal(path)

    assert detail == "Row 1048577 is past row 1048576, the last one a spreadsheet has: refused."


def test_more_row_elements_than_the_row_limit_are_refused(tmp_path: Path, settings: Any) -> None:
    # Rows that keep restarting at 2 would otherwise never end.
    settings.IMPORT_MAX_ROWS = 1000
    rows = b'<row r="2"><c r="A2"><v>1</v></c></row>' * 1000
    path = write_xlsx(tmp_path / "tall.xlsx", [sheet_start(), rows, SHEET_END])

    detail, _peak = refusal(path)

    assert detail == "Row 2 is past row 1000, the last one a spreadsheet has: refused."


# -- CSV -------------------------------------------------------------------------------
def test_a_csv_line_with_no_line_break_is_refused_without_reading_it_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "line.csv"
    with path.open("wb") as handle:
        handle.write(b"sku,name\nA,Apple\n")
        for block in repeated(noise_block(), 40):
            handle.write(block)

    detail, peak = refusal(path)

    assert detail == "Line 3 is longer than 1048576 characters: refused."
    assert peak < MEMORY_BOUND


@pytest.mark.django_db
def test_a_csv_line_with_no_line_break_is_refused_by_the_service_and_the_cli(
    tmp_path: Path, settings: Any
) -> None:
    path = tmp_path / "line.csv"
    with path.open("wb") as handle:
        handle.write(b"sku,name\nA,Apple\n")
        for block in repeated(noise_block(), 40):
            handle.write(block)
    message = "Line 3 is longer than 1048576 characters: refused."

    run, service_peak = measured(lambda: import_through_service(path, settings, tmp_path))
    (code, err), cli_peak = measured(lambda: import_through_cli(path))

    assert (run.status, run.message) == (JobStatus.FAILED, message)
    assert (code, err) == (1, message + "\n")
    assert service_peak < MEMORY_BOUND
    assert cli_peak < MEMORY_BOUND
    assert Item.objects.count() == 0


def test_a_csv_cell_over_the_cell_limit_is_refused_naming_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "cell.csv"
    path.write_text("sku,name\nA,Apple\nB," + "b" * 40_000 + "\n")

    detail, _peak = refusal(path)

    assert detail == (
        "Row 3, column 2 holds more than 32767 characters, more than a spreadsheet cell can: "
        "refused."
    )


def test_csv_rows_are_cut_to_the_columns_read(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("sku,name,extra\nA,Apple,x\n")

    with open_table(path) as table:
        table.keep_columns(2)
        rows = list(table.rows)

    assert rows == [(2, ["A", "Apple"])]
