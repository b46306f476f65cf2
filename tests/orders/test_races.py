"""Orders arriving by several paths at once, with real threads on their own connections (run
on SQLite and on PostgreSQL): one order and one allocation per channel order, and the last
unit goes to exactly one store's order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kucun.channels.adapters.base import EventKind as ChannelEventKind
from kucun.channels.adapters.base import OrderStatus as ChannelStatus
from kucun.channels.services.sync import sync_drain
from kucun.channels.services.webhooks import webhook_receive
from kucun.inventory.models import Allocation
from kucun.inventory.signals import availability_changed
from kucun.orders.choices import DownloadTrigger, EventKind, OrderStatus
from kucun.orders.models import Order, OrderEvent
from kucun.orders.receivers import ALLOCATE_WAITING_UID, allocate_waiting_soon
from kucun.orders.services.ingest import order_fetch, order_upsert
from kucun.orders.services.routing import orders_allocate_waiting
from tests.inventory.conftest import receive
from tests.inventory.test_races import run_together
from tests.orders.fixtures_ingest import (
    SYDNEY,
    allocated_in,
    download,
    located_site,
    memory_platforms,
    open_shop,
    order_of,
    stocked_item,
)

__all__ = ["memory_platforms"]

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]

ROUNDS = 4


def no_errors(results: list[Any]) -> None:
    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors


def test_a_webhook_and_a_poll_of_the_same_order_make_one_order_and_one_allocation(
    memory_platforms: Any,
) -> None:
    # Given a store with cups in stock
    site = located_site("SYD", SYDNEY)
    cup = stocked_item("CUP", [(site, 100)])
    shop = open_shop("Shop", [site], [cup])

    for round_number in range(ROUNDS):
        # When an order's webhook, a poll, and a second delivery of it all arrive at once
        placed = shop.place([("CUP", 2)])
        body = shop.platform.order_event(placed.order_ref)
        workers: list[Callable[[], Any]] = [
            lambda: download(shop.store, DownloadTrigger.SCHEDULE),
            lambda body=body: webhook_receive(store=shop.store, headers={}, raw_body=body),
            lambda placed=placed: order_fetch(store=shop.store, order_ref=placed.order_ref),
            lambda placed=placed: order_upsert(
                store=shop.store, channel_order=placed, trigger=DownloadTrigger.WEBHOOK
            ),
        ]
        no_errors(run_together(workers))

        # Then there is one order, holding its 2 cups once
        order = order_of(shop, placed)
        assert order.status == OrderStatus.TO_CONFIRM
        held = Allocation.objects.filter(reference__startswith=order.reference_prefix + ":")
        assert list(held.values_list("qty", flat=True)) == [2]
        assert OrderEvent.objects.filter(order=order, kind=EventKind.DOWNLOADED).count() == 1
        assert OrderEvent.objects.filter(order=order, kind=EventKind.ALLOCATED).count() == 1
        assert allocated_in(site, cup) == 2 * (round_number + 1)
    assert Order.objects.count() == ROUNDS
    assert order.lines.count() == 1


def test_a_cancellation_seen_by_a_webhook_and_a_poll_at_once_releases_once(
    memory_platforms: Any,
) -> None:
    # Given an order holding 3 cups, then cancelled on the platform
    site = located_site("SYD", SYDNEY)
    cup = stocked_item("CUP", [(site, 10)])
    shop = open_shop("Shop", [site], [cup])
    placed = shop.place([("CUP", 3)])
    download(shop.store)
    assert allocated_in(site, cup) == 3
    cancelled = shop.platform.change_order(placed.order_ref, status=ChannelStatus.CANCELLED)
    body = shop.platform.order_event(placed.order_ref, ChannelEventKind.ORDER_CANCELLED)

    # When the webhook, a poll and a redelivery all bring the cancellation at once
    no_errors(
        run_together(
            [
                lambda: download(shop.store),
                lambda: webhook_receive(store=shop.store, headers={}, raw_body=body),
                lambda: order_upsert(
                    store=shop.store, channel_order=cancelled, trigger=DownloadTrigger.WEBHOOK
                ),
            ]
        )
    )

    # Then the order is cancelled once and its cups released once
    order = order_of(shop, placed)
    assert order.status == OrderStatus.CANCELLED
    assert allocated_in(site, cup) == 0
    assert OrderEvent.objects.filter(order=order, kind=EventKind.CANCELLED).count() == 1
    assert OrderEvent.objects.filter(order=order, kind=EventKind.RELEASED).count() == 1


def test_the_last_unit_ordered_on_two_stores_at_once_goes_to_one(memory_platforms: Any) -> None:
    # Given one cup left, listed on two stores that both show it
    site = located_site("SYD", SYDNEY)
    cup = stocked_item("CUP", [(site, 1)])
    first = open_shop("First", [site], [cup], platform_quantity=1)
    second = open_shop("Second", [site], [cup], platform_quantity=1)
    sync_drain()

    # When each store sells it and both download at the same moment
    placed_first = first.place([("CUP", 1)])
    placed_second = second.place([("CUP", 1)])
    no_errors(run_together([lambda: download(first.store), lambda: download(second.store)]))

    # Then one order holds the cup and the other awaits stock
    statuses = sorted(
        [order_of(first, placed_first).status, order_of(second, placed_second).status]
    )
    assert statuses == [OrderStatus.AWAITING_STOCK, OrderStatus.TO_CONFIRM]
    assert allocated_in(site, cup) == 1
    assert Allocation.objects.filter(item=cup).count() == 1

    # and both stores are then told they have none
    sync_drain()
    for shop in (first, second):
        ref = shop.ref("CUP")
        assert shop.platform.quantities[ref] == 0
        assert [level.quantity for level in shop.platform.pushes if level.inventory_ref == ref][
            -1
        ] == 0


def test_waiting_orders_allocated_by_two_workers_take_each_unit_once(
    memory_platforms: Any,
) -> None:
    # Given five orders awaiting one cup each
    site = located_site("SYD", SYDNEY)
    cup = stocked_item("CUP")
    shop = open_shop("Shop", [site], [cup])
    placed = [shop.place([("CUP", 1)]) for _order in range(5)]
    download(shop.store)
    # When three cups arrive and two workers allocate the waiting orders at once (the
    # announcements are held back: only these two workers allocate)
    availability_changed.disconnect(dispatch_uid=ALLOCATE_WAITING_UID)
    try:
        receive(site, "CUP", 3)
        results = run_together([orders_allocate_waiting, orders_allocate_waiting])
    finally:
        availability_changed.connect(allocate_waiting_soon, dispatch_uid=ALLOCATE_WAITING_UID)
    no_errors(results)

    # Then exactly three orders hold a cup
    statuses = [order_of(shop, order).status for order in placed]
    assert statuses.count(OrderStatus.TO_CONFIRM) == 3
    assert statuses.count(OrderStatus.AWAITING_STOCK) == 2
    assert allocated_in(site, cup) == 3
    assert sum(results) == 3
