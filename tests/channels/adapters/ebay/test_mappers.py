"""eBay payloads ↔ canonical types, on golden payloads from integrations/ebay.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from kucun.channels.adapters.base import EventKind, PushResult, PushStatus, StockLevel
from kucun.channels.adapters.ebay.mappers import (
    error_text,
    event_from,
    invalid_level,
    listing_from,
    marketplace_offers,
    price_quantity_body,
    price_quantity_request,
    push_results,
    topic_kind,
)
from tests.channels.adapters.ebay.fakes import fixture, fixture_bytes


def test_an_item_with_a_published_offer_maps_sku_listing_offer_ean_and_quantity() -> None:
    item = fixture("getInventoryItems.json")["inventoryItems"][0]
    offers = fixture("getOffers.json")["offers"]

    listing = listing_from(item, offers)

    assert listing.inventory_ref == "MUG-BLUE-350"
    assert listing.sku == "MUG-BLUE-350"
    assert listing.product_ref == "110553012345"
    assert listing.variant_ref == "5000012345"
    assert listing.barcode == "9312345678907"  # EAN before UPC
    assert listing.title == "Enamel camp mug, blue, 350 ml"
    assert listing.quantity == 12
    assert listing.active is True
    assert listing.updated_at is None
    assert listing.raw["offers"][0]["offerId"] == "5000012345"


def test_an_isbn_is_the_barcode_when_there_is_no_ean_or_upc() -> None:
    item = fixture("getInventoryItems.json")["inventoryItems"][1]

    listing = listing_from(item, [])

    assert listing.barcode == "9780643098145"
    assert listing.quantity == 0
    assert (listing.product_ref, listing.variant_ref) == ("", "")
    assert listing.active is True


def test_an_item_without_availability_holds_zero_and_an_unpublished_offer_is_not_on_sale() -> None:
    item = fixture("getInventoryItems.json")["inventoryItems"][2]
    offers = fixture("getOffers.unpublished.json")["offers"]

    listing = listing_from(item, offers)

    assert listing.quantity == 0
    assert listing.barcode == "036000291452"
    assert listing.variant_ref == "5000067890"
    assert listing.product_ref == ""
    assert listing.active is False


def test_offers_of_another_marketplace_are_left_out() -> None:
    ours = fixture("getOffers.json")["offers"][0]
    theirs = {**ours, "offerId": "7000000001", "marketplaceId": "EBAY_US"}

    assert marketplace_offers([theirs, ours], "EBAY_AU") == [ours]


def test_a_level_becomes_the_documented_request_entry() -> None:
    level = StockLevel(inventory_ref="SKU-1", sku="SKU-1", quantity=7)

    body = price_quantity_body([price_quantity_request(level, ["1234567890"])])

    assert body == fixture("bulkUpdatePriceQuantity.request.json")


def test_a_level_without_offers_sets_the_item_only() -> None:
    level = StockLevel(inventory_ref="SKU-9", sku="SKU-9", quantity=0)

    assert price_quantity_request(level, []) == {
        "sku": "SKU-9",
        "shipToLocationAvailability": {"quantity": 0},
    }


def test_the_documented_answer_is_one_success() -> None:
    level = StockLevel(inventory_ref="SKU-1", sku="SKU-1", quantity=7)

    results = push_results([level], fixture("bulkUpdatePriceQuantity.response.json"))

    assert results == [PushResult("SKU-1", "SKU-1", PushStatus.SUCCEEDED, current_quantity=7)]


def test_each_entry_of_a_partial_answer_has_its_own_outcome() -> None:
    levels = [
        StockLevel(inventory_ref=f"SKU-{number}", sku=f"SKU-{number}", quantity=number)
        for number in (1, 2, 3, 4)
    ]

    results = push_results(levels, fixture("bulkUpdatePriceQuantity.response.partial.json"))

    assert results == [
        PushResult("SKU-1", "SKU-1", PushStatus.SUCCEEDED, current_quantity=1),
        PushResult(
            "SKU-2",
            "SKU-2",
            PushStatus.FAILED,
            error="errorId 25002: A user error has occurred. The offer is not available.",
        ),
        PushResult(
            "SKU-3",
            "SKU-3",
            PushStatus.FAILED,
            error="errorId 25001: A system error has occurred.",
            retryable=True,
        ),
        PushResult(
            "SKU-4",
            "SKU-4",
            PushStatus.FAILED,
            error="eBay's answer did not mention this SKU",
            retryable=True,
        ),
    ]


def test_a_sku_answered_per_offer_fails_when_one_of_its_offers_fails() -> None:
    level = StockLevel(inventory_ref="SKU-1", sku="SKU-1", quantity=3)
    body = {
        "responses": [
            {"statusCode": 200, "sku": "SKU-1", "offerId": "1", "errors": []},
            {
                "statusCode": 400,
                "sku": "SKU-1",
                "offerId": "2",
                "errors": [{"errorId": 25709, "message": "Invalid value for offerId."}],
            },
        ]
    }

    assert push_results([level], body) == [
        PushResult(
            "SKU-1", "SKU-1", PushStatus.FAILED, error="errorId 25709: Invalid value for offerId."
        )
    ]


def test_levels_eBay_would_refuse_are_named() -> None:
    assert invalid_level(StockLevel("", "", 1)) == "the listing has no eBay SKU"
    assert invalid_level(StockLevel("S" * 51, "S", 1)) == "eBay SKUs are at most 50 characters"
    assert invalid_level(StockLevel("S" * 50, "S", 0)) == ""
    assert invalid_level(StockLevel("S", "S", -1)) == "a quantity cannot be negative"


def test_the_error_envelope_gives_the_vendor_words() -> None:
    assert error_text(fixture("error.too_many_requests.json")) == (
        "errorId 2001: Too many requests. The request limit has been reached for the resource."
    )
    assert error_text(fixture("error.invalid_access_token.json")) == (
        "errorId 1001: Invalid access token. Check the value of the Authorization HTTP "
        "request header."
    )
    assert error_text({"unexpected": True}) == ""


def test_an_account_deletion_names_the_seller() -> None:
    event = event_from(json.loads(fixture_bytes("notification.MARKETPLACE_ACCOUNT_DELETION.json")))

    assert event.kind == EventKind.OTHER
    assert event.topic == "MARKETPLACE_ACCOUNT_DELETION"
    assert event.event_id == (
        "49feeaeb-4982-42d9-a377-9645b8479411_33f7e043-fed8-442b-9d44-791923bd9a6d"
    )
    assert event.refs == ("camp_gear_au", "ma8vp1jySJC")
    assert event.occurred_at == datetime(2025, 6, 1, 20, 43, 59, 354000, tzinfo=UTC)


def test_an_order_confirmation_is_a_new_order_named_by_its_id() -> None:
    event = event_from(fixture("notification.ORDER_CONFIRMATION.json"))

    assert event.kind == EventKind.ORDER_CREATED
    assert event.refs == ("12-12345-67890",)
    assert event.event_id == "c2f4a1de-0b8e-4f3a-9d53-0d3f1c2a7e10"


def test_a_listing_event_is_a_product_update_named_by_sku() -> None:
    event = event_from(fixture("notification.LISTING.json"))

    assert event.kind == EventKind.PRODUCT_UPDATED
    assert event.refs == ("MUG-BLUE-350",)
    assert event.occurred_at == datetime(2025, 6, 3, 8, 0, tzinfo=UTC)


def test_topics_map_to_kinds() -> None:
    assert topic_kind("ITEM_MARKED_SHIPPED") == EventKind.ORDER_UPDATED
    assert topic_kind("ORDER_CANCELLATION_ACTIVITY") == EventKind.ORDER_UPDATED
    assert topic_kind("ORDER_RETURN_ACTIVITY") == EventKind.ORDER_UPDATED
    assert topic_kind("AUTHORIZATION_REVOCATION") == EventKind.OTHER
    assert topic_kind("ITEM_AVAILABILITY") == EventKind.INVENTORY_UPDATED
    assert topic_kind("INVENTORY_ITEM_QUANTITY_CHANGE") == EventKind.INVENTORY_UPDATED
    assert topic_kind("ITEM_PRICE_REVISION") == EventKind.PRODUCT_UPDATED
    assert topic_kind("SOMETHING_ELSE") == EventKind.OTHER


def test_an_inventory_event_names_every_sku_it_carries() -> None:
    document = {
        "metadata": {"topic": "ITEM_AVAILABILITY"},
        "notification": {
            "notificationId": "n-1",
            "data": {"inventoryItems": [{"sku": "A-1"}, {"sku": "B-2"}, {"sku": "A-1"}]},
        },
    }

    assert event_from(document).refs == ("A-1", "B-2")


def test_an_unknown_topic_names_whatever_it_carries() -> None:
    document = {
        "metadata": {"topic": "SOMETHING_NEW"},
        "notification": {
            "notificationId": "n-2",
            "data": {"sku": "A-1", "listingId": "110553012345", "orderId": "12-1"},
        },
    }

    event = event_from(document)

    assert event.kind == EventKind.OTHER
    assert event.refs == ("A-1", "110553012345", "12-1")
