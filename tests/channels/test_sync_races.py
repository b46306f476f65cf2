"""Drains racing each other and stock changes, with real threads on their own connections:
every change is claimed exactly once and the platforms end up holding Kucun's figures."""

from __future__ import annotations

import random
from typing import Any

import pytest

from kucun.channels.models import Listing, StockSyncRecord
from kucun.channels.quantities import listing_quantities
from kucun.channels.services import sync as sync_service
from kucun.channels.services.sync import sync_drain
from kucun.inventory.models import AvailabilityChange
from tests.channels.conftest import Shop, add_listing
from tests.inventory.conftest import Site, build_item, receive
from tests.inventory.test_races import run_together

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]

ITEMS = 5
RECEIPTS_PER_WORKER = 8


@pytest.mark.usefixtures("drain_on_commit")
def test_concurrent_drains_claim_each_change_once_and_converge(
    site: Site, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every drain counts what it claims (each receipt's commit also starts one, inline)
    claimed: list[int] = []
    original = sync_service.claim_rows

    def counting(model: Any, columns: Any, limit: int) -> list[Any]:
        rows = original(model, columns, limit)
        if model is AvailabilityChange:
            claimed.append(len(rows))
        return rows

    monkeypatch.setattr(sync_service, "claim_rows", counting)

    # Given 5 items listed, nothing in stock
    items = [build_item(f"CUP-{number}") for number in range(ITEMS)]
    listings = [add_listing(shop.store, item) for item in items]

    def receiver(seed: int) -> int:
        chooser = random.Random(seed)
        for _receipt in range(RECEIPTS_PER_WORKER):
            receive(site, chooser.choice(items).sku, chooser.randint(1, 5))
        return 0

    def drainer() -> int:
        for _round in range(6):
            sync_drain()
        return 0

    # When receipts and drains run at once
    results: list[Any] = run_together(
        [*(lambda n=n: receiver(n) for n in range(3)), *(drainer for _n in range(3))]
    )
    assert not [result for result in results if isinstance(result, Exception)], results
    sync_drain()

    # Then each of the 24 changes was claimed by exactly one drain
    assert sum(claimed) == 3 * RECEIPTS_PER_WORKER
    assert AvailabilityChange.objects.count() == 0
    # and every platform quantity is Kucun's
    expected = listing_quantities(
        list(
            Listing.objects.filter(pk__in=[listing.pk for listing in listings]).select_related(
                "store", "item"
            )
        )
    )
    held = {listing.pk: shop.platform.quantities[listing.inventory_ref] for listing in listings}
    assert held == expected
    assert not StockSyncRecord.objects.filter(status__in=["queued", "sending"]).exists()
