"""Sending queued stock pushes to the platforms, and what follows: retries, polls, re-queues.

A worker claims due records (queued, their ``next_attempt_at`` passed or unset) by marking
them ``sending`` with a lease in ``next_attempt_at``, in a short transaction of its own; it
sends them after commit, per store in the platform's largest batch, and writes each outcome.
A listing with a push in flight (sending, or pending on an asynchronous platform) gets no
second one until the first is answered, so a late, older push never lands after a newer
one; a newer record replaces an older one still waiting.
A worker that dies while sending leaves records whose lease lapses: ``stock_pushes_recover``
queues them again (compare-and-set or an absolute quantity make the repeat harmless).

Before overwriting a platform that dropped below what Kucun last pushed (it sold units Kucun
has not seen) and on a refused compare-and-set, the ``channels.hooks`` callbacks run (the
orders app downloads the store's new orders), the platform is re-read, the quantities are
computed again and the push is tried once more. Retryable failures (throttling, 5xx, timeouts)
are tried again with exponential backoff, at most MAX_ATTEMPTS times, then shown failed.
Asynchronous platforms answer ``pending``; ``stock_pushes_poll`` resolves them.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.channels.adapters.base import (
    Channel,
    ChannelError,
    PushResult,
    StockLevel,
)
from kucun.channels.adapters.base import PushStatus as ResultStatus
from kucun.channels.choices import ListingStatus, PushStatus
from kucun.channels.connect import store_channel
from kucun.channels.hooks import run_before_overwrite
from kucun.channels.models import Listing, StockSyncRecord, Store
from kucun.channels.quantities import listing_quantities
from kucun.channels.services.rows import update_rows
from kucun.channels.services.sync import chunks, in_transaction
from kucun.core.audit import audit_record
from kucun.core.errors import Conflict, NotFound, ValidationFailed
from kucun.core.locks import lock_rows

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=30)
# How long a worker may take to send a claimed record before it is taken for dead.
LEASE = timedelta(minutes=5)
# How long an asynchronous platform may take to confirm a pending write.
PENDING_TIMEOUT = timedelta(hours=24)
CLAIM_BATCH = 500
MAX_ROUNDS = 100
Progress = Callable[[int], None]


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, 8 min…, at most 30 min, after the ``attempts``-th try."""
    return min(MAX_BACKOFF, FIRST_BACKOFF * (2 ** max(0, attempts - 1)))


@dataclass
class PushSummary:
    sent: int = 0
    succeeded: int = 0
    pending: int = 0
    retrying: int = 0
    failed: int = 0
    record_ids: list[int] = field(default_factory=list)

    def add(self, other: PushSummary) -> None:
        self.sent += other.sent
        self.succeeded += other.succeeded
        self.pending += other.pending
        self.retrying += other.retrying
        self.failed += other.failed
        self.record_ids.extend(other.record_ids)

    def count(self, status: str) -> None:
        if status == PushStatus.SUCCEEDED:
            self.succeeded += 1
        elif status == PushStatus.PENDING:
            self.pending += 1
        elif status == PushStatus.QUEUED:
            self.retrying += 1
        elif status == PushStatus.FAILED:
            self.failed += 1


@dataclass
class Outcome:
    """One listing's answer, from the platform or from a call that failed as a whole."""

    status: ResultStatus
    error: str = ""
    retryable: bool = False
    previous_quantity: int | None = None
    current_quantity: int | None = None
    task_ref: str = ""

    @classmethod
    def of(cls, result: PushResult) -> Outcome:
        return cls(
            status=result.status,
            error=result.error,
            retryable=result.retryable,
            previous_quantity=result.previous_quantity,
            current_quantity=result.current_quantity,
            task_ref=result.task_ref,
        )

    @classmethod
    def failure(cls, message: str, *, retryable: bool) -> Outcome:
        return cls(status=ResultStatus.FAILED, error=message[:2000], retryable=retryable)


# --- claiming -----------------------------------------------------------------------------------


def due_records(*, record_ids: Sequence[int] | None, store_id: int | None) -> Any:
    now = timezone.now()
    # A write an asynchronous platform accepted but has not applied yet (pending) is in flight
    # too: a second one sent meanwhile may be applied before it, and the older quantity last.
    in_flight = StockSyncRecord.objects.filter(listing_id=OuterRef("listing_id")).filter(
        Q(status=PushStatus.SENDING, next_attempt_at__gt=now) | Q(status=PushStatus.PENDING)
    )
    rows = (
        StockSyncRecord.objects.filter(status=PushStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(~Exists(in_flight))
    )
    if record_ids is not None:
        rows = rows.filter(pk__in=list(record_ids))
    if store_id is not None:
        rows = rows.filter(store_id=store_id)
    return rows.order_by("id")


def records_claim(
    *,
    record_ids: Sequence[int] | None = None,
    store_id: int | None = None,
    limit: int = CLAIM_BATCH,
) -> list[int]:
    """Mark up to ``limit`` due records sending (one per listing, the newest; older ones are
    superseded), set their quantity to what Kucun holds now, and return their ids. Its own
    short transaction.

    Claims run one at a time (an advisory lock on PostgreSQL, the IMMEDIATE transaction on
    SQLite), so a claim always sees the pushes the previous one put in flight, and the quantity
    is read at claim time, so whichever record of a listing is sent carries the latest figure:
    two drains racing to queue the same listing can never make an older figure land last.
    """

    def unit() -> list[int]:
        serialize_claims()
        rows = due_records(record_ids=record_ids, store_id=store_id)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        claimed = list(rows.values_list("id", "listing_id")[:limit])
        newest: dict[int, int] = {}
        for record_id, listing_id in claimed:
            newest[listing_id] = max(record_id, newest.get(listing_id, 0))
        quantities = current_quantities(list(newest))
        keep = sorted(
            record_id for listing_id, record_id in newest.items() if listing_id in quantities
        )
        kept = set(keep)
        dropped = [record_id for record_id, _listing in claimed if record_id not in kept]
        now = timezone.now()
        for part in chunks(dropped):
            StockSyncRecord.objects.filter(pk__in=part).update(
                status=PushStatus.SUPERSEDED, next_attempt_at=None, finished_at=now
            )
        for part in chunks(keep):
            StockSyncRecord.objects.filter(pk__in=part).update(
                status=PushStatus.SENDING,
                next_attempt_at=now + LEASE,
                attempts=F("attempts") + 1,
            )
        update_rows(
            StockSyncRecord,
            ["quantity"],
            [
                StockSyncRecord(pk=record_id, quantity=quantities[listing_id])
                for listing_id, record_id in newest.items()
                if record_id in kept
            ],
        )
        return keep

    return in_transaction(unit)


# One number for the claims' advisory lock (PostgreSQL): "kucun" + "push".
CLAIM_LOCK = 0x6B7563756E70757368 % (2**63)


def serialize_claims() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK])


def current_quantities(listing_ids: Sequence[int]) -> dict[int, int]:
    """listing id -> its quantity now, for listings still linked in an active store (a record
    of any other listing has nothing left to push and is superseded)."""
    listings: list[Listing] = []
    for part in chunks(sorted(listing_ids)):
        listings.extend(
            Listing.objects.filter(
                pk__in=part, status=ListingStatus.LINKED, store__active=True
            ).select_related("store", "item")
        )
    return listing_quantities(listings)


# --- sending ------------------------------------------------------------------------------------


def stock_pushes_send(
    *,
    record_ids: Sequence[int] | None = None,
    store_id: int | None = None,
    progress: Progress | None = None,
) -> PushSummary:
    """Send every due record (or these ones), store by store, until none is left."""
    summary = PushSummary()
    for _round in range(MAX_ROUNDS):
        claimed = records_claim(record_ids=record_ids, store_id=store_id)
        if not claimed:
            break
        records = list(
            StockSyncRecord.objects.filter(pk__in=claimed)
            .select_related("store", "listing", "listing__store", "listing__item")
            .order_by("id")
        )
        by_store: dict[int, list[StockSyncRecord]] = defaultdict(list)
        for record in records:
            by_store[record.store_id].append(record)
        for store_records in by_store.values():
            summary.add(send_store_records(store_records[0].store, store_records, progress))
    return summary


def send_store_records(
    store: Store, records: list[StockSyncRecord], progress: Progress | None = None
) -> PushSummary:
    summary = PushSummary()
    try:
        channel = store_channel(store)
    except Exception as error:
        logger.exception("cannot build the channel of store %s", store.pk)
        message = _("Cannot reach the store: %(error)s") % {"error": error_text(error)}
        outcomes = {record.pk: Outcome.failure(message, retryable=False) for record in records}
        summary.add(record_outcomes(records, outcomes, {}, duration_ms=0))
        return summary
    try:
        batch = max(1, channel.capabilities.max_stock_batch)
        for chunk in chunks(records, batch):
            summary.add(send_chunk(store, channel, list(chunk)))
            if progress is not None:
                progress(len(chunk))
    finally:
        channel.close()
    return summary


def error_text(error: BaseException) -> str:
    detail = getattr(error, "detail", None) or getattr(error, "message", None) or str(error)
    return str(detail)[:2000] or type(error).__name__


def send_chunk(store: Store, channel: Channel, records: list[StockSyncRecord]) -> PushSummary:
    notes: dict[int, dict[str, Any]] = {record.pk: {} for record in records}
    dropped = [record for record in records if dropped_behind(record.listing)]
    if dropped:
        refresh_before_overwrite(store, channel, dropped, notes, reason="platform_dropped")
    started = time.monotonic()
    outcomes = push_levels(store, channel, records)
    stale = [record for record in records if outcomes[record.pk].status == ResultStatus.STALE]
    if stale:
        refresh_before_overwrite(store, channel, stale, notes, reason="stale")
        again = []
        for record in stale:
            if record.listing.platform_quantity == record.quantity:
                outcomes[record.pk] = Outcome(
                    status=ResultStatus.SUCCEEDED,
                    previous_quantity=record.quantity,
                    current_quantity=record.quantity,
                )
            else:
                again.append(record)
        retried = push_levels(store, channel, again, retry=True)
        for record in again:
            outcome = retried[record.pk]
            if outcome.status == ResultStatus.STALE:
                outcome = Outcome.failure(
                    _("The platform's quantity changed again while Kucun was writing it."),
                    retryable=True,
                )
            outcomes[record.pk] = outcome
    duration_ms = int((time.monotonic() - started) * 1000)
    summary = record_outcomes(records, outcomes, notes, duration_ms=duration_ms)
    sold_behind_after(store, [record for record in records if not notes[record.pk]], outcomes)
    return summary


def dropped_behind(listing: Listing) -> bool:
    """The platform is known (pull, webhook, reconcile) to hold less than Kucun last pushed."""
    return (
        listing.platform_quantity is not None
        and listing.last_pushed_quantity is not None
        and listing.platform_quantity < listing.last_pushed_quantity
    )


def push_levels(
    store: Store, channel: Channel, records: Sequence[StockSyncRecord], *, retry: bool = False
) -> dict[int, Outcome]:
    if not records:
        return {}
    compare = channel.capabilities.compare_and_set
    levels = [
        StockLevel(
            inventory_ref=record.listing.inventory_ref,
            sku=record.listing.sku or record.sku,
            quantity=record.quantity,
            location_ref=store.location_ref or None,
            expected_previous=record.listing.platform_quantity if compare else None,
            idempotency_key=f"kucun-push-{record.pk}-{record.attempts}{'-reread' if retry else ''}",
        )
        for record in records
    ]
    try:
        results = channel.push_stock(levels)
    except ChannelError as error:
        failure = Outcome.failure(error.message or str(error), retryable=error.retryable)
        return {record.pk: failure for record in records}
    except Exception as error:
        logger.exception("push to store %s failed", store.pk)
        failure = Outcome.failure(error_text(error), retryable=True)
        return {record.pk: failure for record in records}
    by_ref = {result.inventory_ref: result for result in results}
    outcomes = {}
    for record in records:
        result = by_ref.get(record.listing.inventory_ref)
        outcomes[record.pk] = (
            Outcome.of(result)
            if result is not None
            else Outcome.failure(_("The platform gave no answer for this listing."), retryable=True)
        )
    return outcomes


def refresh_before_overwrite(
    store: Store,
    channel: Channel,
    records: Sequence[StockSyncRecord],
    notes: dict[int, dict[str, Any]],
    *,
    reason: str,
) -> None:
    """Run the before-overwrite callbacks, re-read the platform, compute the quantities again
    (downloaded orders may have allocated stock), and note all of it on the records."""
    listings = [record.listing for record in records]
    callbacks_run, hook_errors = run_before_overwrite(store, listings)
    read_error = ""
    try:
        fresh = channel.fetch_stock([listing.inventory_ref for listing in listings])
    except ChannelError as error:
        fresh = {}
        read_error = error.message
    now = timezone.now()
    for listing in listings:
        if listing.inventory_ref in fresh:
            listing.platform_quantity = fresh[listing.inventory_ref]
            listing.platform_quantity_at = now
            Listing.objects.filter(pk=listing.pk).update(
                platform_quantity=listing.platform_quantity, platform_quantity_at=now
            )
    current = {
        listing.pk: listing
        for listing in Listing.objects.filter(
            pk__in=[listing.pk for listing in listings], status=ListingStatus.LINKED
        ).select_related("store", "item")
    }
    quantities = listing_quantities(list(current.values()))
    for record in records:
        note: dict[str, Any] = {
            "platform_quantity": fresh.get(record.listing.inventory_ref),
            "last_pushed_quantity": record.listing.last_pushed_quantity,
            "callbacks_run": callbacks_run,
        }
        if hook_errors:
            note["hook_errors"] = hook_errors
        if read_error:
            note["read_error"] = read_error
        target = quantities.get(record.listing_id)
        if target is not None and target != record.quantity:
            note["quantity_before"] = record.quantity
            record.quantity = target
        notes[record.pk][reason] = note


def sold_behind_after(
    store: Store, records: Sequence[StockSyncRecord], outcomes: dict[int, Outcome]
) -> None:
    """A platform without compare-and-set tells what it held only in its answer: when that
    was below what Kucun last pushed, units were sold that Kucun has not seen, so the
    callbacks run now (the orders they download allocate stock, which is pushed next). Records
    whose platform was re-read before writing are not passed: their callbacks ran already."""
    behind = [
        record.listing
        for record in records
        if outcomes[record.pk].previous_quantity is not None
        and record.listing.last_pushed_quantity is not None
        and (outcomes[record.pk].previous_quantity or 0) < record.listing.last_pushed_quantity
        and outcomes[record.pk].status == ResultStatus.SUCCEEDED
    ]
    if behind:
        run_before_overwrite(store, behind)


# --- outcomes -----------------------------------------------------------------------------------


def apply_outcome(record: StockSyncRecord, outcome: Outcome, now: Any) -> Listing | None:
    """Set the record's fields from the outcome; the listing to save when it succeeded."""
    record.next_attempt_at = None
    if outcome.status == ResultStatus.SUCCEEDED:
        record.status = PushStatus.SUCCEEDED
        record.error = ""
        record.finished_at = now
        if outcome.previous_quantity is not None:
            record.previous_quantity = outcome.previous_quantity
        listing = record.listing
        listing.platform_quantity = (
            outcome.current_quantity if outcome.current_quantity is not None else record.quantity
        )
        listing.platform_quantity_at = now
        listing.last_pushed_quantity = record.quantity
        listing.last_pushed_at = now
        return listing
    if outcome.status == ResultStatus.PENDING:
        record.status = PushStatus.PENDING
        record.task_ref = outcome.task_ref[:300]
        record.error = ""
        record.next_attempt_at = now + PENDING_TIMEOUT
        return None
    record.error = outcome.error or _("The platform refused the quantity.")
    attempt_error_note(record, now)
    if outcome.retryable and record.attempts < MAX_ATTEMPTS:
        record.status = PushStatus.QUEUED
        record.next_attempt_at = now + backoff(record.attempts)
    else:
        record.status = PushStatus.FAILED
        record.finished_at = now
    return None


def attempt_error_note(record: StockSyncRecord, now: Any) -> None:
    """Keep every failed attempt's error in the record's details: ``error`` holds only the
    last one, and a push that succeeds at its third attempt clears it, so without this the log
    would not show the failures the push went through."""
    details = dict(record.details or {})
    errors = list(details.get("attempt_errors", []))
    errors.append({"attempt": record.attempts, "at": now.isoformat(), "error": record.error[:500]})
    details["attempt_errors"] = errors[-2 * MAX_ATTEMPTS :]
    record.details = details


RECORD_FIELDS = [
    "status",
    "quantity",
    "previous_quantity",
    "error",
    "task_ref",
    "details",
    "duration_ms",
    "next_attempt_at",
    "finished_at",
    "attempts",
]
LISTING_FIELDS = [
    "platform_quantity",
    "platform_quantity_at",
    "last_pushed_quantity",
    "last_pushed_at",
]


def record_outcomes(
    records: Sequence[StockSyncRecord],
    outcomes: dict[int, Outcome],
    notes: dict[int, dict[str, Any]],
    *,
    duration_ms: int | None,
    counts_as_sent: bool = True,
) -> PushSummary:
    """Write every record's outcome (and its listing's new figures) in one transaction."""
    summary = PushSummary()
    now = timezone.now()
    listings = []
    for record in records:
        if counts_as_sent:
            summary.sent += 1
        if duration_ms is not None:
            record.duration_ms = duration_ms
        if notes.get(record.pk):
            record.details = {**(record.details or {}), **notes[record.pk]}
        listing = apply_outcome(record, outcomes[record.pk], now)
        if listing is not None:
            listings.append(listing)
        summary.count(record.status)
        summary.record_ids.append(record.pk)

    def unit() -> None:
        # Plain parameters, not bulk_update's CASE per row and column: building those cost
        # about 6 ms a record, most of the time of a 250-record outcome on a busy machine.
        update_rows(StockSyncRecord, RECORD_FIELDS, records)
        update_rows(Listing, LISTING_FIELDS, listings)

    in_transaction(unit)
    return summary


# --- asynchronous platforms ---------------------------------------------------------------------


def stock_pushes_poll(*, store_id: int | None = None) -> PushSummary:
    """Ask asynchronous platforms about their pending writes; resolve what they answered, and
    fail what they have not confirmed within PENDING_TIMEOUT."""
    pending = StockSyncRecord.objects.filter(status=PushStatus.PENDING).select_related(
        "store", "listing", "listing__store", "listing__item"
    )
    if store_id is not None:
        pending = pending.filter(store_id=store_id)
    by_store: dict[int, list[StockSyncRecord]] = defaultdict(list)
    for record in pending.order_by("id"):
        by_store[record.store_id].append(record)
    summary = PushSummary()
    for records in by_store.values():
        summary.add(poll_store(records[0].store, records))
    return summary


def poll_store(store: Store, records: list[StockSyncRecord]) -> PushSummary:
    try:
        channel = store_channel(store)
    except Exception:
        logger.exception("cannot build the channel of store %s", store.pk)
        return PushSummary()
    try:
        results = channel.poll_pushes(sorted({record.task_ref for record in records}))
    except ChannelError as error:
        logger.warning("polling store %s failed: %s", store.pk, error.message)
        results = []
    finally:
        channel.close()
    by_key = {(result.task_ref, result.inventory_ref): result for result in results}
    now = timezone.now()
    resolved = []
    outcomes: dict[int, Outcome] = {}
    for record in records:
        result = by_key.get((record.task_ref, record.listing.inventory_ref))
        if result is not None and result.status != ResultStatus.PENDING:
            outcomes[record.pk] = Outcome.of(result)
        elif record.next_attempt_at is not None and record.next_attempt_at <= now:
            outcomes[record.pk] = Outcome.failure(
                _("The platform did not confirm the write within a day."), retryable=False
            )
        else:
            continue
        resolved.append(record)
    if not resolved:
        return PushSummary()
    return record_outcomes(resolved, outcomes, {}, duration_ms=None, counts_as_sent=False)


# --- recovery and re-queueing -------------------------------------------------------------------


def stock_pushes_recover() -> int:
    """Records whose worker died while sending them (their lease lapsed): queued again, or
    failed when their attempts are used up. The platform may or may not have applied them."""
    now = timezone.now()
    message = _("The worker stopped while sending this push; it is sent again.")

    def unit() -> int:
        stuck = list(
            StockSyncRecord.objects.select_for_update().filter(
                status=PushStatus.SENDING, next_attempt_at__lt=now
            )
        )
        for record in stuck:
            # The lost attempt is a failed one in the log like any other.
            record.error = message
            attempt_error_note(record, now)
            if record.attempts >= MAX_ATTEMPTS:
                record.status, record.next_attempt_at, record.finished_at = (
                    PushStatus.FAILED,
                    None,
                    now,
                )
            else:
                record.status, record.next_attempt_at = PushStatus.QUEUED, now
        StockSyncRecord.objects.bulk_update(
            stuck, ["status", "error", "details", "next_attempt_at", "finished_at"]
        )
        return len(stuck)

    return in_transaction(unit)


def sync_record_retry(*, record_ids: Iterable[int], actor: Any) -> list[StockSyncRecord]:
    """Queue failed records again with the quantity Kucun holds now (a retry never sends an
    outdated quantity), and send them after commit."""
    ids = sorted({int(record_id) for record_id in record_ids})
    if not ids:
        raise ValidationFailed.for_field("record_ids", _("Choose at least one push to retry."))
    with transaction.atomic():
        locked = lock_rows(StockSyncRecord.objects.all(), ids)
        missing = [record_id for record_id in ids if record_id not in locked]
        if missing:
            raise NotFound(
                detail=_("No stock push has id %(ids)s.")
                % {"ids": ", ".join(str(pk) for pk in missing)}
            )
        records = list(
            StockSyncRecord.objects.filter(pk__in=ids)
            .select_related("listing", "listing__store", "listing__item")
            .order_by("id")
        )
        refuse_unretryable(records)
        quantities = listing_quantities([record.listing for record in records])
        for record in records:
            previous = list((record.details or {}).get("previous_errors", []))
            previous.append(record.error)
            record.details = {**(record.details or {}), "previous_errors": previous[-10:]}
            record.quantity = quantities[record.listing_id]
            record.status = PushStatus.QUEUED
            record.attempts = 0
            record.error = ""
            record.next_attempt_at = None
            record.finished_at = None
        StockSyncRecord.objects.bulk_update(
            records,
            [
                "details",
                "quantity",
                "status",
                "attempts",
                "error",
                "next_attempt_at",
                "finished_at",
            ],
        )
        for record in records:
            audit_record(
                actor=actor,
                action="stock_push.retry",
                obj=record,
                summary=_("Stock push of %(sku)s queued again") % {"sku": record.sku},
            )
        transaction.on_commit(lambda: send_soon(ids))
    return records


def refuse_unretryable(records: Sequence[StockSyncRecord]) -> None:
    for record in records:
        if record.status != PushStatus.FAILED:
            raise Conflict(
                detail=_("Push %(id)s is %(status)s: only failed pushes can be retried.")
                % {"id": record.pk, "status": PushStatus(record.status).label}
            )
        if record.listing.status != ListingStatus.LINKED:
            raise Conflict(
                detail=_("Push %(id)s cannot be retried: its listing is no longer linked.")
                % {"id": record.pk}
            )


def send_soon(record_ids: Sequence[int]) -> None:
    from kucun.channels.tasks import stock_pushes_send_task

    stock_pushes_send_task(list(record_ids))


def wait_for_pending(
    record_ids: Sequence[int], *, timeout_seconds: float, interval: float = 1.0
) -> None:
    """Poll until none of these records is pending, or the time is up (the CLI waits)."""
    deadline = time.monotonic() + timeout_seconds
    while StockSyncRecord.objects.filter(
        pk__in=list(record_ids), status=PushStatus.PENDING
    ).exists():
        stock_pushes_poll()
        if time.monotonic() >= deadline:
            return
        if StockSyncRecord.objects.filter(
            pk__in=list(record_ids), status=PushStatus.PENDING
        ).exists():
            time.sleep(interval)
