"""Reads of the stock sync: the sync log, the sync runs, reconciles, and their jobs.

The console's pages and the API call these with the same filters; each returns a queryset
ordered newest first, for the caller to page.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from kucun.channels.choices import SyncRunKind
from kucun.channels.models import StockSyncRecord, SyncRun
from kucun.core.models import Job

SYNC_JOB_KINDS = ("channels.stock_push", "channels.reconcile")


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of that day in the current time zone (the reader's)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def stock_push_query(
    *,
    store_id: int | None = None,
    status: str | None = None,
    trigger: str | None = None,
    sku: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    record_ids: list[int] | None = None,
) -> QuerySet[StockSyncRecord]:
    """The sync log: one row per push of one listing, newest first. ``sku`` matches part of
    the SKU, ignoring case; dates are whole days in the reader's time zone, both included."""
    rows = StockSyncRecord.objects.select_related("store", "listing")
    if store_id is not None:
        rows = rows.filter(store_id=store_id)
    if status:
        rows = rows.filter(status=status)
    if trigger:
        rows = rows.filter(trigger=trigger)
    if sku and sku.strip():
        rows = rows.filter(sku__icontains=sku.strip())
    if date_from is not None:
        rows = rows.filter(created_at__gte=day_start(date_from))
    if date_to is not None:
        rows = rows.filter(created_at__lt=day_start(date_to + datetime.timedelta(days=1)))
    if record_ids is not None:
        rows = rows.filter(pk__in=record_ids)
    return rows.order_by("-created_at", "-id")


def sync_run_query(*, store_id: int | None = None, kind: str | None = None) -> QuerySet[SyncRun]:
    rows = SyncRun.objects.select_related("store")
    if store_id is not None:
        rows = rows.filter(store_id=store_id)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-started_at", "-id")


def reconcile_query(*, store_id: int | None = None) -> QuerySet[SyncRun]:
    return sync_run_query(store_id=store_id, kind=SyncRunKind.RECONCILE)


def sync_job(job_id: int) -> Job | None:
    """A batch push's or a reconcile's job (its progress), or None."""
    return Job.objects.filter(pk=job_id, kind__in=SYNC_JOB_KINDS).first()
