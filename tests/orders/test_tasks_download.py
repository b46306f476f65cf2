"""The download tasks: every minute the due stores are queued; one download of a store runs at
a time and one waits queued at a time; the webhook fetch and the waiting-orders allocation."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from kucun.channels.models import Store
from kucun.orders.choices import DownloadStatus, DownloadTrigger, OrderStatus
from kucun.orders.models import OrderDownload, StoreOrderFeed
from kucun.orders.selectors import stores_due_for_download
from kucun.orders.services.ingest import (
    flag_clear,
    flag_take,
    orders_download_enqueue,
    queued_key,
    run_lock_key,
)
from kucun.orders.tasks_download import (
    order_fetch_task,
    orders_allocate_waiting_task,
    orders_download_due,
    orders_download_task,
)
from tests.factories import UserFactory
from tests.inventory.conftest import Site, receive
from tests.orders.fixtures_ingest import (
    SYDNEY,
    Shop,
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


def shop_named(name: str, site: Site, **store_fields: Any) -> Shop:
    shop = open_shop(name, [site], [])
    if store_fields:
        Store.objects.filter(pk=shop.store.pk).update(**store_fields)
        shop.store.refresh_from_db()
    return shop


def last_downloaded(store: Store, minutes_ago: int) -> None:
    StoreOrderFeed.objects.create(
        store=store, last_download_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def test_the_stores_due_are_those_whose_interval_has_passed(
    memory_platforms: Any, site: Site
) -> None:
    never = shop_named("Never", site).store
    recent = shop_named("Recent", site).store
    overdue = shop_named("Overdue", site).store
    quick = shop_named("Quick", site, order_interval_minutes=1).store
    shop_named("Off", site, order_download=False)
    shop_named("Closed", site, active=False)
    last_downloaded(recent, 2)
    last_downloaded(overdue, 20)
    last_downloaded(quick, 2)

    assert stores_due_for_download() == [never, overdue, quick]


def test_every_minute_the_due_stores_are_downloaded(
    memory_platforms: Any, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    due = shop_named("Due", site).store
    recent = shop_named("Recent", site).store
    last_downloaded(recent, 2)

    with django_capture_on_commit_callbacks(execute=True):
        orders_download_due()

    runs = list(OrderDownload.objects.values_list("store__name", "trigger", "status"))
    assert runs == [("Due", DownloadTrigger.SCHEDULE, DownloadStatus.SUCCEEDED)]
    assert StoreOrderFeed.objects.get(store=due).last_download_at is not None
    # A minute later the store is not due again
    assert due not in stores_due_for_download()


def test_a_store_waits_in_the_queue_once(
    memory_platforms: Any, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    store = shop_named("Shop", site).store

    # When "download now" is pressed twice before the worker runs
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = orders_download_enqueue(stores=[store], trigger=DownloadTrigger.MANUAL)
        second = orders_download_enqueue(stores=[store], trigger=DownloadTrigger.MANUAL)
    assert (first, second) == (1, 0)
    # The commit: its callbacks run and the connection forgets them (the test's own
    # transaction never commits, so it is done here as a commit does it).
    for callback in callbacks:
        callback()
    connection.run_on_commit.clear()

    # Then one download ran; once it started, another may be queued
    assert OrderDownload.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_download_enqueue(stores=[store], trigger=DownloadTrigger.MANUAL) == 1
    assert OrderDownload.objects.count() == 2


def test_a_queued_download_lost_long_ago_does_not_block_the_store(
    memory_platforms: Any, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    store = shop_named("Shop", site).store
    HUEY.put(queued_key(store.pk), time.time() - 3600)

    with django_capture_on_commit_callbacks(execute=True):
        assert orders_download_enqueue(stores=[store], trigger=DownloadTrigger.SCHEDULE) == 1

    assert OrderDownload.objects.count() == 1


def test_download_now_for_every_store_takes_those_with_download_on(
    memory_platforms: Any, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    shop_named("On", site)
    shop_named("Off", site, order_download=False)
    shop_named("Closed", site, active=False)
    person = UserFactory(username="olga")

    with django_capture_on_commit_callbacks(execute=True):
        queued = orders_download_enqueue(trigger=DownloadTrigger.MANUAL, user=person)

    assert queued == 1
    run = OrderDownload.objects.get()
    assert (run.store.name, run.trigger, run.details["by"]) == ("On", "manual", person.pk)


def test_download_now_of_one_store_works_with_its_schedule_off(
    memory_platforms: Any, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    store = shop_named("Off", site, order_download=False).store

    with django_capture_on_commit_callbacks(execute=True):
        assert orders_download_enqueue(stores=[store], trigger=DownloadTrigger.MANUAL) == 1

    assert OrderDownload.objects.get().store == store


def test_a_download_task_ends_while_another_download_of_the_store_runs(
    memory_platforms: Any, site: Site
) -> None:
    store = shop_named("Shop", site).store
    assert flag_take(run_lock_key(store.pk), 60)
    try:
        assert orders_download_task(store.pk, DownloadTrigger.SCHEDULE).get() == 0
    finally:
        flag_clear(run_lock_key(store.pk))

    assert OrderDownload.objects.count() == 0


def test_a_download_left_running_by_a_stopped_worker_is_taken_over(
    memory_platforms: Any, site: Site
) -> None:
    store = shop_named("Shop", site).store
    HUEY.put(run_lock_key(store.pk), time.time() - 31 * 60)

    orders_download_task(store.pk, DownloadTrigger.SCHEDULE)

    assert OrderDownload.objects.get().status == DownloadStatus.SUCCEEDED
    assert HUEY.get(run_lock_key(store.pk), peek=True) is None


def test_the_webhook_fetch_task_stores_the_order(memory_platforms: Any, site: Site) -> None:
    cup = stocked_item("CUP", [(site, 5)])
    shop = open_shop("Shop", [site], [cup])
    placed = shop.place([("CUP", 1)])

    assert order_fetch_task(shop.store.pk, placed.order_ref).get() == 1

    assert order_of(shop, placed).status == OrderStatus.TO_CONFIRM
    assert OrderDownload.objects.get().trigger == DownloadTrigger.WEBHOOK


def test_the_waiting_orders_task_allocates_those_of_the_items_named(
    memory_platforms: Any, site: Site
) -> None:
    cup = stocked_item("CUP")
    mug = stocked_item("MUG")
    shop = open_shop("Shop", [site], [cup, mug])
    wants_cup = shop.place([("CUP", 1)])
    wants_mug = shop.place([("MUG", 1)])
    orders_download_task(shop.store.pk, DownloadTrigger.MANUAL)
    receive(site, "CUP", 1)
    receive(site, "MUG", 1)

    assert orders_allocate_waiting_task([cup.pk]).get() == 1

    assert order_of(shop, wants_cup).status == OrderStatus.TO_CONFIRM
    assert order_of(shop, wants_mug).status == OrderStatus.AWAITING_STOCK


def test_tasks_for_a_deleted_store_do_nothing(memory_platforms: Any) -> None:
    assert orders_download_task(999_999, DownloadTrigger.SCHEDULE).get() == 0
    assert order_fetch_task(999_999, "o-1").get() == 0
    assert OrderDownload.objects.count() == 0


def test_a_download_now_rolled_back_leaves_the_store_free(
    memory_platforms: Any, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    store = shop_named("Shop", site).store

    def request_that_fails() -> None:
        with transaction.atomic():
            assert orders_download_enqueue(stores=[store], trigger=DownloadTrigger.MANUAL) == 1
            raise RuntimeError("the request failed after pressing download now")

    with pytest.raises(RuntimeError):
        request_that_fails()

    assert HUEY.get(queued_key(store.pk), peek=True) is None
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_download_enqueue(stores=[store], trigger=DownloadTrigger.MANUAL) == 1
    assert OrderDownload.objects.count() == 1
