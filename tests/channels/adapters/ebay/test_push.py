"""push_stock: the exact body of bulkUpdatePriceQuantity, chunks of 25, per-SKU outcomes.

Unit tests over httpx.MockTransport, not integration tests (see test_client.py)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kucun.channels.adapters.base import PushResult, PushStatus, StockLevel, Unavailable
from tests.channels.adapters.ebay.fakes import FakeEbay, ebay_json, fixture, make_channel

BULK = "/sell/inventory/v1/bulk_update_price_quantity"
OFFERS = "/sell/inventory/v1/offer"


def _offer_per_sku(request: httpx.Request) -> httpx.Response:
    """SKU-n has offer 10000000n on EBAY_AU; SKUs starting NOOFFER have none (eBay's 404)."""
    sku = request.url.params["sku"]
    if sku.startswith("NOOFFER"):
        return ebay_json(
            404, {"errors": [{"errorId": 25713, "message": "This Offer is not available."}]}
        )
    number = int(sku.rsplit("-", 1)[1])
    return ebay_json(
        200,
        {
            "total": 1,
            "offers": [
                {
                    "offerId": str(1_000_000_000 + number),
                    "sku": sku,
                    "marketplaceId": "EBAY_AU",
                    "status": "PUBLISHED",
                    "listing": {"listingId": str(110_000_000_000 + number)},
                }
            ],
        },
    )


def _all_succeed(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    return ebay_json(
        200,
        {
            "responses": [
                {"statusCode": 200, "sku": entry["sku"], "errors": [], "warnings": []}
                for entry in body["requests"]
            ]
        },
    )


def _bodies(fake: FakeEbay) -> list[dict[str, Any]]:
    return [json.loads(request.content) for request in fake.calls("POST", BULK)]


def test_the_body_sent_is_exactly_the_documented_request() -> None:
    fake = FakeEbay().on(
        "GET",
        OFFERS,
        ebay_json(
            200,
            {"offers": [{"offerId": "1234567890", "sku": "SKU-1", "marketplaceId": "EBAY_AU"}]},
        ),
    )
    fake.on("POST", BULK, ebay_json(200, fixture("bulkUpdatePriceQuantity.response.json")))

    results = make_channel(fake).push_stock([StockLevel("SKU-1", "SKU-1", 7)])

    (request,) = fake.calls("POST", BULK)
    assert json.loads(request.content) == fixture("bulkUpdatePriceQuantity.request.json")
    assert results == [PushResult("SKU-1", "SKU-1", PushStatus.SUCCEEDED, current_quantity=7)]


def test_sixty_levels_go_in_chunks_of_25_25_and_10_with_one_result_each_in_order() -> None:
    fake = FakeEbay().on("GET", OFFERS, _offer_per_sku).on("POST", BULK, _all_succeed)
    levels = [StockLevel(f"SKU-{n}", f"SKU-{n}", n % 9) for n in range(1, 61)]

    results = make_channel(fake).push_stock(levels)

    bodies = _bodies(fake)
    assert [len(body["requests"]) for body in bodies] == [25, 25, 10]
    sent = [entry for body in bodies for entry in body["requests"]]
    assert sent[0] == {
        "sku": "SKU-1",
        "shipToLocationAvailability": {"quantity": 1},
        "offers": [{"offerId": "1000000001", "availableQuantity": 1}],
    }
    assert [entry["sku"] for entry in sent] == [f"SKU-{n}" for n in range(1, 61)]
    assert [(r.inventory_ref, r.status, r.current_quantity) for r in results] == [
        (f"SKU-{n}", PushStatus.SUCCEEDED, n % 9) for n in range(1, 61)
    ]
    assert len(fake.calls("GET", OFFERS)) == 60


def test_a_sku_without_an_offer_sets_the_item_alone() -> None:
    fake = FakeEbay().on("GET", OFFERS, _offer_per_sku).on("POST", BULK, _all_succeed)

    make_channel(fake).push_stock([StockLevel("NOOFFER-1", "NOOFFER-1", 5)])

    assert _bodies(fake) == [
        {"requests": [{"sku": "NOOFFER-1", "shipToLocationAvailability": {"quantity": 5}}]}
    ]


def test_offers_read_by_fetch_products_are_not_read_again_to_push() -> None:
    page = {"total": 1, "inventoryItems": [{"sku": "SKU-3", "product": {"title": "Three"}}]}
    fake = FakeEbay().on("GET", "/sell/inventory/v1/inventory_item", ebay_json(200, page))
    fake.on("GET", OFFERS, _offer_per_sku).on("POST", BULK, _all_succeed)
    channel = make_channel(fake)

    list(channel.fetch_products(None))
    channel.push_stock([StockLevel("SKU-3", "SKU-3", 2)])

    assert len(fake.calls("GET", OFFERS)) == 1
    assert _bodies(fake)[0]["requests"] == [
        {
            "sku": "SKU-3",
            "shipToLocationAvailability": {"quantity": 2},
            "offers": [{"offerId": "1000000003", "availableQuantity": 2}],
        }
    ]


def test_per_sku_errors_fail_that_sku_with_ebays_message_only() -> None:
    fake = FakeEbay().on("GET", OFFERS, _offer_per_sku)
    fake.on("POST", BULK, ebay_json(207, fixture("bulkUpdatePriceQuantity.response.partial.json")))
    levels = [StockLevel(f"SKU-{n}", f"SKU-{n}", 1) for n in (1, 2, 3)]

    results = make_channel(fake).push_stock(levels)

    assert [(r.sku, r.status, r.error, r.retryable) for r in results] == [
        ("SKU-1", PushStatus.SUCCEEDED, "", False),
        (
            "SKU-2",
            PushStatus.FAILED,
            "errorId 25002: A user error has occurred. The offer is not available.",
            False,
        ),
        ("SKU-3", PushStatus.FAILED, "errorId 25001: A system error has occurred.", True),
    ]


def test_a_batch_refused_as_a_whole_is_sent_again_one_sku_per_call() -> None:
    def one_sku_per_call(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if len(body["requests"]) > 1:
            return ebay_json(
                400, {"errors": [{"errorId": 25005, "message": "Only one SKU per call."}]}
            )
        sku = body["requests"][0]["sku"]
        if sku == "SKU-2":
            return ebay_json(
                400, {"errors": [{"errorId": 25604, "message": "Input error. Offer not found."}]}
            )
        return _all_succeed(request)

    fake = FakeEbay().on("GET", OFFERS, _offer_per_sku).on("POST", BULK, one_sku_per_call)
    levels = [StockLevel(f"SKU-{n}", f"SKU-{n}", n) for n in (1, 2, 3)]

    results = make_channel(fake).push_stock(levels)

    assert [len(body["requests"]) for body in _bodies(fake)] == [3, 1, 1, 1]
    assert [(r.sku, r.status, r.error) for r in results] == [
        ("SKU-1", PushStatus.SUCCEEDED, ""),
        ("SKU-2", PushStatus.FAILED, "errorId 25604: Input error. Offer not found."),
        ("SKU-3", PushStatus.SUCCEEDED, ""),
    ]


def test_levels_eBay_would_refuse_fail_without_being_sent() -> None:
    fake = FakeEbay().on("GET", OFFERS, _offer_per_sku).on("POST", BULK, _all_succeed)
    levels = [
        StockLevel("SKU-1", "SKU-1", 3),
        StockLevel("X" * 51, "X", 3),
        StockLevel("SKU-2", "SKU-2", -1),
    ]

    results = make_channel(fake).push_stock(levels)

    assert [(r.status, r.error) for r in results] == [
        (PushStatus.SUCCEEDED, ""),
        (PushStatus.FAILED, "eBay SKUs are at most 50 characters"),
        (PushStatus.FAILED, "a quantity cannot be negative"),
    ]
    assert [[e["sku"] for e in b["requests"]] for b in _bodies(fake)] == [["SKU-1"]]


def test_when_ebay_goes_down_after_a_chunk_the_rest_fail_retryably_and_the_first_stand() -> None:
    fake = FakeEbay().on("GET", OFFERS, _offer_per_sku)
    fake.on("POST", BULK, _all_succeed, ebay_json(503, {}))
    levels = [StockLevel(f"SKU-{n}", f"SKU-{n}", 1) for n in range(1, 31)]

    results = make_channel(fake).push_stock(levels)

    assert [r.status for r in results[:25]] == [PushStatus.SUCCEEDED] * 25
    assert {(r.status, r.retryable) for r in results[25:]} == {(PushStatus.FAILED, True)}
    assert results[25].error == "503: {}"
    assert len(fake.calls("POST", BULK)) == 1 + 4


def test_when_ebay_is_down_from_the_start_the_push_raises() -> None:
    fake = FakeEbay().on("GET", OFFERS, _offer_per_sku).on("POST", BULK, ebay_json(503, {}))

    with pytest.raises(Unavailable):
        make_channel(fake).push_stock([StockLevel("SKU-1", "SKU-1", 1)])


def test_nothing_to_push_sends_nothing_and_poll_is_empty() -> None:
    fake = FakeEbay()
    channel = make_channel(fake)

    assert channel.push_stock([]) == []
    assert channel.poll_pushes(["anything"]) == []
    assert fake.requests == []
