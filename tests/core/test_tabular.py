"""Reading and writing tables: encodings, XLSX both ways, refusals, formula escaping."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kucun.core.tabular import (
    TabularError,
    escape_cell,
    open_table,
    unescape_cell,
    write_table,
)


def read_all(path: Path) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    with open_table(path) as table:
        return table.format, table.header, list(table.rows)


CHINESE_ROWS = "sku,名称\nA-1,青岛啤酒 一打\nA-2,绿茶\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("gbk", b"")],
)
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes(prefix + CHINESE_ROWS.encode(encoding))

    file_format, header, rows = read_all(path)

    assert file_format == "csv"
    assert header == ["sku", "名称"]
    assert rows == [(2, ["A-1", "青岛啤酒 一打"]), (3, ["A-2", "绿茶"])]


def test_csv_semicolons_and_blank_rows_keep_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text('sku;name\n\nA;Apple\n;\nB;"Banana; ripe"\n', encoding="utf-8")

    _format, header, rows = read_all(path)

    assert header == ["sku", "name"]
    assert rows == [(3, ["A", "Apple"]), (5, ["B", "Banana; ripe"])]


def test_text_in_no_known_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes(b"sku,name\nA,\x81\x20\xff\xfe\n")

    with pytest.raises(TabularError) as caught:
        read_all(path)

    assert caught.value.detail == (
        "The file is not UTF-8 or GB18030/GBK text. In your spreadsheet program choose "
        "“Save as CSV UTF-8”, or upload XLSX."
    )


def test_xlsx_written_by_openpyxl_is_read(tmp_path: Path) -> None:
    path = tmp_path / "items.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["sku", "name", "weight_g", "cost_price", "active"])
    sheet.append(["A-1", "青岛啤酒", 4200, 12.5, True])
    sheet.append([None, None, None, None, None])
    sheet.append(["A-2", "Tea", 250.0, 3, False])
    sheet["G4"] = "far right"
    workbook.save(path)

    file_format, header, rows = read_all(path)

    assert file_format == "xlsx"
    assert header == ["sku", "name", "weight_g", "cost_price", "active"]
    assert rows == [
        (2, ["A-1", "青岛啤酒", "4200", "12.5", "true"]),
        (4, ["A-2", "Tea", "250", "3", "false", "", "far right"]),
    ]


def test_xlsx_written_here_is_read_by_openpyxl_and_by_us(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    rows = [["A-1", "青岛啤酒 <一打> & more", 4200, None, " padded "]]

    write_table(path, "xlsx", ["sku", "name", "weight_g", "barcode", "notes"], rows)

    sheet = openpyxl.load_workbook(path).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["sku", "name", "weight_g", "barcode", "notes"],
        ["A-1", "青岛啤酒 <一打> & more", 4200, None, " padded "],
    ]
    assert read_all(path)[2] == [(2, ["A-1", "青岛啤酒 <一打> & more", "4200", "", " padded "])]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_formula_cells_are_escaped_on_export(tmp_path: Path, file_format: str) -> None:
    path = tmp_path / f"out.{file_format}"
    dangerous = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "\rCR", "'=quoted"]

    write_table(path, file_format, ["text", "number"], [[value, -5] for value in dangerous])

    if file_format == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            written = list(csv.reader(handle))[1:]
        assert [row[0] for row in written] == ["'" + value for value in dangerous]
        assert {row[1] for row in written} == {"-5"}
    else:
        sheet = openpyxl.load_workbook(path).active
        cells = list(sheet.iter_rows(min_row=2, values_only=True))
        assert [row[0] for row in cells] == ["'" + value for value in dangerous]
        assert {row[1] for row in cells} == {-5}
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize(
    "value", ["", "plain", "=A1", "'=A1", "''=A1", "'", "'plain", "-", "a=b", "@", "\t"]
)
def test_escaping_round_trips_exactly(value: str) -> None:
    assert unescape_cell(escape_cell(value)) == value


def test_plain_text_is_not_escaped() -> None:
    assert escape_cell("Beer 4-pack") == "Beer 4-pack"
    assert escape_cell("'quoted") == "'quoted"


def refused(path: Path) -> str:
    with pytest.raises(TabularError) as caught:
        read_all(path)
    assert caught.value.errors[0].field == "file"
    return caught.value.detail


def test_oversized_file_is_refused(tmp_path: Path, settings: object) -> None:
    settings.IMPORT_MAX_BYTES = 1024  # type: ignore[attr-defined]
    path = tmp_path / "big.csv"
    path.write_text("sku,name\n" + "A,B\n" * 600)

    assert refused(path) == "The file is 0.0 MB; the largest file accepted is 0.0 MB."


def test_oversized_message_names_the_sizes(tmp_path: Path, settings: object) -> None:
    settings.IMPORT_MAX_BYTES = 1024 * 1024  # type: ignore[attr-defined]
    path = tmp_path / "big.csv"
    path.write_bytes(b"sku,name\n" + b"A,B\n" * 400_000)

    assert refused(path) == "The file is 1.5 MB; the largest file accepted is 1.0 MB."


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert refused(path) == "The file is empty."


def test_pdf_is_refused_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert refused(path) == "This is not a spreadsheet (it looks like a PDF): upload CSV or XLSX."


def test_old_excel_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "items.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert refused(path) == (
        "Old Excel .xls files cannot be read: save the sheet as .xlsx or CSV UTF-8."
    )


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"sku\x00\x01\x02name\x00" * 10)
    assert refused(path) == (
        "This is not a text or spreadsheet file: upload CSV (UTF-8 or GBK) or XLSX."
    )


def test_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "hello")
    assert refused(path) == "This ZIP archive is not an XLSX workbook: upload CSV or XLSX."


def test_corrupted_xlsx_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    write_table(good, "xlsx", ["sku", "name"], [["A", "B"]] * 50)
    path = tmp_path / "broken.xlsx"
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    assert refused(path).startswith("The XLSX file is damaged and cannot be opened (")


def test_xlsx_with_broken_sheet_xml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    good = tmp_path / "good.xlsx"
    write_table(good, "xlsx", ["sku", "name"], [["A", "B"]])
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row><c>")
            target.writestr(info, data)

    assert refused(path).startswith("The XLSX file is damaged and cannot be read (")


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    good = tmp_path / "good.xlsx"
    write_table(good, "xlsx", ["sku", "name"], [["A", "B"]])
    with (
        zipfile.ZipFile(good) as source,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        target.writestr("xl/media/padding.bin", b"\x00" * (64 * 1024 * 1024))

    detail = refused(path)

    assert detail.startswith("The XLSX file expands ")
    assert "a decompression bomb" in detail


def test_total_expansion_over_the_limit_is_refused(tmp_path: Path, settings: object) -> None:
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2000  # type: ignore[attr-defined]
    path = tmp_path / "wide.xlsx"
    write_table(path, "xlsx", ["sku", "name"], [[f"SKU-{n}", "x" * 40] for n in range(200)])

    assert refused(path).startswith("The XLSX file expands to ")


def test_workbook_declaring_a_dtd_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    write_table(good, "xlsx", ["sku", "name"], [["A", "B"]])
    path = tmp_path / "entities.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"?>\n", b'?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>', 1)
            target.writestr(info, data)

    assert refused(path) == (
        "The XLSX file is damaged and cannot be read (the workbook declares a DTD)."
    )


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes(b"sku,name\n")
    assert read_all(path) == ("csv", ["sku", "name"], [])


def test_whitespace_only_file_has_no_header(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes(b"\n \n")
    assert refused(path) == "The file has no header row: it holds no table."


def test_csv_writer_uses_bom_so_excel_reads_chinese(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_table(path, "csv", ["sku", "name"], [["A", "青岛啤酒"]])
    assert path.read_bytes().startswith(b"\xef\xbb\xbfsku,name\r\nA,")
    assert io.StringIO(path.read_text("utf-8-sig")).read().splitlines()[1] == "A,青岛啤酒"
