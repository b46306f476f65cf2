"""Stock reads: availability, bundles, the stock query, bins, movements, low stock, reconcile."""

from __future__ import annotations

from typing import Any

import pytest

from kucun.catalog.models import Item
from kucun.inventory import selectors
from kucun.inventory.models import BinStock, StockLevel
from kucun.inventory.services import (
    DocumentLineInput,
    TransferLineInput,
    issue_create,
    stock_allocate,
    transfer_create,
)
from kucun.inventory.tasks import stock_reconcile
from tests.inventory.conftest import Site, build_bundle, build_item, receive


def test_item_available_per_warehouse_and_in_total(site: Site, other_site: Site) -> None:
    widget = build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    receive(site, "W-1", 4, "Q-01")
    receive(other_site, "W-1", 2)
    stock_allocate(reference="o:1", sku="W-1", warehouse="SYD", qty=1)
    assert selectors.item_available(widget) == 6
    assert selectors.item_available(widget, "MEL") == 5
    assert selectors.item_available(widget, other_site.warehouse) == 1
    assert selectors.item_available(widget, "NOWHERE") == 0


def test_bundle_available_is_min_over_components_per_warehouse(
    site: Site, other_site: Site
) -> None:
    cup = build_item("CUP")
    saucer = build_item("SAUCER")
    kit = build_bundle("KIT", [(cup, 2), (saucer, 1)])
    receive(site, "CUP", 7)
    receive(site, "SAUCER", 10)
    receive(other_site, "CUP", 2)  # no saucers there: no kits
    assert selectors.bundle_available(kit) == 3
    assert selectors.bundle_available(kit, "SYD") == 0
    assert selectors.item_available(kit) == 3
    empty = build_bundle("EMPTY", [])
    assert selectors.bundle_available(empty) == 0


def test_stock_query_filters(site: Site, other_site: Site) -> None:
    build_item("ALPHA", reorder_point=5)
    build_item("BETA", name="Blue mug", reorder_point=1)
    gamma = build_item("GAMMA")
    build_bundle("KIT", [(gamma, 1)])
    build_item("OLD", active=False)
    receive(site, "ALPHA", 3, "P-01")
    receive(other_site, "BETA", 9, "S-01")

    def skus(**filters: Any) -> list[str]:
        return [item.sku for item in selectors.stock_query(**filters)]

    assert skus() == ["ALPHA", "BETA", "GAMMA", "KIT"]
    assert skus(warehouse="SYD") == ["BETA", "KIT"]
    assert skus(zone_kind="picking") == ["ALPHA"]
    assert skus(zone_kind="storage", warehouse="MEL") == []
    assert skus(low_stock=True) == ["ALPHA", "GAMMA"]
    assert skus(bundles=True) == ["KIT"]
    assert skus(bundles=False, text="mug") == ["BETA"]
    assert skus(sort="-on_hand")[:2] == ["BETA", "ALPHA"]
    assert skus(sort="-sku") == ["KIT", "GAMMA", "BETA", "ALPHA"]
    assert skus(sort="nonsense") == skus()
    assert selectors.low_stock_count() == 2


def test_low_stock_is_one_definition_for_the_stock_screen_and_the_home_page(
    site: Site, other_site: Site, django_assert_num_queries: Any
) -> None:
    from kucun.web.selectors import home_summary

    build_item("AT-POINT", reorder_point=5)  # 3 + 4 − 2 allocated = 5: at the point, low
    build_item("ABOVE", reorder_point=5)  # 6 available: not low
    build_item("NO-LEVELS", reorder_point=0)  # never received: 0 available, low
    build_item("ALLOCATED", reorder_point=0)  # 2 on hand, all allocated: 0, low
    build_item("OFF", reorder_point=50, active=False)  # inactive: never listed
    kit = build_bundle("KIT", [(build_item("PART", reorder_point=0), 1)])
    kit.reorder_point = 100
    kit.save()  # a bundle is never low stock, whatever its point
    receive(site, "AT-POINT", 3, "P-01")
    receive(other_site, "AT-POINT", 4, "S-01")
    stock_allocate(reference="o:1", sku="AT-POINT", warehouse="SYD", qty=2)
    receive(site, "ABOVE", 6, "P-01")
    receive(site, "ALLOCATED", 2, "P-01")
    stock_allocate(reference="o:2", sku="ALLOCATED", warehouse="MEL", qty=2)
    receive(site, "PART", 1, "P-01")
    receive(site, "OFF", 1, "P-01")

    expected = ["ALLOCATED", "AT-POINT", "NO-LEVELS"]
    assert [item.sku for item in selectors.stock_query(low_stock=True)] == expected
    with django_assert_num_queries(1):
        assert selectors.low_stock_count() == 3
    assert home_summary().low_stock_items == 3
    # In one warehouse, only items with a level there: AT-POINT has 3 in MEL, low; ABOVE 6.
    assert [item.sku for item in selectors.stock_query(low_stock=True, warehouse="MEL")] == [
        "ALLOCATED",
        "AT-POINT",
    ]
    ordered = selectors.stock_query(low_stock=True, sort="-available")
    # AT-POINT 5, then the two at 0 (ties in descending pk order).
    assert [item.sku for item in ordered] == ["AT-POINT", "ALLOCATED", "NO-LEVELS"]
    by_available = [item.sku for item in selectors.stock_query(sort="available")]
    assert by_available[-2:] == ["AT-POINT", "ABOVE"]


def test_stock_rows_for_a_page_in_constant_queries(
    site: Site, other_site: Site, django_assert_num_queries: Any
) -> None:
    parts = [build_item(f"P-{n:02d}") for n in range(20)]
    build_bundle("KIT", [(parts[0], 2), (parts[1], 1)])
    for part in parts:
        receive(site, part.sku, 4, "P-01")
        receive(other_site, part.sku, 1, "S-01")
    stock_allocate(reference="o:1", sku="P-00", warehouse="MEL", qty=1)
    items = list(selectors.stock_query())
    with django_assert_num_queries(2):  # bundle expansion (one level) + the levels
        rows = selectors.stock_rows(items)
    by_sku = {row.item.sku: row for row in rows}
    assert (by_sku["P-00"].on_hand, by_sku["P-00"].allocated, by_sku["P-00"].available) == (
        5,
        1,
        4,
    )
    assert by_sku["KIT"].available == 1  # MEL: min(3 // 2, 4 // 1) = 1; SYD: 0
    assert by_sku["KIT"].on_hand == 0
    assert [item.sku for item in items[:3]] == ["KIT", "P-00", "P-01"]
    with django_assert_num_queries(3):  # + the picking-zone bins
        picking = selectors.stock_rows(items[:3], zone_kind="picking")
    assert [row.on_hand for row in picking] == [0, 4, 4]


def test_item_stock_by_bin_and_bin_contents(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, "W-1", 3, "S-01")
    receive(site, "W-1", 2, "P-01")
    issue_create(
        user=None,
        warehouse="MEL",
        kind="other",
        lines=[DocumentLineInput("W-1", 2, "P-01")],
        post=True,
    )
    assert [(row.location.code, row.on_hand) for row in selectors.item_stock_by_bin(widget)] == [
        ("S-01", 3)
    ]
    contents = selectors.bin_contents(warehouse="MEL", bin_code="s-01")
    assert [(row.item.sku, row.on_hand) for row in contents] == [("W-1", 3)]
    assert list(selectors.bin_contents(text="nothing")) == []


def test_item_movements_running_balance(site: Site, other_site: Site) -> None:
    widget = build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    transfer_create(
        user=None,
        warehouse="MEL",
        lines=[TransferLineInput("W-1", 2, "S-01", "P-01")],
        post=True,
    )
    issue_create(
        user=None, warehouse="MEL", kind="other", lines=[DocumentLineInput("W-1", 3)], post=True
    )
    receive(other_site, "W-1", 4)
    rows = [(line.move.kind, line.delta, line.balance) for line in selectors.item_movements(widget)]
    assert rows == [
        ("receipt", 4, 6),
        ("issue", -1, 2),
        ("issue", -2, 3),
        ("transfer", 0, 5),
        ("receipt", 5, 5),
    ]
    in_mel = [line.balance for line in selectors.item_movements(widget, "MEL")]
    assert in_mel == [2, 3, 5, 5]


@pytest.mark.django_db
def test_reconcile_reports_drift_and_changes_nothing(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    assert selectors.ledger_drift() == []
    assert stock_reconcile.call_local() == 0
    BinStock.objects.filter(item=widget).update(on_hand=7)
    StockLevel.objects.filter(item=widget).update(allocated=1)
    drifts = selectors.ledger_drift()
    assert [(d.what, d.stored, d.expected) for d in drifts] == [
        ("bin on hand", 7, 5),
        ("allocated", 1, 0),
    ]
    assert stock_reconcile.call_local() == 2
    assert BinStock.objects.get(item=widget).on_hand == 7


def test_stock_value_is_units_on_hand_at_cost_per_active_warehouse(
    site: Site, other_site: Site, django_assert_num_queries: Any
) -> None:
    from decimal import Decimal

    from kucun.warehouses.models import Warehouse

    build_item("TEA", cost_price=Decimal("2.50"))
    build_item("MUG", cost_price=Decimal("10.05"))
    build_item("SAMPLE")  # no cost price: counted in units, worth 0
    build_bundle("TEA-PAIR", [(Item.objects.get(sku="TEA"), 2)])
    receive(site, "TEA", 4, "P-01")
    receive(site, "TEA", 3, "Q-01")  # not sellable, still stock the merchant owns
    receive(site, "MUG", 1, "S-01")
    receive(site, "SAMPLE", 5)
    receive(other_site, "TEA", 4)  # the bundle of two TEA holds no stock of its own
    stock_allocate(reference="o:1", sku="MUG", warehouse=site.code, qty=1)  # still on hand
    issue_create(
        user=None,
        warehouse=other_site.code,
        kind="other",
        lines=[DocumentLineInput("TEA", 1)],
        post=True,
    )
    Warehouse.objects.create(code="OLD", name="Closed", active=False)
    Warehouse.objects.create(code="NEW", name="Empty")

    with django_assert_num_queries(2):
        values = selectors.stock_value_by_warehouse()

    assert [(row.code, row.units, row.value) for row in values] == [
        (site.code, 13, Decimal("27.55")),  # 7 × 2.50 + 1 × 10.05 + 5 × 0
        ("NEW", 0, Decimal("0.00")),
        (other_site.code, 3, Decimal("7.50")),  # 4 received − 1 issued, × 2.50
    ]


def test_stock_figures_gives_items_and_nested_bundles_per_warehouse_in_fixed_queries(
    site: Site, other_site: Site, django_assert_num_queries: Any
) -> None:
    cup = build_item("CUP")
    saucer = build_item("SAUCER")
    pair = build_bundle("PAIR", [(cup, 1), (saucer, 1)])
    box = build_bundle("BOX", [(pair, 2), (cup, 1)])  # 3 cups and 2 saucers a box
    receive(site, "CUP", 10)
    receive(site, "SAUCER", 5)
    receive(other_site, "CUP", 9)
    receive(other_site, "SAUCER", 7)
    stock_allocate(reference="o:1", sku="CUP", warehouse="MEL", qty=1)
    syd, mel = other_site.warehouse.pk, site.warehouse.pk
    # levels, then PAIR and BOX's components, then the PAIR inside BOX.
    with django_assert_num_queries(3):
        figures = selectors.stock_figures([cup, saucer, pair, box])
    assert figures[cup.pk][mel] == selectors.StockFigures(
        on_hand=10, sellable_on_hand=10, allocated=1, available=9
    )
    assert figures[cup.pk][syd].available == 9
    assert figures[pair.pk] == {
        mel: selectors.StockFigures(available=5),
        syd: selectors.StockFigures(available=7),
    }
    # MEL: cups 9 // 3 = 3, saucers 5 // 2 = 2; SYD: 9 // 3 = 3, 7 // 2 = 3.
    assert figures[box.pk] == {
        mel: selectors.StockFigures(available=2),
        syd: selectors.StockFigures(available=3),
    }
    only_mel = selectors.stock_figures([box, saucer], warehouse_ids=[mel])
    assert only_mel[box.pk] == {mel: selectors.StockFigures(available=2)}
    assert set(only_mel[saucer.pk]) == {mel}
    assert selectors.item_available(box) == 5
    assert selectors.item_available(box, "SYD") == 3


def test_an_item_with_no_stock_has_no_figures_and_an_empty_bundle_none(site: Site) -> None:
    lonely = build_item("LONELY")
    empty = build_bundle("EMPTY", [])
    assert selectors.stock_figures([lonely, empty]) == {lonely.pk: {}, empty.pk: {}}


def test_components_available_derives_from_unsaved_components(site: Site, other_site: Site) -> None:
    cup = build_item("CUP")
    saucer = build_item("SAUCER")
    pair = build_bundle("PAIR", [(cup, 1), (saucer, 1)])
    receive(site, "CUP", 10)
    receive(site, "SAUCER", 4)
    receive(other_site, "CUP", 6)
    # 2 pairs and 1 more cup: 3 cups and 2 saucers each.
    figures = selectors.components_available([(pair.pk, 2), (cup.pk, 1)])
    assert figures == {
        site.warehouse.pk: selectors.StockFigures(available=2),
        other_site.warehouse.pk: selectors.StockFigures(available=0),
    }
    assert selectors.components_available([]) == {}


def test_bundles_nested_past_the_limit_are_refused_by_every_reader_and_writer(site: Site) -> None:
    from kucun.catalog.selectors import BUNDLE_DEPTH_LIMIT, BundleTooDeep

    leaf = build_item("LEAF")
    receive(site, "LEAF", 5)
    chain = leaf
    for level in range(BUNDLE_DEPTH_LIMIT + 1):
        chain = build_bundle(f"NEST-{level:02d}", [(chain, 1)])
    with pytest.raises(BundleTooDeep) as refused:
        selectors.stock_figures([chain])
    assert refused.value.status_code == 422
    assert "NEST-50" in refused.value.detail
    with pytest.raises(BundleTooDeep):
        selectors.item_available(chain)
    with pytest.raises(BundleTooDeep):
        stock_allocate(reference="o:deep", sku=chain.sku, warehouse="MEL", qty=1)
    assert not StockLevel.objects.filter(allocated__gt=0).exists()
