"""The stock sync API: the sync log with its filters, pushes, retries, runs and reconciles;
viewers read, staff write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kucun.channels.choices import PushStatus, PushTrigger, SyncRunKind
from kucun.channels.models import Listing, StockSyncRecord, Store
from kucun.channels.services.reconcile import stores_reconcile
from kucun.channels.services.stores import listings_changes_queue
from kucun.channels.services.sync import sync_drain
from kucun.core.dataio.services import export_run_create
from kucun.core.models import Job
from tests.channels.conftest import Shop, add_listing, platform_of, push_now
from tests.inventory.conftest import Site, build_item, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(site: Site, shop: Shop, store_factory: Callable[..., Store]) -> dict[str, Any]:
    """Three pushes: MUG automatic (succeeded), LID manual (failed), MUG in another store."""
    mug = build_item("MUG")
    lid = build_item("LID")
    receive(site, "MUG", 10)
    receive(site, "LID", 4)
    sync_drain()
    other = store_factory("Second shop", [site.warehouse])
    mug_listing = add_listing(shop.store, mug)
    lid_listing = add_listing(shop.store, lid)
    other_listing = add_listing(other, mug)
    listings_changes_queue(store_ids=[shop.store.pk], listing_ids=[mug_listing.pk])
    sync_drain()
    del shop.platform.quantities[lid_listing.inventory_ref]
    push_now(lid_listing)
    push_now(other_listing)
    sync_drain()
    return {"store": shop.store, "other": other, "mug": mug_listing, "lid": lid_listing}


def test_the_sync_log_lists_pushes_newest_first(
    viewer_api: Any, log: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):
        response = viewer_api.get("/api/v1/stock-pushes")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    rows = [
        (row["store"]["name"], row["sku"], row["trigger"], row["status"]) for row in body["items"]
    ]
    assert rows == [
        ("Second shop", "MUG", "manual", "succeeded"),
        ("Memory shop", "LID", "manual", "failed"),
        ("Memory shop", "MUG", "automatic", "succeeded"),
    ]
    failed = body["items"][1]
    assert (failed["quantity"], failed["attempts"], failed["error"]) == (4, 1, "unknown variant")


@pytest.mark.parametrize(
    ("query", "skus"),
    [
        ({"status": "failed"}, ["LID"]),
        ({"trigger": "automatic"}, ["MUG"]),
        ({"sku": "mu"}, ["MUG", "MUG"]),
        ({"page_size": 1, "page": 2}, ["LID"]),
    ],
)
def test_the_sync_log_filters(
    viewer_api: Any, log: dict[str, Any], query: dict[str, Any], skus: list[str]
) -> None:
    response = viewer_api.get("/api/v1/stock-pushes", query)

    assert response.status_code == 200
    assert [row["sku"] for row in response.json()["items"]] == skus


def test_the_sync_log_filters_by_store_and_dates(viewer_api: Any, log: dict[str, Any]) -> None:
    StockSyncRecord.objects.filter(store=log["other"]).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    today = timezone.localdate()

    by_store = viewer_api.get("/api/v1/stock-pushes", {"store": log["other"].pk})
    today_only = viewer_api.get("/api/v1/stock-pushes", {"date_from": today.isoformat()})
    before = viewer_api.get(
        "/api/v1/stock-pushes", {"date_to": (today - timedelta(days=1)).isoformat()}
    )
    backwards = viewer_api.get(
        "/api/v1/stock-pushes",
        {"date_from": today.isoformat(), "date_to": (today - timedelta(days=1)).isoformat()},
    )

    assert [row["store"]["name"] for row in by_store.json()["items"]] == ["Second shop"]
    assert today_only.json()["count"] == 2
    assert before.json()["count"] == 1
    assert backwards.status_code == 422


def test_an_unknown_status_is_refused(viewer_api: Any, log: dict[str, Any]) -> None:
    assert viewer_api.get("/api/v1/stock-pushes", {"status": "lost"}).status_code == 422


def test_staff_push_items_and_get_a_job(
    staff_api: Any,
    log: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post("/api/v1/stock-pushes", {"items": ["MUG"]})

    assert response.status_code == 202
    job = response.json()
    assert (job["kind"], job["status"]) == ("channels.stock_push", "queued")
    progress = staff_api.get(f"/api/v1/sync-jobs/{job['id']}").json()
    assert (progress["status"], progress["progress_done"], progress["percent"]) == (
        "succeeded",
        2,
        100,
    )
    assert StockSyncRecord.objects.filter(trigger=PushTrigger.MANUAL, sku="MUG").count() == 3


def test_a_push_request_is_checked(staff_api: Any, log: dict[str, Any]) -> None:
    unknown = staff_api.post("/api/v1/stock-pushes", {"items": ["NOPE"]})
    empty = staff_api.post("/api/v1/stock-pushes", {})
    no_store = staff_api.post("/api/v1/stock-pushes", {"all": True, "stores": [999]})

    assert unknown.status_code == 422
    assert "No item has SKU NOPE." in unknown.content.decode()
    assert empty.status_code == 422
    assert no_store.status_code == 422
    assert Job.objects.count() == 0


def test_viewers_cannot_push_retry_or_reconcile(viewer_api: Any, log: dict[str, Any]) -> None:
    failed = StockSyncRecord.objects.get(status=PushStatus.FAILED)

    answers = [
        viewer_api.post("/api/v1/stock-pushes", {"all": True}).status_code,
        viewer_api.post(f"/api/v1/stock-pushes/{failed.pk}/retry").status_code,
        viewer_api.post("/api/v1/reconciliations", {}).status_code,
    ]

    assert answers == [403, 403, 403]
    assert Job.objects.count() == 0
    failed.refresh_from_db()
    assert failed.status == PushStatus.FAILED


def test_staff_retry_a_failed_push(
    staff_api: Any,
    log: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # Given the platform knows the variant again
    failed = StockSyncRecord.objects.get(status=PushStatus.FAILED)
    platform_of(log["store"]).quantities[log["lid"].inventory_ref] = 0

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(f"/api/v1/stock-pushes/{failed.pk}/retry")

    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    failed.refresh_from_db()
    assert failed.status == PushStatus.SUCCEEDED
    succeeded = StockSyncRecord.objects.filter(status=PushStatus.SUCCEEDED).first()
    assert succeeded is not None
    refused = staff_api.post(f"/api/v1/stock-pushes/{succeeded.pk}/retry")
    assert refused.status_code == 409
    assert staff_api.post("/api/v1/stock-pushes/999999/retry").status_code == 404


def test_sync_runs_and_reconciliations(
    staff_api: Any,
    viewer_api: Any,
    log: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # Given the other store's platform sold 2
    other_listing = Listing.objects.get(store=log["other"])
    platform_of(log["other"]).sell(other_listing.inventory_ref, 2)

    with django_capture_on_commit_callbacks(execute=True):
        started = staff_api.post("/api/v1/reconciliations", {"store": log["other"].pk})

    assert started.status_code == 202
    assert started.json()["kind"] == "channels.reconcile"
    listed = viewer_api.get("/api/v1/reconciliations").json()
    assert listed["count"] == 1
    (run,) = listed["items"]
    assert (run["store"]["name"], run["kind"], run["difference_count"]) == (
        "Second shop",
        "reconcile",
        1,
    )
    assert run["details"]["differences"][0]["platform"] == 8
    stores_reconcile(store=log["store"])
    by_kind = viewer_api.get("/api/v1/sync-runs", {"kind": SyncRunKind.RECONCILE}).json()
    by_store = viewer_api.get("/api/v1/sync-runs", {"store": log["store"].pk}).json()
    assert by_kind["count"] == 2
    assert [item["store"]["name"] for item in by_store["items"]] == ["Memory shop"]
    assert staff_api.post("/api/v1/reconciliations", {"store": 999}).status_code == 404
    assert viewer_api.get("/api/v1/sync-jobs/999").status_code == 404


def test_the_sync_log_exports(staff: Any, log: dict[str, Any]) -> None:
    run = export_run_create(
        user=staff, kind="stock_pushes", file_format="csv", filters={"status": "failed"}
    )

    assert run.status == "succeeded"
    assert run.row_count == 1
    assert run.filters == {"status": "failed"}
