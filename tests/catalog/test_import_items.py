"""Importing items: every bad row reported (row, column, message) with nothing written;
creating and updating by SKU; Chinese headers and encodings; XLSX; only-valid-rows."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kucun.catalog.models import Item
from kucun.core.choices import JobStatus
from kucun.core.tabular import write_table
from tests.core.dataio_support import errors_of, run_import, write_csv
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "sku,name,barcode,unit,weight_g,length_mm,width_mm,height_mm,cost_price,safety_stock,"
    "reorder_point,active,notes\n"
)


def item_values(sku: str) -> dict[str, object]:
    return (
        Item.objects.filter(sku=sku)
        .values(
            "sku",
            "name",
            "barcode",
            "unit",
            "weight_g",
            "length_mm",
            "width_mm",
            "height_mm",
            "cost_price",
            "safety_stock",
            "reorder_point",
            "active",
            "notes",
            "is_bundle",
        )
        .get()
    )


def test_new_items_are_created_with_every_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        HEADER
        + "BEER-DOZEN,Pale ale dozen,9300000000017,box,4200,400,270,250,38.50,2,10,yes,cold\n"
        + "TEA,Green tea,,,,,,,,,,,\n",
    )

    run, result = run_import("items", path)

    assert result.complete
    assert (result.created, result.updated, result.failed_rows) == (2, 0, 0)
    assert (run.status, run.created_count, run.rows_total, run.source) == (
        JobStatus.SUCCEEDED,
        2,
        2,
        "kucun",
    )
    assert item_values("BEER-DOZEN") == {
        "sku": "BEER-DOZEN",
        "name": "Pale ale dozen",
        "barcode": "9300000000017",
        "unit": "box",
        "weight_g": 4200,
        "length_mm": 400,
        "width_mm": 270,
        "height_mm": 250,
        "cost_price": Decimal("38.50"),
        "safety_stock": 2,
        "reorder_point": 10,
        "active": True,
        "notes": "cold",
        "is_bundle": False,
    }
    assert item_values("TEA") == {
        "sku": "TEA",
        "name": "Green tea",
        "barcode": None,
        "unit": "each",
        "weight_g": None,
        "length_mm": None,
        "width_mm": None,
        "height_mm": None,
        "cost_price": Decimal("0.00"),
        "safety_stock": 0,
        "reorder_point": 0,
        "active": True,
        "notes": "",
        "is_bundle": False,
    }


def test_existing_sku_is_updated_ignoring_case_and_blank_cells_keep_values(
    tmp_path: Path,
) -> None:
    ItemFactory(sku="BEER-DOZEN", name="Old", barcode="111", weight_g=100, cost_price=5)
    path = write_csv(tmp_path, "sku,name,barcode,weight_g,active\nbeer-dozen,New name,,,no\n")

    _run, result = run_import("items", path)

    assert (result.created, result.updated) == (0, 1)
    values = item_values("BEER-DOZEN")
    assert (values["name"], values["barcode"], values["weight_g"], values["active"]) == (
        "New name",
        "111",
        100,
        False,
    )
    assert values["cost_price"] == Decimal("5.00")


def test_unchanged_rows_are_not_counted_as_updated(tmp_path: Path) -> None:
    ItemFactory(sku="A", name="Apple")
    path = write_csv(tmp_path, "sku,name\nA,Apple\n")

    _run, result = run_import("items", path)

    assert result.complete
    assert (result.created, result.updated) == (0, 0)


def assert_refused(path: Path, expected: list[tuple[int, str, str]], items_before: int) -> None:
    run, result = run_import("items", path)
    assert errors_of(result) == expected
    assert not result.written
    assert run.status == JobStatus.FAILED
    assert Item.objects.count() == items_before
    assert result.message.endswith(
        "rows have errors: nothing was written. Correct them and upload the file again, "
        "or choose to import only the valid rows."
    )


def test_missing_sku(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name\nA,Apple\n,Banana\n")
    assert_refused(path, [(3, "sku", "SKU is required: enter the item's stock-keeping code.")], 0)


def test_same_sku_twice_in_the_file_ignoring_case(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name\nA-1,Apple\nB,Banana\na-1,Again\n")
    assert_refused(path, [(4, "sku", "SKU a-1 appears again: it is already on row 2.")], 0)


def test_missing_name_for_a_new_item(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name\nA,\n")
    assert_refused(
        path, [(2, "name", "Name is required for a new item: enter what it is called.")], 0
    )


def test_text_too_long(tmp_path: Path) -> None:
    long_name = "n" * 256
    path = write_csv(tmp_path, f"sku,name\nA,{long_name}\n{'S' * 65},Fine\n")
    assert_refused(
        path,
        [
            (2, "name", "Name is 256 characters long: use at most 255."),
            (3, "sku", "SKU is 65 characters long: use at most 64."),
        ],
        0,
    )


def test_numbers_that_are_not_whole_or_negative(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "sku,name,weight_g,reorder_point,cost_price,active\nA,Apple,heavy,-1,12.345,maybe\n",
    )
    assert_refused(
        path,
        [
            (2, "weight_g", "Weight (g) must be a whole number."),
            (2, "cost_price", "Cost price has more than two decimal places: round it to cents."),
            (2, "reorder_point", "Reorder point cannot be negative (got -1): enter 0 or more."),
            (2, "active", "Write yes or no (true/false, 1/0, 是/否), not “maybe”."),
        ],
        0,
    )


def test_barcode_twice_in_the_file_and_barcode_of_another_item(tmp_path: Path) -> None:
    ItemFactory(sku="OLD", barcode="930")
    path = write_csv(tmp_path, "sku,name,barcode\nA,Apple,111\nB,Banana,111\nC,Cherry,930\n")
    assert_refused(
        path,
        [
            (3, "barcode", "Barcode 111 appears again: it is already on row 2."),
            (4, "barcode", "Barcode 930 already belongs to item OLD."),
        ],
        1,
    )


def test_barcode_moves_between_items_in_one_file(tmp_path: Path) -> None:
    ItemFactory(sku="OLD", barcode="930")
    path = write_csv(tmp_path, "sku,name,barcode\nOLD,Old,931\nNEW,New,930\n")

    _run, result = run_import("items", path)

    assert result.complete
    assert dict(Item.objects.values_list("sku", "barcode")) == {"OLD": "931", "NEW": "930"}


def test_missing_required_column_is_a_file_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "code,title\nA,Apple\n")

    _run, result = run_import("items", path)

    assert result.message == (
        "The header row has no sku, name column. The first row must name the columns, as in "
        "the template: sku, name, barcode, unit, weight_g, length_mm, width_mm, height_mm, "
        "cost_price, safety_stock, reorder_point, active, notes."
    )
    assert not result.written
    assert Item.objects.count() == 0


def test_header_only_file_writes_nothing(tmp_path: Path) -> None:
    _run, result = run_import("items", write_csv(tmp_path, "sku,name\n"))
    assert result.message == "The file has a header row but no data rows: nothing to import."
    assert not result.written


def test_chinese_headers_in_gb18030(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "货品编码,商品名称,条码,单位,重量(克),成本价,安全库存,备注\n"
        "QD-12,青岛啤酒 一打,6901035603010,打,4200,38.5,3,冷藏\n",
        encoding="gb18030",
    )

    _run, result = run_import("items", path)

    assert result.complete
    values = item_values("QD-12")
    assert (values["name"], values["barcode"], values["unit"], values["weight_g"]) == (
        "青岛啤酒 一打",
        "6901035603010",
        "打",
        4200,
    )
    assert (values["cost_price"], values["safety_stock"], values["notes"]) == (
        Decimal("38.50"),
        3,
        "冷藏",
    )


def test_error_names_the_column_as_written_in_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "货品编码,名称,重量（克）\nA,苹果,重\n", encoding="utf-8-sig")
    assert_refused(path, [(2, "重量（克）", "Weight (g) must be a whole number.")], 0)


def test_xlsx_import(tmp_path: Path) -> None:
    path = tmp_path / "items.xlsx"
    write_table(
        path,
        "xlsx",
        ["sku", "name", "weight_g", "cost_price"],
        [["X-1", "Widget", 120, Decimal("9.90")], ["X-2", "Gadget", None, None]],
    )

    _run, result = run_import("items", path)

    assert result.complete
    assert result.file_format == "xlsx"
    assert list(Item.objects.order_by("sku").values_list("sku", "weight_g", "cost_price")) == [
        ("X-1", 120, Decimal("9.90")),
        ("X-2", None, Decimal("0.00")),
    ]


def test_valid_rows_only_writes_the_good_rows_and_reports_the_bad(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name,weight_g\nA,Apple,1\nB,Banana,x\nC,Cherry,3\n")

    run, result = run_import("items", path, valid_rows_only=True)

    assert result.written
    assert not result.complete
    assert errors_of(result) == [(3, "weight_g", "Weight (g) must be a whole number.")]
    assert sorted(Item.objects.values_list("sku", flat=True)) == ["A", "C"]
    assert (run.created_count, run.failed_count, run.status) == (2, 1, JobStatus.SUCCEEDED)
    assert run.error_report


def test_escaped_formula_text_comes_back_unescaped(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name\nF-1,'=SUM(A1)\n")

    _run, result = run_import("items", path)

    assert result.complete
    assert Item.objects.get(sku="F-1").name == "=SUM(A1)"
