"""Pisell mappers against the payloads written in integrations/pisell.md §2."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kucun.channels.adapters.base import ListingRef, PushResult, PushStatus, StockLevel
from kucun.channels.adapters.pisell import mappers

FIXTURES = Path(__file__).parent / "fixtures"


def golden(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def test_a_product_variant_becomes_a_listing() -> None:
    product = golden("products_list")["data"][0]
    listings = list(mappers.listings_from_product(product))
    assert listings == [
        ListingRef(
            inventory_ref="v_5001",
            sku="TREAT-43G",
            product_ref="p_1001",
            variant_ref="v_5001",
            barcode="9300000000017",
            title="Dog Treats",
            variant_title="43g",
            quantity=12,
            active=True,
            updated_at=datetime(2025, 5, 1, 2, 3, 4, tzinfo=UTC),
        )
    ]
    assert listings[0].raw == product["variants"][0]


def test_a_draft_or_archived_product_is_not_active() -> None:
    product = {**golden("products_list")["data"][0], "status": "archived"}
    assert [listing.active for listing in mappers.listings_from_product(product)] == [False]


def test_a_stock_level_is_written_as_the_documented_item() -> None:
    level = StockLevel(
        inventory_ref="v_5001",
        sku="TREAT-43G",
        quantity=7,
        location_ref="loc_main",
        expected_previous=12,
    )
    assert {"items": [mappers.level_item(level)]} == golden("inventory_levels_set_request")


def test_the_default_location_is_used_when_the_level_names_none() -> None:
    level = StockLevel(inventory_ref="v_1", sku="A", quantity=3)
    assert mappers.level_item(level) == {"sku": "A", "quantity": 3}
    assert mappers.level_item(level, "loc_2") == {"sku": "A", "quantity": 3, "location_id": "loc_2"}


def test_the_documented_answer_gives_one_result_per_level() -> None:
    levels = [
        StockLevel("v_5001", "TREAT-43G", 7, location_ref="loc_main", expected_previous=12),
        StockLevel("v_9", "X", 1),
    ]
    assert mappers.push_results(levels, golden("inventory_levels_set_response")) == [
        PushResult(
            "v_5001", "TREAT-43G", PushStatus.SUCCEEDED, previous_quantity=12, current_quantity=7
        ),
        PushResult("v_9", "X", PushStatus.FAILED, error="unknown_sku: …"),
    ]


def test_a_stale_quantity_is_stale_and_a_missing_answer_failed() -> None:
    levels = [StockLevel("v_1", "A", 5, expected_previous=4), StockLevel("v_2", "B", 1)]
    answer = {
        "results": [
            {"sku": "A", "status": "error", "code": "stale_quantity", "message": "is 6"},
        ]
    }
    assert mappers.push_results(levels, answer) == [
        PushResult("v_1", "A", PushStatus.STALE, error="stale_quantity: is 6"),
        PushResult(
            "v_2", "B", PushStatus.FAILED, error="the platform's answer does not mention this SKU"
        ),
    ]


def test_times_with_and_without_an_offset() -> None:
    assert mappers.parse_time("2025-05-01T02:03:04Z") == datetime(2025, 5, 1, 2, 3, 4, tzinfo=UTC)
    melbourne = mappers.parse_time("02/May/2026 15:18:51", "Australia/Melbourne")
    assert melbourne == datetime(2026, 5, 2, 5, 18, 51, tzinfo=UTC)
    assert mappers.parse_time("not a time") is None
    assert mappers.format_time(datetime(2025, 5, 1, 2, 3, 4, tzinfo=UTC)) == "2025-05-01T02:03:04Z"


def test_a_push_retried_by_its_caller_keeps_its_idempotency_key() -> None:
    keyed = [
        StockLevel("v_1", "A", 1, idempotency_key="k1"),
        StockLevel("v_2", "B", 2, idempotency_key="k2"),
    ]
    assert mappers.chunk_idempotency_key(keyed) == mappers.chunk_idempotency_key(keyed)
    unkeyed = [StockLevel("v_1", "A", 1)]
    assert mappers.chunk_idempotency_key(unkeyed) != mappers.chunk_idempotency_key(unkeyed)
