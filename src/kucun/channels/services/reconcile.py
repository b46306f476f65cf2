"""Reconcile: compare what every platform holds with what Kucun says it should, and fix it.

For each store, every linked listing's platform quantity is read (``fetch_stock`` in batches),
kept on the listing, and compared with its quantity (``channels.quantities``). Each difference
is recorded on a SyncRun of kind ``reconcile`` (``difference_count`` exact, the first
DIFFERENCES_KEPT in ``details["differences"]`` with store, SKU, platform and Kucun quantities and
what the fix did) and fixed by a push logged with trigger ``reconcile``. Drift is reported,
never silently clamped (ARCHITECTURE.md rule 7). A store whose inventory sync is off is read
and reported, not pushed to. Runs nightly and on demand (``reconcile_start``: a Job).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.channels.adapters.base import ChannelError
from kucun.channels.choices import (
    ListingStatus,
    PushStatus,
    PushTrigger,
    SyncRunKind,
    SyncRunStatus,
)
from kucun.channels.connect import store_channel
from kucun.channels.models import Listing, StockSyncRecord, Store, SyncRun
from kucun.channels.quantities import listing_quantities
from kucun.channels.services.sync import stock_records_queue
from kucun.channels.services.sync_manual import finish_job
from kucun.channels.services.sync_push import error_text, stock_pushes_send, wait_for_pending
from kucun.core.audit import audit_record
from kucun.core.choices import JobStatus
from kucun.core.errors import NotFound
from kucun.core.jobs import Heartbeat, job_start
from kucun.core.models import Job

logger = logging.getLogger(__name__)

FETCH_BATCH = 250
DIFFERENCES_KEPT = 500
JOB_KIND = "channels.reconcile"


def stores_reconcile(
    *,
    store: Store | None = None,
    trigger: str = PushTrigger.AUTOMATIC,
    job_id: int | None = None,
    pending_wait_seconds: float = 0,
) -> list[SyncRun]:
    """Reconcile one store, or every active store with inventory sync on; one run each."""
    stores = (
        [store]
        if store is not None
        else list(Store.objects.filter(active=True, inventory_sync=True).order_by("name"))
    )
    return [
        store_reconcile(
            store=each, trigger=trigger, job_id=job_id, pending_wait_seconds=pending_wait_seconds
        )
        for each in stores
    ]


def store_reconcile(
    *, store: Store, trigger: str, job_id: int | None = None, pending_wait_seconds: float = 0
) -> SyncRun:
    run = SyncRun.objects.create(
        store=store, kind=SyncRunKind.RECONCILE, trigger=trigger, job_id=job_id
    )
    differences: list[dict[str, Any]] = []
    found = 0
    checked = 0
    record_ids: list[int] = []
    heartbeat = Heartbeat(job_id)
    try:
        channel = store_channel(store)
    except Exception as error:
        return finish_run(
            run, error=_("Cannot reach the store: %(error)s") % {"error": error_text(error)}
        )
    try:
        listings = Listing.objects.filter(store=store, status=ListingStatus.LINKED).order_by("pk")
        last_id = 0
        while True:
            batch = list(
                listings.filter(pk__gt=last_id).select_related("store", "item")[:FETCH_BATCH]
            )
            if not batch:
                break
            last_id = batch[-1].pk
            checked += len(batch)
            batch_differences = compare_batch(channel.fetch_stock, batch)
            found += len(batch_differences)
            differences.extend(batch_differences[: max(0, DIFFERENCES_KEPT - len(differences))])
            if store.inventory_sync and batch_differences:
                record_ids.extend(queue_fixes(run, [row["listing"] for row in batch_differences]))
            heartbeat.beat()
    except ChannelError as error:
        return finish_run(run, error=error.message, differences=differences, found=found)
    finally:
        channel.close()
    if record_ids:
        stock_pushes_send(record_ids=record_ids)
        if pending_wait_seconds:
            wait_for_pending(record_ids, timeout_seconds=pending_wait_seconds)
    return finish_run(
        run, differences=differences, found=found, checked=checked, record_ids=record_ids
    )


def compare_batch(fetch: Any, batch: Sequence[Listing]) -> list[dict[str, Any]]:
    """Read the batch's platform quantities, keep them on the listings, return differences."""
    fresh = fetch([listing.inventory_ref for listing in batch])
    now = timezone.now()
    for listing in batch:
        if listing.inventory_ref in fresh:
            listing.platform_quantity = fresh[listing.inventory_ref]
            listing.platform_quantity_at = now
    Listing.objects.bulk_update(
        [listing for listing in batch if listing.inventory_ref in fresh],
        ["platform_quantity", "platform_quantity_at"],
    )
    quantities = listing_quantities(batch)
    return [
        {
            "listing": listing.pk,
            "store": listing.store.name,
            "sku": listing.sku,
            "platform": fresh.get(listing.inventory_ref),
            "kucun": quantities[listing.pk],
        }
        for listing in batch
        if fresh.get(listing.inventory_ref) != quantities[listing.pk]
    ]


def queue_fixes(run: SyncRun, listing_ids: list[int]) -> list[int]:
    with transaction.atomic():
        records, _skipped = stock_records_queue(
            triggers=dict.fromkeys(listing_ids, PushTrigger.RECONCILE), run=run
        )
    return [record.pk for record in records]


def finish_run(
    run: SyncRun,
    *,
    error: str = "",
    differences: list[dict[str, Any]] | None = None,
    found: int = 0,
    checked: int = 0,
    record_ids: Sequence[int] = (),
) -> SyncRun:
    differences = differences or []
    statuses = dict(
        StockSyncRecord.objects.filter(pk__in=list(record_ids)).values_list("listing_id", "status")
    )
    for row in differences:
        row["fix"] = statuses.get(row["listing"], "")
    fixed = sum(1 for status in statuses.values() if status == PushStatus.SUCCEEDED)
    failed = sum(1 for status in statuses.values() if status == PushStatus.FAILED)
    unfixed = found - fixed
    run.difference_count = found
    run.finished_at = timezone.now()
    run.error = error or (
        _("%(count)d differences could not be fixed.") % {"count": unfixed} if unfixed else ""
    )
    run.status = SyncRunStatus.FAILED if error or failed or unfixed else SyncRunStatus.SUCCEEDED
    run.details = {
        "listings_checked": checked,
        "differences": differences,
        "truncated": found > len(differences),
        "pushed": len(record_ids),
        "fixed": fixed,
        "failed": failed,
        "unfixed": unfixed,
    }
    run.save(update_fields=["difference_count", "finished_at", "error", "status", "details"])
    return run


def reconcile_start(
    *,
    store_id: int | None = None,
    actor: Any,
    run_now: bool = False,
    pending_wait_seconds: float = 0,
) -> Job:
    """Record an on-demand reconcile (one store, or all) as a Job for the worker (``run_now``:
    run it here, as the CLI does, waiting up to ``pending_wait_seconds`` for pending writes)."""
    store = None
    if store_id is not None:
        store = Store.objects.filter(pk=store_id).first()
        if store is None:
            raise NotFound(detail=_("No store has id %(id)s.") % {"id": store_id})
    with transaction.atomic():
        job = Job.objects.create(
            kind=JOB_KIND,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action="stores.reconcile",
            obj=job,
            summary=_("Reconcile of %(what)s")
            % {"what": store.name if store is not None else _("every store")},
        )
        if not run_now:
            job_id = job.pk
            transaction.on_commit(lambda: enqueue(job_id, store_id))
    if run_now:
        reconcile_run(job_id=job.pk, store_id=store_id, pending_wait_seconds=pending_wait_seconds)
        job.refresh_from_db()
    return job


def enqueue(job_id: int, store_id: int | None) -> None:
    from kucun.channels.tasks import stores_reconcile_task

    stores_reconcile_task(job_id, store_id)


def reconcile_run(
    *, job_id: int, store_id: int | None, pending_wait_seconds: float = 0
) -> list[SyncRun]:
    job_start(job_id=job_id)
    try:
        store = Store.objects.get(pk=store_id) if store_id is not None else None
        runs = stores_reconcile(
            store=store,
            trigger=PushTrigger.MANUAL,
            job_id=job_id,
            pending_wait_seconds=pending_wait_seconds,
        )
    except Exception as error:
        logger.exception("reconcile job %s failed", job_id)
        finish_job(job_id, JobStatus.FAILED, str(error)[:1000])
        raise
    found = sum(run.difference_count for run in runs)
    unfixed = sum((run.details or {}).get("unfixed", 0) for run in runs)
    finish_job(
        job_id,
        JobStatus.SUCCEEDED,
        _("%(stores)d stores reconciled: %(found)d differences, %(unfixed)d left unfixed.")
        % {"stores": len(runs), "found": found, "unfixed": unfixed},
    )
    return runs
