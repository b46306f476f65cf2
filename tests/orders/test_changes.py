"""Changes from the channel (cancellation, quantities, address) before and after
confirmation, and a person cancelling in Kucun."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from kucun.channels.adapters.base import OrderStatus
from kucun.channels.models import StockSyncRecord
from kucun.channels.services.sync import sync_drain
from kucun.core.errors import Conflict
from kucun.core.models import AuditEntry
from kucun.orders.choices import EventKind
from kucun.orders.choices import OrderStatus as Status
from kucun.orders.models import Order
from kucun.orders.services.changes import order_cancel
from tests.factories import UserFactory
from tests.inventory.conftest import Site
from tests.orders.fixtures_ingest import (
    SYDNEY,
    Shop,
    allocated_in,
    allocations_of,
    available_in,
    download,
    located_site,
    memory_platforms,
    open_shop,
    order_of,
    stocked_item,
)

__all__ = ["memory_platforms"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db: None) -> Site:
    return located_site("SYD", SYDNEY)


@pytest.fixture
def shop(memory_platforms: Any, site: Site) -> Shop:
    cup = stocked_item("CUP", [(site, 10)])
    saucer = stocked_item("SAUCER", [(site, 10)])
    return open_shop("Shop", [site], [cup, saucer], platform_quantity=10)


def cup_of(shop: Shop) -> Any:
    return shop.listings["CUP"].item


def set_status(order: Order, status: str) -> None:
    """Where the confirming steps would have taken the order."""
    Order.objects.filter(pk=order.pk).update(status=status)


def test_a_cancellation_releases_the_stock_and_the_quantity_goes_back(
    shop: Shop, site: Site
) -> None:
    # Given an order holding 3 cups, and the store showing the 7 left
    placed = shop.place([("CUP", 3)])
    download(shop.store)
    sync_drain()
    assert shop.platform.quantities[shop.ref("CUP")] == 7
    assert allocated_in(site, cup_of(shop)) == 3

    # When the order is cancelled on the channel and downloaded again
    shop.platform.change_order(placed.order_ref, status=OrderStatus.CANCELLED)
    run = download(shop.store)

    # Then the stock is released and the order cancelled, with its timeline
    order = order_of(shop, placed)
    assert run.updated_count == 1
    assert order.status == Status.CANCELLED
    assert order.channel_status == "cancelled"
    assert allocations_of(order) == []
    assert allocated_in(site, cup_of(shop)) == 0
    assert order.lines.get().allocated is False
    kinds = [event.kind for event in order.events.all()]
    assert kinds[-2:] == [EventKind.RELEASED, EventKind.CANCELLED]
    assert AuditEntry.objects.filter(action="order.cancelled_on_channel").count() == 1
    # and the store is told it has 10 again
    sync_drain()
    assert shop.platform.quantities[shop.ref("CUP")] == 10
    assert (
        StockSyncRecord.objects.filter(listing=shop.listings["CUP"])
        .order_by("-id")
        .first()
        .quantity  # type: ignore[union-attr]
        == 10
    )


def test_a_cancellation_after_shipping_is_flagged_not_released(shop: Shop, site: Site) -> None:
    placed = shop.place([("CUP", 3)])
    download(shop.store)
    order = order_of(shop, placed)
    set_status(order, Status.SHIPPED)

    shop.platform.change_order(placed.order_ref, status=OrderStatus.CANCELLED)
    download(shop.store)

    order.refresh_from_db()
    assert order.status == Status.SHIPPED
    assert "Cancelled on the channel after it shipped" in order.attention
    assert order.events.filter(kind=EventKind.FLAGGED).count() == 1
    assert allocated_in(site, cup_of(shop)) == 3


def test_a_cancellation_after_confirmation_releases_and_flags(shop: Shop, site: Site) -> None:
    placed = shop.place([("CUP", 3)])
    download(shop.store)
    order = order_of(shop, placed)
    set_status(order, Status.CONFIRMED)

    shop.platform.change_order(placed.order_ref, status=OrderStatus.CANCELLED)
    download(shop.store)

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert allocated_in(site, cup_of(shop)) == 0
    assert "void its shipment" in order.attention
    assert order.events.filter(kind=EventKind.FLAGGED).count() == 1


def test_a_quantity_change_before_confirmation_is_applied_and_reallocated(
    shop: Shop, site: Site
) -> None:
    placed = shop.place([("CUP", 3), ("SAUCER", 1)])
    download(shop.store)

    # When the channel's order now wants 5 cups and no saucer
    cups = replace(placed.lines[0], quantity=5)
    shop.platform.change_order(placed.order_ref, lines=(cups,))
    download(shop.store)

    order = order_of(shop, placed)
    assert order.status == Status.TO_CONFIRM
    assert dict(order.lines.values_list("sku", "quantity")) == {"CUP": 5, "SAUCER": 0}
    assert allocated_in(site, cup_of(shop)) == 5
    assert allocated_in(site, shop.listings["SAUCER"].item) == 0  # type: ignore[arg-type]
    assert [a.qty for a in allocations_of(order)] == [5]
    updated = order.events.filter(kind=EventKind.UPDATED).get()
    assert "CUP quantity 3 → 5" in updated.message
    assert "SAUCER quantity 1 → 0" in updated.message
    assert order.events.filter(kind=EventKind.ALLOCATED).count() == 2


def test_a_quantity_change_beyond_the_stock_makes_the_order_wait(shop: Shop, site: Site) -> None:
    placed = shop.place([("CUP", 3)])
    download(shop.store)

    shop.platform.change_order(placed.order_ref, lines=(replace(placed.lines[0], quantity=11),))
    download(shop.store)

    order = order_of(shop, placed)
    assert order.status == Status.AWAITING_STOCK
    assert allocated_in(site, cup_of(shop)) == 0
    assert available_in(site, cup_of(shop)) == 10


def test_an_address_change_before_confirmation_is_applied(shop: Shop, site: Site) -> None:
    placed = shop.place([("CUP", 1)])
    download(shop.store)

    shop.platform.change_order(
        placed.order_ref, ship_to=replace(placed.ship_to, line1="2 Pitt St", postcode="2001")
    )
    download(shop.store)

    order = order_of(shop, placed)
    assert (order.ship_line1, order.ship_postcode) == ("2 Pitt St", "2001")
    assert order.status == Status.TO_CONFIRM
    assert order.attention == ""
    assert "ship-to address changed" in order.events.get(kind=EventKind.UPDATED).message
    assert allocated_in(site, cup_of(shop)) == 1


def test_changes_after_confirmation_are_flagged_not_applied(shop: Shop, site: Site) -> None:
    placed = shop.place([("CUP", 2)])
    download(shop.store)
    order = order_of(shop, placed)
    set_status(order, Status.CONFIRMED)

    shop.platform.change_order(
        placed.order_ref,
        ship_to=replace(placed.ship_to, line1="2 Pitt St"),
        lines=(replace(placed.lines[0], quantity=4),),
    )
    download(shop.store)

    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    assert order.ship_line1 == "1 George St"
    assert order.lines.get().quantity == 2
    assert allocated_in(site, cup_of(shop)) == 2
    assert "after confirmation" in order.attention
    flagged = order.events.get(kind=EventKind.FLAGGED)
    assert "CUP quantity 2 → 4" in flagged.message
    assert "ship-to address changed" in flagged.message


def test_a_person_cancels_in_kucun(shop: Shop, site: Site) -> None:
    placed = shop.place([("CUP", 3)])
    download(shop.store)
    order = order_of(shop, placed)
    person = UserFactory(username="olga")

    cancelled = order_cancel(order=order, user=person, reason="Customer phoned")

    assert cancelled.status == Status.CANCELLED
    assert allocated_in(site, cup_of(shop)) == 0
    assert allocations_of(cancelled) == []
    event = cancelled.events.get(kind=EventKind.CANCELLED)
    assert event.actor == person
    assert event.message == "Cancelled in Kucun; 3 units released. Customer phoned"
    audit = AuditEntry.objects.get(action="order.cancel")
    assert audit.actor == person
    # the channel is not touched
    assert shop.platform.orders[placed.order_ref].status == OrderStatus.OPEN
    # and cancelling again changes nothing
    order_cancel(order=order, user=person)
    assert AuditEntry.objects.filter(action="order.cancel").count() == 1


def test_a_person_cannot_cancel_a_confirmed_order(shop: Shop, site: Site) -> None:
    placed = shop.place([("CUP", 3)])
    download(shop.store)
    order = order_of(shop, placed)
    set_status(order, Status.CONFIRMED)
    events = order.events.count()

    with pytest.raises(Conflict) as refused:
        order_cancel(order=order)

    assert refused.value.errors[0].field == "order"
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    assert allocated_in(site, cup_of(shop)) == 3
    assert order.events.count() == events


def test_cancelling_an_awaiting_order_releases_nothing(shop: Shop, site: Site) -> None:
    placed = shop.place([("CUP", 20)])
    download(shop.store)
    order = order_of(shop, placed)
    assert order.status == Status.AWAITING_STOCK

    order_cancel(order=order)

    order.refresh_from_db()
    assert (order.status, order.awaiting_since) == (Status.CANCELLED, None)
    assert not order.events.filter(kind=EventKind.RELEASED).exists()
