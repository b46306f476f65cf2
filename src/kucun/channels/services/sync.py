"""The drain: availability changes and listing changes become queued stock pushes.

The outbox of ARCHITECTURE.md rule 6. The stock ledger writes an ``AvailabilityChange`` row
(item, warehouse) in the transaction of every change; channels writes a ``ListingChange`` row
in the transaction that links or unlinks a listing, changes a store's warehouses, buffer or
sync switch, or asks for a push. ``sync_drain`` claims both kinds of row by claim-and-delete
(PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` then ``DELETE``; SQLite: the IMMEDIATE
transaction serialises drains), never by an id watermark, so any number of workers drain at
once and a row is handled exactly once. In the same transaction it expands items to the
bundles holding them and to their linked listings, computes each listing's quantity (the
latest wins: one record per listing per drain) and writes ``StockSyncRecord`` rows, queued.
The claimed rows are deleted only in that transaction: a crash before its commit leaves them
for the next drain, a crash after it leaves queued records that the periodic task sends.
Pushes happen after commit, from the queued records (``sync_push``).

Automatic changes skip a listing whose platform already holds its quantity and whose last
push succeeded: no record is written, so the log holds every real push and nothing else.
Manual and reconcile pushes always send. A store that is inactive, or whose inventory sync is
off, gets no automatic push.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from kucun.catalog.selectors import bundles_affected_by
from kucun.channels.choices import ListingStatus, PushStatus, PushTrigger
from kucun.channels.models import Listing, ListingChange, StockSyncRecord, StoreWarehouse, SyncRun
from kucun.channels.quantities import listing_quantities
from kucun.core.locks import run_with_retry
from kucun.inventory.models import AvailabilityChange

# Rows of each kind claimed per transaction; a drain goes on until none are left.
CLAIM_LIMIT = 2000
# Ids per IN (...) list: under SQLite's oldest limit on parameters.
IN_CHUNK = 900
# A drain stops after this many batches; the next one (at most a minute later) goes on.
MAX_BATCHES = 50
# Records that a newer one replaces before they were sent.
REPLACEABLE = (PushStatus.QUEUED,)
# Records whose outcome is not known yet: a new change for their listing is always pushed.
OPEN = (PushStatus.QUEUED, PushStatus.SENDING, PushStatus.PENDING)
TRIGGER_RANK = {PushTrigger.AUTOMATIC: 0, PushTrigger.RECONCILE: 1, PushTrigger.MANUAL: 2}

T = TypeVar("T")


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def in_transaction(unit: Callable[[], T]) -> T:
    """Run ``unit`` as one transaction, retried whole on a deadlock; called inside the
    caller's transaction, as a savepoint of it (the caller's unit retries)."""
    if connection.in_atomic_block:
        with transaction.atomic():
            return unit()
    return run_with_retry(unit)


@dataclass
class DrainResult:
    """What a drain did: change rows claimed, records queued, listings already right."""

    changes: int = 0
    queued: int = 0
    skipped: int = 0
    record_ids: tuple[int, ...] = ()

    def add(self, other: DrainResult) -> None:
        self.changes += other.changes
        self.queued += other.queued
        self.skipped += other.skipped
        self.record_ids += other.record_ids


# --- claiming ---------------------------------------------------------------------------------


def claim_rows(model: type[models.Model], columns: Sequence[str], limit: int) -> list[Any]:
    """Claim and delete up to ``limit`` of the oldest rows, in the caller's transaction.

    Rows another transaction holds are skipped (PostgreSQL), never waited for nor taken twice;
    on SQLite the IMMEDIATE transaction already keeps every other writer out.
    """
    rows = model._default_manager.order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    claimed = list(rows.values_list("id", *columns)[:limit])
    ids = [row[0] for row in claimed]
    for part in chunks(ids):
        model._default_manager.filter(id__in=part).delete()
    return [row[1:] for row in claimed]


def listings_for_pairs(pairs: Iterable[tuple[int, int]]) -> set[int]:
    """Linked listings whose quantity these (item, warehouse) changes may change: listings of
    the items and of every bundle holding one of them, in stores selling from one of the
    warehouses."""
    pairs = list(pairs)
    if not pairs:
        return set()
    items = {item for item, _warehouse in pairs}
    warehouses = {warehouse for _item, warehouse in pairs}
    items |= bundles_affected_by(items)
    sells_from = StoreWarehouse.objects.filter(
        store_id=OuterRef("store_id"), warehouse_id__in=warehouses
    )
    found: set[int] = set()
    for part in chunks(sorted(items)):
        found.update(
            Listing.objects.filter(status=ListingStatus.LINKED, item_id__in=part)
            .filter(Exists(sells_from))
            .values_list("pk", flat=True)
        )
    return found


def merge_trigger(wanted: dict[int, str], listing_id: int, trigger: str) -> None:
    """One push per listing: a manual ask outranks a reconcile, which outranks automatic."""
    current = wanted.get(listing_id)
    rank = TRIGGER_RANK.get(PushTrigger(trigger), 0)
    if current is None or rank > TRIGGER_RANK.get(PushTrigger(current), 0):
        wanted[listing_id] = trigger


# --- queueing records --------------------------------------------------------------------------


def listings_for_push(listing_ids: Iterable[int]) -> list[Listing]:
    """Linked listings of active stores, with what their quantity and skip rule read."""
    latest = (
        StockSyncRecord.objects.filter(listing_id=OuterRef("pk"))
        .exclude(status__in=[PushStatus.SUPERSEDED, PushStatus.SKIPPED])
        .order_by("-id")
        .values("status")[:1]
    )
    open_push = StockSyncRecord.objects.filter(listing_id=OuterRef("pk"), status__in=OPEN)
    found: list[Listing] = []
    for part in chunks(sorted(set(listing_ids))):
        found.extend(
            Listing.objects.filter(pk__in=part, status=ListingStatus.LINKED, store__active=True)
            .select_related("store", "item")
            .annotate(latest_push_status=Subquery(latest), has_open_push=Exists(open_push))
            .order_by("pk")
        )
    return found


def platform_holds(listing: Listing, quantity: int) -> bool:
    """The platform already holds ``quantity`` and Kucun knows it: the last push succeeded
    and nothing is on its way."""
    return (
        listing.platform_quantity == quantity
        and getattr(listing, "latest_push_status", None) == PushStatus.SUCCEEDED
        and not getattr(listing, "has_open_push", True)
    )


def stock_records_queue(
    *,
    triggers: Mapping[int, str],
    run: SyncRun | None = None,
    include_sync_off: bool = False,
) -> tuple[list[StockSyncRecord], int]:
    """Queue one record per listing (listing id → trigger), in the caller's transaction,
    superseding the listing's records still waiting; returns (records, listings skipped).

    Automatic pushes skip stores with inventory sync off and listings the platform already
    holds right; ``include_sync_off`` lets manual pushes of a named store through.
    """
    listings = listings_for_push(triggers)
    eligible = [
        listing
        for listing in listings
        if listing.store.inventory_sync
        or (include_sync_off and triggers[listing.pk] != PushTrigger.AUTOMATIC)
    ]
    quantities = listing_quantities(eligible)
    records = []
    skipped = 0
    for listing in eligible:
        trigger = triggers[listing.pk]
        quantity = quantities[listing.pk]
        if trigger == PushTrigger.AUTOMATIC and platform_holds(listing, quantity):
            skipped += 1
            continue
        records.append(
            StockSyncRecord(
                store_id=listing.store_id,
                listing=listing,
                sku=listing.sku,
                quantity=quantity,
                previous_quantity=listing.platform_quantity,
                trigger=trigger,
                status=PushStatus.QUEUED,
                run=run,
            )
        )
    records_supersede([record.listing_id for record in records])
    created = StockSyncRecord.objects.bulk_create(records)
    return created, skipped


def records_supersede(listing_ids: Sequence[int]) -> int:
    """Records of these listings not sent yet: a newer quantity replaces them."""
    now = timezone.now()
    superseded = 0
    for part in chunks(sorted(set(listing_ids))):
        superseded += StockSyncRecord.objects.filter(
            listing_id__in=part, status__in=REPLACEABLE
        ).update(status=PushStatus.SUPERSEDED, next_attempt_at=None, finished_at=now)
    return superseded


# --- the drain ----------------------------------------------------------------------------------


def drain_batch(limit: int) -> DrainResult:
    """One transaction: claim changes, queue the records they call for."""
    pairs = claim_rows(AvailabilityChange, ("item_id", "warehouse_id"), limit)
    listing_changes = claim_rows(ListingChange, ("listing_id", "trigger"), limit)
    if not pairs and not listing_changes:
        return DrainResult()
    wanted: dict[int, str] = {}
    for listing_id in listings_for_pairs(pairs):
        merge_trigger(wanted, listing_id, PushTrigger.AUTOMATIC)
    for listing_id, trigger in listing_changes:
        merge_trigger(wanted, listing_id, trigger)
    records, skipped = stock_records_queue(triggers=wanted, include_sync_off=True)
    return DrainResult(
        changes=len(pairs) + len(listing_changes),
        queued=len(records),
        skipped=skipped,
        record_ids=tuple(record.pk for record in records),
    )


def sync_drain(*, limit: int = CLAIM_LIMIT, send: bool = True) -> DrainResult:
    """Drain every change waiting, then (``send``) push the queued records."""
    result = DrainResult()
    for _batch in range(MAX_BATCHES):
        batch = in_transaction(lambda: drain_batch(limit))
        result.add(batch)
        if batch.changes == 0:
            break
    if send:
        from kucun.channels.services.sync_push import stock_pushes_send

        stock_pushes_send()
    return result


# --- writing changes ----------------------------------------------------------------------------


def bundle_listings_changed(*, bundle_id: int) -> int:
    """The listings of a bundle whose components changed, and of the bundles holding it."""
    from kucun.channels.services.stores import listings_changes_queue

    items = {bundle_id} | bundles_affected_by([bundle_id])
    linked = list(
        Listing.objects.filter(status=ListingStatus.LINKED, item_id__in=sorted(items)).values_list(
            "pk", "store_id"
        )
    )
    return listings_changes_queue(
        store_ids={store_id for _pk, store_id in linked},
        listing_ids=[pk for pk, _store_id in linked],
    )


__all__ = [
    "DrainResult",
    "bundle_listings_changed",
    "stock_records_queue",
    "sync_drain",
]
