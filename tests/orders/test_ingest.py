"""Order ingest: downloads from the watermark (the first one reaching back the backfill days),
de-duplicated by channel id and updated time, recorded runs, failures that keep the watermark,
webhooks that fetch the order they name, and the download before a push overwrites."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from kucun.channels.adapters.base import OrderAddress, OrderStatus
from kucun.channels.hooks import run_before_overwrite
from kucun.channels.services.webhooks import webhook_receive
from kucun.core.errors import Conflict, ValidationFailed
from kucun.orders.choices import DownloadStatus, DownloadTrigger, EventKind
from kucun.orders.choices import OrderStatus as Status
from kucun.orders.models import Order, OrderDownload, OrderEvent, OrderLine, StoreOrderFeed
from kucun.orders.selectors import stores_with_failed_download
from kucun.orders.services.ingest import (
    flag_clear,
    flag_take,
    order_fetch,
    order_upsert,
    orders_download,
    run_lock_key,
)
from tests.inventory.conftest import Site
from tests.orders.fixtures_ingest import (
    SYDNEY,
    Shop,
    allocated_in,
    allocations_of,
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
    return open_shop("Shop", [site], [cup, saucer])


def test_the_first_download_reaches_back_the_backfill_days(shop: Shop) -> None:
    # Given orders placed 40 and 10 days ago, and a store reaching back 30 days
    now = datetime.now(tz=UTC)
    too_old = shop.place([("CUP", 1)], created_at=now - timedelta(days=40))
    recent = shop.place([("CUP", 1)], created_at=now - timedelta(days=10))

    # When the store's orders are downloaded for the first time
    run = download(shop.store)

    # Then only the recent one is stored, and the run says so
    assert list(Order.objects.values_list("external_id", flat=True)) == [recent.order_ref]
    assert not Order.objects.filter(external_id=too_old.order_ref).exists()
    assert run.status == DownloadStatus.SUCCEEDED
    assert (run.new_count, run.updated_count, run.error_count) == (1, 0, 0)
    assert run.trigger == DownloadTrigger.MANUAL
    assert run.finished_at is not None
    assert run.since is not None
    assert abs((now - timedelta(days=30) - run.since).total_seconds()) < 60
    # and the watermark is the newest change seen
    feed = StoreOrderFeed.objects.get(store=shop.store)
    assert feed.watermark == recent.updated_at
    assert feed.last_download_at is not None
    assert feed.last_error == ""


def test_the_backfill_days_are_the_stores(shop: Shop) -> None:
    shop.store.order_backfill_days = 50
    shop.store.save(update_fields=["order_backfill_days"])
    now = datetime.now(tz=UTC)
    shop.place([("CUP", 1)], created_at=now - timedelta(days=40))

    assert download(shop.store).new_count == 1


def test_a_download_keeps_what_the_channel_says(shop: Shop) -> None:
    placed = shop.platform.place_order(
        [(shop.ref("CUP"), 2), (shop.ref("SAUCER"), 1)],
        ship_to=OrderAddress(
            name="Ada Buyer",
            company="Analytical Engines",
            line1="1 George St",
            line2="Level 2",
            city="Sydney",
            state="NSW",
            postcode="2000",
            country_code="au",
            phone="0400000000",
            email="ada@example.com",
        ),
        shipping_method="Express",
    )

    download(shop.store)

    order = order_of(shop, placed)
    assert order.number == placed.number
    assert order.placed_at == placed.created_at
    assert order.channel_updated_at == placed.updated_at
    assert (order.channel_status, order.channel_status_detail) == ("open", "OPEN")
    assert (order.currency, order.total) == ("AUD", Decimal("30.00"))
    assert (order.customer_name, order.customer_email) == ("Ada Buyer", "ada@example.com")
    assert (order.ship_name, order.ship_company) == ("Ada Buyer", "Analytical Engines")
    assert (order.ship_line1, order.ship_line2) == ("1 George St", "Level 2")
    assert (order.ship_city, order.ship_state, order.ship_postcode) == ("Sydney", "NSW", "2000")
    assert (order.ship_country, order.ship_phone) == ("AU", "0400000000")
    assert order.shipping_method == "Express"
    assert order.raw == {"id": placed.order_ref}
    lines = list(order.lines.order_by("position"))
    assert [(line.line_ref, line.sku, line.quantity, line.unit_price) for line in lines] == [
        (placed.lines[0].line_ref, "CUP", 2, Decimal("10.00")),
        (placed.lines[1].line_ref, "SAUCER", 1, Decimal("10.00")),
    ]
    assert [line.listing for line in lines] == [shop.listings["CUP"], shop.listings["SAUCER"]]
    assert [line.item.sku for line in lines if line.item] == ["CUP", "SAUCER"]


def test_lines_map_to_listings_by_variant_then_sku(shop: Shop) -> None:
    placed = shop.place([("CUP", 1), ("SAUCER", 1)])
    by_variant = replace(placed.lines[0], inventory_ref="", sku="something else")
    by_sku = replace(placed.lines[1], inventory_ref="", variant_ref="", sku=" saucer ")
    channel_order = replace(placed, lines=(by_variant, by_sku))

    order, created = order_upsert(
        store=shop.store, channel_order=channel_order, trigger=DownloadTrigger.WEBHOOK
    )

    assert created is True
    lines = list(order.lines.order_by("position"))
    assert [line.listing for line in lines] == [shop.listings["CUP"], shop.listings["SAUCER"]]
    assert order.status == Status.TO_CONFIRM


def test_the_same_or_an_older_version_changes_nothing(shop: Shop, site: Site) -> None:
    placed = shop.place([("CUP", 2)])
    order, created = order_upsert(
        store=shop.store, channel_order=placed, trigger=DownloadTrigger.SCHEDULE
    )
    assert created is True
    events = OrderEvent.objects.count()

    # The same version again, and an older one with another address
    again, created_again = order_upsert(
        store=shop.store, channel_order=placed, trigger=DownloadTrigger.WEBHOOK
    )
    older = replace(
        placed,
        updated_at=placed.updated_at - timedelta(minutes=5),
        ship_to=replace(placed.ship_to, city="Newcastle"),
        status=OrderStatus.CANCELLED,
    )
    order_upsert(store=shop.store, channel_order=older, trigger=DownloadTrigger.WEBHOOK)

    assert (again.pk, created_again) == (order.pk, False)
    order.refresh_from_db()
    assert (order.ship_city, order.status) == ("Sydney", Status.TO_CONFIRM)
    assert OrderEvent.objects.count() == events
    assert Order.objects.count() == 1
    assert allocated_in(site, order.lines.get().item) == 2  # type: ignore[arg-type]


def test_a_second_download_starts_at_the_watermark_and_counts_updates(shop: Shop) -> None:
    first = shop.place([("CUP", 1)])
    download(shop.store)
    watermark = StoreOrderFeed.objects.get(store=shop.store).watermark

    # Given the first order changed and a new one came
    shop.platform.change_order(first.order_ref, customer_name="Ada Lovelace")
    shop.place([("SAUCER", 1)])

    run = download(shop.store)

    assert run.since == watermark
    assert (run.new_count, run.updated_count) == (1, 1)
    assert run.details["seen"] == 2
    assert order_of(shop, first).customer_name == "Ada Lovelace"
    # A third download reads the newest again (the watermark is inclusive) and changes nothing
    third = download(shop.store)
    assert (third.new_count, third.updated_count) == (0, 0)
    assert third.details["unchanged"] == third.details["seen"] == 1


def test_a_failed_download_records_the_message_and_keeps_the_watermark(shop: Shop) -> None:
    shop.place([("CUP", 1)])
    download(shop.store)
    feed = StoreOrderFeed.objects.get(store=shop.store)
    shop.place([("CUP", 1)])

    # When the platform fails the next read
    shop.platform.fail_next_order_reads = 1
    run = download(shop.store)

    # Then the run failed with the platform's words; the watermark did not move
    assert run.status == DownloadStatus.FAILED
    assert run.error == "503: memory platform unavailable"
    assert run.error_count == 1
    assert Order.objects.count() == 1
    failed_feed = StoreOrderFeed.objects.get(store=shop.store)
    assert failed_feed.watermark == feed.watermark
    assert failed_feed.last_error == "503: memory platform unavailable"
    assert list(stores_with_failed_download()) == [shop.store]

    # And the next download that succeeds brings the order and clears the error
    recovered = download(shop.store)
    assert (recovered.status, recovered.new_count) == (DownloadStatus.SUCCEEDED, 1)
    assert StoreOrderFeed.objects.get(store=shop.store).last_error == ""
    assert list(stores_with_failed_download()) == []


def test_an_order_that_cannot_be_stored_fails_the_run_but_not_the_others(shop: Shop) -> None:
    good = shop.place([("CUP", 1)])
    bad = shop.place([("SAUCER", 1)])
    shop.platform.orders[bad.order_ref] = replace(bad, order_ref="")
    # the bad order keeps its key in the platform's dict but has no id of its own

    run = download(shop.store)

    assert run.status == DownloadStatus.FAILED
    assert (run.new_count, run.error_count) == (1, 1)
    assert bad.number in run.error
    assert "without the channel's order id" in run.error
    assert Order.objects.get().external_id == good.order_ref
    assert StoreOrderFeed.objects.get(store=shop.store).watermark is None


def test_order_upsert_refuses_an_order_without_id(shop: Shop) -> None:
    placed = replace(shop.place([("CUP", 1)]), order_ref=" ")
    with pytest.raises(ValidationFailed) as refused:
        order_upsert(store=shop.store, channel_order=placed, trigger=DownloadTrigger.MANUAL)
    assert refused.value.errors[0].field == "order_ref"
    assert Order.objects.count() == 0


def test_a_download_is_refused_while_another_of_the_store_runs(shop: Shop) -> None:
    assert flag_take(run_lock_key(shop.store.pk), 60)
    try:
        with pytest.raises(Conflict):
            orders_download(store=shop.store, trigger=DownloadTrigger.MANUAL)
    finally:
        flag_clear(run_lock_key(shop.store.pk))
    assert OrderDownload.objects.count() == 0
    assert download(shop.store).status == DownloadStatus.SUCCEEDED


def test_orders_already_cancelled_or_shipped_hold_no_stock(shop: Shop, site: Site) -> None:
    cancelled = shop.place([("CUP", 1)])
    shipped = shop.place([("CUP", 2)])
    shop.platform.change_order(cancelled.order_ref, status=OrderStatus.CANCELLED)
    shop.platform.change_order(shipped.order_ref, status=OrderStatus.SHIPPED)

    download(shop.store)

    assert order_of(shop, cancelled).status == Status.CANCELLED
    assert order_of(shop, shipped).status == Status.SHIPPED
    assert allocations_of(order_of(shop, cancelled)) == []
    assert allocations_of(order_of(shop, shipped)) == []


def test_a_webhook_fetches_the_order_it_names(
    shop: Shop, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    placed = shop.place([("CUP", 3)])

    with django_capture_on_commit_callbacks(execute=True):
        answer = webhook_receive(
            store=shop.store, headers={}, raw_body=shop.platform.order_event(placed.order_ref)
        )

    assert answer.accepted == 1
    order = order_of(shop, placed)
    assert order.status == Status.TO_CONFIRM
    assert allocated_in(site, order.lines.get().item) == 3  # type: ignore[arg-type]
    run = OrderDownload.objects.get()
    assert (run.trigger, run.status, run.new_count) == ("webhook", "succeeded", 1)
    assert run.details == {"order": placed.order_ref, "found": True}
    assert order.events.first().data == {"trigger": "webhook"}  # type: ignore[union-attr]


def test_a_webhook_fetch_that_fails_is_recorded_and_leaves_the_feed(shop: Shop) -> None:
    placed = shop.place([("CUP", 1)])
    shop.platform.fail_next_order_reads = 1

    run = order_fetch(store=shop.store, order_ref=placed.order_ref)

    assert (run.status, run.error) == (DownloadStatus.FAILED, "503: memory platform unavailable")
    assert Order.objects.count() == 0
    assert not StoreOrderFeed.objects.filter(store=shop.store).exists()


def test_a_webhook_for_an_unknown_order_stores_nothing(shop: Shop) -> None:
    run = order_fetch(store=shop.store, order_ref="o-404")

    assert (run.status, run.new_count) == (DownloadStatus.SUCCEEDED, 0)
    assert run.details == {"order": "o-404", "found": False}
    assert Order.objects.count() == 0


def test_before_a_push_overwrites_a_dropped_quantity_new_orders_come_in(
    shop: Shop, site: Site
) -> None:
    placed = shop.place([("CUP", 4)])

    ran, errors = run_before_overwrite(shop.store, [shop.listings["CUP"]])

    assert errors == []
    assert ran >= 1
    run = OrderDownload.objects.get()
    assert run.trigger == DownloadTrigger.BEFORE_PUSH
    order = order_of(shop, placed)
    assert allocated_in(site, order.lines.get().item) == 4  # type: ignore[arg-type]


def test_no_download_before_a_push_when_the_store_downloads_no_orders(shop: Shop) -> None:
    shop.place([("CUP", 1)])
    shop.store.order_download = False
    shop.store.save(update_fields=["order_download"])

    run_before_overwrite(shop.store, [shop.listings["CUP"]])

    assert OrderDownload.objects.count() == 0


def test_the_timeline_of_a_new_order(shop: Shop) -> None:
    placed = shop.place([("CUP", 1)])
    download(shop.store, DownloadTrigger.SCHEDULE)
    events = list(order_of(shop, placed).events.all())
    assert [event.kind for event in events] == [EventKind.DOWNLOADED, EventKind.ALLOCATED]
    assert events[0].message == "Downloaded from Shop (schedule)."
    assert OrderLine.objects.get().allocation_reference.endswith(placed.lines[0].line_ref)


def test_a_newer_version_is_on_the_timeline(shop: Shop) -> None:
    placed = shop.platform.place_order([(shop.ref("CUP"), 1)], status=OrderStatus.PENDING)
    download(shop.store)
    order = order_of(shop, placed)
    assert order.status == Status.TO_CONFIRM  # a pending order holds its stock too

    shop.platform.change_order(placed.order_ref, status=OrderStatus.OPEN, channel_status="PAID")
    download(shop.store)
    shop.platform.change_order(placed.order_ref, customer_phone="0411111111")
    download(shop.store)

    messages = list(order.events.filter(kind=EventKind.UPDATED).values_list("message", flat=True))
    assert messages == ["Status on the channel: pending → open", "Updated on the channel."]
    order.refresh_from_db()
    assert (order.channel_status_detail, order.customer_phone) == ("PAID", "0411111111")


def test_a_long_channel_id_still_holds_its_stock(shop: Shop, site: Site) -> None:
    placed = shop.place([("CUP", 1)])
    long_ref = "gid://shop/Order/" + "9" * 180
    long_order = replace(placed, order_ref=long_ref)

    order, created = order_upsert(
        store=shop.store, channel_order=long_order, trigger=DownloadTrigger.WEBHOOK
    )

    assert created is True
    assert order.status == Status.TO_CONFIRM
    assert allocations_of(order)[0].qty == 1
    assert allocated_in(site, order.lines.get().item) == 1  # type: ignore[arg-type]


def test_no_webhook_fetch_when_the_store_downloads_no_orders(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    placed = shop.place([("CUP", 1)])
    shop.store.order_download = False
    shop.store.save(update_fields=["order_download"])

    with django_capture_on_commit_callbacks(execute=True):
        webhook_receive(
            store=shop.store, headers={}, raw_body=shop.platform.order_event(placed.order_ref)
        )

    assert OrderDownload.objects.count() == 0
    assert Order.objects.count() == 0


def test_an_order_partly_shipped_before_it_came_is_flagged(shop: Shop) -> None:
    placed = shop.platform.place_order([(shop.ref("CUP"), 2)], status=OrderStatus.PARTIALLY_SHIPPED)

    download(shop.store)

    order = order_of(shop, placed)
    assert order.status == Status.TO_CONFIRM
    assert "Partly shipped on the channel" in order.attention
    assert order.events.filter(kind=EventKind.FLAGGED).count() == 1
