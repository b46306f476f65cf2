"""Replay the ledger and compare it with every stored balance."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Sum

from kucun.inventory.models import Allocation, BinStock, StockLevel, StockMoveLine
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location


def snapshot() -> dict[str, Any]:
    """Every balance and allocation, to prove a refused operation changed nothing."""
    return {
        "bins": sorted(BinStock.objects.values_list("item_id", "location_id", "on_hand")),
        "levels": sorted(
            StockLevel.objects.filter(on_hand__gt=0).values_list(
                "item_id", "warehouse_id", "on_hand", "sellable_on_hand", "allocated"
            )
        )
        + sorted(StockLevel.objects.filter(allocated__gt=0).values_list("item_id", "warehouse_id")),
        "allocations": sorted(Allocation.objects.values_list("reference", "item_id", "qty")),
        "move_lines": StockMoveLine.objects.count(),
    }


def assert_ledger_consistent() -> None:
    locations = {
        row["pk"]: row for row in Location.objects.values("pk", "kind", "warehouse_id", "sellable")
    }
    per_location: dict[tuple[int, int], int] = defaultdict(int)
    for item_id, from_id, to_id, qty in StockMoveLine.objects.values_list(
        "item_id", "from_location_id", "to_location_id", "qty"
    ):
        per_location[(item_id, from_id)] -= qty
        per_location[(item_id, to_id)] += qty
    # Per item, the ledger sums to zero over all locations, virtual ones included.
    per_item: dict[int, int] = defaultdict(int)
    for (item_id, _location), qty in per_location.items():
        per_item[item_id] += qty
    assert all(total == 0 for total in per_item.values()), per_item

    expected_bins = {
        pair: qty
        for pair, qty in per_location.items()
        if locations[pair[1]]["kind"] == LocationKind.INTERNAL and qty != 0
    }
    stored_bins = {
        (item_id, location_id): on_hand
        for item_id, location_id, on_hand in BinStock.objects.values_list(
            "item_id", "location_id", "on_hand"
        )
        if on_hand != 0
    }
    assert stored_bins == expected_bins
    assert not BinStock.objects.filter(on_hand__lt=0).exists()

    expected_levels: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (item_id, location_id), qty in expected_bins.items():
        location = locations[location_id]
        level = expected_levels[(item_id, location["warehouse_id"])]
        level[0] += qty
        if location["sellable"]:
            level[1] += qty
    for row in Allocation.objects.values(
        "item_id", "stock_level__warehouse_id", "stock_level__item_id"
    ).annotate(total=Sum("qty")):
        assert row["item_id"] == row["stock_level__item_id"]
        expected_levels[(row["item_id"], row["stock_level__warehouse_id"])][2] += row["total"]
    stored_levels = {
        (item_id, warehouse_id): [on_hand, sellable, allocated]
        for item_id, warehouse_id, on_hand, sellable, allocated in StockLevel.objects.values_list(
            "item_id", "warehouse_id", "on_hand", "sellable_on_hand", "allocated"
        )
        if on_hand or sellable or allocated
    }
    assert stored_levels == {pair: value for pair, value in expected_levels.items() if any(value)}
    for on_hand, sellable, allocated in stored_levels.values():
        assert 0 <= allocated <= sellable <= on_hand
