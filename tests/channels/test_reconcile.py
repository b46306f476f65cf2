"""Reconcile: every linked listing's platform quantity compared with Kucun's, the differences
recorded on a run and fixed with pushes logged as reconcile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kucun.channels.choices import PushStatus, PushTrigger, SyncRunKind, SyncRunStatus
from kucun.channels.models import Listing, StockSyncRecord, Store
from kucun.channels.services import reconcile as reconcile_service
from kucun.channels.services.reconcile import reconcile_start, stores_reconcile
from kucun.channels.tasks import stores_reconcile_nightly
from kucun.core.choices import JobStatus
from tests.channels.conftest import Shop, add_listing, platform_of
from tests.inventory.conftest import Site, build_bundle, build_item, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def listings(site: Site, shop: Shop) -> dict[str, Listing]:
    """MUG (10), LID (4) and BOX (2 mugs) listed; the platform holds 10, 1 and 9."""
    mug = build_item("MUG")
    lid = build_item("LID")
    receive(site, "MUG", 10)
    receive(site, "LID", 4)
    box = build_bundle("BOX", [(mug, 2)])
    return {
        "MUG": add_listing(shop.store, mug, quantity=10),
        "LID": add_listing(shop.store, lid, quantity=1),
        "BOX": add_listing(shop.store, box, quantity=9),
    }


def test_differences_are_recorded_and_fixed(shop: Shop, listings: dict[str, Listing]) -> None:
    # When
    (run,) = stores_reconcile(store=shop.store, trigger=PushTrigger.MANUAL)

    # Then two differences, recorded with store, SKU, platform and Kucun, and fixed
    assert (run.kind, run.trigger, run.status, run.difference_count) == (
        SyncRunKind.RECONCILE,
        PushTrigger.MANUAL,
        SyncRunStatus.SUCCEEDED,
        2,
    )
    assert run.details["differences"] == [
        {
            "listing": listings["LID"].pk,
            "store": "Memory shop",
            "sku": "LID",
            "platform": 1,
            "kucun": 4,
            "fix": PushStatus.SUCCEEDED,
        },
        {
            "listing": listings["BOX"].pk,
            "store": "Memory shop",
            "sku": "BOX",
            "platform": 9,
            "kucun": 5,
            "fix": PushStatus.SUCCEEDED,
        },
    ]
    assert (run.details["listings_checked"], run.details["fixed"], run.details["unfixed"]) == (
        3,
        2,
        0,
    )
    quantities = shop.platform.quantities
    assert [quantities[listings[sku].inventory_ref] for sku in ("MUG", "LID", "BOX")] == [10, 4, 5]
    records = StockSyncRecord.objects.order_by("id")
    assert [(record.sku, record.trigger, record.previous_quantity) for record in records] == [
        ("LID", PushTrigger.RECONCILE, 1),
        ("BOX", PushTrigger.RECONCILE, 9),
    ]
    assert all(record.run_id == run.pk for record in records)


def test_a_sale_on_the_platform_is_read_and_reported(
    shop: Shop, listings: dict[str, Listing]
) -> None:
    # Given a sale on the platform that Kucun has not seen
    shop.platform.sell(listings["MUG"].inventory_ref, 3)

    (run,) = stores_reconcile(store=shop.store)

    mug = next(row for row in run.details["differences"] if row["sku"] == "MUG")
    assert (mug["platform"], mug["kucun"], mug["fix"]) == (7, 10, PushStatus.SUCCEEDED)
    listing = Listing.objects.get(pk=listings["MUG"].pk)
    assert listing.platform_quantity == 10  # read as 7, then written back
    assert shop.platform.quantities[listing.inventory_ref] == 10


def test_a_second_reconcile_finds_nothing(shop: Shop, listings: dict[str, Listing]) -> None:
    stores_reconcile(store=shop.store)

    (run,) = stores_reconcile(store=shop.store)

    assert (run.status, run.difference_count, run.details["differences"]) == (
        SyncRunStatus.SUCCEEDED,
        0,
        [],
    )


def test_a_failed_fix_leaves_the_run_failed(shop: Shop, listings: dict[str, Listing]) -> None:
    del shop.platform.quantities[listings["LID"].inventory_ref]

    (run,) = stores_reconcile(store=shop.store)

    assert run.status == SyncRunStatus.FAILED
    assert run.difference_count == 2
    lid = next(row for row in run.details["differences"] if row["sku"] == "LID")
    assert (lid["platform"], lid["kucun"], lid["fix"]) == (None, 4, PushStatus.FAILED)
    assert (run.details["fixed"], run.details["failed"], run.details["unfixed"]) == (1, 1, 1)
    assert run.error == "1 differences could not be fixed."


def test_a_store_with_sync_off_is_reported_not_pushed(
    site: Site, store_factory: Callable[..., Store]
) -> None:
    store = store_factory("Paused", [site.warehouse], inventory_sync=False)
    mug = build_item("MUG")
    receive(site, "MUG", 5)
    add_listing(store, mug, quantity=1)

    (run,) = stores_reconcile(store=store)

    assert (run.difference_count, run.details["pushed"], run.status) == (
        1,
        0,
        SyncRunStatus.FAILED,
    )
    assert platform_of(store).pushes == []


def test_the_nightly_reconcile_covers_every_store_with_sync_on(
    site: Site, shop: Shop, listings: dict[str, Listing], store_factory: Callable[..., Store]
) -> None:
    store_factory("Paused", [site.warehouse], inventory_sync=False)

    assert stores_reconcile_nightly.call_local() == 2

    assert shop.store.sync_runs.get().trigger == PushTrigger.AUTOMATIC
    assert not Store.objects.get(name="Paused").sync_runs.exists()


def test_differences_kept_are_bounded_but_counted(
    monkeypatch: pytest.MonkeyPatch, shop: Shop, listings: dict[str, Listing]
) -> None:
    monkeypatch.setattr(reconcile_service, "DIFFERENCES_KEPT", 1)

    (run,) = stores_reconcile(store=shop.store)

    assert run.difference_count == 2
    assert len(run.details["differences"]) == 1
    assert run.details["truncated"] is True


def test_an_on_demand_reconcile_is_a_job(
    shop: Shop,
    listings: dict[str, Listing],
    staff: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = reconcile_start(store_id=shop.store.pk, actor=staff)

    job.refresh_from_db()
    assert (job.kind, job.status, job.message) == (
        "channels.reconcile",
        JobStatus.SUCCEEDED,
        "1 stores reconciled: 2 differences, 0 left unfixed.",
    )
    assert shop.store.sync_runs.get().job_id == job.pk
