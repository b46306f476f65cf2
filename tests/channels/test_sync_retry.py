"""Failures are retried with backoff and then shown failed; newer changes supersede older
pushes; a push in flight is never overtaken; asynchronous writes are resolved by polling."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kucun.channels.adapters.base import (
    ChannelCapabilities,
    ChannelConfig,
    PushResult,
    PushStatus,
    StockLevel,
)
from kucun.channels.choices import PushStatus as RecordStatus
from kucun.channels.models import Listing, StockSyncRecord, Store
from kucun.channels.platforms import register_platform, unregister_platform
from kucun.channels.services.sync import sync_drain
from kucun.channels.services.sync_push import (
    MAX_ATTEMPTS,
    backoff,
    records_claim,
    stock_pushes_poll,
    stock_pushes_recover,
    stock_pushes_send,
    sync_record_retry,
)
from kucun.core.errors import Conflict
from tests.channels import memory_channel
from tests.channels.conftest import Shop, add_listing, platform_of, push_now
from tests.channels.memory_channel import MemoryChannel, MemoryPlatform
from tests.inventory.conftest import Site, build_item, receive

pytestmark = pytest.mark.django_db


def time_passes(minutes: int = 60) -> None:
    """Everything waiting for a time (backoff, a lease, a deadline) is due now."""
    for record in StockSyncRecord.objects.filter(next_attempt_at__isnull=False):
        record.next_attempt_at = record.next_attempt_at - timedelta(minutes=minutes)
        record.save(update_fields=["next_attempt_at"])


@pytest.fixture
def mug_listing(site: Site, shop: Shop) -> Listing:
    item = build_item("MUG")
    receive(site, "MUG", 10)
    listing = add_listing(shop.store, item)
    push_now(listing)
    sync_drain()
    return listing


def latest(listing: Listing) -> StockSyncRecord:
    record = StockSyncRecord.objects.filter(listing=listing).order_by("-id").first()
    assert record is not None
    return record


def test_a_retryable_failure_backs_off_then_fails(
    site: Site, shop: Shop, mug_listing: Listing
) -> None:
    # Given the platform answers 503 to every push
    shop.platform.fail_next_pushes = 100
    receive(site, "MUG", 5)

    # When the drain and the retries run, time passing between them
    delays = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        before = timezone.now()
        if attempt == 1:
            sync_drain()
        else:
            assert stock_pushes_send().sent == 0  # not due yet
            time_passes()
            before = timezone.now()
            assert stock_pushes_send().sent == 1
        record = latest(mug_listing)
        assert record.attempts == attempt
        assert record.error == "503: memory platform unavailable"
        if attempt < MAX_ATTEMPTS:
            assert record.status == RecordStatus.QUEUED
            assert record.next_attempt_at is not None
            delays.append(record.next_attempt_at - before)

    # Then the delays doubled, and after the last attempt the push is shown failed
    assert [round(delay.total_seconds()) for delay in delays] == [30, 60, 120, 240, 480]
    assert [backoff(attempt) for attempt in range(1, 6)] == [
        timedelta(seconds=seconds) for seconds in (30, 60, 120, 240, 480)
    ]
    record = latest(mug_listing)
    assert (record.status, record.next_attempt_at) == (RecordStatus.FAILED, None)
    assert record.finished_at is not None
    time_passes()
    assert stock_pushes_send().sent == 0
    assert shop.platform.quantities[mug_listing.inventory_ref] == 10


def test_every_failed_attempt_stays_in_the_log_after_the_push_succeeds(
    site: Site, shop: Shop, mug_listing: Listing
) -> None:
    # Given the platform answers 503 to the next two pushes
    shop.platform.fail_next_pushes = 2
    receive(site, "MUG", 5)

    # When the drain and two retries run
    sync_drain()
    for _retry in range(2):
        time_passes()
        stock_pushes_send()

    # Then the push succeeded at its third attempt and its details keep both failures
    record = latest(mug_listing)
    assert (record.status, record.attempts, record.error) == (RecordStatus.SUCCEEDED, 3, "")
    failures = record.details["attempt_errors"]
    assert [(failure["attempt"], failure["error"]) for failure in failures] == [
        (1, "503: memory platform unavailable"),
        (2, "503: memory platform unavailable"),
    ]
    assert shop.platform.quantities[mug_listing.inventory_ref] == 15


def test_a_refusal_fails_at_once_with_the_platforms_words(
    site: Site, shop: Shop, mug_listing: Listing
) -> None:
    # Given the variant is gone from the platform
    del shop.platform.quantities[mug_listing.inventory_ref]

    receive(site, "MUG", 5)
    sync_drain()

    record = latest(mug_listing)
    assert (record.status, record.attempts, record.error) == (
        RecordStatus.FAILED,
        1,
        "unknown variant",
    )


def test_a_failed_push_retried_by_a_person_sends_the_current_quantity(
    site: Site,
    shop: Shop,
    mug_listing: Listing,
    staff: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # Given a push that failed for good, and stock that changed since (sync off meanwhile)
    del shop.platform.quantities[mug_listing.inventory_ref]
    receive(site, "MUG", 5)
    sync_drain()
    failed = latest(mug_listing)
    assert failed.status == RecordStatus.FAILED
    shop.platform.quantities[mug_listing.inventory_ref] = 10
    Store.objects.filter(pk=shop.store.pk).update(inventory_sync=False)
    receive(site, "MUG", 1)
    sync_drain()

    # When a person retries it
    with django_capture_on_commit_callbacks(execute=True):
        sync_record_retry(record_ids=[failed.pk], actor=staff)

    # Then it is sent again, with what Kucun holds now
    failed.refresh_from_db()
    assert (failed.status, failed.quantity, failed.attempts, failed.error) == (
        RecordStatus.SUCCEEDED,
        16,
        1,
        "",
    )
    assert failed.details["previous_errors"] == ["unknown variant"]
    assert shop.platform.quantities[mug_listing.inventory_ref] == 16


def test_only_failed_pushes_can_be_retried(shop: Shop, mug_listing: Listing, staff: Any) -> None:
    succeeded = latest(mug_listing)

    with pytest.raises(Conflict, match="only failed pushes can be retried"):
        sync_record_retry(record_ids=[succeeded.pk], actor=staff)

    succeeded.refresh_from_db()
    assert succeeded.status == RecordStatus.SUCCEEDED


def test_a_newer_change_supersedes_a_push_waiting_to_be_retried(
    site: Site, shop: Shop, mug_listing: Listing
) -> None:
    # Given a push of 15 waiting for its retry
    shop.platform.fail_next_pushes = 1
    receive(site, "MUG", 5)
    sync_drain()
    waiting = latest(mug_listing)
    assert (waiting.status, waiting.quantity) == (RecordStatus.QUEUED, 15)

    # When the stock changes again
    receive(site, "MUG", 2)
    sync_drain()

    # Then the newer quantity is pushed and the older push is superseded, never sent
    waiting.refresh_from_db()
    assert waiting.status == RecordStatus.SUPERSEDED
    assert waiting.finished_at is not None
    newer = latest(mug_listing)
    assert (newer.status, newer.quantity) == (RecordStatus.SUCCEEDED, 17)
    time_passes()
    stock_pushes_send()
    assert [level.quantity for level in shop.platform.pushes] == [10, 17]


def test_a_push_in_flight_is_not_overtaken_and_a_dead_worker_is_recovered(
    site: Site, shop: Shop, mug_listing: Listing
) -> None:
    # Given a worker claimed a push of 15 and died while sending it
    receive(site, "MUG", 5)
    sync_drain(send=False)
    claimed = records_claim()
    assert len(claimed) == 1
    assert StockSyncRecord.objects.get(pk=claimed[0]).status == RecordStatus.SENDING

    # When the stock changes again before the lease lapses
    receive(site, "MUG", 2)
    sync_drain()

    # Then the newer push waits behind the one in flight
    assert shop.platform.pushes[1:] == []
    assert latest(mug_listing).status == RecordStatus.QUEUED

    # When the lease lapses: the dead worker's push is queued again, the newer one wins
    time_passes()
    assert stock_pushes_recover() == 1
    stock_pushes_send()
    assert [level.quantity for level in shop.platform.pushes] == [10, 17]
    dead = StockSyncRecord.objects.get(pk=claimed[0])
    assert dead.status == RecordStatus.SUPERSEDED
    assert [failure["attempt"] for failure in dead.details["attempt_errors"]] == [1]
    assert dead.details["attempt_errors"][0]["error"].startswith("The worker stopped")
    assert latest(mug_listing).status == RecordStatus.SUCCEEDED


# --- an asynchronous platform -------------------------------------------------------------------


@dataclass
class AsyncTask:
    account: str
    levels: list[StockLevel]
    polls_left: int


@dataclass
class AsyncBoard:
    """The asynchronous platform's task queue: each write is applied after ``polls`` polls."""

    polls: int = 2
    tasks: dict[str, AsyncTask] = field(default_factory=dict)


BOARD = AsyncBoard()


class AsyncMemoryChannel(MemoryChannel):
    """The memory platform answering writes as Kogan does: pending, with a task to poll."""

    def __init__(self, config: ChannelConfig) -> None:
        super().__init__(config)
        self.account = config.credentials.get("account", "")
        self.capabilities = ChannelCapabilities(max_stock_batch=50, async_writes=True)

    def push_stock(self, levels: Sequence[StockLevel]) -> list[PushResult]:
        task_ref = f"task-{len(BOARD.tasks) + 1}"
        BOARD.tasks[task_ref] = AsyncTask(self.account, list(levels), BOARD.polls)
        return [
            PushResult(level.inventory_ref, level.sku, PushStatus.PENDING, task_ref=task_ref)
            for level in levels
        ]

    def poll_pushes(self, task_refs: Sequence[str]) -> list[PushResult]:
        results = []
        for task_ref in task_refs:
            task = BOARD.tasks[task_ref]
            task.polls_left -= 1
            if task.polls_left > 0:
                results.extend(
                    PushResult(
                        level.inventory_ref, level.sku, PushStatus.PENDING, task_ref=task_ref
                    )
                    for level in task.levels
                )
                continue
            applied = MemoryChannel.push_stock(self, task.levels)
            results.extend(
                PushResult(
                    result.inventory_ref,
                    result.sku,
                    result.status,
                    previous_quantity=result.previous_quantity,
                    error=result.error,
                    task_ref=task_ref,
                )
                for result in applied
            )
        return results


ASYNC_SPEC = replace(
    memory_channel.SPEC,
    code="memory_async",
    label="Memory (asynchronous)",
    build=AsyncMemoryChannel,
    capabilities=ChannelCapabilities(max_stock_batch=50, async_writes=True),
)


@pytest.fixture
def async_shop(
    site: Site, memory_platforms: dict[str, MemoryPlatform], store_factory: Callable[..., Store]
) -> Iterator[Shop]:
    BOARD.tasks.clear()
    register_platform(ASYNC_SPEC)
    store = store_factory("Async shop", [site.warehouse], platform="memory_async")
    yield Shop(store=store, platform=platform_of(store))
    unregister_platform("memory_async")


def test_a_pending_write_is_resolved_by_polling(site: Site, async_shop: Shop) -> None:
    # Given an item listed on an asynchronous platform
    item = build_item("MUG")
    receive(site, "MUG", 10)
    listing = add_listing(async_shop.store, item)

    # When it is pushed: the platform accepts the write for later
    push_now(listing)
    sync_drain()
    record = latest(listing)
    assert (record.status, record.task_ref) == (RecordStatus.PENDING, "task-1")
    assert async_shop.platform.quantities[listing.inventory_ref] == 0

    # When polled: still pending after the first poll, done after the second
    assert stock_pushes_poll().succeeded == 0
    assert latest(listing).status == RecordStatus.PENDING
    assert stock_pushes_poll().succeeded == 1

    # Then the record and the listing say what the platform holds
    record = latest(listing)
    assert (record.status, record.previous_quantity, record.attempts) == (
        RecordStatus.SUCCEEDED,
        0,
        1,
    )
    listing.refresh_from_db()
    assert (listing.platform_quantity, listing.last_pushed_quantity) == (10, 10)
    assert async_shop.platform.quantities[listing.inventory_ref] == 10


def test_a_newer_push_waits_until_the_pending_write_is_applied(
    site: Site, async_shop: Shop
) -> None:
    # Given a write of 10 the asynchronous platform accepted but has not applied yet
    item = build_item("MUG")
    receive(site, "MUG", 10)
    listing = add_listing(async_shop.store, item)
    push_now(listing)
    sync_drain()
    assert latest(listing).status == RecordStatus.PENDING

    # When the stock changes meanwhile
    receive(site, "MUG", 5)
    sync_drain()

    # Then the newer push is not sent while the first is pending (the platform could apply the
    # two in any order, and 10 would land last)
    assert len(BOARD.tasks) == 1
    assert latest(listing).status == RecordStatus.QUEUED

    # When the first is applied, the newer one goes and the platform ends with 15
    stock_pushes_poll()
    stock_pushes_poll()
    stock_pushes_send()
    assert len(BOARD.tasks) == 2
    stock_pushes_poll()
    stock_pushes_poll()
    assert latest(listing).status == RecordStatus.SUCCEEDED
    assert async_shop.platform.quantities[listing.inventory_ref] == 15


def test_a_pending_write_never_confirmed_is_shown_failed(site: Site, async_shop: Shop) -> None:
    BOARD.polls = 1000
    try:
        item = build_item("MUG")
        listing = add_listing(async_shop.store, item, quantity=3)
        push_now(listing)
        sync_drain()

        time_passes(minutes=25 * 60)
        stock_pushes_poll()

        record = latest(listing)
        assert (record.status, record.error) == (
            RecordStatus.FAILED,
            "The platform did not confirm the write within a day.",
        )
    finally:
        BOARD.polls = 2
