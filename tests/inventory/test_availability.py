"""Availability changes: recorded by the ledger's writer with every posting, announced after
commit, pruned when old; bundles affected found however deeply they nest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kucun.catalog.selectors import bundles_affected_by
from kucun.core.errors import DomainError
from kucun.inventory.errors import InsufficientStock
from kucun.inventory.models import AvailabilityChange, StockLevel
from kucun.inventory.selectors import availability_changes_after
from kucun.inventory.services import (
    DocumentLineInput,
    StocktakeCountInput,
    TransferLineInput,
    bin_set_sellable,
    document_reverse,
    issue_create,
    receipt_create,
    stock_allocate,
    stock_release,
    stocktake_count,
    stocktake_create,
    stocktake_post,
    transfer_create,
    transfer_post,
    transfer_receive,
)
from kucun.inventory.services.availability import availability_changes_prune
from kucun.inventory.services.order_allocations import (
    AllocationLineInput,
    allocation_consume,
    allocation_release,
    stock_allocate_order,
)
from kucun.inventory.signals import availability_changed
from kucun.inventory.tasks import availability_changes_clean
from tests.inventory.conftest import Site, build_bundle, build_item, build_site, receive

Pair = tuple[int, int]


def available_by_pair() -> dict[Pair, int]:
    return {
        (item, warehouse): sellable - allocated
        for item, warehouse, sellable, allocated in StockLevel.objects.values_list(
            "item_id", "warehouse_id", "sellable_on_hand", "allocated"
        )
    }


def recorded_after(watermark: int) -> set[Pair]:
    return {
        (change.item_id, change.warehouse_id)
        for change in availability_changes_after(watermark, limit=10_000)
    }


def last_id() -> int:
    return AvailabilityChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def announcements() -> Iterator[list[list[Pair]]]:
    sent: list[list[Pair]] = []

    def receiver(sender: Any, pairs: list[Pair], **_kwargs: Any) -> None:
        sent.append(list(pairs))

    availability_changed.connect(receiver)
    yield sent
    availability_changed.disconnect(receiver)


def test_every_stock_service_records_exactly_the_pairs_whose_available_changed(
    site: Site,
    other_site: Site,
    announcements: list[list[Pair]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Given stock in two warehouses, when each stock service runs, then the pairs recorded
    (and announced once, after commit) are exactly those whose available quantity changed."""
    widget = build_item("W-1")
    gadget = build_item("G-1")
    build_bundle("KIT", [(widget, 2), (gadget, 1)])
    receive(site, "W-1", 20, "S-01")
    receive(site, "G-1", 10, "S-01")
    transit = transfer_create(
        user=None,
        warehouse="MEL",
        to_warehouse="SYD",
        lines=[TransferLineInput("W-1", 3, "S-01", "P-01")],
    )
    stocktake = stocktake_create(user=None, warehouse="MEL", bins=["S-01"])
    stocktake_count(
        user=None, stocktake_id=stocktake.pk, counts=[StocktakeCountInput("S-01", "G-1", 8)]
    )
    to_reverse = issue_create(
        user=None, warehouse="MEL", kind="other", lines=[DocumentLineInput("G-1", 1)], post=True
    )
    mel, syd = site.warehouse.pk, other_site.warehouse.pk

    steps: list[tuple[str, Callable[[], object], set[Pair]]] = [
        (
            "receipt post",
            lambda: receipt_create(
                user=None,
                warehouse="MEL",
                kind="purchase",
                lines=[DocumentLineInput("W-1", 4, "P-01"), DocumentLineInput("G-1", 2, "P-01")],
                post=True,
            ),
            {(widget.pk, mel), (gadget.pk, mel)},
        ),
        (
            "issue post",
            lambda: issue_create(
                user=None,
                warehouse="MEL",
                kind="other",
                lines=[DocumentLineInput("W-1", 1, "P-01")],
                post=True,
            ),
            {(widget.pk, mel)},
        ),
        (
            "transfer between two sellable bins",
            lambda: transfer_create(
                user=None,
                warehouse="MEL",
                lines=[TransferLineInput("W-1", 2, "S-01", "S-02")],
                post=True,
            ),
            set(),
        ),
        (
            "transfer into an unsellable bin",
            lambda: transfer_create(
                user=None,
                warehouse="MEL",
                lines=[TransferLineInput("W-1", 1, "S-01", "Q-01")],
                post=True,
            ),
            {(widget.pk, mel)},
        ),
        (
            "transfer between warehouses shipped",
            lambda: transfer_post(user=None, transfer_id=transit.pk),
            {(widget.pk, mel)},
        ),
        (
            "transfer between warehouses received",
            lambda: transfer_receive(user=None, transfer_id=transit.pk),
            {(widget.pk, syd)},
        ),
        (
            "stocktake post",
            lambda: stocktake_post(user=None, stocktake_id=stocktake.pk),
            {(gadget.pk, mel)},
        ),
        (
            "reversal",
            lambda: document_reverse(user=None, kind="issue", document_id=to_reverse.pk),
            {(gadget.pk, mel)},
        ),
        (
            "allocate",
            lambda: stock_allocate(reference="order:a", sku="KIT", warehouse="MEL", qty=2),
            {(widget.pk, mel), (gadget.pk, mel)},
        ),
        (
            "release part",
            lambda: allocation_release(reference="order:a", qty=1),
            {(widget.pk, mel), (gadget.pk, mel)},
        ),
        (
            "allocate a whole order",
            lambda: stock_allocate_order(
                lines=[AllocationLineInput("order:b:1", "W-1", 4)], warehouses=["SYD", "MEL"]
            ),
            {(widget.pk, mel)},
        ),
        (
            # Shipping allocated stock lowers sellable and allocated alike: available is as
            # before, so nothing is recorded.
            "consume",
            lambda: allocation_consume(reference="order:b:1", qty=3),
            set(),
        ),
        (
            "release the rest",
            lambda: stock_release(reference="order:b:1"),
            {(widget.pk, mel)},
        ),
        (
            "bin made unsellable",
            # P-01 holds gadgets only by now (its widgets were shipped).
            lambda: bin_set_sellable(user=None, bin_id=site.bins["P-01"].pk, sellable=False),
            {(gadget.pk, mel)},
        ),
        (
            "bin made sellable again",
            lambda: bin_set_sellable(user=None, bin_id=site.bins["P-01"].pk, sellable=True),
            {(gadget.pk, mel)},
        ),
    ]
    for name, step, expected in steps:
        before = available_by_pair()
        watermark = last_id()
        announcements.clear()
        with django_capture_on_commit_callbacks(execute=True):
            step()
        after = available_by_pair()
        changed = {pair for pair in before | after if before.get(pair, 0) != after.get(pair, 0)}
        assert changed == expected, name
        assert recorded_after(watermark) == changed, name
        assert announcements == ([sorted(changed)] if changed else []), name


def test_a_refused_posting_records_and_announces_nothing(
    site: Site, announcements: list[list[Pair]], django_capture_on_commit_callbacks: Any
) -> None:
    build_item("W-1")
    receive(site, "W-1", 2, "S-01")
    watermark = last_id()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InsufficientStock):
        issue_create(
            user=None,
            warehouse="MEL",
            kind="other",
            lines=[DocumentLineInput("W-1", 3, "S-01")],
            post=True,
        )
    assert last_id() == watermark
    assert announcements == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_records_nothing_and_a_committed_one_is_announced_once(
    announcements: list[list[Pair]],
) -> None:
    site = build_site("MEL")
    widget = build_item("W-1")

    def change_then_fail() -> None:
        with transaction.atomic():
            receive(site, "W-1", 5, "S-01")
            stock_allocate(reference="order:1", sku="W-1", warehouse="MEL", qty=2)
            assert announcements == []  # nothing before commit
            raise DomainError(detail="changed my mind")

    with pytest.raises(DomainError):
        change_then_fail()
    assert AvailabilityChange.objects.count() == 0
    assert announcements == []
    with transaction.atomic():
        receive(site, "W-1", 5, "S-01")
        stock_allocate(reference="order:1", sku="W-1", warehouse="MEL", qty=2)
        assert announcements == []
    # Each service ran in a savepoint of the caller's transaction: each is announced once,
    # after that transaction commits.
    assert announcements == [[(widget.pk, site.warehouse.pk)]] * 2
    assert AvailabilityChange.objects.count() == 2
    announcements.clear()
    stock_release(reference="order:1")  # its own transaction
    assert announcements == [[(widget.pk, site.warehouse.pk)]]


def test_recording_a_posting_is_one_statement(site: Site) -> None:
    build_item("W-1")
    build_item("G-1")
    receive(site, "W-1", 5, "S-01")
    with CaptureQueriesContext(connection) as context:
        receipt_create(
            user=None,
            warehouse="MEL",
            kind="purchase",
            lines=[DocumentLineInput("W-1", 1, "P-01"), DocumentLineInput("G-1", 1, "P-01")],
            post=True,
        )
    table = AvailabilityChange._meta.db_table
    touching = [query["sql"] for query in context.captured_queries if table in query["sql"]]
    assert len(touching) == 1
    assert AvailabilityChange.objects.count() == 3  # 1 from the first receipt, 2 from this


def test_consumers_read_after_a_watermark_and_old_rows_are_pruned(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    first = last_id()
    receive(site, "W-1", 5, "S-01")
    newer = availability_changes_after(first)
    assert [(change.item_id, change.warehouse_id) for change in newer] == [
        (widget.pk, site.warehouse.pk)
    ]
    assert availability_changes_after(newer[0].pk) == []
    AvailabilityChange.objects.filter(pk=first).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    assert availability_changes_prune(keep_days=7) == 1
    assert list(AvailabilityChange.objects.values_list("pk", flat=True)) == [newer[0].pk]
    AvailabilityChange.objects.update(created_at=timezone.now() - timedelta(days=8))
    assert availability_changes_clean.call_local() == 1  # the nightly task, 7 days kept
    assert AvailabilityChange.objects.count() == 0


def test_bundles_affected_by_finds_bundles_of_bundles(db: None) -> None:
    widget = build_item("W-1")
    gadget = build_item("G-1")
    loose = build_item("L-1")
    pair = build_bundle("PAIR", [(widget, 2)])
    kit = build_bundle("KIT", [(pair, 1), (gadget, 1)])
    crate = build_bundle("CRATE", [(kit, 3)])
    other = build_bundle("OTHER", [(loose, 1)])
    assert bundles_affected_by([widget.pk]) == {pair.pk, kit.pk, crate.pk}
    assert bundles_affected_by([gadget.pk]) == {kit.pk, crate.pk}
    assert bundles_affected_by([widget.pk, loose.pk]) == {pair.pk, kit.pk, crate.pk, other.pk}
    assert bundles_affected_by([crate.pk]) == set()
