"""The drain: every kind of stock change reaches the platform, once per listing, and nothing
is lost or pushed that should not be."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from huey import SqliteHuey
from huey.contrib import djhuey
from huey.contrib.djhuey import HUEY

from kucun.catalog.services import bundle_set_components
from kucun.channels import hooks
from kucun.channels.choices import PushStatus, PushTrigger
from kucun.channels.hooks import register_before_overwrite, unregister_before_overwrite
from kucun.channels.models import Listing, ListingChange, StockSyncRecord, Store
from kucun.channels.quantities import listing_quantity
from kucun.channels.receivers import DRAIN_QUEUED_KEY, drain_flag_set
from kucun.channels.services import sync as sync_service
from kucun.channels.services.stores import store_update
from kucun.channels.services.sync import sync_drain
from kucun.channels.signals import listings_changed
from kucun.channels.tasks import sync_drain_periodic, sync_drain_task
from kucun.inventory.models import AvailabilityChange
from kucun.inventory.services import (
    DocumentLineInput,
    StocktakeCountInput,
    TransferLineInput,
    bin_set_sellable,
    issue_create,
    receipt_create,
    stock_allocate,
    stock_release,
    stocktake_count,
    stocktake_create,
    stocktake_post,
    transfer_create,
)
from tests.channels.conftest import (
    Shop,
    add_listing,
    link,
    owner_user,
    platform_of,
    push_now,
    set_buffer,
    unlink,
)
from tests.inventory.conftest import Site, build_bundle, build_item, receive

pytestmark = pytest.mark.django_db


def held(shop: Shop, listing: Listing) -> int:
    return shop.platform.quantities[listing.inventory_ref]


def kucun_quantity(listing: Listing) -> int:
    return listing_quantity(Listing.objects.select_related("store", "item").get(pk=listing.pk))


@pytest.fixture
def mug(site: Site) -> Any:
    item = build_item("MUG")
    receive(site, "MUG", 10, "S-01")
    return item


@pytest.fixture
def mug_listing(shop: Shop, mug: Any) -> Listing:
    """The store's MUG listing, pushed once: the platform holds 10."""
    listing = add_listing(shop.store, mug)
    push_now(listing)
    sync_drain()
    assert held(shop, listing) == 10
    return listing


def post_issue(qty: int) -> None:
    issue_create(
        user=None,
        warehouse="MEL",
        kind="other",
        lines=[DocumentLineInput("MUG", qty, "S-01")],
        post=True,
    )


def stocktake_to(counted: int) -> None:
    stocktake = stocktake_create(user=None, warehouse="MEL", bins=["S-01"])
    stocktake_count(
        user=None, stocktake_id=stocktake.pk, counts=[StocktakeCountInput("S-01", "MUG", counted)]
    )
    stocktake_post(user=None, stocktake_id=stocktake.pk)


def allocate_then(release: bool) -> None:
    stock_allocate(user=None, reference="order:shop:1:1", sku="MUG", warehouse="MEL", qty=4)
    if release:
        sync_drain()
        stock_release(user=None, reference="order:shop:1:1")


STOCK_CHANGES: list[tuple[str, Callable[[Site], None], int, int]] = [
    ("receipt posted", lambda site: receive(site, "MUG", 5), 15, 10),
    ("issue posted", lambda site: post_issue(3), 7, 10),
    (
        "transfer to an unsellable bin",
        lambda site: transfer_create(
            user=None,
            warehouse="MEL",
            lines=[TransferLineInput("MUG", 4, "S-01", "Q-01")],
            post=True,
        ),
        6,
        10,
    ),
    ("stocktake", lambda site: stocktake_to(8), 8, 10),
    ("allocation", lambda site: allocate_then(release=False), 6, 10),
    ("allocation released", lambda site: allocate_then(release=True), 10, 6),
    (
        "bin made unsellable",
        lambda site: bin_set_sellable(user=None, bin_id=site.bins["S-01"].pk, sellable=False),
        0,
        10,
    ),
]


@pytest.mark.parametrize(
    ("change", "expected", "previous"),
    [(step, expected, previous) for _name, step, expected, previous in STOCK_CHANGES],
    ids=[name for name, *_rest in STOCK_CHANGES],
)
def test_every_stock_change_reaches_the_platform(
    change: Callable[[Site], None],
    expected: int,
    previous: int,
    site: Site,
    shop: Shop,
    mug_listing: Listing,
) -> None:
    # When the stock changes and the drain runs
    change(site)
    sync_drain()

    # Then the platform holds Kucun's new quantity, and the log says so
    assert held(shop, mug_listing) == expected == kucun_quantity(mug_listing)
    latest = StockSyncRecord.objects.filter(listing=mug_listing).first()
    assert latest is not None
    assert (latest.quantity, latest.previous_quantity, latest.status, latest.trigger) == (
        expected,
        previous,
        PushStatus.SUCCEEDED,
        PushTrigger.AUTOMATIC,
    )
    assert AvailabilityChange.objects.count() == 0


def test_a_bundle_component_edit_reaches_the_bundle_listing(
    site: Site, shop: Shop, mug: Any
) -> None:
    # Given a box of 2 mugs listed, the platform holding 5
    box = build_bundle("BOX", [(mug, 2)])
    listing = add_listing(shop.store, box)
    push_now(listing)
    sync_drain()
    assert held(shop, listing) == 5

    # When the box becomes 5 mugs
    bundle_set_components(user=None, bundle_id=box.pk, components=[("MUG", 5)])
    sync_drain()

    # Then
    assert held(shop, listing) == 2


def test_a_change_to_a_component_reaches_listings_of_nested_bundles(
    site: Site, shop: Shop, mug: Any
) -> None:
    box = build_bundle("BOX", [(mug, 2)])
    crate = build_bundle("CRATE", [(box, 2)])
    listing = add_listing(shop.store, crate)
    push_now(listing)
    sync_drain()
    assert held(shop, listing) == 2

    receive(site, "MUG", 2)
    sync_drain()

    assert held(shop, listing) == 3


def test_linking_pushes_and_unlinking_stops_the_pushes(site: Site, shop: Shop, mug: Any) -> None:
    # Given a listing nobody linked yet, holding 3 on the platform
    listing = add_listing(shop.store, None, sku="MUG-RED", quantity=3)

    # When it is linked to the mug
    link(listing, mug)
    sync_drain()

    # Then the platform holds the mug's 10
    assert held(shop, listing) == 10

    # When it is unlinked, then the stock changes
    unlink(listing)
    sync_drain()
    receive(site, "MUG", 5)
    sync_drain()

    # Then Kucun no longer writes it: the platform keeps what it had
    assert held(shop, listing) == 10
    assert StockSyncRecord.objects.filter(listing=listing).count() == 1


def test_a_buffer_change_reaches_every_listing_of_the_store(
    site: Site, shop: Shop, mug: Any, mug_listing: Listing
) -> None:
    lid = build_item("LID")
    receive(site, "LID", 6)
    lid_listing = add_listing(shop.store, lid)
    push_now(lid_listing)
    sync_drain()

    set_buffer(shop.store, 4)
    sync_drain()

    assert (held(shop, mug_listing), held(shop, lid_listing)) == (6, 2)


def test_a_rolled_back_change_pushes_nothing(site: Site, shop: Shop, mug_listing: Listing) -> None:
    pushes_before = len(shop.platform.pushes)

    def receive_then_change_mind() -> None:
        with transaction.atomic():
            receive(site, "MUG", 5)
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError):
        receive_then_change_mind()
    result = sync_drain()

    assert result.changes == 0
    assert len(shop.platform.pushes) == pushes_before
    assert held(shop, mug_listing) == 10


def test_stores_selling_from_other_warehouses_or_with_sync_off_are_left_alone(
    site: Site, site_two: Site, shop: Shop, mug: Any, store_factory: Callable[..., Store]
) -> None:
    # Given a store selling from SYD only, one with sync off, one inactive
    sydney = store_factory("Sydney", [site_two.warehouse])
    paused = store_factory("Paused", [site.warehouse], inventory_sync=False)
    closed = store_factory("Closed", [site.warehouse])
    Store.objects.filter(pk=closed.pk).update(active=False)
    listings = [add_listing(store, mug, quantity=1) for store in (sydney, paused, closed)]

    # When MEL's stock changes
    receive(site, "MUG", 5)
    sync_drain()

    # Then none of them is pushed
    assert [platform_of(store).pushes for store in (sydney, paused, closed)] == [[], [], []]
    assert StockSyncRecord.objects.filter(listing__in=listings).count() == 0


def test_many_changes_make_one_push_per_listing(
    site: Site, shop: Shop, store_factory: Callable[..., Store]
) -> None:
    # Given 10 items listed in two stores
    items = [build_item(f"CUP-{number}") for number in range(10)]
    other = store_factory("Second shop", [site.warehouse])
    listings = [add_listing(store, item) for store in (shop.store, other) for item in items]

    # When 1,000 changes are recorded (100 receipts of 10 lines) before a drain
    with transaction.atomic():
        for _receipt in range(100):
            receipt_create(
                user=None,
                warehouse="MEL",
                kind="purchase",
                lines=[DocumentLineInput(item.sku, 1) for item in items],
                post=True,
            )
    assert AvailabilityChange.objects.count() == 1000
    result = sync_drain()

    # Then each store got at most (here exactly) one push per listing, of the final figure
    assert result.changes == 1000
    assert len(shop.platform.pushes) == 10
    assert len(platform_of(other).pushes) == 10
    assert {level.quantity for level in shop.platform.pushes} == {100}
    assert StockSyncRecord.objects.filter(status=PushStatus.SUCCEEDED).count() == 20
    assert all(
        platform_of(listing.store).quantities[listing.inventory_ref] == 100 for listing in listings
    )


def test_an_automatic_push_is_skipped_when_the_platform_holds_the_quantity(
    site: Site, shop: Shop, mug_listing: Listing
) -> None:
    # Given changes that cancel out
    pushes_before = len(shop.platform.pushes)
    records_before = StockSyncRecord.objects.count()
    receive(site, "MUG", 2)
    post_issue(2)

    # When drained: no push and no record (the log holds real pushes only)
    result = sync_drain()
    assert (result.changes, result.queued, result.skipped) == (2, 0, 1)
    assert len(shop.platform.pushes) == pushes_before
    assert StockSyncRecord.objects.count() == records_before

    # When a person asks for a push: it is sent anyway
    push_now(mug_listing)
    sync_drain()
    assert len(shop.platform.pushes) == pushes_before + 1
    latest = StockSyncRecord.objects.filter(listing=mug_listing).first()
    assert latest is not None
    assert (latest.trigger, latest.status, latest.quantity) == (
        PushTrigger.MANUAL,
        PushStatus.SUCCEEDED,
        10,
    )


def test_a_skip_needs_the_last_push_to_have_succeeded(site: Site, shop: Shop, mug: Any) -> None:
    # Given a listing pulled with the right quantity but never pushed
    listing = add_listing(shop.store, mug, quantity=10)

    receive(site, "MUG", 1)
    post_issue(1)
    sync_drain()

    assert len(shop.platform.pushes) == 1
    assert held(shop, listing) == 10


class OrderDownload:
    """Stands for the orders app: it finds the 2 units sold on the platform and allocates them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, store: Store, listings: Any) -> None:
        self.calls.append((store.name, [listing.sku for listing in listings]))
        stock_allocate(user=None, reference="order:shop:7:1", sku="MUG", warehouse="MEL", qty=2)


@pytest.fixture
def order_download(monkeypatch: pytest.MonkeyPatch) -> Iterator[OrderDownload]:
    """The stand-in, alone: the orders app's own callback is set aside for these tests."""
    monkeypatch.setattr(hooks, "_before_overwrite", [])
    callback = OrderDownload()
    register_before_overwrite(callback)
    yield callback
    unregister_before_overwrite(callback)


def test_a_stale_compare_and_set_downloads_orders_rereads_and_retries(
    site: Site, shop: Shop, mug_listing: Listing, order_download: OrderDownload
) -> None:
    # Given a platform with compare-and-set that sold 2 units Kucun has not seen
    shop.platform.compare_and_set = True
    shop.platform.sell(mug_listing.inventory_ref, 2)

    # When Kucun receives 5 and pushes
    receive(site, "MUG", 5)
    sync_drain()

    # Then the orders were downloaded before overwriting, the platform re-read, the quantity
    # computed again (15 − the 2 allocated) and written over the 8 it really held
    assert order_download.calls == [("Memory shop", ["MUG"])]
    attempts = [(level.quantity, level.expected_previous) for level in shop.platform.pushes[1:]]
    assert attempts == [(15, 10), (13, 8)]
    assert held(shop, mug_listing) == 13
    record = StockSyncRecord.objects.filter(listing=mug_listing).first()
    assert record is not None
    assert (record.status, record.quantity, record.previous_quantity) == (
        PushStatus.SUCCEEDED,
        13,
        8,
    )
    assert record.details["stale"] == {
        "platform_quantity": 8,
        "last_pushed_quantity": 10,
        "callbacks_run": 1,
        "quantity_before": 15,
    }
    # The allocation's own change finds the platform already right
    assert sync_drain().queued == 0


def test_a_known_drop_downloads_orders_before_overwriting(
    site: Site, shop: Shop, mug_listing: Listing, order_download: OrderDownload
) -> None:
    # Given a webhook or pull told Kucun the platform now holds 8 (it last pushed 10)
    shop.platform.sell(mug_listing.inventory_ref, 2)
    Listing.objects.filter(pk=mug_listing.pk).update(platform_quantity=8)

    receive(site, "MUG", 5)
    sync_drain()

    assert order_download.calls == [("Memory shop", ["MUG"])]
    assert [level.quantity for level in shop.platform.pushes[1:]] == [13]
    assert held(shop, mug_listing) == 13


def test_a_failure_inside_the_drain_keeps_the_changes_and_the_next_drain_converges(
    site: Site, shop: Shop, mug_listing: Listing, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given changes waiting
    receive(site, "MUG", 5)
    post_issue(1)
    push_now(mug_listing)
    waiting = (AvailabilityChange.objects.count(), ListingChange.objects.count())
    assert waiting == (2, 1)

    # When the drain fails after claiming them, inside its transaction
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the worker died")

    monkeypatch.setattr(sync_service, "stock_records_queue", broken)
    with pytest.raises(RuntimeError):
        sync_drain()

    # Then every change row is still there and nothing was pushed
    assert (AvailabilityChange.objects.count(), ListingChange.objects.count()) == waiting
    assert held(shop, mug_listing) == 10

    # When the next drain runs
    monkeypatch.undo()
    sync_drain()

    # Then the platform converges
    assert held(shop, mug_listing) == 14
    assert (AvailabilityChange.objects.count(), ListingChange.objects.count()) == (0, 0)


def test_records_left_queued_by_a_crash_after_commit_are_sent_by_the_next_drain(
    site: Site, shop: Shop, mug_listing: Listing
) -> None:
    receive(site, "MUG", 5)

    # When the drain commits its records but the process dies before sending them
    sync_drain(send=False)
    assert held(shop, mug_listing) == 10
    assert StockSyncRecord.objects.filter(status=PushStatus.QUEUED).count() == 1

    # Then the next (periodic) drain sends them
    sync_drain()
    assert held(shop, mug_listing) == 15


@pytest.mark.usefixtures("drain_on_commit")
def test_a_committed_change_queues_a_drain_that_pushes(
    site: Site,
    shop: Shop,
    mug_listing: Listing,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # The queue runs tasks inline in tests: the drain runs when the change commits.
    with django_capture_on_commit_callbacks(execute=True):
        receive(site, "MUG", 5)

    assert held(shop, mug_listing) == 15
    assert AvailabilityChange.objects.count() == 0


@pytest.mark.usefixtures("drain_on_commit")
def test_one_queued_drain_is_enough(
    site: Site,
    shop: Shop,
    mug_listing: Listing,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # Given a drain is already queued (its flag set in the queue's store)
    assert HUEY.put_if_empty(DRAIN_QUEUED_KEY, "1", 60)

    # When a change commits: no second drain is queued, the change waits for the first
    with django_capture_on_commit_callbacks(execute=True):
        receive(site, "MUG", 5)
    assert held(shop, mug_listing) == 10
    assert AvailabilityChange.objects.count() == 1

    # When the queued drain runs, it clears the flag first, so the next change queues again
    sync_drain_task()
    assert held(shop, mug_listing) == 15
    with django_capture_on_commit_callbacks(execute=True):
        receive(site, "MUG", 1)
    assert held(shop, mug_listing) == 16


@pytest.mark.usefixtures("drain_on_commit")
def test_a_queue_store_that_cannot_expire_keys_still_drains_on_commit(
    site: Site,
    shop: Shop,
    mug_listing: Listing,
    django_capture_on_commit_callbacks: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # Given the queue's store is huey's SQLite one, which (like Redis before 7.4) cannot
    # give the 'drain queued' flag a lifetime (tasks still run inline, as in every test)
    store = SqliteHuey(
        filename=str(tmp_path / "queue.sqlite3"), immediate=True, immediate_use_memory=False
    )
    monkeypatch.setattr(djhuey, "HUEY", store)

    # When a change commits
    with django_capture_on_commit_callbacks(execute=True):
        receive(site, "MUG", 5)

    # Then its drain was queued and ran (inline here), and cleared the flag it set
    assert held(shop, mug_listing) == 15
    assert AvailabilityChange.objects.count() == 0
    assert store.get(DRAIN_QUEUED_KEY, peek=True) is None


def test_the_periodic_drain_clears_a_flag_whose_drain_was_lost(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given a flag without a lifetime whose drain task never ran
    store = SqliteHuey(filename=str(tmp_path / "queue.sqlite3"))
    monkeypatch.setattr(djhuey, "HUEY", store)
    assert drain_flag_set(store)
    assert not drain_flag_set(store)

    # When the periodic drain runs
    sync_drain_periodic.call_local()

    # Then the next change queues its own drain again
    assert drain_flag_set(store)


@pytest.mark.usefixtures("drain_on_commit")
def test_listings_changed_queues_a_drain(shop: Shop, site: Site, mug: Any) -> None:
    listing = add_listing(shop.store, mug)
    push_now(listing)

    listings_changed.send(sender=Listing, listing_ids=[listing.pk])

    assert held(shop, listing) == 10


def test_turning_sync_back_on_pushes_what_changed_meanwhile(
    site: Site, site_two: Site, shop: Shop, mug_listing: Listing
) -> None:
    # Given sync off while the stock changes
    Store.objects.filter(pk=shop.store.pk).update(inventory_sync=False)
    receive(site, "MUG", 5)
    sync_drain()
    assert held(shop, mug_listing) == 10

    # When sync is turned back on (and the store also sells from SYD, holding 3 more)
    receive(site_two, "MUG", 3)
    store_update(
        actor=owner_user(),
        store=shop.store,
        inventory_sync=True,
        warehouse_ids=[site.warehouse.pk, site_two.warehouse.pk],
    )
    sync_drain()

    # Then
    assert held(shop, mug_listing) == 18
