"""Races with real threads, each on its own database connection (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from kucun.core.models import IdempotencyRecord
from kucun.inventory.errors import DocumentNotEditable, InsufficientStock
from kucun.inventory.models import Allocation, Receipt, StockLevel, StockMove
from kucun.inventory.services import (
    DocumentLineInput,
    issue_create,
    receipt_create,
    receipt_post,
    stock_allocate,
)
from tests.inventory.conftest import Site, build_bundle, build_item, build_site, receive
from tests.inventory.ledger_checks import assert_ledger_consistent

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]


def run_together(workers: list[Callable[[], Any]]) -> list[Any]:
    """Start every worker at the same moment; return each result or the exception it raised."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(index: int, work: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, work)) for index, work in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results


@pytest.fixture
def race_site() -> Site:
    return build_site("MEL")


def test_concurrent_allocations_for_the_last_units(race_site: Site) -> None:
    widget = build_item("W-1")
    receive(race_site, "W-1", 3, "S-01")
    workers = [
        (lambda n=n: stock_allocate(reference=f"order:{n}", sku="W-1", warehouse="MEL", qty=1))
        for n in range(8)
    ]
    results = run_together(workers)
    succeeded = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert len(succeeded) == 3, results
    assert len(refused) == 5, results
    level = StockLevel.objects.get(item=widget)
    assert (level.allocated, level.sellable_on_hand) == (3, 3)
    assert Allocation.objects.count() == 3
    assert_ledger_consistent()


def test_concurrent_receipts_add_up(race_site: Site) -> None:
    widget = build_item("W-1")
    workers = [
        (lambda n=n: [receive(race_site, "W-1", n + 1, "P-01") for _ in range(3)]) for n in range(6)
    ]
    results = run_together(workers)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert StockLevel.objects.get(item=widget).on_hand == 3 * sum(n + 1 for n in range(6))
    assert StockMove.objects.count() == 18
    assert_ledger_consistent()


def test_receipts_issues_and_allocations_of_one_item_at_once(race_site: Site) -> None:
    """A one-item receipt writes its level with an upsert (no lock taken first) while issues
    and allocations lock the same level, check, then write: all finish, nothing drifts."""
    widget = build_item("W-1")
    receive(race_site, "W-1", 20, "P-01")  # enough for every issue and allocation at once

    def receive_five(bin_code: str) -> int:
        for _ in range(5):
            receive(race_site, "W-1", 1, bin_code)
        return 5

    def ship_five() -> int:
        for _ in range(5):
            issue_create(
                user=None,
                warehouse="MEL",
                kind="other",
                lines=[DocumentLineInput("W-1", 1)],
                post=True,
            )
        return -5

    def allocate(n: int) -> int:
        stock_allocate(reference=f"order:{n}", sku="W-1", warehouse="MEL", qty=1)
        return 0

    results = run_together(
        [
            lambda: receive_five("P-01"),
            lambda: receive_five("S-01"),
            ship_five,
            ship_five,
            lambda: allocate(1),
            lambda: allocate(2),
        ]
    )
    assert results == [5, 5, -5, -5, 0, 0], results
    level = StockLevel.objects.get(item=widget)
    assert (level.on_hand, level.allocated) == (20, 2)
    assert StockMove.objects.count() == 1 + 10 + 10
    assert_ledger_consistent()


def test_opposite_lock_order_both_finish(race_site: Site) -> None:
    build_item("X")
    build_item("Y")
    receive(race_site, "X", 100, "S-01")
    receive(race_site, "Y", 100, "S-01")

    def ship(first: str, second: str) -> int:
        for _ in range(5):
            issue_create(
                user=None,
                warehouse="MEL",
                kind="other",
                lines=[DocumentLineInput(first, 1), DocumentLineInput(second, 1)],
                post=True,
            )
        return 5

    results = run_together([lambda: ship("X", "Y"), lambda: ship("Y", "X")])
    assert results == [5, 5]
    assert list(StockLevel.objects.order_by("item__sku").values_list("on_hand", flat=True)) == [
        90,
        90,
    ]
    assert_ledger_consistent()


def test_opposite_bundles_allocate_without_deadlock(race_site: Site) -> None:
    x = build_item("X")
    y = build_item("Y")
    build_bundle("XY", [(x, 1), (y, 1)])
    build_bundle("YX", [(y, 1), (x, 1)])
    receive(race_site, "X", 50, "S-01")
    receive(race_site, "Y", 50, "S-01")

    def allocate(sku: str) -> int:
        for n in range(5):
            stock_allocate(reference=f"{sku}:{n}", sku=sku, warehouse="MEL", qty=2)
        return 5

    assert run_together([lambda: allocate("XY"), lambda: allocate("YX")]) == [5, 5]
    assert sorted(StockLevel.objects.values_list("allocated", flat=True)) == [20, 20]
    assert_ledger_consistent()


def test_same_idempotency_key_from_two_threads_posts_once(race_site: Site) -> None:
    widget = build_item("W-1")

    def post() -> int:
        return receipt_create(
            user=None,
            warehouse="MEL",
            kind="purchase",
            lines=[DocumentLineInput("W-1", 5, "S-01")],
            post=True,
            idempotency_key="same-key",
        ).pk

    results = run_together([post, post, post, post])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert Receipt.objects.count() == 1
    assert StockMove.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert StockLevel.objects.get(item=widget).on_hand == 5


def test_posting_the_same_draft_twice_at_once_posts_it_once(race_site: Site) -> None:
    widget = build_item("W-1")
    draft = receipt_create(
        user=None,
        warehouse="MEL",
        kind="purchase",
        lines=[DocumentLineInput("W-1", 4, "S-01")],
    )
    results = run_together([lambda: receipt_post(user=None, receipt_id=draft.pk)] * 4)
    posted = [r for r in results if isinstance(r, Receipt)]
    refused = [r for r in results if isinstance(r, DocumentNotEditable)]
    assert (len(posted), len(refused)) == (1, 3), results
    assert StockMove.objects.count() == 1
    assert StockLevel.objects.get(item=widget).on_hand == 4
    assert_ledger_consistent()


def test_two_whole_orders_compete_for_the_last_units(race_site: Site) -> None:
    """Each order needs 2 of W-1 and 1 of G-1 (the kit's widget and a loose one); there is
    stock for one: exactly one order is allocated, whole, and the other nothing."""
    from kucun.inventory.services.order_allocations import (
        AllocationLineInput,
        stock_allocate_order,
    )

    widget = build_item("W-1")
    gadget = build_item("G-1")
    build_bundle("KIT", [(widget, 1), (gadget, 1)])
    build_site("SYD")
    receive(race_site, "W-1", 3, "S-01")
    receive(race_site, "G-1", 1, "P-01")
    workers = [
        (
            lambda n=n: stock_allocate_order(
                lines=[
                    AllocationLineInput(f"order:shop:{n}:1", "KIT", 1),
                    AllocationLineInput(f"order:shop:{n}:2", "W-1", 1),
                ],
                warehouses=["SYD", "MEL"],
            )
        )
        for n in range(2)
    ]
    results = run_together(workers)
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    won = [r for r in results if not isinstance(r, Exception)]
    assert (len(won), len(refused)) == (1, 1), results
    assert won[0].warehouse == race_site.warehouse
    assert len(won[0].allocations) == 3
    assert StockLevel.objects.get(item=widget, warehouse=race_site.warehouse).allocated == 2
    assert StockLevel.objects.get(item=gadget, warehouse=race_site.warehouse).allocated == 1
    assert len({a.reference.split(":")[2] for a in Allocation.objects.all()}) == 1
    assert_ledger_consistent()
