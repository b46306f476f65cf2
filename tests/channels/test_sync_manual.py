"""Manual batch push (批量同步): every linked listing of the items, and of bundles holding
them, pushed now as a job with progress; always sent, even when the platform is right."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kucun.channels.choices import PushStatus, PushTrigger, SyncRunKind, SyncRunStatus
from kucun.channels.models import StockSyncRecord, Store, SyncRun
from kucun.channels.services import sync_manual
from kucun.channels.services.sync import sync_drain
from kucun.channels.services.sync_manual import stock_push_manual
from kucun.core.choices import JobStatus
from kucun.core.errors import ValidationFailed
from kucun.core.models import Job
from tests.channels.conftest import Shop, add_listing, platform_of
from tests.inventory.conftest import Site, build_bundle, build_item, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(site: Site) -> dict[str, Any]:
    mug = build_item("MUG")
    lid = build_item("LID")
    receive(site, "MUG", 12)
    receive(site, "LID", 5)
    box = build_bundle("BOX", [(mug, 4)])
    return {"MUG": mug, "LID": lid, "BOX": box}


def test_a_manual_push_sends_the_items_and_their_bundles_now(
    site: Site,
    shop: Shop,
    catalogue: dict[str, Any],
    store_factory: Callable[..., Store],
    staff: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # Given MUG, BOX (4 mugs) and LID listed; the MUG listing already right on the platform
    other = store_factory("Second shop", [site.warehouse])
    mug = add_listing(shop.store, catalogue["MUG"], quantity=12)
    box = add_listing(shop.store, catalogue["BOX"])
    lid = add_listing(shop.store, catalogue["LID"])
    other_mug = add_listing(other, catalogue["MUG"])

    # When staff push MUG
    with django_capture_on_commit_callbacks(execute=True):
        job = stock_push_manual(items=["mug"], actor=staff)

    # Then the job ran in the worker: MUG and BOX in both stores, LID untouched
    job.refresh_from_db()
    assert (job.kind, job.status, job.progress_done, job.progress_total) == (
        "channels.stock_push",
        JobStatus.SUCCEEDED,
        3,
        3,
    )
    assert job.message == "3 pushed: 3 succeeded, 0 pending, 0 to retry, 0 failed."
    assert shop.platform.quantities[mug.inventory_ref] == 12
    assert shop.platform.quantities[box.inventory_ref] == 3
    assert shop.platform.quantities[lid.inventory_ref] == 0
    assert platform_of(other).quantities[other_mug.inventory_ref] == 12
    # The MUG listing was already right: a manual push sends anyway
    assert [level.sku for level in shop.platform.pushes] == ["MUG", "BOX"]
    records = StockSyncRecord.objects.order_by("id")
    assert {(record.sku, record.trigger, record.status) for record in records} == {
        ("MUG", PushTrigger.MANUAL, PushStatus.SUCCEEDED),
        ("BOX", PushTrigger.MANUAL, PushStatus.SUCCEEDED),
    }
    runs = SyncRun.objects.filter(job=job).order_by("store__name")
    assert [(run.store.name, run.kind, run.trigger, run.status) for run in runs] == [
        ("Memory shop", SyncRunKind.PUSH, PushTrigger.MANUAL, SyncRunStatus.SUCCEEDED),
        ("Second shop", SyncRunKind.PUSH, PushTrigger.MANUAL, SyncRunStatus.SUCCEEDED),
    ]
    assert all(record.run is not None for record in records)


def test_all_items_in_named_stores_even_with_sync_off(
    site: Site,
    shop: Shop,
    catalogue: dict[str, Any],
    store_factory: Callable[..., Store],
    staff: Any,
) -> None:
    # Given a store with sync off and a store not named
    paused = store_factory("Paused", [site.warehouse], inventory_sync=False)
    listed = [add_listing(paused, catalogue[sku]) for sku in ("MUG", "LID", "BOX")]
    unlinked = add_listing(paused, None, sku="STRANGER", quantity=7)
    not_named = add_listing(shop.store, catalogue["MUG"])

    # When every item is pushed to the paused store, run here
    job = stock_push_manual(all=True, store_ids=[paused.pk], actor=staff, run_now=True)

    # Then
    assert job.status == JobStatus.SUCCEEDED
    quantities = platform_of(paused).quantities
    assert [quantities[listing.inventory_ref] for listing in listed] == [12, 5, 3]
    assert quantities[unlinked.inventory_ref] == 7
    assert shop.platform.quantities[not_named.inventory_ref] == 0


def test_without_named_stores_sync_off_stores_are_left_alone(
    site: Site,
    shop: Shop,
    catalogue: dict[str, Any],
    store_factory: Callable[..., Store],
    staff: Any,
) -> None:
    paused = store_factory("Paused", [site.warehouse], inventory_sync=False)
    paused_listing = add_listing(paused, catalogue["MUG"])
    listing = add_listing(shop.store, catalogue["MUG"])

    stock_push_manual(items=["MUG"], actor=staff, run_now=True)

    assert platform_of(paused).pushes == []
    assert shop.platform.quantities[listing.inventory_ref] == 12
    assert paused_listing.sync_records.count() == 0


def test_failed_pushes_are_counted_on_the_job_and_the_run(
    shop: Shop, catalogue: dict[str, Any], staff: Any
) -> None:
    add_listing(shop.store, catalogue["MUG"])
    shop.platform.fail_next_pushes = 1

    job = stock_push_manual(items=["MUG"], actor=staff, run_now=True)

    assert job.status == JobStatus.SUCCEEDED
    assert job.message == "1 pushed: 0 succeeded, 0 pending, 1 to retry, 0 failed."
    run = SyncRun.objects.get(job=job)
    assert run.status == SyncRunStatus.FAILED
    assert run.details["retrying"] == 1


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({}, "items", "Give the SKUs to push, or ask for all items."),
        ({"items": ["  "]}, "items", "Give the SKUs to push, or ask for all items."),
        ({"items": ["MUG", "NOPE", "GONE"]}, "items", "No item has SKU NOPE, GONE."),
        ({"items": ["MUG"], "store_ids": [999]}, "stores", "No store has id 999."),
    ],
)
def test_a_bad_request_is_refused_naming_what_is_wrong(
    shop: Shop,
    catalogue: dict[str, Any],
    staff: Any,
    arguments: dict[str, Any],
    field: str,
    message: str,
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        stock_push_manual(actor=staff, **arguments)

    assert refused.value.detail == message
    assert [error.field for error in refused.value.errors] == [field]
    assert Job.objects.count() == 0


def test_a_manual_push_leaves_nothing_for_the_drain(
    shop: Shop, catalogue: dict[str, Any], staff: Any
) -> None:
    add_listing(shop.store, catalogue["MUG"])
    stock_push_manual(items=["MUG"], actor=staff, run_now=True)

    assert sync_drain().queued == 0
    assert len(shop.platform.pushes) == 1


def test_a_job_that_breaks_fails_with_its_runs(
    shop: Shop, catalogue: dict[str, Any], staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_listing(shop.store, catalogue["MUG"])

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(sync_manual, "stock_pushes_send", broken)
    with pytest.raises(RuntimeError):
        stock_push_manual(items=["MUG"], actor=staff, run_now=True)

    job = Job.objects.get()
    run = SyncRun.objects.get(job=job)
    assert (job.status, job.message) == (JobStatus.FAILED, "disk full")
    assert (run.status, run.error) == (SyncRunStatus.FAILED, "disk full")
