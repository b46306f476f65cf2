"""/api/v1/stock-pushes, /sync-runs, /reconciliations and /sync-jobs: the stock sync.

Viewers read; staff and owners push, retry and reconcile. ``POST /stock-pushes`` takes
``{"items": [SKU, …]}`` or ``{"all": true}`` and optionally ``"stores": [id, …]`` (named stores
are pushed even with their inventory sync off) and answers 202 with the job, whose progress
``GET /sync-jobs/{id}`` shows. Pushes send absolute quantities, so repeating a request is
harmless: these endpoints take no Idempotency-Key.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.channels import selectors_sync
from kucun.channels.choices import PushStatus, PushTrigger, SyncRunKind
from kucun.channels.models import StockSyncRecord, SyncRun
from kucun.channels.services.reconcile import reconcile_start
from kucun.channels.services.sync_manual import stock_push_manual
from kucun.channels.services.sync_push import sync_record_retry
from kucun.core.errors import NotFound, ValidationFailed
from kucun.core.models import Job
from kucun.core.pagination import PageParams, page_slice

router = Router(tags=["stock sync"])

MAX_ID = 2**63 - 1


def writer(request: HttpRequest) -> Any:
    require_role(request, Role.STAFF)
    return request.user


# --- schemas -------------------------------------------------------------------------------------


class StoreRef(Schema):
    id: int
    name: str


class StockPushOut(Schema):
    id: int
    store: StoreRef
    listing_id: int
    sku: str
    quantity: int
    previous_quantity: int | None
    trigger: str
    status: str
    attempts: int
    error: str
    details: dict[str, Any]
    task_ref: str
    duration_ms: int | None
    created_at: datetime.datetime
    next_attempt_at: datetime.datetime | None
    finished_at: datetime.datetime | None


class StockPushPage(Schema):
    count: int
    items: list[StockPushOut]


class StockPushFilters(PageParams):
    store: int | None = Field(None, ge=1, le=MAX_ID)
    status: PushStatus | None = None
    trigger: PushTrigger | None = None
    sku: str | None = Field(None, max_length=200)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class StockPushIn(Schema):
    items: list[str] = Field(default_factory=list, max_length=10_000)
    all: bool = False
    stores: list[int] | None = Field(None, max_length=1000)


class JobOut(Schema):
    id: int
    kind: str
    status: str
    progress_done: int
    progress_total: int
    percent: int
    message: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None


class SyncRunOut(Schema):
    id: int
    store: StoreRef
    kind: str
    trigger: str
    status: str
    job_id: int | None
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    new_count: int
    updated_count: int
    gone_count: int
    linked_count: int
    conflict_count: int
    difference_count: int
    error: str
    details: dict[str, Any]


class SyncRunPage(Schema):
    count: int
    items: list[SyncRunOut]


class SyncRunFilters(PageParams):
    store: int | None = Field(None, ge=1, le=MAX_ID)
    kind: SyncRunKind | None = None


class ReconcileFilters(PageParams):
    store: int | None = Field(None, ge=1, le=MAX_ID)


class ReconcileIn(Schema):
    store: int | None = Field(None, ge=1, le=MAX_ID)


def store_ref(row: StockSyncRecord | SyncRun) -> dict[str, Any]:
    return {"id": row.store_id, "name": row.store.name}


def push_out(record: StockSyncRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "store": store_ref(record),
        "listing_id": record.listing_id,
        "sku": record.sku,
        "quantity": record.quantity,
        "previous_quantity": record.previous_quantity,
        "trigger": record.trigger,
        "status": record.status,
        "attempts": record.attempts,
        "error": record.error,
        "details": record.details or {},
        "task_ref": record.task_ref,
        "duration_ms": record.duration_ms,
        "created_at": record.created_at,
        "next_attempt_at": record.next_attempt_at,
        "finished_at": record.finished_at,
    }


def run_out(run: SyncRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "store": store_ref(run),
        "kind": run.kind,
        "trigger": run.trigger,
        "status": run.status,
        "job_id": run.job_id,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "new_count": run.new_count,
        "updated_count": run.updated_count,
        "gone_count": run.gone_count,
        "linked_count": run.linked_count,
        "conflict_count": run.conflict_count,
        "difference_count": run.difference_count,
        "error": run.error,
        "details": run.details or {},
    }


def job_out(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "percent": job.percent,
        "message": job.message,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


# --- the sync log --------------------------------------------------------------------------------


@router.get("/stock-pushes", response=StockPushPage, summary="The stock sync log")
def stock_pushes(request: HttpRequest, filters: Query[StockPushFilters]) -> Any:
    """One row per push of one listing, newest first. ``sku`` matches part of the SKU;
    ``date_from`` / ``date_to`` are whole days in your time zone, both included."""
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationFailed.for_field("date_to", _("must be on or after date_from"))
    rows = selectors_sync.stock_push_query(
        store_id=filters.store,
        status=filters.status,
        trigger=filters.trigger,
        sku=filters.sku,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    count, page = page_slice(rows, filters.page, filters.page_size)
    return {"count": count, "items": [push_out(record) for record in page]}


@router.post("/stock-pushes", response={202: JobOut}, summary="Push items to the stores now")
def stock_pushes_create(request: HttpRequest, payload: StockPushIn) -> Any:
    """Every linked listing of these items (and of the bundles holding them), or of every
    item with ``all``; in every active store with inventory sync on, or in ``stores``."""
    job = stock_push_manual(
        items=payload.items, all=payload.all, store_ids=payload.stores, actor=writer(request)
    )
    return Status(202, job_out(job))


@router.post(
    "/stock-pushes/{record_id}/retry", response={202: StockPushOut}, summary="Retry a failed push"
)
def stock_push_retry(request: HttpRequest, record_id: int) -> Any:
    """Queue a failed push again, with the quantity Kucun holds now; it is sent at once."""
    actor = writer(request)
    if not 0 < record_id <= MAX_ID:
        raise NotFound(detail=_("No stock push has id %(id)s.") % {"id": record_id})
    sync_record_retry(record_ids=[record_id], actor=actor)
    record = selectors_sync.stock_push_query(record_ids=[record_id]).get()
    return Status(202, push_out(record))


@router.get("/sync-runs", response=SyncRunPage, summary="Pulls, pushes and reconciles")
def sync_runs(request: HttpRequest, filters: Query[SyncRunFilters]) -> Any:
    rows = selectors_sync.sync_run_query(store_id=filters.store, kind=filters.kind)
    count, page = page_slice(rows, filters.page, filters.page_size)
    return {"count": count, "items": [run_out(run) for run in page]}


@router.get("/reconciliations", response=SyncRunPage, summary="Reconciles, newest first")
def reconciliations(request: HttpRequest, filters: Query[ReconcileFilters]) -> Any:
    """Each store's reconcile: ``difference_count`` (exact) and ``details.differences`` (the
    first 500: store, SKU, platform and Kucun quantities, and the fix's status)."""
    rows = selectors_sync.reconcile_query(store_id=filters.store)
    count, page = page_slice(rows, filters.page, filters.page_size)
    return {"count": count, "items": [run_out(run) for run in page]}


@router.post("/reconciliations", response={202: JobOut}, summary="Reconcile now")
def reconciliations_start(request: HttpRequest, payload: ReconcileIn) -> Any:
    """One store (``store``) or every active store with inventory sync on."""
    job = reconcile_start(store_id=payload.store, actor=writer(request))
    return Status(202, job_out(job))


@router.get("/sync-jobs/{job_id}", response=JobOut, summary="A batch push's or reconcile's job")
def sync_job(request: HttpRequest, job_id: int) -> Any:
    job = selectors_sync.sync_job(job_id) if 0 < job_id <= MAX_ID else None
    if job is None:
        raise NotFound(detail=_("No push or reconcile job has id %(id)s.") % {"id": job_id})
    return job_out(job)
