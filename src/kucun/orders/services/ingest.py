"""Orders into Kucun: downloaded from each store on its schedule, by hand, before a stock push
overwrites a quantity that dropped, and fetched one by one when a webhook names them.

Every path ends in ``order_upsert``: one order per (store, channel order id), whatever arrives
first or at the same time. The order row is created under the unique constraint (a concurrent
insert of the same order loses with an IntegrityError and takes the winner's row) and locked
before it is read; a version whose ``updated_at`` is not later than ours changes nothing. A
new order's stock is held at once in the same transaction (``routing``), so a webhook and a
poll of the same order hold its stock once.

A download reads the store's orders changed since its watermark (``StoreOrderFeed``; the first
one reaches back ``Store.order_backfill_days``); the adapter starts a little earlier
(``WATERMARK_OVERLAP``). Each download is recorded (``OrderDownload``). The watermark moves to
the newest change seen, only when every order was stored; a failure keeps the watermark and the
platform's message, on the run and on the feed (the home page lists such stores). One download
of a store runs at a time (a lock in the queue's store), and one waits queued at a time.
"""

from __future__ import annotations

import enum
import functools
import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.channels.adapters.base import ChannelError, ChannelOrder
from kucun.channels.adapters.base import OrderStatus as ChannelStatus
from kucun.channels.connect import store_channel
from kucun.channels.models import Store
from kucun.core.audit import audit_record
from kucun.core.errors import Conflict, ValidationFailed
from kucun.orders.choices import DownloadStatus, DownloadTrigger, EventKind, OrderStatus
from kucun.orders.models import Order, OrderDownload, StoreOrderFeed
from kucun.orders.services.changes import (
    address_values,
    channel_values,
    clip,
    lines_create,
    order_apply_channel_version,
    order_flag,
)
from kucun.orders.services.routing import allocate_locked, in_unit, order_event_record

logger = logging.getLogger(__name__)

ERRORS_KEPT = 20
# A download that ran longer than this is taken for dead (its worker stopped) and its lock
# for free; a queued download not started after this is taken for lost.
RUN_LOCK_STALE_SECONDS = 30 * 60
QUEUED_TRUSTED_SECONDS = 15 * 60
# A download before a stock push waits this long for one already running to finish.
BEFORE_PUSH_WAIT_SECONDS = 30.0


class Upserted(enum.StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


# --- one order ----------------------------------------------------------------------------------


def order_upsert(*, store: Store, channel_order: ChannelOrder, trigger: str) -> tuple[Order, bool]:
    """Store the channel's order (new, or a newer version of one we hold); returns the order
    and whether it is new."""
    order, outcome = order_store(store=store, channel_order=channel_order, trigger=trigger)
    return order, outcome == Upserted.NEW


def order_store(
    *, store: Store, channel_order: ChannelOrder, trigger: str
) -> tuple[Order, Upserted]:
    if not clip(channel_order.order_ref, 200):
        raise ValidationFailed.for_field(
            "order_ref",
            _("Order %(number)s came without the channel's order id; it cannot be stored.")
            % {"number": channel_order.number or "?"},
        )
    return in_unit(lambda: upsert_locked(store, channel_order, trigger))


def upsert_locked(
    store: Store, channel_order: ChannelOrder, trigger: str
) -> tuple[Order, Upserted]:
    external_id = clip(channel_order.order_ref, 200)
    existing = Order.objects.select_for_update().filter(store=store, external_id=external_id)
    order = existing.first()
    if order is None:
        created = order_insert(store, channel_order, trigger)
        if created is not None:
            return created, Upserted.NEW
        # Another download or webhook stored it meanwhile: take theirs, locked.
        order = existing.get()
    order.store = store
    changed = order_apply_channel_version(order, channel_order)
    return order, Upserted.UPDATED if changed else Upserted.UNCHANGED


def order_insert(store: Store, channel_order: ChannelOrder, trigger: str) -> Order | None:
    """The new order with its lines, its stock held; None when the same order was inserted
    by another transaction first."""
    try:
        with transaction.atomic():
            order = Order.objects.create(
                store=store,
                external_id=clip(channel_order.order_ref, 200),
                **address_values(channel_order),
                **channel_values(channel_order),
            )
            lines_create(order, channel_order)
    except IntegrityError:
        return None
    order_event_record(
        order,
        EventKind.DOWNLOADED,
        _("Downloaded from %(store)s (%(trigger)s).")
        % {"store": store.name, "trigger": DownloadTrigger(trigger).label},
        data={"trigger": str(trigger)},
    )
    audit_record(
        actor=None,
        action="order.download",
        obj=order,
        summary=_("Order %(order)s downloaded from %(store)s")
        % {"order": order, "store": store.name},
    )
    return first_placement(order, channel_order)


def first_placement(order: Order, channel_order: ChannelOrder) -> Order:
    """A new order's first state: cancelled or shipped already on the channel, or its stock
    held now. Pending (not yet paid) and held orders hold their stock too: the platform has
    already taken those units off sale, and a push must not offer them again."""
    if channel_order.status == ChannelStatus.CANCELLED:
        order.status = OrderStatus.CANCELLED
        order.save(update_fields=["status", "updated_at"])
        order_event_record(order, EventKind.CANCELLED, _("Already cancelled on the channel."))
        return order
    if channel_order.status == ChannelStatus.SHIPPED:
        order.status = OrderStatus.SHIPPED
        order.shipped_at = channel_order.updated_at
        order.save(update_fields=["status", "shipped_at", "updated_at"])
        order_event_record(order, EventKind.SHIPPED, _("Already shipped on the channel."))
        return order
    placed = allocate_locked(order)
    if channel_order.status == ChannelStatus.PARTIALLY_SHIPPED:
        order_flag(
            placed,
            _(
                "Partly shipped on the channel before Kucun downloaded it: the whole order "
                "holds stock; check what is left to ship."
            ),
        )
    return placed


# --- a download ---------------------------------------------------------------------------------


def run_lock_key(store_id: int) -> str:
    return f"kucun.orders.download-running.{store_id}"


def queued_key(store_id: int) -> str:
    return f"kucun.orders.download-queued.{store_id}"


def queue() -> Any:
    from huey.contrib.djhuey import HUEY

    return HUEY


def flag_take(key: str, stale_after: float) -> bool:
    """Set a flag in the queue's store (shared by every worker); True when this call set it.
    A flag older than ``stale_after`` seconds was left by a worker that stopped, and is
    taken over. The queue's SQLite store cannot expire keys, hence the time in the value."""
    huey = queue()
    now = time.time()
    if huey.put_if_empty(key, now):
        return True
    held = huey.get(key, peek=True)
    if isinstance(held, (int, float)) and now - held < stale_after:
        return False
    huey.put(key, now)
    return True


def flag_held(key: str, stale_after: float) -> bool:
    """The flag is set, and not so long ago that its setter must have stopped."""
    held = queue().get(key, peek=True)
    return isinstance(held, (int, float)) and time.time() - held < stale_after


def flag_clear(key: str) -> None:
    queue().delete(key)


# The stores whose download runs in this thread: a push made inside it (tasks run inline, or a
# drain on commit) must not wait for that download to end, which it is part of.
_downloading_here = threading.local()


def downloading_in_this_thread(store_id: int) -> bool:
    return store_id in getattr(_downloading_here, "stores", set())


def orders_download(*, store: Store, trigger: str, user: Any = None) -> OrderDownload:
    """Download the store's orders changed since its watermark; the run records the outcome.
    Refused (Conflict) while another download of the store runs."""
    if not flag_take(run_lock_key(store.pk), RUN_LOCK_STALE_SECONDS):
        raise Conflict.for_field(
            "store",
            _("The orders of %(store)s are being downloaded already.") % {"store": store.name},
        )
    running: set[int] = getattr(_downloading_here, "stores", set())
    _downloading_here.stores = running | {store.pk}
    try:
        return download_run(store, DownloadTrigger(trigger), user)
    finally:
        _downloading_here.stores = running
        flag_clear(run_lock_key(store.pk))


def orders_download_when_free(
    *, store: Store, trigger: str, wait_seconds: float = BEFORE_PUSH_WAIT_SECONDS
) -> OrderDownload | None:
    """Download now, or once the download already running finishes (None: it did not finish
    within ``wait_seconds``, or it is the download this very call is made from, whose orders
    so far are stored already)."""
    if downloading_in_this_thread(store.pk):
        return None
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return orders_download(store=store, trigger=trigger)
        except Conflict:
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.25)


class Tally:
    def __init__(self) -> None:
        self.seen = 0
        self.counts = dict.fromkeys(Upserted, 0)
        self.newest: datetime | None = None
        self.failures: list[str] = []

    def add(self, channel_order: ChannelOrder, outcome: Upserted) -> None:
        self.counts[outcome] += 1
        if self.newest is None or channel_order.updated_at > self.newest:
            self.newest = channel_order.updated_at


def download_run(store: Store, trigger: DownloadTrigger, user: Any) -> OrderDownload:
    feed, _created = StoreOrderFeed.objects.get_or_create(store=store)
    started = timezone.now()
    since = feed.watermark or started - timedelta(days=store.order_backfill_days)
    run = OrderDownload.objects.create(store=store, trigger=trigger, since=since)
    StoreOrderFeed.objects.filter(pk=feed.pk).update(last_download_at=started)
    tally = Tally()
    read_error = ""
    try:
        channel = store_channel(store)
        try:
            for channel_order in channel.fetch_orders(since):
                tally.seen += 1
                store_one(store, channel_order, trigger, tally)
        finally:
            channel.close()
    except ChannelError as error:
        read_error = error.message or str(error)
        logger.warning("order download of store %s failed: %s", store.pk, read_error)
    except Exception as error:
        logger.exception("order download of store %s stopped", store.pk)
        read_error = _("The download stopped on an unexpected error: %(error)s") % {
            "error": type(error).__name__
        }
    run_finish(run, feed, tally, read_error, user=user)
    return run


def store_one(store: Store, channel_order: ChannelOrder, trigger: str, tally: Tally) -> None:
    try:
        _order, outcome = order_store(store=store, channel_order=channel_order, trigger=trigger)
    except Exception as error:
        logger.exception("order %s of store %s not stored", channel_order.order_ref, store.pk)
        label = channel_order.number or channel_order.order_ref
        tally.failures.append(f"{label}: {error}"[:500])
        return
    tally.add(channel_order, outcome)


def run_finish(
    run: OrderDownload, feed: StoreOrderFeed, tally: Tally, read_error: str, *, user: Any
) -> None:
    failed = bool(read_error or tally.failures)
    run.new_count = tally.counts[Upserted.NEW]
    run.updated_count = tally.counts[Upserted.UPDATED]
    run.error_count = len(tally.failures) + (1 if read_error else 0)
    run.error = "\n".join([text for text in [read_error] if text] + tally.failures[:ERRORS_KEPT])
    run.status = DownloadStatus.FAILED if failed else DownloadStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.details = {
        "seen": tally.seen,
        "unchanged": tally.counts[Upserted.UNCHANGED],
        "newest": tally.newest.isoformat() if tally.newest else None,
        "by": getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None,
    }
    run.save()
    if failed:
        StoreOrderFeed.objects.filter(pk=feed.pk).update(last_error=run.error)
        return
    watermark = feed.watermark
    if tally.newest is not None and (watermark is None or tally.newest > watermark):
        watermark = tally.newest
    elif watermark is None:
        watermark = run.started_at
    StoreOrderFeed.objects.filter(pk=feed.pk).update(watermark=watermark, last_error="")


# --- one order named by a webhook ---------------------------------------------------------------


def order_fetch(
    *, store: Store, order_ref: str, trigger: str = DownloadTrigger.WEBHOOK
) -> OrderDownload:
    """Fetch one order the platform named and store it; recorded as a download of one order.
    A failure is recorded and leaves the store's watermark (the next download covers it)."""
    run = OrderDownload.objects.create(
        store=store, trigger=trigger, details={"order": order_ref[:200]}
    )
    tally = Tally()
    read_error = ""
    try:
        channel = store_channel(store)
        try:
            found = channel.fetch_order(order_ref)
        finally:
            channel.close()
        if found is not None:
            tally.seen = 1
            store_one(store, found, trigger, tally)
    except ChannelError as error:
        read_error = error.message or str(error)
        logger.warning("order %s of store %s not fetched: %s", order_ref, store.pk, read_error)
    failed = bool(read_error or tally.failures)
    run.new_count = tally.counts[Upserted.NEW]
    run.updated_count = tally.counts[Upserted.UPDATED]
    run.error_count = len(tally.failures) + (1 if read_error else 0)
    run.error = "\n".join([text for text in [read_error] if text] + tally.failures)
    run.status = DownloadStatus.FAILED if failed else DownloadStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.details = {**run.details, "found": tally.seen == 1}
    run.save()
    return run


# --- queueing -----------------------------------------------------------------------------------


def orders_download_enqueue(
    *, stores: Iterable[Store] | None = None, trigger: str, user: Any = None
) -> int:
    """Queue a download of each store (None: every active store with order download on), run
    by the worker once this transaction commits; a store whose download already waits in the
    queue is not queued twice. Returns how many were queued. The queued flag is taken when the
    transaction commits, so a rolled-back request leaves none behind."""
    trigger = DownloadTrigger(trigger)
    if stores is None:
        targets = list(Store.objects.filter(active=True, order_download=True))
    else:
        targets = [store for store in stores if store.active]
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    queued = 0
    for store in targets:
        if store.pk in downloads_pending_commit() or flag_held(
            queued_key(store.pk), QUEUED_TRUSTED_SECONDS
        ):
            continue
        queued += 1
        transaction.on_commit(functools.partial(enqueue_download, store.pk, trigger, user_id))
    return queued


def downloads_pending_commit() -> set[int]:
    """The stores this transaction already queues a download of (Django keeps the callbacks
    waiting for the commit in ``run_on_commit``: (savepoints, callback, robust))."""
    pending = set()
    for entry in getattr(connection, "run_on_commit", []):
        callback = entry[1]
        if isinstance(callback, functools.partial) and callback.func is enqueue_download:
            pending.add(int(callback.args[0]))
    return pending


def enqueue_download(store_id: int, trigger: str, user_id: int | None) -> None:
    from kucun.orders.tasks_download import orders_download_task

    if flag_take(queued_key(store_id), QUEUED_TRUSTED_SECONDS):
        orders_download_task(store_id, str(trigger), user_id)


def download_queued_clear(store_id: int) -> None:
    """The queued download starts: from now on a new request queues another one."""
    flag_clear(queued_key(store_id))
