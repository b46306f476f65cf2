"""Routing: the nearest warehouse that can ship every line holds the stock; ties go to
priority; no warehouse → awaiting stock, allocated first come first served when stock
arrives; an unlinked listing → needs attention, resumed when the listing is linked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kucun.channels.choices import ListingStatus
from kucun.channels.models import Listing
from kucun.channels.services.listings import listing_link
from kucun.core.models import AuditEntry
from kucun.orders.choices import EventKind, OrderStatus
from kucun.orders.models import OrderEvent
from kucun.orders.services.routing import order_allocate, orders_allocate_waiting
from tests.channels.conftest import add_listing
from tests.inventory.conftest import build_item, receive
from tests.orders.fixtures_ingest import (
    BRISBANE,
    MELBOURNE,
    SYDNEY,
    allocated_in,
    allocations_of,
    download,
    located_site,
    memory_platforms,
    open_shop,
    order_of,
    postcode_at,
    stocked_item,
)

__all__ = ["memory_platforms"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(db: None) -> None:
    postcode_at("2000", SYDNEY)
    postcode_at("3000", MELBOURNE)


def test_the_nearest_warehouse_that_has_the_stock_ships(
    memory_platforms: Any, places: None
) -> None:
    # Given Melbourne first in the store's list and preferred, Sydney further down
    melbourne = located_site("MEL", MELBOURNE, priority=1)
    sydney = located_site("SYD", SYDNEY, priority=50)
    cup = stocked_item("CUP", [(melbourne, 5), (sydney, 5)])
    shop = open_shop("Shop", [melbourne, sydney], [cup])

    # When an order to Sydney (2000) is downloaded
    placed = shop.place([("CUP", 2)], postcode="2000")
    download(shop.store)

    # Then Sydney, the nearest, holds it
    order = order_of(shop, placed)
    assert order.status == OrderStatus.TO_CONFIRM
    assert order.warehouse == sydney.warehouse
    assert (allocated_in(sydney, cup), allocated_in(melbourne, cup)) == (2, 0)
    assert [a.reference for a in allocations_of(order)] == [
        f"order:{shop.store.pk}:{placed.order_ref}:{placed.lines[0].line_ref}"
    ]
    assert order.destination_source == "postcode"
    assert "Ships from SYD" in order.routing_note
    assert "SYD 0 km" in order.routing_note
    assert "MEL 7" in order.routing_note  # about 714 km
    line = order.lines.get()
    assert line.allocated is True
    assert line.allocation_reference == allocations_of(order)[0].reference
    assert list(order.events.values_list("kind", flat=True)) == [
        EventKind.DOWNLOADED,
        EventKind.ALLOCATED,
    ]
    assert AuditEntry.objects.filter(action="order.allocate", object_id=str(order.pk)).exists()


def test_an_order_to_melbourne_ships_from_melbourne(memory_platforms: Any, places: None) -> None:
    sydney = located_site("SYD", SYDNEY)
    melbourne = located_site("MEL", MELBOURNE)
    cup = stocked_item("CUP", [(melbourne, 5), (sydney, 5)])
    shop = open_shop("Shop", [sydney, melbourne], [cup])
    placed = shop.place([("CUP", 1)], postcode="3000")

    download(shop.store)

    assert order_of(shop, placed).warehouse == melbourne.warehouse


def test_the_nearest_that_cannot_fill_every_line_is_passed_over(
    memory_platforms: Any, places: None
) -> None:
    # Given Sydney (nearest) has cups but no saucers; Brisbane has both
    sydney = located_site("SYD", SYDNEY)
    brisbane = located_site("BNE", BRISBANE)
    cup = stocked_item("CUP", [(sydney, 5), (brisbane, 5)])
    saucer = stocked_item("SAUCER", [(brisbane, 5)])
    shop = open_shop("Shop", [sydney, brisbane], [cup, saucer])

    # When an order of both goes to Sydney
    placed = shop.place([("CUP", 1), ("SAUCER", 1)], postcode="2000")
    download(shop.store)

    # Then Brisbane ships the whole order, and the note says why not Sydney
    order = order_of(shop, placed)
    assert order.warehouse == brisbane.warehouse
    assert (allocated_in(brisbane, cup), allocated_in(brisbane, saucer)) == (1, 1)
    assert allocated_in(sydney, cup) == 0
    assert "SYD could not fill SAUCER (needs 1, has 0)" in order.routing_note


def test_equal_distances_go_to_the_lower_priority_number(
    memory_platforms: Any, places: None
) -> None:
    # Given two warehouses at the same place; the second in the store's list is preferred
    north = located_site("NTH", SYDNEY, priority=200)
    south = located_site("STH", SYDNEY, priority=10)
    cup = stocked_item("CUP", [(north, 5), (south, 5)])
    shop = open_shop("Shop", [north, south], [cup])
    placed = shop.place([("CUP", 1)], postcode="2000")

    download(shop.store)

    assert order_of(shop, placed).warehouse == south.warehouse


def test_unknown_destination_goes_by_priority_then_position(memory_platforms: Any) -> None:
    # Given a destination nothing is known of (no postcode, no place, no country)
    first = located_site("ONE", SYDNEY, priority=100)
    second = located_site("TWO", MELBOURNE, priority=100)
    preferred = located_site("PRE", BRISBANE, priority=5)
    cup = stocked_item("CUP", [(first, 5), (second, 5)])
    shop = open_shop("Shop", [first, second, preferred], [cup])

    # When an order comes that only ONE and TWO can fill
    placed = shop.place([("CUP", 1)], postcode="", city="", state="", country="")
    download(shop.store)

    # Then PRE (best priority) could not, and ONE (earlier in the list) ships
    order = order_of(shop, placed)
    assert order.warehouse == first.warehouse
    assert order.destination_source == ""
    assert "Destination not located" in order.routing_note
    assert "PRE could not fill CUP (needs 1, has 0)" in order.routing_note


def test_no_warehouse_can_ship_everything_the_order_awaits_stock(memory_platforms: Any) -> None:
    # Given 1 cup in Sydney and 1 in Melbourne
    sydney = located_site("SYD", SYDNEY)
    melbourne = located_site("MEL", MELBOURNE)
    cup = stocked_item("CUP", [(sydney, 1), (melbourne, 1)])
    shop = open_shop("Shop", [sydney, melbourne], [cup])

    # When 2 cups are ordered
    placed = shop.place([("CUP", 2)])
    download(shop.store)

    # Then nothing is held: the order awaits stock, and says what each warehouse lacks
    order = order_of(shop, placed)
    assert order.status == OrderStatus.AWAITING_STOCK
    assert order.awaiting_since is not None
    assert order.warehouse is None
    assert allocations_of(order) == []
    assert (allocated_in(sydney, cup), allocated_in(melbourne, cup)) == (0, 0)
    assert "warehouse SYD" in order.routing_note
    assert "warehouse MEL" in order.routing_note
    assert order.events.filter(kind=EventKind.AWAITING_STOCK).count() == 1
    assert order.lines.get().allocated is False

    # and trying again without new stock adds nothing to the timeline
    order_allocate(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_STOCK
    assert order.events.filter(kind=EventKind.AWAITING_STOCK).count() == 1


def test_awaiting_orders_are_allocated_first_come_first_served_when_stock_arrives(
    memory_platforms: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given two orders awaiting one cup each; the earlier was placed first
    site = located_site("SYD", SYDNEY)
    cup = stocked_item("CUP")
    shop = open_shop("Shop", [site], [cup])
    now = datetime.now(tz=UTC)
    earlier = shop.place([("CUP", 1)], created_at=now - timedelta(hours=2))
    later = shop.place([("CUP", 1)], created_at=now - timedelta(hours=1))
    download(shop.store)
    assert order_of(shop, earlier).status == OrderStatus.AWAITING_STOCK
    assert order_of(shop, later).status == OrderStatus.AWAITING_STOCK

    # When a receipt of one cup posts: nothing is allocated inside its transaction
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        receive(site, "CUP", 1)
    assert order_of(shop, earlier).status == OrderStatus.AWAITING_STOCK
    # and once it commits the waiting orders are tried
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    # Then the earlier order holds the cup, the later still waits
    first, second = order_of(shop, earlier), order_of(shop, later)
    assert first.status == OrderStatus.TO_CONFIRM
    assert first.awaiting_since is None
    assert first.warehouse == site.warehouse
    assert second.status == OrderStatus.AWAITING_STOCK
    assert allocated_in(site, cup) == 1
    assert [e.kind for e in first.events.all()] == [
        EventKind.DOWNLOADED,
        EventKind.AWAITING_STOCK,
        EventKind.ALLOCATED,
    ]


def test_a_large_waiting_order_does_not_block_smaller_ones_behind_it(
    memory_platforms: Any,
) -> None:
    site = located_site("SYD", SYDNEY)
    cup = stocked_item("CUP")
    shop = open_shop("Shop", [site], [cup])
    now = datetime.now(tz=UTC)
    big = shop.place([("CUP", 5)], created_at=now - timedelta(hours=2))
    small = shop.place([("CUP", 2)], created_at=now - timedelta(hours=1))
    download(shop.store)
    receive(site, "CUP", 3)

    assert orders_allocate_waiting() == 1

    assert order_of(shop, big).status == OrderStatus.AWAITING_STOCK
    assert order_of(shop, small).status == OrderStatus.TO_CONFIRM


def test_waiting_allocation_stops_at_the_limit(memory_platforms: Any) -> None:
    site = located_site("SYD", SYDNEY)
    cup = stocked_item("CUP")
    shop = open_shop("Shop", [site], [cup])
    now = datetime.now(tz=UTC)
    placed = [shop.place([("CUP", 1)], created_at=now - timedelta(hours=n)) for n in (3, 2, 1)]
    download(shop.store)
    receive(site, "CUP", 3)

    assert orders_allocate_waiting(limit=2) == 2

    assert [order_of(shop, p).status for p in placed] == [
        OrderStatus.TO_CONFIRM,
        OrderStatus.TO_CONFIRM,
        OrderStatus.AWAITING_STOCK,
    ]


def test_an_unlinked_listing_needs_attention_and_linking_resumes_the_order(
    memory_platforms: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a store whose mug listing is not linked to an item
    site = located_site("SYD", SYDNEY)
    cup = stocked_item("CUP", [(site, 5)])
    mug = build_item("MUG")
    receive(site, "MUG", 5)
    shop = open_shop("Shop", [site], [cup])
    shop.listings["MUG-1"] = add_listing(shop.store, None, sku="MUG-1")

    # When an order of a cup and a mug is downloaded
    placed = shop.place([("CUP", 1), ("MUG-1", 2)])
    download(shop.store)

    # Then it needs a person, naming the SKU, and holds nothing
    order = order_of(shop, placed)
    assert order.status == OrderStatus.NEEDS_ATTENTION
    assert "MUG-1" in order.attention
    assert "not linked" in order.attention
    assert allocations_of(order) == []
    assert order.events.filter(kind=EventKind.NEEDS_ATTENTION).count() == 1

    # When the listing is linked to the mug
    with django_capture_on_commit_callbacks(execute=True):
        listing_link(listing=shop.listings["MUG-1"], item=mug)

    # Then the order resumes: allocated, the line knows its item
    order.refresh_from_db()
    assert order.status == OrderStatus.TO_CONFIRM
    assert order.attention == ""
    assert allocated_in(site, mug) == 2
    assert allocated_in(site, cup) == 1
    assert order.lines.get(sku="MUG-1").item == mug


def test_a_line_with_no_listing_needs_attention(memory_platforms: Any) -> None:
    site = located_site("SYD", SYDNEY)
    cup = stocked_item("CUP", [(site, 5)])
    shop = open_shop("Shop", [site], [cup])
    placed = shop.place([("CUP", 1)])
    Listing.objects.filter(pk=shop.listings["CUP"].pk).delete()

    download(shop.store)

    order = order_of(shop, placed)
    assert order.status == OrderStatus.NEEDS_ATTENTION
    assert "CUP has no listing in this store" in order.attention


def test_quick_match_linking_also_resumes(
    memory_platforms: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from kucun.channels.services.listings import listings_match

    site = located_site("SYD", SYDNEY)
    stocked_item("CUP", [(site, 5)])
    shop = open_shop("Shop", [site], [])
    shop.listings["CUP"] = add_listing(shop.store, None, sku="CUP")
    placed = shop.place([("CUP", 1)])
    download(shop.store)
    assert order_of(shop, placed).status == OrderStatus.NEEDS_ATTENTION

    with django_capture_on_commit_callbacks(execute=True):
        listings_match(store=shop.store)

    assert Listing.objects.get(pk=shop.listings["CUP"].pk).status == ListingStatus.LINKED
    assert order_of(shop, placed).status == OrderStatus.TO_CONFIRM


def test_order_allocate_leaves_an_allocated_order_alone(memory_platforms: Any) -> None:
    site = located_site("SYD", SYDNEY)
    cup = stocked_item("CUP", [(site, 5)])
    shop = open_shop("Shop", [site], [cup])
    placed = shop.place([("CUP", 2)])
    download(shop.store)
    order = order_of(shop, placed)
    events = OrderEvent.objects.count()

    order_allocate(order)

    assert allocated_in(site, cup) == 2
    assert OrderEvent.objects.count() == events
