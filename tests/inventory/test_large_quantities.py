"""Balances are 64-bit; one line carries at most MAX_LINE_QTY units and a larger one is refused
by the services, naming the line, before the database sees it."""

from __future__ import annotations

from typing import Any

import pytest

from kucun.inventory.models import (
    BinStock,
    Receipt,
    StockLevel,
    StockMove,
    StockMoveLine,
    Stocktake,
)
from kucun.inventory.services.lookups import MAX_LINE_QTY
from tests.inventory.conftest import Site, build_item

BILLION = 10**9


def receipt_body(qty: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "warehouse": "MEL",
        "kind": "purchase",
        "lines": [{"sku": "W-1", "qty": qty, "bin": "S-01"}],
        "post": True,
    }
    body.update(overrides)
    return body


def test_the_documented_maximum_is_a_billion() -> None:
    assert MAX_LINE_QTY == BILLION


def test_three_receipts_of_a_billion_make_a_balance_of_three_billion(
    site: Site, staff_api: Any
) -> None:
    widget = build_item("W-1")
    for _ in range(3):
        response = staff_api.post("/api/v1/receipts", receipt_body(BILLION))
        assert response.status_code == 201, response.json()
    level = StockLevel.objects.get(item=widget, warehouse=site.warehouse)
    assert (level.on_hand, level.sellable_on_hand, level.allocated) == (3 * BILLION,) * 2 + (0,)
    assert BinStock.objects.get(item=widget, location=site.bins["S-01"]).on_hand == 3 * BILLION
    stock = staff_api.get("/api/v1/stock", {"q": "W-1"}).json()["items"][0]
    assert (stock["on_hand"], stock["available"]) == (3 * BILLION, 3 * BILLION)


def test_a_stocktake_of_a_three_billion_bin_expects_and_adjusts_in_64_bits(
    site: Site, staff_api: Any
) -> None:
    build_item("W-1")
    for _ in range(3):
        assert staff_api.post("/api/v1/receipts", receipt_body(BILLION)).status_code == 201
    started = staff_api.post("/api/v1/stocktakes", {"warehouse": "MEL", "bins": ["S-01"]})
    assert started.status_code == 201, started.json()
    stocktake = Stocktake.objects.get(pk=started.json()["id"])
    assert stocktake.lines.get().expected_at_count == 3 * BILLION
    counted = staff_api.put(
        f"/api/v1/stocktakes/{stocktake.pk}/counts",
        {"counts": [{"sku": "W-1", "bin": "S-01", "counted": 0}]},
    )
    assert counted.status_code == 200, counted.json()
    posted = staff_api.post(f"/api/v1/stocktakes/{stocktake.pk}/post")
    assert posted.status_code == 200, posted.json()
    adjustment = StockMoveLine.objects.filter(move__kind="stocktake").get()
    assert adjustment.qty == 3 * BILLION
    assert StockLevel.objects.get(warehouse=site.warehouse).on_hand == 0


@pytest.mark.parametrize("qty", [10**12, MAX_LINE_QTY + 1])
def test_a_line_above_the_maximum_is_refused_naming_the_field_and_nothing_is_written(
    site: Site, staff_api: Any, qty: int
) -> None:
    build_item("W-1")
    lines = [{"sku": "W-1", "qty": 5}, {"sku": "W-1", "qty": qty, "bin": "S-01"}]
    response = staff_api.post("/api/v1/receipts", receipt_body(qty, lines=lines))
    assert response.status_code == 422
    message = "must be at most 1,000,000,000 units on one line"
    assert response.json() == {
        "detail": f"lines[1].qty: {message}",
        "errors": [{"field": "lines[1].qty", "message": message}],
    }
    assert Receipt.objects.count() == 0
    assert StockMove.objects.count() == 0
    assert StockLevel.objects.count() == 0
    assert BinStock.objects.count() == 0


def test_transfers_and_allocations_refuse_the_same_way(site: Site, staff_api: Any) -> None:
    build_item("W-1")
    transfer = staff_api.post(
        "/api/v1/transfers",
        {
            "warehouse": "MEL",
            "lines": [{"sku": "W-1", "qty": 10**12, "from_bin": "S-01", "to_bin": "S-02"}],
        },
    )
    assert transfer.status_code == 422
    assert [error["field"] for error in transfer.json()["errors"]] == ["lines[0].qty"]
    allocation = staff_api.post(
        "/api/v1/allocations",
        {"reference": "SO-1", "sku": "W-1", "warehouse": "MEL", "qty": 10**12},
    )
    assert allocation.status_code == 422
    assert [error["field"] for error in allocation.json()["errors"]] == ["qty"]
    assert StockMove.objects.count() == 0
