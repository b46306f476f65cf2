"""/api/v1/stores: bind, change, test and unbind stores; queue pulls and quick matches."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.channels import selectors
from kucun.channels.models import Store
from kucun.channels.services import listings as listing_services
from kucun.channels.services import stores as store_services

router = Router(tags=["stores"])


class StoreWarehouseOut(Schema):
    id: int
    code: str
    name: str


class LastPullOut(Schema):
    status: str
    at: datetime.datetime
    error: str


class StoreOut(Schema):
    id: int
    name: str
    platform: str
    sandbox: bool
    account_ref: str
    base_url: str
    credentials: dict[str, str] = Field(
        ..., description="Masks of the secrets (never the secrets); other fields in full."
    )
    options: dict[str, Any]
    location_ref: str
    location_name: str
    warehouses: list[StoreWarehouseOut]
    buffer: int
    inventory_sync: bool
    order_download: bool
    order_interval_minutes: int
    order_backfill_days: int
    products_watermark: datetime.datetime | None
    active: bool
    last_pull: LastPullOut | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class StoreCreateIn(Schema):
    platform: str
    name: str
    credentials: dict[str, Any] = {}
    options: dict[str, Any] = {}
    warehouse_ids: list[Any] = []
    buffer: Any = 0
    inventory_sync: Any = True
    order_download: Any = True
    order_interval_minutes: Any = 15
    order_backfill_days: Any = 30
    sandbox: Any = False


class StorePatchIn(Schema):
    """Only the fields sent are changed; a secret sent empty keeps the stored one."""

    name: Any = None
    credentials: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    warehouse_ids: list[Any] | None = None
    buffer: Any = None
    inventory_sync: Any = None
    order_download: Any = None
    order_interval_minutes: Any = None
    order_backfill_days: Any = None
    sandbox: Any = None
    active: Any = None


class LocationOut(Schema):
    ref: str
    name: str


class ConnectionOut(Schema):
    account_name: str
    locations: list[LocationOut]
    details: dict[str, str]


class LocationIn(Schema):
    location_ref: str
    location_name: str = ""


class PullIn(Schema):
    mode: Literal["incremental", "full"] = "incremental"


class JobOut(Schema):
    job_id: int
    status: str


class SyncRunOut(Schema):
    id: int
    store_id: int
    kind: str
    trigger: str
    status: str
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    new_count: int
    updated_count: int
    gone_count: int
    linked_count: int
    conflict_count: int
    error: str
    details: dict[str, Any]


def store_out(store: Store) -> dict[str, Any]:
    last_status = getattr(store, "last_pull_status", None)
    return {
        "id": store.pk,
        "name": store.name,
        "platform": store.platform,
        "sandbox": store.sandbox,
        "account_ref": store.account_ref,
        "base_url": store.base_url,
        "credentials": dict(store.credential_masks or {}),
        "options": dict(store.options or {}),
        "location_ref": store.location_ref,
        "location_name": store.location_name,
        "warehouses": [
            {"id": row.warehouse.pk, "code": row.warehouse.code, "name": row.warehouse.name}
            for row in store.store_warehouses.all()
        ],
        "buffer": store.buffer,
        "inventory_sync": store.inventory_sync,
        "order_download": store.order_download,
        "order_interval_minutes": store.order_interval_minutes,
        "order_backfill_days": store.order_backfill_days,
        "products_watermark": store.products_watermark,
        "active": store.active,
        "last_pull": {
            "status": last_status,
            "at": store.last_pull_at,  # type: ignore[attr-defined]
            "error": store.last_pull_error or "",  # type: ignore[attr-defined]
        }
        if last_status
        else None,
        "created_at": store.created_at,
        "updated_at": store.updated_at,
    }


@router.get("/stores", response=list[StoreOut], summary="List stores")
def stores_list(request: HttpRequest) -> Any:
    listing_services.pull_runs_settle()
    return [store_out(store) for store in selectors.stores_query()]


@router.post("/stores", response={201: StoreOut}, summary="Bind a store (owners)")
def stores_create(request: HttpRequest, payload: StoreCreateIn) -> Any:
    require_role(request, Role.OWNER)
    store = store_services.store_create(actor=request.user, **payload.dict())
    return Status(201, store_out(selectors.store_by_id(store.pk)))


@router.get("/stores/{store_id}", response=StoreOut, summary="Get a store")
def stores_get(request: HttpRequest, store_id: int) -> Any:
    listing_services.pull_runs_settle()
    return store_out(selectors.store_by_id(store_id))


@router.patch("/stores/{store_id}", response=StoreOut, summary="Change a store (owners)")
def stores_patch(request: HttpRequest, store_id: int, payload: StorePatchIn) -> Any:
    require_role(request, Role.OWNER)
    store = selectors.store_by_id(store_id)
    changes = payload.dict(exclude_unset=True)
    store_services.store_update(actor=request.user, store=store, **changes)
    return store_out(selectors.store_by_id(store_id))


@router.delete("/stores/{store_id}", response={204: None}, summary="Unbind a store (owners)")
def stores_delete(request: HttpRequest, store_id: int) -> Any:
    require_role(request, Role.OWNER)
    store_services.store_delete(actor=request.user, store=selectors.store_by_id(store_id))
    return Status(204, None)


@router.post(
    "/stores/{store_id}/test",
    response=ConnectionOut,
    summary="Test a store's connection (owners)",
    description="A cheap authenticated call; a refusal is a 502 with the platform's words.",
)
def stores_test(request: HttpRequest, store_id: int) -> Any:
    require_role(request, Role.OWNER)
    info = store_services.store_test_connection(store=selectors.store_by_id(store_id))
    return {
        "account_name": info.account_name,
        "locations": [{"ref": loc.ref, "name": loc.name} for loc in info.locations],
        "details": dict(info.details),
    }


@router.post(
    "/stores/{store_id}/location", response=StoreOut, summary="Choose the platform location"
)
def stores_location(request: HttpRequest, store_id: int, payload: LocationIn) -> Any:
    require_role(request, Role.OWNER)
    store_services.store_set_location(
        store=selectors.store_by_id(store_id),
        location_ref=payload.location_ref,
        location_name=payload.location_name,
        actor=request.user,
    )
    return store_out(selectors.store_by_id(store_id))


@router.post(
    "/stores/{store_id}/pulls",
    response={202: JobOut},
    summary="Queue a pull of the store's listings",
    description='`{"mode": "incremental"}` (changes since the last pull) or `"full"` (every '
    "listing; those no longer on the platform become gone). Follow the job for progress.",
)
def stores_pull(request: HttpRequest, store_id: int, payload: PullIn) -> Any:
    require_role(request, Role.STAFF)
    store = selectors.store_by_id(store_id)
    job = listing_services.listings_pull_enqueue(store=store, mode=payload.mode, actor=request.user)
    job.refresh_from_db(fields=["status"])
    return Status(202, {"job_id": job.pk, "status": job.status})


@router.get("/stores/{store_id}/runs", response=list[SyncRunOut], summary="The store's latest runs")
def stores_runs(request: HttpRequest, store_id: int) -> Any:
    listing_services.pull_runs_settle()
    store = selectors.store_by_id(store_id)
    return list(selectors.sync_runs_of_store(store)[:50])


@router.post(
    "/stores/{store_id}/match",
    response=SyncRunOut,
    summary="Quick match: link the store's unlinked listings by SKU, then barcode",
)
def stores_match(request: HttpRequest, store_id: int) -> Any:
    require_role(request, Role.STAFF)
    store = selectors.store_by_id(store_id)
    return listing_services.listings_match(store=store, actor=request.user)
