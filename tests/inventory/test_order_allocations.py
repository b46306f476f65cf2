"""Allocations by order line: a whole order at once, released and shipped by quantity."""

from __future__ import annotations

import pytest

from kucun.catalog.models import Item
from kucun.core.errors import Conflict, NotFound, ValidationFailed
from kucun.inventory.choices import DocumentStatus, IssueKind
from kucun.inventory.errors import InsufficientStock
from kucun.inventory.models import Allocation, Issue, IssueLinePick, StockLevel, StockMove
from kucun.inventory.services import DocumentLineInput, issue_create, stock_allocate
from kucun.inventory.services.order_allocations import (
    AllocationLineInput,
    allocation_consume,
    allocation_release,
    stock_allocate_order,
)
from tests.inventory.conftest import Site, build_bundle, build_item, receive
from tests.inventory.ledger_checks import assert_ledger_consistent, snapshot

Order = AllocationLineInput


def level(item: Item, site: Site) -> tuple[int, int, int]:
    row = StockLevel.objects.filter(item=item, warehouse=site.warehouse).first()
    return (row.on_hand, row.sellable_on_hand, row.allocated) if row else (0, 0, 0)


def held(reference: str) -> list[tuple[str, int, int]]:
    return sorted(
        Allocation.objects.filter(reference=reference).values_list(
            "item__sku", "stock_level__warehouse__code", "qty"
        )
    )


def test_a_whole_order_is_allocated_in_the_named_warehouse(site: Site) -> None:
    widget = build_item("W-1")
    gadget = build_item("G-1")
    receive(site, "W-1", 5, "S-01")
    receive(site, "G-1", 5, "S-01")
    result = stock_allocate_order(
        lines=[Order("order:shop1:1001:1", "W-1", 2), Order("order:shop1:1001:2", "G-1", 3)],
        warehouse="mel",
    )
    assert result.warehouse == site.warehouse
    assert sorted((a.reference, a.qty) for a in result.allocations) == [
        ("order:shop1:1001:1", 2),
        ("order:shop1:1001:2", 3),
    ]
    assert level(widget, site) == (5, 5, 2)
    assert level(gadget, site) == (5, 5, 3)
    assert_ledger_consistent()


def test_a_short_line_allocates_nothing_for_any_line(site: Site) -> None:
    build_item("W-1")
    build_item("G-1")
    receive(site, "W-1", 5, "S-01")
    receive(site, "G-1", 1, "S-01")
    before = snapshot()
    with pytest.raises(InsufficientStock) as refused:
        stock_allocate_order(
            lines=[Order("order:s:1:1", "W-1", 2), Order("order:s:1:2", "G-1", 2)],
            warehouse="MEL",
        )
    assert refused.value.detail == (
        "Not enough stock of G-1 in warehouse MEL: needed 2, available 1."
    )
    assert [error.field for error in refused.value.errors] == ["warehouse"]
    assert snapshot() == before


def test_the_first_warehouse_that_fills_every_line_is_chosen(site: Site, other_site: Site) -> None:
    widget = build_item("W-1")
    gadget = build_item("G-1")
    receive(site, "W-1", 10, "S-01")  # MEL has widgets but no gadgets
    receive(other_site, "W-1", 2, "S-01")
    receive(other_site, "G-1", 1, "S-01")
    result = stock_allocate_order(
        lines=[Order("order:s:2:1", "W-1", 2), Order("order:s:2:2", "G-1", 1)],
        warehouses=["MEL", "SYD"],
    )
    assert result.warehouse == other_site.warehouse
    assert held("order:s:2:1") == [("W-1", "SYD", 2)]
    assert held("order:s:2:2") == [("G-1", "SYD", 1)]
    assert level(widget, site) == (10, 10, 0)
    assert level(widget, other_site) == (2, 2, 2)
    assert level(gadget, other_site) == (1, 1, 1)
    assert_ledger_consistent()


def test_when_no_warehouse_can_fill_the_order_each_one_says_what_is_short(
    site: Site, other_site: Site
) -> None:
    build_item("W-1")
    build_item("G-1")
    receive(site, "W-1", 10, "S-01")
    receive(other_site, "W-1", 1, "S-01")
    receive(other_site, "G-1", 1, "S-01")
    before = snapshot()
    with pytest.raises(InsufficientStock) as refused:
        stock_allocate_order(
            lines=[Order("order:s:3:1", "W-1", 2), Order("order:s:3:2", "G-1", 1)],
            warehouses=["MEL", "SYD"],
        )
    assert [(error.field, error.message) for error in refused.value.errors] == [
        ("warehouses[0]", "Not enough stock of G-1 in warehouse MEL: needed 1, available 0."),
        ("warehouses[1]", "Not enough stock of W-1 in warehouse SYD: needed 2, available 1."),
    ]
    assert snapshot() == before


def test_a_bundle_and_its_component_on_separate_lines_are_checked_together(
    site: Site,
) -> None:
    widget = build_item("W-1")
    build_bundle("PAIR", [(widget, 2)])
    receive(site, "W-1", 5, "S-01")
    lines = [Order("order:s:4:1", "PAIR", 2), Order("order:s:4:2", "W-1", 2)]
    before = snapshot()
    with pytest.raises(InsufficientStock, match="needed 6, available 5"):
        stock_allocate_order(lines=lines, warehouse="MEL")
    assert snapshot() == before
    receive(site, "W-1", 1, "S-01")
    stock_allocate_order(lines=lines, warehouse="MEL")
    assert held("order:s:4:1") == [("W-1", "MEL", 4)]
    assert held("order:s:4:2") == [("W-1", "MEL", 2)]
    assert level(widget, site) == (6, 6, 6)
    assert_ledger_consistent()


def test_bad_lines_are_all_named_and_nothing_is_allocated(site: Site) -> None:
    build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    with pytest.raises(ValidationFailed) as refused:
        stock_allocate_order(
            lines=[
                Order("order:s:5:1", "W-1", 1),
                Order("order:s:5:1", "NOPE", 0),
                Order("", "W-1", 1),
            ],
            warehouse="MEL",
        )
    assert [error.field for error in refused.value.errors] == [
        "lines[1].reference",
        "lines[1].sku",
        "lines[1].qty",
        "lines[2].reference",
    ]
    with pytest.raises(ValidationFailed, match="not both"):
        stock_allocate_order(
            lines=[Order("order:s:5:1", "W-1", 1)], warehouse="MEL", warehouses=["MEL"]
        )
    assert Allocation.objects.count() == 0


def test_a_reference_that_holds_an_allocation_is_refused(site: Site) -> None:
    build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    stock_allocate_order(lines=[Order("order:s:6:1", "W-1", 1)], warehouse="MEL")
    with pytest.raises(Conflict, match="release it first"):
        stock_allocate_order(
            lines=[Order("order:s:6:2", "W-1", 1), Order("order:s:6:1", "W-1", 1)],
            warehouse="MEL",
        )
    assert Allocation.objects.count() == 1


def test_the_same_key_allocates_once(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    lines = [Order("order:s:7:1", "W-1", 2)]
    first = stock_allocate_order(lines=lines, warehouse="MEL", idempotency_key="k-7")
    again = stock_allocate_order(lines=lines, warehouse="MEL", idempotency_key="k-7")
    assert again.warehouse == first.warehouse
    assert [a.pk for a in again.allocations] == [a.pk for a in first.allocations]
    assert level(widget, site) == (5, 5, 2)


def test_release_by_quantity_returns_units_to_available(site: Site) -> None:
    widget = build_item("W-1")
    gadget = build_item("G-1")
    build_bundle("KIT", [(widget, 2), (gadget, 1)])
    receive(site, "W-1", 10, "S-01")
    receive(site, "G-1", 10, "S-01")
    stock_allocate_order(lines=[Order("order:s:8:1", "KIT", 3)], warehouse="MEL")
    assert allocation_release(reference="order:s:8:1", qty=1) == 1
    assert held("order:s:8:1") == [("G-1", "MEL", 2), ("W-1", "MEL", 4)]
    assert (level(widget, site), level(gadget, site)) == ((10, 10, 4), (10, 10, 2))
    before = snapshot()
    with pytest.raises(Conflict, match="order:s:8:1 has 2 allocated; 3 cannot be taken"):
        allocation_release(reference="order:s:8:1", qty=3)
    assert snapshot() == before
    assert allocation_release(reference="order:s:8:1") == 2
    assert held("order:s:8:1") == []
    assert (level(widget, site), level(gadget, site)) == ((10, 10, 0), (10, 10, 0))
    with pytest.raises(NotFound):
        allocation_release(reference="order:s:8:1")
    assert_ledger_consistent()


def test_release_by_quantity_of_an_allocation_made_the_old_way(site: Site) -> None:
    widget = build_item("W-1")
    build_bundle("PAIR", [(widget, 2)])
    receive(site, "W-1", 10, "S-01")
    stock_allocate(reference="order:s:9:1", sku="PAIR", warehouse="MEL", qty=3)
    assert allocation_release(reference="order:s:9:1", qty=2) == 2
    assert held("order:s:9:1") == [("W-1", "MEL", 2)]
    assert level(widget, site) == (10, 10, 2)


def test_consuming_part_of_a_line_ships_it_as_an_order_shipment(site: Site) -> None:
    widget = build_item("W-1")
    gadget = build_item("G-1")
    build_bundle("KIT", [(widget, 2), (gadget, 1)])
    receive(site, "W-1", 10, "S-01")
    receive(site, "G-1", 10, "S-01")
    stock_allocate_order(
        lines=[Order("order:s:10:1", "KIT", 3), Order("order:s:10:2", "W-1", 1)],
        warehouse="MEL",
    )
    issue = allocation_consume(reference="order:s:10:1", qty=2)
    assert (issue.kind, issue.status, issue.reference) == (
        IssueKind.ORDER_SHIPMENT,
        DocumentStatus.POSTED,
        "order:s:10:1",
    )
    # The issue shows the items that moved: the kit's components, each from the allocation.
    assert sorted(issue.lines.values_list("item__sku", "qty", "allocation_reference")) == [
        ("G-1", 2, "order:s:10:1"),
        ("W-1", 4, "order:s:10:1"),
    ]
    assert sorted(IssueLinePick.objects.values_list("item__sku", "bin__code", "qty")) == [
        ("G-1", "S-01", 2),
        ("W-1", "S-01", 4),
    ]
    move = StockMove.objects.get(pk=issue.move_id)
    assert {line.to_location.kind for line in move.lines.all()} == {"customer"}
    # Shipped units leave on hand and allocated together; the other line is untouched.
    assert level(widget, site) == (6, 6, 3)
    assert level(gadget, site) == (8, 8, 1)
    assert held("order:s:10:1") == [("G-1", "MEL", 1), ("W-1", "MEL", 2)]
    assert held("order:s:10:2") == [("W-1", "MEL", 1)]
    allocation_consume(reference="order:s:10:1", qty=1)
    assert held("order:s:10:1") == []
    assert level(widget, site) == (4, 4, 1)
    assert_ledger_consistent()


def test_consuming_more_than_is_allocated_is_refused(site: Site) -> None:
    build_item("W-1")
    receive(site, "W-1", 10, "S-01")
    stock_allocate_order(lines=[Order("order:s:11:1", "W-1", 3)], warehouse="MEL")
    before = snapshot()
    with pytest.raises(Conflict, match="order:s:11:1 has 3 allocated; 4 cannot be taken"):
        allocation_consume(reference="order:s:11:1", qty=4)
    assert snapshot() == before
    assert Issue.objects.count() == 0
    with pytest.raises(NotFound):
        allocation_consume(reference="order:s:11:9", qty=1)


def test_only_an_order_shipment_line_consumes_its_allocation(site: Site) -> None:
    build_item("W-1")
    build_item("G-1")
    receive(site, "W-1", 10, "S-01")
    receive(site, "G-1", 10, "S-01")
    stock_allocate_order(lines=[Order("order:s:12:1", "W-1", 3)], warehouse="MEL")
    before = snapshot()
    with pytest.raises(ValidationFailed, match="Only an order shipment"):
        issue_create(
            user=None,
            warehouse="MEL",
            kind="other",
            lines=[DocumentLineInput("W-1", 1, allocation_reference="order:s:12:1")],
            post=True,
        )
    with pytest.raises(ValidationFailed, match="holds no allocation of G-1"):
        issue_create(
            user=None,
            warehouse="MEL",
            kind="order_shipment",
            lines=[DocumentLineInput("G-1", 1, allocation_reference="order:s:12:1")],
            post=True,
        )
    with pytest.raises(Conflict, match="has 3 of W-1 allocated; 4 cannot be shipped"):
        issue_create(
            user=None,
            warehouse="MEL",
            kind="order_shipment",
            lines=[DocumentLineInput("W-1", 4, allocation_reference="order:s:12:1")],
            post=True,
        )
    assert snapshot() == before
    shipped = issue_create(
        user=None,
        warehouse="MEL",
        kind="order_shipment",
        lines=[
            DocumentLineInput("W-1", 1, "S-01", allocation_reference="order:s:12:1"),
            DocumentLineInput("W-1", 2, allocation_reference="order:s:12:1"),
            DocumentLineInput("G-1", 1),
        ],
        post=True,
    )
    assert shipped.status == DocumentStatus.POSTED
    assert held("order:s:12:1") == []
    assert_ledger_consistent()
