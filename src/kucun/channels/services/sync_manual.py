"""Manual batch push (批量同步): push every linked listing of some items, now.

``stock_push_manual`` checks the request and records a Job that the worker runs
(``stock_push_manual_run``): the listings of the items and of every bundle holding one of them,
in the stores asked for (all active stores with inventory sync on, or the named ones, which
are pushed even with their sync off), are queued with trigger ``manual`` and sent at once,
store by store, with one SyncRun per store. A manual push always sends, even when the platform
already holds the quantity.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.catalog.selectors import bundles_affected_by, items_matching_skus
from kucun.channels.choices import ListingStatus, PushTrigger, SyncRunKind, SyncRunStatus
from kucun.channels.models import Listing, Store, SyncRun
from kucun.channels.services.sync import chunks, stock_records_queue
from kucun.channels.services.sync_push import PushSummary, stock_pushes_send
from kucun.core.audit import audit_record
from kucun.core.choices import JobStatus
from kucun.core.errors import FieldError, ValidationFailed
from kucun.core.jobs import Heartbeat, job_start
from kucun.core.models import Job

logger = logging.getLogger(__name__)

JOB_KIND = "channels.stock_push"
MAX_SKUS = 10_000


@dataclass(frozen=True)
class ManualPushRequest:
    skus: tuple[str, ...] = ()
    all_items: bool = False
    store_ids: tuple[int, ...] | None = None


def clean_request(
    *, items: Sequence[str] | None, all_items: bool, store_ids: Sequence[int] | None
) -> ManualPushRequest:
    """Refuse an empty request, unknown SKUs and unknown stores, naming them."""
    skus = tuple(dict.fromkeys(str(sku).strip() for sku in items or () if str(sku).strip()))
    if not all_items and not skus:
        raise ValidationFailed.for_field("items", _("Give the SKUs to push, or ask for all items."))
    if len(skus) > MAX_SKUS:
        raise ValidationFailed.for_field(
            "items", _("Push at most %(max)d SKUs at once.") % {"max": MAX_SKUS}
        )
    if skus and not all_items:
        found = {item.sku.casefold() for item in items_matching_skus(skus)}
        unknown = [sku for sku in skus if sku.casefold() not in found]
        if unknown:
            message = _("No item has SKU %(skus)s.") % {"skus": ", ".join(unknown[:20])}
            raise ValidationFailed(detail=message, errors=[FieldError("items", message)])
    cleaned_stores = None
    if store_ids:
        cleaned_stores = tuple(sorted({int(store_id) for store_id in store_ids}))
        known = set(Store.objects.filter(pk__in=cleaned_stores).values_list("pk", flat=True))
        unknown_ids = [str(pk) for pk in cleaned_stores if pk not in known]
        if unknown_ids:
            message = _("No store has id %(ids)s.") % {"ids": ", ".join(unknown_ids)}
            raise ValidationFailed(detail=message, errors=[FieldError("stores", message)])
    return ManualPushRequest(
        skus=() if all_items else skus, all_items=all_items, store_ids=cleaned_stores
    )


def stock_push_manual(
    *,
    items: Sequence[str] | None = None,
    all: bool = False,  # the API's and the console's word for it
    store_ids: Sequence[int] | None = None,
    actor: Any,
    run_now: bool = False,
) -> Job:
    """Record a batch push as a Job and queue it for the worker (``run_now``: run it here,
    as the CLI does)."""
    request = clean_request(items=items, all_items=all, store_ids=store_ids)
    with transaction.atomic():
        job = Job.objects.create(
            kind=JOB_KIND,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action="stock_push.manual",
            obj=job,
            summary=_("Stock push of %(what)s")
            % {"what": _("all items") if request.all_items else ", ".join(request.skus)[:200]},
            data={"skus": list(request.skus), "all": request.all_items, "stores": store_ids},
        )
        if not run_now:
            job_id = job.pk
            transaction.on_commit(lambda: enqueue(job_id, request))
    if run_now:
        stock_push_manual_run(job_id=job.pk, request=request)
        job.refresh_from_db()
    return job


def enqueue(job_id: int, request: ManualPushRequest) -> None:
    from kucun.channels.tasks import stock_push_manual_task

    stock_push_manual_task(
        job_id,
        list(request.skus),
        request.all_items,
        None if request.store_ids is None else list(request.store_ids),
    )


def manual_listings(request: ManualPushRequest) -> dict[int, list[int]]:
    """store id -> linked listing ids to push, in active stores asked for."""
    stores = Store.objects.filter(active=True)
    if request.store_ids is not None:
        stores = stores.filter(pk__in=request.store_ids)
    else:
        stores = stores.filter(inventory_sync=True)
    listings = Listing.objects.filter(status=ListingStatus.LINKED, store__in=stores).order_by(
        "store_id", "pk"
    )
    if not request.all_items:
        item_ids = set(items_matching_skus(request.skus).values_list("pk", flat=True))
        item_ids |= bundles_affected_by(item_ids)
        found: dict[int, list[int]] = {}
        for part in chunks(sorted(item_ids)):
            for store_id, listing_id in listings.filter(item_id__in=part).values_list(
                "store_id", "pk"
            ):
                found.setdefault(store_id, []).append(listing_id)
        return found
    by_store: dict[int, list[int]] = {}
    for store_id, listing_id in listings.values_list("store_id", "pk"):
        by_store.setdefault(store_id, []).append(listing_id)
    return by_store


@dataclass
class ManualPushResult:
    summary: PushSummary = field(default_factory=PushSummary)
    runs: list[SyncRun] = field(default_factory=list)

    @property
    def all_succeeded(self) -> bool:
        return self.summary.succeeded == self.summary.sent and not (
            self.summary.failed or self.summary.retrying or self.summary.pending
        )


def stock_push_manual_run(*, job_id: int, request: ManualPushRequest) -> ManualPushResult:
    """Push the listings now, store by store, reporting progress on the job."""
    job_start(job_id=job_id)
    result = ManualPushResult()
    try:
        by_store = manual_listings(request)
        total = sum(len(ids) for ids in by_store.values())
        Job.objects.filter(pk=job_id).update(progress_total=total)
        heartbeat = Heartbeat(job_id)

        def progress(done: int) -> None:
            Job.objects.filter(pk=job_id).update(
                progress_done=F("progress_done") + done, **heartbeat.fields()
            )

        for store in Store.objects.filter(pk__in=list(by_store)).order_by("name"):
            run = store_push(store, by_store[store.pk], job_id, progress)
            result.runs.append(run)
            result.summary.add(run_summary(run))
    except Exception as error:
        logger.exception("manual stock push %s failed", job_id)
        finish_job(job_id, JobStatus.FAILED, str(error)[:1000])
        raise
    finish_job(job_id, JobStatus.SUCCEEDED, summary_message(result.summary))
    return result


def store_push(store: Store, listing_ids: list[int], job_id: int | None, progress: Any) -> SyncRun:
    run = SyncRun.objects.create(
        store=store, kind=SyncRunKind.PUSH, trigger=PushTrigger.MANUAL, job_id=job_id
    )
    with transaction.atomic():
        records, _skipped = stock_records_queue(
            triggers=dict.fromkeys(listing_ids, PushTrigger.MANUAL),
            run=run,
            include_sync_off=True,
        )
    summary = stock_pushes_send(record_ids=[record.pk for record in records], progress=progress)
    details = summary_details(summary)
    details["listings"] = len(listing_ids)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRunStatus.SUCCEEDED
        if not (summary.failed or summary.retrying)
        else SyncRunStatus.FAILED,
        finished_at=timezone.now(),
        details=details,
        error="" if not summary.failed else summary_message(summary),
    )
    run.refresh_from_db()
    return run


def summary_details(summary: PushSummary) -> dict[str, Any]:
    return {
        "sent": summary.sent,
        "succeeded": summary.succeeded,
        "pending": summary.pending,
        "retrying": summary.retrying,
        "failed": summary.failed,
        "record_ids": summary.record_ids[:1000],
    }


def run_summary(run: SyncRun) -> PushSummary:
    details = run.details or {}
    return PushSummary(
        sent=details.get("sent", 0),
        succeeded=details.get("succeeded", 0),
        pending=details.get("pending", 0),
        retrying=details.get("retrying", 0),
        failed=details.get("failed", 0),
        record_ids=list(details.get("record_ids", [])),
    )


def summary_message(summary: PushSummary) -> str:
    return _(
        "%(sent)d pushed: %(succeeded)d succeeded, %(pending)d pending, "
        "%(retrying)d to retry, %(failed)d failed."
    ) % {
        "sent": summary.sent,
        "succeeded": summary.succeeded,
        "pending": summary.pending,
        "retrying": summary.retrying,
        "failed": summary.failed,
    }


def finish_job(job_id: int, status: str, message: str) -> None:
    """The job's outcome; on failure, its store runs still running fail with the same words."""
    now = timezone.now()
    Job.objects.filter(pk=job_id).update(status=status, message=message, finished_at=now)
    if status == JobStatus.FAILED:
        SyncRun.objects.filter(job_id=job_id, status=SyncRunStatus.RUNNING).update(
            status=SyncRunStatus.FAILED, error=message, finished_at=now
        )
