"""Importing a receipt (opening stock) and stocktake counts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kucun.catalog.models import Item
from kucun.inventory.choices import DocumentStatus, StocktakeStatus
from kucun.inventory.models import BinStock, Receipt, StockMove, Stocktake
from tests.core.dataio_support import errors_of, run_import, write_csv
from tests.inventory.conftest import Site, build_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(item_factory: Callable[..., Item]) -> dict[str, Item]:
    return {sku: item_factory(sku) for sku in ("ALE", "TEA")}


def nothing_written() -> bool:
    return not (
        Receipt.objects.exists() or Stocktake.objects.exists() or StockMove.objects.exists()
    )


def on_hand() -> dict[tuple[str, str], int]:
    return {
        (sku, code): qty
        for sku, code, qty in BinStock.objects.filter(on_hand__gt=0).values_list(
            "item__sku", "location__code", "on_hand"
        )
    }


def test_receipt_posted_into_bins_and_the_receiving_bin(
    tmp_path: Path, site: Site, items: dict[str, Item]
) -> None:
    path = write_csv(tmp_path, "sku,qty,bin\nALE,24,p-01\ntea,10,\n")

    run, result = run_import("receipt", path, warehouse="MEL", post=True, receipt_kind="other")

    assert result.complete, errors_of(result)
    receipt = Receipt.objects.get()
    assert (receipt.status, receipt.warehouse.code, receipt.kind) == (
        DocumentStatus.POSTED,
        "MEL",
        "other",
    )
    assert run.document == receipt.number
    assert on_hand() == {("ALE", "P-01"): 24, ("TEA", "RECEIVING"): 10}


def test_receipt_left_as_draft_with_warehouse_column_in_chinese(
    tmp_path: Path, site: Site, items: dict[str, Item]
) -> None:
    path = write_csv(tmp_path, "仓库,货品编码,数量,货位\nMEL,ALE,5,S-01\nmel,TEA,1,S-02\n")

    _run, result = run_import("receipt", path)

    assert result.complete, errors_of(result)
    assert Receipt.objects.get().status == DocumentStatus.DRAFT
    assert on_hand() == {}


def test_receipt_bad_rows(
    tmp_path: Path, site: Site, other_site: Site, items: dict[str, Item]
) -> None:
    path = write_csv(
        tmp_path,
        "warehouse,sku,qty,bin\n"
        "MEL,ALE,5,P-01\n"
        "MEL,GHOST,1,P-01\n"
        "MEL,TEA,-3,P-01\n"
        "MEL,TEA,2,Z-99\n"
        "SYD,TEA,2,P-01\n"
        "MEL,TEA,two,\n",
    )

    _run, result = run_import("receipt", path, post=True)

    assert errors_of(result) == [
        (3, "sku", "Unknown SKU GHOST."),
        (4, "qty", "Quantity must be a whole number above zero, not “-3”."),
        (5, "bin", "Unknown bin Z-99 in warehouse MEL."),
        (6, "warehouse", "A file holds one receipt for one warehouse: row 2 names MEL."),
        (7, "qty", "Quantity must be a whole number above zero, not “two”."),
    ]
    assert nothing_written()


def test_receipt_refuses_a_bundle_row_naming_its_components(
    tmp_path: Path, site: Site, items: dict[str, Item]
) -> None:
    build_bundle("PACK", [(items["ALE"], 2), (items["TEA"], 1)])
    path = write_csv(tmp_path, "sku,qty,bin\nALE,24,P-01\npack,3,S-01\n")

    _run, result = run_import("receipt", path, warehouse="MEL", post=True)

    assert errors_of(result) == [
        (
            3,
            "sku",
            "PACK is a bundle, which holds no stock: enter its components instead "
            "(per bundle: 2 × ALE, 1 × TEA).",
        )
    ]
    assert nothing_written()


def test_receipt_unknown_warehouse_in_the_column(
    tmp_path: Path, site: Site, items: dict[str, Item]
) -> None:
    path = write_csv(tmp_path, "warehouse,sku,qty\nBNE,ALE,5\n")

    _run, result = run_import("receipt", path)

    assert errors_of(result) == [(2, "warehouse", "Unknown warehouse BNE.")]
    assert nothing_written()


def test_receipt_without_any_warehouse_is_refused(
    tmp_path: Path, site: Site, items: dict[str, Item]
) -> None:
    _run, result = run_import("receipt", write_csv(tmp_path, "sku,qty\nALE,5\n"))

    assert result.message == (
        "Choose the warehouse to receive into, or add a warehouse column to the file."
    )
    assert nothing_written()


def test_receipt_option_and_column_disagree(
    tmp_path: Path, site: Site, other_site: Site, items: dict[str, Item]
) -> None:
    path = write_csv(tmp_path, "warehouse,sku,qty\nSYD,ALE,5\n")

    _run, result = run_import("receipt", path, warehouse="MEL")

    assert errors_of(result) == [
        (2, "warehouse", "This receipt goes to warehouse MEL, but the row names SYD.")
    ]
    assert nothing_written()


def test_receipt_valid_rows_only(tmp_path: Path, site: Site, items: dict[str, Item]) -> None:
    path = write_csv(tmp_path, "sku,qty,bin\nALE,24,P-01\nGHOST,1,\n")

    _run, result = run_import("receipt", path, warehouse="MEL", post=True, valid_rows_only=True)

    assert result.written
    assert result.created == 1
    assert on_hand() == {("ALE", "P-01"): 24}


def test_stocktake_counts_into_a_new_stocktake_and_post(
    tmp_path: Path, site: Site, items: dict[str, Item]
) -> None:
    run_import(
        "receipt",
        write_csv(tmp_path, "sku,qty,bin\nALE,10,P-01\n", "r.csv"),
        warehouse="MEL",
        post=True,
    )
    path = write_csv(tmp_path, "货位,货品编码,实盘数量\nP-01,ALE,7\nS-01,TEA,3\n")

    run, result = run_import("stocktake", path, warehouse="MEL", post=True)

    assert result.complete, errors_of(result)
    stocktake = Stocktake.objects.get()
    assert stocktake.status == StocktakeStatus.POSTED
    assert run.document == stocktake.number
    assert on_hand() == {("ALE", "P-01"): 7, ("TEA", "S-01"): 3}


def test_stocktake_counts_left_open(tmp_path: Path, site: Site, items: dict[str, Item]) -> None:
    path = write_csv(tmp_path, "bin,sku,counted\nP-01,ALE,0\n")

    _run, result = run_import("stocktake", path, warehouse="MEL")

    assert result.complete, errors_of(result)
    assert Stocktake.objects.get().status in {StocktakeStatus.DRAFT, StocktakeStatus.COUNTING}
    assert not StockMove.objects.exists()


def test_stocktake_bad_rows(tmp_path: Path, site: Site, items: dict[str, Item]) -> None:
    build_bundle("PACK", [(items["ALE"], 2)])
    path = write_csv(
        tmp_path,
        "bin,sku,counted\n"
        "P-01,ALE,5\n"
        "p-01,ale,6\n"
        ",TEA,1\n"
        "P-01,TEA,-1\n"
        "NOPE,TEA,1\n"
        "P-02,PACK,1\n"
        "P-02,GHOST,1\n",
    )

    _run, result = run_import("stocktake", path, warehouse="MEL", post=True)

    assert errors_of(result) == [
        (3, "sku", "ale in bin p-01 is already counted on row 2."),
        (4, "bin", "Bin is required: enter the bin that was counted."),
        (5, "counted", "Counted quantity must be a whole number of 0 or more, not “-1”."),
        (6, "bin", "Unknown bin NOPE in warehouse MEL."),
        (7, "sku", "PACK is a bundle, which holds no stock: count its components."),
        (8, "sku", "Unknown SKU GHOST."),
    ]
    assert nothing_written()
