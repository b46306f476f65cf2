"""Shopify payloads ↔ canonical types, against golden payloads from integrations/shopify.md."""

from __future__ import annotations

from datetime import UTC, datetime

from kucun.channels.adapters.base import (
    ChannelLocation,
    EventKind,
    ListingRef,
    PushResult,
    PushStatus,
    StockLevel,
)
from kucun.channels.adapters.shopify import mappers
from tests.channels.adapters.shopify.conftest import LOCATION, golden

TEE = "gid://shopify/InventoryItem/456"
CARD = "gid://shopify/InventoryItem/457"


def test_a_variant_at_the_chosen_location_becomes_a_listing_with_the_available_quantity() -> None:
    node = golden("productVariants.json")["data"]["productVariants"]["nodes"][0]

    listing = mappers.listing_from_variant(node, LOCATION)

    assert listing == ListingRef(
        inventory_ref=TEE,
        sku="TEE-RED-M",
        product_ref="gid://shopify/Product/1001",
        variant_ref="gid://shopify/ProductVariant/123",
        barcode="9300000000017",
        title="Cotton tee",
        variant_title="Red / M",
        quantity=12,
        active=True,
        updated_at=datetime(2025, 6, 1, 10, 0, tzinfo=UTC),
        weight_kg=None,
    )
    assert listing.raw["legacyResourceId"] == "123"


def test_without_a_location_the_quantity_is_the_variants_total() -> None:
    node = golden("productVariants.json")["data"]["productVariants"]["nodes"][0]

    assert mappers.listing_from_variant(node, None).quantity == 14


def test_a_draft_single_variant_product_without_sku_or_stock_at_the_location() -> None:
    node = golden("productVariants.json")["data"]["productVariants"]["nodes"][1]

    listing = mappers.listing_from_variant(node, LOCATION)

    assert (listing.sku, listing.barcode, listing.variant_title) == ("", "", "")
    assert listing.title == "Gift card"
    assert listing.quantity is None  # not stocked at the location: unknown, not zero
    assert listing.active is False
    assert listing.inventory_ref == CARD


def test_the_location_quantity_is_also_read_from_an_inventory_levels_list() -> None:
    node = golden("productVariants.inventoryLevels.json")

    assert mappers.listing_from_variant(node, LOCATION).quantity == 12
    assert mappers.listing_from_variant(node, "gid://shopify/Location/788").quantity == 2
    assert mappers.listing_from_variant(node, "gid://shopify/Location/1").quantity is None


def test_a_page_gives_its_nodes_and_cursor() -> None:
    page = mappers.page_of(golden("productVariants.json")["data"]["productVariants"])

    assert [node["id"] for node in page.nodes] == [
        "gid://shopify/ProductVariant/123",
        "gid://shopify/ProductVariant/124",
    ]
    assert page.has_next_page is True
    assert page.end_cursor == (
        "eyJsYXN0X2lkIjoxMjQsImxhc3RfdmFsdWUiOiIyMDI1LTA2LTAxVDEwOjA1OjAwWiJ9"
    )


def test_a_page_answered_as_edges_is_read_too() -> None:
    connection = {
        "edges": [{"node": {"id": "a"}}, {"node": {"id": "b"}}],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }

    page = mappers.page_of(connection)

    assert ([node["id"] for node in page.nodes], page.has_next_page, page.end_cursor) == (
        ["a", "b"],
        False,
        None,
    )


def test_the_watermark_search_starts_ten_minutes_early_inclusive_in_utc() -> None:
    since = datetime(2025, 6, 1, 10, 5, 30, tzinfo=UTC)

    assert mappers.variants_search(since) == "updated_at:>='2025-06-01T09:55:30Z'"
    assert mappers.variants_search(None) is None


def test_only_active_locations_are_offered() -> None:
    nodes = golden("locations.json")["data"]["locations"]["nodes"]

    assert mappers.locations_from(nodes) == [ChannelLocation(LOCATION, "Sydney warehouse")]


def test_stock_nodes_give_quantities_of_the_items_stocked_at_the_location() -> None:
    nodes = golden("nodes.inventoryItems.json")["data"]["nodes"]

    assert mappers.stock_from_nodes(nodes, LOCATION) == {TEE: 7}


def test_stock_nodes_without_a_location_give_the_variants_total() -> None:
    nodes = [
        {"id": TEE, "variant": {"id": "gid://shopify/ProductVariant/123", "inventoryQuantity": 9}}
    ]

    assert mappers.stock_from_nodes(nodes, None) == {TEE: 9}


def test_the_set_variables_have_the_shape_of_the_notes() -> None:
    notes = golden("inventorySetQuantities.variables.json")
    level = StockLevel(inventory_ref=TEE, sku="TEE-RED-M", quantity=12, expected_previous=10)

    sent = mappers.set_quantities_variables([level], LOCATION, "key-1")

    assert sent == {
        "input": {
            **notes["input"],
            "referenceDocumentUri": "gid://kucun/StockPush/key-1",
        }
    }


def test_an_unknown_previous_quantity_is_sent_as_an_explicit_null() -> None:
    level = StockLevel(inventory_ref=TEE, sku="TEE-RED-M", quantity=3)

    quantity = mappers.set_quantities_variables([level], LOCATION, "k")["input"]["quantities"][0]

    assert "changeFromQuantity" in quantity
    assert quantity["changeFromQuantity"] is None


def test_the_idempotency_key_is_the_same_for_the_same_keyed_levels() -> None:
    levels = [
        StockLevel(TEE, "TEE-RED-M", 12, expected_previous=10, idempotency_key="push-1"),
        StockLevel(CARD, "CARD", 1, idempotency_key="push-2"),
    ]

    first = mappers.idempotency_key_for(levels, LOCATION)

    assert mappers.idempotency_key_for(list(levels), LOCATION) == first
    assert mappers.idempotency_key_for(levels[:1], LOCATION) != first
    assert mappers.idempotency_key_for(levels, "gid://shopify/Location/788") != first
    changed = [StockLevel(TEE, "TEE-RED-M", 11, expected_previous=10, idempotency_key="push-1")]
    assert mappers.idempotency_key_for(changed, LOCATION) != mappers.idempotency_key_for(
        levels[:1], LOCATION
    )


def test_levels_without_keys_get_a_new_idempotency_key_each_time() -> None:
    levels = [StockLevel(TEE, "TEE-RED-M", 12)]

    assert mappers.idempotency_key_for(levels, LOCATION) != mappers.idempotency_key_for(
        levels, LOCATION
    )


def test_an_applied_set_succeeds_with_the_previous_quantity_from_the_change() -> None:
    payload = golden("inventorySetQuantities.applied.json")["data"]["inventorySetQuantities"]
    level = StockLevel(TEE, "TEE-RED-M", 12, expected_previous=10)

    answer = mappers.read_set_answer([level], LOCATION, payload)

    assert answer.results == {
        0: PushResult(
            TEE, "TEE-RED-M", PushStatus.SUCCEEDED, previous_quantity=10, current_quantity=12
        )
    }
    assert answer.unapplied == []


def test_the_stale_compare_error_is_stale() -> None:
    payload = golden("inventorySetQuantities.stale.json")["data"]["inventorySetQuantities"]
    level = StockLevel(TEE, "TEE-RED-M", 12, expected_previous=10)

    answer = mappers.read_set_answer([level], LOCATION, payload)

    assert answer.results == {
        0: PushResult(
            TEE,
            "TEE-RED-M",
            PushStatus.STALE,
            error="The specified compare quantity does not match the current quantity. "
            "(CHANGE_FROM_QUANTITY_STALE)",
        )
    }


def test_a_refused_mutation_leaves_the_others_to_be_sent_again() -> None:
    payload = {
        "inventoryAdjustmentGroup": None,
        "userErrors": [
            {
                "field": ["input", "quantities", "1", "inventoryItemId"],
                "message": "The specified inventory item could not be found.",
                "code": "INVALID_INVENTORY_ITEM",
            }
        ],
    }
    levels = [
        StockLevel(TEE, "TEE-RED-M", 1),
        StockLevel("gid://shopify/InventoryItem/999", "NOPE", 1),
        StockLevel(CARD, "CARD", 2),
    ]

    answer = mappers.read_set_answer(levels, LOCATION, payload)

    assert answer.results == {
        1: PushResult(
            "gid://shopify/InventoryItem/999",
            "NOPE",
            PushStatus.FAILED,
            error="The specified inventory item could not be found. (INVALID_INVENTORY_ITEM)",
        )
    }
    assert answer.unapplied == [0, 2]


def test_a_partly_applied_mutation_answers_each_quantity_from_its_own_change() -> None:
    payload = {
        "inventoryAdjustmentGroup": {
            "changes": [
                {
                    "name": "available",
                    "delta": -1,
                    "quantityAfterChange": 4,
                    "item": {"id": CARD},
                    "location": {"id": LOCATION},
                }
            ]
        },
        "userErrors": [
            {"field": ["input", "quantities", "0", "changeFromQuantity"], "message": "stale"}
        ],
    }
    levels = [StockLevel(TEE, "TEE-RED-M", 1, expected_previous=3), StockLevel(CARD, "CARD", 4)]

    answer = mappers.read_set_answer(levels, LOCATION, payload)

    assert answer.results[0].status == PushStatus.STALE  # no code: the field names the compare
    assert answer.results[1] == PushResult(
        CARD, "CARD", PushStatus.SUCCEEDED, previous_quantity=5, current_quantity=4
    )
    assert answer.unapplied == []


def test_an_error_naming_no_quantity_fails_every_quantity_with_the_vendors_words() -> None:
    payload = {
        "inventoryAdjustmentGroup": None,
        "userErrors": [{"field": ["input", "reason"], "message": "Reason is invalid"}],
    }
    levels = [StockLevel(TEE, "TEE-RED-M", 1), StockLevel(CARD, "CARD", 2)]

    answer = mappers.read_set_answer(levels, LOCATION, payload)

    assert [result.status for result in answer.results.values()] == [PushStatus.FAILED] * 2
    assert {result.error for result in answer.results.values()} == {"Reason is invalid"}


def test_product_update_deliveries_name_the_variants_inventory_items() -> None:
    event = mappers.event_from_webhook(
        topic="products/update",
        event_id="evt-1",
        triggered_at="2025-06-01T10:00:05.123Z",
        payload=golden("webhook.products_update.json"),
    )

    assert event.kind == EventKind.PRODUCT_UPDATED
    assert event.refs == (TEE, "gid://shopify/InventoryItem/458")
    assert event.occurred_at == datetime(2025, 6, 1, 10, 0, 5, 123000, tzinfo=UTC)


def test_inventory_level_deliveries_name_their_item() -> None:
    event = mappers.event_from_webhook(
        topic="inventory_levels/update",
        event_id="evt-2",
        triggered_at="",
        payload=golden("webhook.inventory_levels_update.json"),
    )

    assert (event.kind, event.refs) == (EventKind.INVENTORY_UPDATED, (TEE,))
    assert event.occurred_at == datetime(2025, 6, 1, 10, 1, tzinfo=UTC)


def test_product_deletions_name_the_product() -> None:
    event = mappers.event_from_webhook(
        topic="products/delete",
        event_id="evt-3",
        triggered_at="",
        payload=golden("webhook.products_delete.json"),
    )

    assert (event.kind, event.refs) == (EventKind.PRODUCT_DELETED, ("gid://shopify/Product/1002",))


def test_order_topics_name_the_order() -> None:
    payload = golden("webhook.orders_create.json")
    kinds = {
        topic: mappers.event_from_webhook(
            topic=topic, event_id="e", triggered_at="", payload=payload
        )
        for topic in ("orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled")
    }

    assert {topic: event.kind for topic, event in kinds.items()} == {
        "orders/create": EventKind.ORDER_CREATED,
        "orders/updated": EventKind.ORDER_UPDATED,
        "orders/cancelled": EventKind.ORDER_CANCELLED,
        "orders/fulfilled": EventKind.ORDER_UPDATED,
    }
    assert {event.refs for event in kinds.values()} == {("gid://shopify/Order/5001",)}


def test_other_topics_are_other_events() -> None:
    event = mappers.event_from_webhook(
        topic="app/uninstalled", event_id="e", triggered_at="", payload={"id": 1}
    )

    assert (event.kind, event.refs) == (EventKind.OTHER, ())


def test_inventory_item_refs_are_recognised() -> None:
    assert mappers.is_inventory_item(TEE)
    assert not mappers.is_inventory_item("gid://shopify/ProductVariant/123")
    assert not mappers.is_inventory_item("gid://shopify/InventoryItem/")
    assert not mappers.is_inventory_item("456")
