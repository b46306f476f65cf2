"""/api/v1/order-downloads: the runs that brought each store's orders in; and
/api/v1/stores/{id}/order-downloads, which runs one now (staff)."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.channels.selectors import store_by_id
from kucun.core.pagination import PageParams, page_slice
from kucun.orders.choices import DownloadStatus, DownloadTrigger
from kucun.orders.models import OrderDownload
from kucun.orders.selectors_console import order_downloads_query
from kucun.orders.services.ingest import orders_download_enqueue

router = Router(tags=["orders"])

MAX_ID = 2**63 - 1


class OrderDownloadOut(Schema):
    id: int
    store_id: int
    store_name: str
    trigger: str
    status: str
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    since: datetime.datetime | None
    new_count: int
    updated_count: int
    error_count: int
    error: str
    details: dict[str, Any]


class OrderDownloadPage(Schema):
    count: int
    items: list[OrderDownloadOut]


class OrderDownloadFilters(PageParams):
    store: int | None = Field(None, ge=1, le=MAX_ID)
    status: DownloadStatus | None = None
    trigger: DownloadTrigger | None = None


def download_out(run: OrderDownload) -> dict[str, Any]:
    return {
        "id": run.pk,
        "store_id": run.store_id,
        "store_name": run.store.name,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "since": run.since,
        "new_count": run.new_count,
        "updated_count": run.updated_count,
        "error_count": run.error_count,
        "error": run.error,
        "details": dict(run.details or {}),
    }


@router.get("/order-downloads", response=OrderDownloadPage, summary="List order download runs")
def order_downloads_list(request: HttpRequest, filters: Query[OrderDownloadFilters]) -> Any:
    rows = order_downloads_query(
        store=filters.store, status=filters.status or "", trigger=filters.trigger or ""
    )
    count, page = page_slice(rows, filters.page, filters.page_size)
    return {"count": count, "items": [download_out(run) for run in page]}


class DownloadQueuedOut(Schema):
    store_id: int
    queued: bool = Field(
        ..., description="False when a download of the store was waiting to run already."
    )


@router.post(
    "/stores/{store_id}/order-downloads",
    response={202: DownloadQueuedOut},
    summary="Download a store's orders now, in the worker (staff)",
)
def store_order_download(request: HttpRequest, store_id: int) -> Any:
    require_role(request, Role.STAFF)
    store = store_by_id(store_id)
    queued = orders_download_enqueue(
        stores=[store], trigger=DownloadTrigger.MANUAL, user=request.user
    )
    return Status(202, {"store_id": store.pk, "queued": bool(queued)})
