"""Kogan payloads copied from integrations/kogan.md, mapped field for field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kucun.channels.adapters.base import ListingRef, StockLevel
from kucun.channels.adapters.kogan.mappers import (
    TaskRef,
    changed_since,
    follow_path,
    listing_from_product,
    local_refusal,
    sku_errors,
    split_task_ref,
    stock_update_item,
    task_ref,
    throttle_seconds,
)

FIXTURES = Path(__file__).parent / "fixtures"


def golden(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_a_product_of_the_listing_is_one_listing() -> None:
    [product] = golden("products_get.response.json")["body"]["results"]
    listing = listing_from_product(product)
    assert listing == ListingRef(
        inventory_ref="ABC-123",
        sku="ABC-123",
        product_ref="ABC-123",
        barcode="9300000000000",
        title="…",
        quantity=12,
        active=True,
        updated_at=None,
    )
    assert listing.raw["offer_data"]["AUD"]["price"] == "49.95"


def test_a_disabled_product_without_stock_or_gtin() -> None:
    listing = listing_from_product(
        {"product_sku": "X-1", "product_title": "X", "enabled": False, "product_gtin": None}
    )
    assert (listing.active, listing.quantity, listing.barcode) == (False, None, "")


def test_the_stock_update_body_is_the_documented_array_shape() -> None:
    sample = golden("products_stock_price_update.request.json")
    levels = [StockLevel("ABC-123", "ABC-123", 7), StockLevel("ABC-456", "ABC-456", 0)]
    sent = [stock_update_item(level) for level in levels]
    # The stock fields are the sample's; the price offer is not ours to send.
    assert sent == [{key: item[key] for key in ("product_sku", "stock")} for item in sample]


def test_task_errors_name_their_skus() -> None:
    payload = golden("task_get.complete_with_errors.response.json")
    assert sku_errors(payload) == {"ABC-456": "Unknown product (unknown_sku)"}
    assert sku_errors({"errors": [{"sku": "A", "error": "bad"}]}) == {"A": "bad"}
    assert sku_errors(None) == {}


def test_the_throttle_figure_is_read_from_the_detail() -> None:
    assert throttle_seconds(golden("throttled.response.json")) == 48.0
    assert throttle_seconds({"detail": "Authentication credentials were not provided."}) is None


def test_a_task_ref_names_its_listing_and_quantity() -> None:
    url = golden("products_stock_price_update.response.json")["pending_url"]
    ref = task_ref(url, StockLevel("ABC 1&2", "ABC 1&2", 7))
    assert ref == url + "#ref=ABC+1%262&stock=7"
    assert split_task_ref(ref) == TaskRef(url, "ABC 1&2", "ABC 1&2", 7)
    other = task_ref(url, StockLevel("K-9", "OURS-9", 0))
    assert split_task_ref(other) == TaskRef(url, "K-9", "OURS-9", 0)
    assert split_task_ref(url) == TaskRef(url, "", "", None)


def test_an_update_time_is_kept_when_kogan_sends_one() -> None:
    since = datetime(2026, 5, 1, tzinfo=UTC)
    newer = listing_from_product({"product_sku": "N", "updated_at": "2026-05-01T00:00:00Z"})
    older = listing_from_product({"product_sku": "O", "updated_at": "2026-04-30T23:59:59Z"})
    unknown = listing_from_product({"product_sku": "U"})
    assert newer.updated_at == since
    assert [changed_since(x, since) for x in (newer, older, unknown)] == [True, False, True]


def test_local_refusals() -> None:
    assert local_refusal(StockLevel("A" * 46, "A", 1)) == (
        "Kogan product SKUs are at most 45 characters."
    )
    assert local_refusal(StockLevel("A", "A", -1)) == "Kogan stock cannot be negative."
    assert local_refusal(StockLevel("A" * 45, "A", 0)) == ""


def test_urls_handed_back_stay_on_the_stores_host() -> None:
    root = "http://127.0.0.1:8000/sandbox/kogan/api/marketplace/v2/"
    base = "http://127.0.0.1:8000/sandbox/kogan"
    own = "http://127.0.0.1:8000/sandbox/kogan/api/marketplace/v2/products/?cursor=x"
    assert follow_path(own, base, root) == own
    foreign = "https://elsewhere.example/api/marketplace/v2/task/9/?a=1"
    assert follow_path(foreign, base, root) == root + "task/9/?a=1"
