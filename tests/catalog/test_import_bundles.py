"""Importing bundle components: bad rows with exact messages, cycles, replacement."""

from __future__ import annotations

from pathlib import Path

import pytest

from kucun.catalog.models import BundleComponent, Item
from tests.core.dataio_support import errors_of, run_import, write_csv
from tests.factories import BundleComponentFactory, ItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def beer() -> dict[str, Item]:
    return {sku: ItemFactory(sku=sku) for sku in ("CAN", "DOZEN", "CASE", "TEA")}


def components() -> set[tuple[str, str, int]]:
    return set(BundleComponent.objects.values_list("bundle__sku", "component__sku", "quantity"))


def test_bundles_are_created_and_nested(tmp_path: Path, beer: dict[str, Item]) -> None:
    path = write_csv(tmp_path, "bundle_sku,component_sku,qty\nDOZEN,CAN,12\nCASE,DOZEN,4\n")

    _run, result = run_import("bundles", path)

    assert result.complete
    assert (result.created, result.updated) == (2, 0)
    assert components() == {("DOZEN", "CAN", 12), ("CASE", "DOZEN", 4)}
    assert set(Item.objects.filter(is_bundle=True).values_list("sku", flat=True)) == {
        "DOZEN",
        "CASE",
    }


def test_rows_replace_a_bundles_components(tmp_path: Path, beer: dict[str, Item]) -> None:
    BundleComponentFactory(bundle=beer["CASE"], component=beer["TEA"], quantity=1)
    Item.objects.filter(pk=beer["CASE"].pk).update(is_bundle=True)
    path = write_csv(tmp_path, "组合货品编码,子货品编码,数量\nCASE,CAN,48\n")

    _run, result = run_import("bundles", path)

    assert (result.created, result.updated) == (0, 1)
    assert components() == {("CASE", "CAN", 48)}


def assert_refused(tmp_path: Path, text: str, expected: list[tuple[int, str, str]]) -> None:
    before = components()
    _run, result = run_import("bundles", write_csv(tmp_path, text))
    assert errors_of(result) == expected
    assert not result.written
    assert components() == before
    assert not Item.objects.filter(is_bundle=True).exclude(components__isnull=False).exists()


def test_unknown_skus(tmp_path: Path, beer: dict[str, Item]) -> None:
    assert_refused(
        tmp_path,
        "bundle_sku,component_sku,qty\nCASE,CAN,4\nNOPE,CAN,1\nCASE,GHOST,2\n",
        [
            (3, "bundle_sku", "Unknown SKU NOPE: import it as an item first."),
            (4, "component_sku", "Unknown SKU GHOST: import it as an item first."),
        ],
    )


def test_quantity_not_a_positive_whole_number(tmp_path: Path, beer: dict[str, Item]) -> None:
    assert_refused(
        tmp_path,
        "bundle_sku,component_sku,qty\nCASE,CAN,0\nCASE,DOZEN,2.5\nDOZEN,CAN,\n",
        [
            (2, "qty", "Quantity must be a whole number above zero, not “0”."),
            (3, "qty", "Quantity must be a whole number above zero, not “2.5”."),
            (4, "qty", "Quantity is required: enter a whole number above zero."),
        ],
    )


def test_bundle_containing_itself(tmp_path: Path, beer: dict[str, Item]) -> None:
    assert_refused(
        tmp_path,
        "bundle_sku,component_sku,qty\nCASE,case,1\n",
        [(2, "component_sku", "A bundle cannot contain itself (CASE).")],
    )


def test_same_component_twice(tmp_path: Path, beer: dict[str, Item]) -> None:
    assert_refused(
        tmp_path,
        "bundle_sku,component_sku,qty\nCASE,CAN,1\nCASE,CAN,2\n",
        [
            (
                3,
                "component_sku",
                "CAN is already in bundle CASE on row 2: give each component once, with the "
                "total quantity.",
            )
        ],
    )


def test_cycle_within_the_file(tmp_path: Path, beer: dict[str, Item]) -> None:
    assert_refused(
        tmp_path,
        "bundle_sku,component_sku,qty\nCASE,DOZEN,4\nDOZEN,CASE,1\n",
        [
            (2, "component_sku", "Bundle cycle: CASE → DOZEN → CASE."),
            (3, "component_sku", "Bundle cycle: DOZEN → CASE → DOZEN."),
        ],
    )


def test_cycle_with_an_existing_bundle(tmp_path: Path, beer: dict[str, Item]) -> None:
    Item.objects.filter(pk=beer["DOZEN"].pk).update(is_bundle=True)
    BundleComponentFactory(bundle=beer["DOZEN"], component=beer["CASE"], quantity=1)
    assert_refused(
        tmp_path,
        "bundle_sku,component_sku,qty\nCASE,DOZEN,4\n",
        [(2, "component_sku", "Bundle cycle: CASE → DOZEN → CASE.")],
    )


def test_valid_rows_only_leaves_out_a_whole_bundle_with_a_bad_row(
    tmp_path: Path, beer: dict[str, Item]
) -> None:
    path = write_csv(
        tmp_path, "bundle_sku,component_sku,qty\nDOZEN,CAN,12\nCASE,DOZEN,4\nCASE,TEA,x\n"
    )

    _run, result = run_import("bundles", path, valid_rows_only=True)

    assert errors_of(result) == [
        (3, "bundle_sku", "Left out: bundle CASE has an error on row 4."),
        (4, "qty", "Quantity must be a whole number above zero, not “x”."),
    ]
    assert components() == {("DOZEN", "CAN", 12)}


def test_item_holding_stock_cannot_become_a_bundle(tmp_path: Path, beer: dict[str, Item]) -> None:
    from kucun.inventory.services import DocumentLineInput, receipt_create
    from tests.factories import WarehouseFactory

    WarehouseFactory(code="MEL")
    receipt_create(
        user=None,
        warehouse="MEL",
        kind="purchase",
        post=True,
        lines=[DocumentLineInput("CASE", 3, None)],
    )

    assert_refused(
        tmp_path,
        "bundle_sku,component_sku,qty\nCASE,DOZEN,4\n",
        [(2, "bundle_sku", "CASE holds 3 units in stock, and a bundle holds no stock.")],
    )
    assert not Item.objects.get(sku="CASE").is_bundle
