"""Exporting items and bundles; export → import gives identical items and bundles."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from kucun.catalog.models import BundleComponent, Item
from tests.core.dataio_support import run_import
from tests.factories import BundleComponentFactory, ItemFactory

pytestmark = pytest.mark.django_db

ITEM_FIELDS = (
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


def catalogue() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    items = list(Item.objects.order_by("sku").values_list(*ITEM_FIELDS))
    bundles = list(
        BundleComponent.objects.order_by("bundle__sku", "component__sku").values_list(
            "bundle__sku", "component__sku", "quantity"
        )
    )
    return items, bundles


def build_catalogue() -> None:
    ItemFactory(
        sku="CAN",
        name='=HYPERLINK("x") 青岛',
        barcode="0930",
        weight_g=375,
        length_mm=66,
        width_mm=66,
        height_mm=122,
        cost_price=Decimal("1.25"),
        safety_stock=12,
        reorder_point=48,
        notes="line one\nline two",
        unit="can",
    )
    ItemFactory(sku="OLD", name="-discontinued", active=False, notes="@home")
    dozen = ItemFactory(sku="DOZEN", name="Dozen", is_bundle=True)
    case = ItemFactory(sku="CASE", name="Case", is_bundle=True, cost_price=Decimal("30"))
    BundleComponentFactory(bundle=dozen, component=Item.objects.get(sku="CAN"), quantity=12)
    BundleComponentFactory(bundle=case, component=dozen, quantity=4)


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_round_trip_gives_identical_items_and_bundles(tmp_path: Path, extension: str) -> None:
    build_catalogue()
    before = catalogue()
    items_file = tmp_path / f"items.{extension}"
    bundles_file = tmp_path / f"bundles.{extension}"
    call_command("export_data", "items", str(items_file))
    call_command("export_data", "bundles", str(bundles_file))
    BundleComponent.objects.all().delete()
    Item.objects.all().delete()

    _run, items_result = run_import("items", items_file)
    _run, bundles_result = run_import("bundles", bundles_file)

    assert items_result.complete
    assert bundles_result.complete
    assert (items_result.created, bundles_result.created) == (4, 2)
    assert catalogue() == before


def test_export_respects_the_list_filters(tmp_path: Path) -> None:
    build_catalogue()
    path = tmp_path / "active.csv"

    call_command("export_data", "items", str(path), "--filter", "active=no")

    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [
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
    ]
    assert rows[1:] == [
        ["OLD", "'-discontinued", "", "each", "", "", "", "", "0.00", "0", "0", "no", "'@home"]
    ]


def test_item_list_filter_names_select_bundles(tmp_path: Path) -> None:
    build_catalogue()
    path = tmp_path / "bundles-only.csv"

    call_command("export_data", "items", str(path), "--filter", "bundle=yes", "--filter", "q=c")

    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert [row[0] for row in csv.reader(handle)] == ["sku", "CASE"]


def test_bundle_export_rows(tmp_path: Path) -> None:
    build_catalogue()
    path = tmp_path / "bundles.csv"

    call_command("export_data", "bundles", str(path))

    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["bundle_sku", "component_sku", "qty"],
            ["CASE", "DOZEN", "4"],
            ["DOZEN", "CAN", "12"],
        ]
