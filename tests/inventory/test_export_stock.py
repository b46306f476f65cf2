"""Exporting stock per item × warehouse, per bin, and the filtered movements."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kucun.catalog.models import Item
from kucun.inventory.services import DocumentLineInput, receipt_create
from tests.inventory.conftest import Site, build_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(site: Site, other_site: Site, item_factory: Callable[..., Item]) -> None:
    ale, tea = item_factory("ALE"), item_factory("TEA")
    build_bundle("ALE-2", [(ale, 2)])
    receipt_create(
        user=None,
        warehouse="MEL",
        kind="purchase",
        reference="PO-1",
        post=True,
        lines=[DocumentLineInput("ALE", 10, "P-01"), DocumentLineInput("TEA", 4, "S-01")],
    )
    receipt_create(
        user=None,
        warehouse="SYD",
        kind="purchase",
        reference="PO-2",
        post=True,
        lines=[DocumentLineInput("ALE", 3, "P-02")],
    )
    assert tea


def export(tmp_path: Path, kind: str, *filters: str) -> list[list[str]]:
    path = tmp_path / f"{kind}.csv"
    args = [arg for name_value in filters for arg in ("--filter", name_value)]
    call_command("export_data", kind, str(path), *args)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_stock_per_item_and_warehouse(tmp_path: Path, stocked: None) -> None:
    assert export(tmp_path, "stock") == [
        ["sku", "name", "warehouse", "on_hand", "allocated", "available"],
        ["ALE", "Item ALE", "MEL", "10", "0", "10"],
        ["ALE", "Item ALE", "SYD", "3", "0", "3"],
        ["ALE-2", "Bundle ALE-2", "MEL", "", "0", "5"],
        ["ALE-2", "Bundle ALE-2", "SYD", "", "0", "1"],
        ["TEA", "Item TEA", "MEL", "4", "0", "4"],
    ]


def test_stock_filtered_by_warehouse_and_search(tmp_path: Path, stocked: None) -> None:
    assert export(tmp_path, "stock", "warehouse=SYD", "q=ale", "bundles=no") == [
        ["sku", "name", "warehouse", "on_hand", "allocated", "available"],
        ["ALE", "Item ALE", "SYD", "3", "0", "3"],
    ]


def test_stock_per_bin(tmp_path: Path, stocked: None) -> None:
    assert export(tmp_path, "stock_bins", "warehouse=MEL") == [
        ["warehouse", "zone", "bin", "sku", "name", "on_hand", "sellable"],
        ["MEL", "PICK", "P-01", "ALE", "Item ALE", "10", "true"],
        ["MEL", "STORE", "S-01", "TEA", "Item TEA", "4", "true"],
    ]


def test_movements_filtered(tmp_path: Path, stocked: None) -> None:
    rows = export(tmp_path, "moves", "warehouse=MEL", "item=ale")

    assert rows[0] == [
        "time",
        "kind",
        "document",
        "reference",
        "sku",
        "name",
        "from",
        "to",
        "qty",
        "user",
    ]
    assert [row[1:] for row in rows[1:]] == [
        ["receipt", rows[1][2], "PO-1", "ALE", "Item ALE", "SUPPLIER", "MEL:P-01", "10", ""],
    ]
    assert rows[1][2].startswith("RC-")


def test_movements_filtered_by_move_kind_as_the_movements_list_names_it(
    tmp_path: Path, stocked: None
) -> None:
    receipts = export(tmp_path, "moves", "move_kind=receipt")
    transfers = export(tmp_path, "moves", "move_kind=transfer")

    assert [row[4] for row in receipts[1:]] == ["ALE", "TEA", "ALE"]
    assert transfers[1:] == []


def test_bad_filter_is_refused(tmp_path: Path, stocked: None) -> None:
    with pytest.raises(
        CommandError,
        match=re.escape("Filter date_from must be a date such as 2026-01-31, not “soon”."),
    ):
        export(tmp_path, "moves", "date_from=soon")
