"""The Shopify Channel on a scripted httpx.MockTransport: what it sends (the exact
inventorySetQuantities JSON of integrations/shopify.md §4.1), how it pages, and how it reads
each answer. Unit tests of the adapter, not integration tests: the adapter against the Shopify
emulator over real HTTP is run by the channel contract suite."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kucun.channels.adapters.base import (
    ChannelLocation,
    ConnectionInfo,
    EventKind,
    PushResult,
    PushStatus,
    StockLevel,
    Unavailable,
    WebhookRejected,
)
from kucun.channels.adapters.shopify import adapter as shopify_adapter
from kucun.channels.adapters.shopify import mappers
from kucun.channels.adapters.shopify.adapter import PLATFORM, ShopifyChannel
from kucun.channels.platforms import platform
from tests.channels.adapters.shopify.conftest import (
    LOCATION,
    ScriptedShopify,
    golden,
    golden_bytes,
    ok,
)

Build = Callable[..., ShopifyChannel]
TEE = "gid://shopify/InventoryItem/456"
CARD = "gid://shopify/InventoryItem/457"
SECRET = "kucun-client-secret"
NO_LOCATION = {"shop_domain": "kucun-test.myshopify.com", "api_version": "2026-01"}


@pytest.fixture
def channel(shopify: ScriptedShopify, build: Build) -> ShopifyChannel:
    shopify.token(ok(golden("access_token.json")))
    return build()


def variables_sent(shopify: ScriptedShopify) -> list[dict[str, Any]]:
    return [sent.json["variables"] for sent in shopify.graphql_sent]


def set_answer(*changes: tuple[str, int, int], errors: list[Any] | None = None) -> httpx.Response:
    """An inventorySetQuantities answer: (item, delta, quantityAfterChange) per change."""
    group = {
        "createdAt": "2025-06-01T10:00:01Z",
        "reason": "correction",
        "changes": [
            {
                "name": "available",
                "delta": delta,
                "quantityAfterChange": after,
                "item": {"id": item},
                "location": {"id": LOCATION},
            }
            for item, delta, after in changes
        ],
    }
    payload = {
        "inventoryAdjustmentGroup": None if errors else group,
        "userErrors": errors or [],
    }
    return ok({"data": {"inventorySetQuantities": payload}})


# Connection -------------------------------------------------------------------------------------


def test_the_connection_names_the_shop_and_its_active_locations(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(ok(golden("locations.json")), ok({"data": {"shop": {"name": "Kucun tees"}}}))

    info = channel.test_connection()

    assert info == ConnectionInfo(
        account_name="Kucun tees",
        locations=(ChannelLocation(LOCATION, "Sydney warehouse"),),
        details={"shop_domain": "kucun-test.myshopify.com", "api_version": "2026-01"},
    )
    assert variables_sent(shopify)[0] == {"first": 50, "after": None}


@pytest.mark.parametrize(
    "refused",
    [
        ok({"errors": [{"message": "Field 'shop' doesn't exist on type 'QueryRoot'"}]}),
        ok({"errors": "Bad Request"}, 400),
    ],
)
def test_a_shop_name_the_api_will_not_give_is_the_shop_domain(
    shopify: ScriptedShopify, channel: ShopifyChannel, refused: httpx.Response
) -> None:
    shopify.graphql(ok(golden("locations.json")), refused)

    assert channel.test_connection().account_name == "kucun-test.myshopify.com"


# Products ---------------------------------------------------------------------------------------


def last_page() -> dict[str, Any]:
    answer = golden("productVariants.json")
    answer["data"]["productVariants"]["pageInfo"] = {"hasNextPage": False, "endCursor": "end"}
    answer["data"]["productVariants"]["nodes"] = [
        {
            **answer["data"]["productVariants"]["nodes"][0],
            "id": "gid://shopify/ProductVariant/200",
            "sku": "TEE-BLUE-M",
            "updatedAt": "2025-06-01T11:00:00Z",
            "inventoryItem": {"id": "gid://shopify/InventoryItem/600", "inventoryLevel": None},
        }
    ]
    return answer


def test_products_are_read_page_after_page_from_the_watermark(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    from datetime import UTC, datetime

    first = golden("productVariants.json")
    shopify.graphql(ok(first), ok(last_page()))

    listings = list(channel.fetch_products(datetime(2025, 6, 1, 10, 0, tzinfo=UTC)))

    assert [(listing.sku, listing.quantity) for listing in listings] == [
        ("TEE-RED-M", 12),
        ("", None),
        ("TEE-BLUE-M", None),
    ]
    cursor = first["data"]["productVariants"]["pageInfo"]["endCursor"]
    assert variables_sent(shopify) == [
        {
            "first": 250,
            "after": None,
            "q": "updated_at:>='2025-06-01T09:50:00Z'",
            "locationId": LOCATION,
        },
        {
            "first": 250,
            "after": cursor,
            "q": "updated_at:>='2025-06-01T09:50:00Z'",
            "locationId": LOCATION,
        },
    ]
    query = shopify.graphql_sent[0].json["query"]
    assert "sortKey: UPDATED_AT" in query
    assert "inventoryLevel(locationId: $locationId)" in query


def test_without_a_location_every_variant_is_read_with_its_total(
    shopify: ScriptedShopify, build: Build
) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(ok(last_page()))
    channel = build(options=NO_LOCATION)

    [listing] = channel.fetch_products(None)

    assert listing.quantity == 14
    assert variables_sent(shopify) == [{"first": 250, "after": None, "q": None}]
    assert "inventoryLevel" not in shopify.graphql_sent[0].json["query"]
    assert shopify.graphql_sent[0].json["operationName"] == "Variants"


def test_a_page_too_costly_for_shopify_is_asked_again_at_half_the_size(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    costly = {
        "errors": [{"message": "Query cost is 1252", "extensions": {"code": "MAX_COST_EXCEEDED"}}]
    }
    shopify.graphql(ok(costly), ok(last_page()))

    assert [listing.sku for listing in channel.fetch_products(None)] == ["TEE-BLUE-M"]
    assert [variables["first"] for variables in variables_sent(shopify)] == [250, 125]


def test_a_read_past_shopifys_traversal_limit_starts_again_from_the_last_update(
    shopify: ScriptedShopify, channel: ShopifyChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shopify_adapter, "TRAVERSAL_LIMIT", 3)
    channel.variants_page_size = 2

    def node(number: int, stamp: str) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/ProductVariant/{number}",
            "sku": f"S{number}",
            "updatedAt": stamp,
            "inventoryItem": {"id": f"gid://shopify/InventoryItem/{number}"},
        }

    def page(nodes: list[dict[str, Any]], more: bool, cursor: str) -> httpx.Response:
        connection = {"pageInfo": {"hasNextPage": more, "endCursor": cursor}, "nodes": nodes}
        return ok({"data": {"productVariants": connection}})

    shopify.graphql(
        page([node(1, "2025-06-01T10:00:00Z"), node(2, "2025-06-01T10:01:00Z")], True, "c1"),
        # Started again at 10:01: variant 2 comes again and is not repeated.
        page([node(2, "2025-06-01T10:01:00Z"), node(3, "2025-06-01T10:02:00Z")], False, "c2"),
    )

    assert [listing.sku for listing in channel.fetch_products(None)] == ["S1", "S2", "S3"]
    assert [(v["after"], v["q"]) for v in variables_sent(shopify)] == [
        (None, None),
        (None, "updated_at:>='2025-06-01T10:01:00Z'"),
    ]


# Stock reads ------------------------------------------------------------------------------------


def test_stock_is_read_by_inventory_item_in_batches_of_a_hundred(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    refs = [f"gid://shopify/InventoryItem/{number}" for number in range(1000, 1150)]
    answer = golden("nodes.inventoryItems.json")
    shopify.graphql(ok(answer), ok({"data": {"nodes": []}}))

    found = channel.fetch_stock([*refs, "not-a-gid", refs[0]])

    assert found == {TEE: 7}
    assert variables_sent(shopify) == [
        {"ids": refs[:100], "locationId": LOCATION},
        {"ids": refs[100:], "locationId": LOCATION},
    ]


# Stock writes -----------------------------------------------------------------------------------


def keyed(ref: str, sku: str, quantity: int, previous: int | None) -> StockLevel:
    return StockLevel(
        inventory_ref=ref,
        sku=sku,
        quantity=quantity,
        expected_previous=previous,
        idempotency_key=f"push-{sku}-{quantity}",
    )


def test_the_set_mutation_is_sent_exactly_as_the_notes_give_it(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(set_answer((TEE, 2, 12), (CARD, -1, 0)))
    levels = [keyed(TEE, "TEE-RED-M", 12, 10), keyed(CARD, "CARD", 0, None)]
    key = mappers.idempotency_key_for(levels, LOCATION)

    results = channel.push_stock(levels)

    [sent] = shopify.graphql_sent
    assert sent.json == {
        "query": (
            "mutation SetQuantities($input: InventorySetQuantitiesInput!) {\n"
            f'  inventorySetQuantities(input: $input) @idempotent(key: "{key}") {{\n'
            "    inventoryAdjustmentGroup { createdAt reason"
            " changes { name delta quantityAfterChange item { id } location { id } } }\n"
            "    userErrors { field message code }\n"
            "  }\n"
            "}\n"
        ),
        "variables": {
            "input": {
                "name": "available",
                "reason": "correction",
                "referenceDocumentUri": f"gid://kucun/StockPush/{key}",
                "quantities": [
                    {
                        "inventoryItemId": TEE,
                        "locationId": LOCATION,
                        "quantity": 12,
                        "changeFromQuantity": 10,
                    },
                    {
                        "inventoryItemId": CARD,
                        "locationId": LOCATION,
                        "quantity": 0,
                        "changeFromQuantity": None,
                    },
                ],
            }
        },
        "operationName": "SetQuantities",
    }
    assert b'"changeFromQuantity":null' in sent.content.replace(b" ", b"")
    assert results == [
        PushResult(
            TEE, "TEE-RED-M", PushStatus.SUCCEEDED, previous_quantity=10, current_quantity=12
        ),
        PushResult(CARD, "CARD", PushStatus.SUCCEEDED, previous_quantity=1, current_quantity=0),
    ]


def test_a_push_sent_again_is_a_replay_with_the_same_key(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(set_answer((TEE, 2, 12)), set_answer((TEE, 2, 12)))
    levels = [keyed(TEE, "TEE-RED-M", 12, 10)]

    channel.push_stock(levels)
    channel.push_stock(levels)

    first, second = shopify.graphql_sent
    assert first.content == second.content


def test_a_server_error_on_the_write_is_retried_with_the_same_key(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(httpx.Response(502, text="Bad Gateway"), set_answer((TEE, 2, 12)))

    [result] = channel.push_stock([StockLevel(TEE, "TEE-RED-M", 12, expected_previous=10)])

    assert result.status == PushStatus.SUCCEEDED
    first, second = shopify.graphql_sent
    assert first.content == second.content


def test_a_stale_quantity_is_reported_with_what_shopify_holds_now(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(ok(golden("inventorySetQuantities.stale.json")))
    shopify.graphql(ok(golden("nodes.inventoryItems.json")))

    [result] = channel.push_stock([keyed(TEE, "TEE-RED-M", 12, 10)])

    assert result == PushResult(
        TEE,
        "TEE-RED-M",
        PushStatus.STALE,
        current_quantity=7,
        error="The specified compare quantity does not match the current quantity. "
        "(CHANGE_FROM_QUANTITY_STALE)",
    )
    assert variables_sent(shopify)[1] == {"ids": [TEE], "locationId": LOCATION}


def test_a_stale_quantity_whose_reread_fails_is_still_stale(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(ok(golden("inventorySetQuantities.stale.json")))
    shopify.graphql(*[httpx.Response(503) for _ in range(4)])

    [result] = channel.push_stock([keyed(TEE, "TEE-RED-M", 12, 10)])

    assert (result.status, result.current_quantity) == (PushStatus.STALE, None)


def test_one_unknown_item_fails_alone_and_the_others_are_sent_again(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    unknown = "gid://shopify/InventoryItem/999999999"
    refused = [
        {
            "field": ["input", "quantities", "1", "inventoryItemId"],
            "message": "The specified inventory item could not be found.",
            "code": "INVALID_INVENTORY_ITEM",
        }
    ]
    shopify.graphql(set_answer(errors=refused), set_answer((TEE, 1, 5), (CARD, 2, 6)))
    levels = [
        keyed(TEE, "TEE-RED-M", 5, 4),
        keyed(unknown, "NOPE", 1, None),
        keyed(CARD, "CARD", 6, 4),
    ]

    results = channel.push_stock(levels)

    assert [result.status for result in results] == [
        PushStatus.SUCCEEDED,
        PushStatus.FAILED,
        PushStatus.SUCCEEDED,
    ]
    assert results[1].error == (
        "The specified inventory item could not be found. (INVALID_INVENTORY_ITEM)"
    )
    first, second = shopify.graphql_sent
    resent = second.json["variables"]["input"]["quantities"]
    assert [quantity["inventoryItemId"] for quantity in resent] == [TEE, CARD]
    assert first.json["query"] != second.json["query"]  # a new key for a new set of quantities
    key = mappers.idempotency_key_for([levels[0], levels[2]], LOCATION)
    assert f'@idempotent(key: "{key}")' in second.json["query"]


def test_pushes_are_chunked_to_two_hundred_and_fifty(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    levels = [
        StockLevel(f"gid://shopify/InventoryItem/{number}", f"S{number}", 1)
        for number in range(1, 252)
    ]
    shopify.graphql(set_answer(), set_answer())

    results = channel.push_stock(levels)

    assert [len(v["input"]["quantities"]) for v in variables_sent(shopify)] == [250, 1]
    assert len(results) == 251
    assert {result.status for result in results} == {PushStatus.SUCCEEDED}


def test_an_item_twice_in_one_push_goes_in_separate_mutations(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(set_answer((TEE, 1, 5)), set_answer((TEE, 1, 6)))

    results = channel.push_stock([StockLevel(TEE, "TEE-RED-M", 5), StockLevel(TEE, "TEE-RED-M", 6)])

    assert [len(v["input"]["quantities"]) for v in variables_sent(shopify)] == [1, 1]
    assert [result.current_quantity for result in results] == [5, 6]


def test_levels_that_cannot_be_sent_fail_without_a_write(
    shopify: ScriptedShopify, build: Build
) -> None:
    shopify.token(ok(golden("access_token.json")))
    two_active = golden("locations.json")
    two_active["data"]["locations"]["nodes"][1]["isActive"] = True
    shopify.graphql(ok(two_active))
    channel = build(options=NO_LOCATION)

    results = channel.push_stock(
        [
            StockLevel(TEE, "TEE-RED-M", 5),
            StockLevel("gid://shopify/ProductVariant/1", "V", 5, location_ref=LOCATION),
            StockLevel(TEE, "NEG", -1, location_ref=LOCATION),
            StockLevel(CARD, "CARD", 1),
        ]
    )

    several = (
        "choose the store's Shopify location: the shop does not have exactly one "
        "active location to set stock at"
    )
    assert [(result.status, result.error) for result in results] == [
        (PushStatus.FAILED, several),
        (PushStatus.FAILED, "'gid://shopify/ProductVariant/1' is not a Shopify inventory item id"),
        (PushStatus.FAILED, "a quantity below zero cannot be set"),
        (PushStatus.FAILED, several),
    ]
    assert [sent.json["operationName"] for sent in shopify.graphql_sent] == ["Locations"]


def test_before_a_location_is_chosen_the_shops_only_active_location_is_used(
    shopify: ScriptedShopify, build: Build
) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(ok(golden("locations.json")), set_answer((TEE, 1, 5)))
    channel = build(options=NO_LOCATION)

    [result] = channel.push_stock([StockLevel(TEE, "TEE-RED-M", 5)])

    assert result.status == PushStatus.SUCCEEDED
    quantities = variables_sent(shopify)[1]["input"]["quantities"]
    assert [quantity["locationId"] for quantity in quantities] == [LOCATION]


def test_a_mutation_refused_as_a_document_fails_each_of_its_quantities(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(ok({"errors": [{"message": "Variable $input of type ... was invalid"}]}))

    results = channel.push_stock([StockLevel(TEE, "A", 1), StockLevel(CARD, "B", 2)])

    assert [(result.status, result.error) for result in results] == [
        (PushStatus.FAILED, "SetQuantities: Variable $input of type ... was invalid"),
    ] * 2


def test_a_push_shopify_cannot_be_reached_for_raises(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(*[httpx.Response(503) for _ in range(4)])

    with pytest.raises(Unavailable):
        channel.push_stock([StockLevel(TEE, "A", 1)])


def test_there_is_nothing_to_poll(channel: ShopifyChannel) -> None:
    assert channel.poll_pushes(["anything"]) == []


# Webhooks ---------------------------------------------------------------------------------------


def signed(body: bytes, secret: str = SECRET, **headers: str) -> dict[str, str]:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "X-Shopify-Topic": "products/update",
        "X-Shopify-Hmac-Sha256": digest,
        "X-Shopify-Shop-Domain": "kucun-test.myshopify.com",
        "X-Shopify-API-Version": "2026-01",
        "X-Shopify-Webhook-Id": "delivery-1",
        "X-Shopify-Event-Id": "event-1",
        "X-Shopify-Triggered-At": "2025-06-01T10:00:05Z",
        **headers,
    }


def test_a_genuine_delivery_is_read(build: Build) -> None:
    body = golden_bytes("webhook.products_update.json")

    [event] = build().parse_webhook(signed(body), body)

    assert (event.kind, event.event_id, event.topic) == (
        EventKind.PRODUCT_UPDATED,
        "event-1",
        "products/update",
    )
    assert event.refs == (TEE, "gid://shopify/InventoryItem/458")
    assert event.payload == json.loads(body)


def test_header_names_are_read_in_any_case(build: Build) -> None:
    body = golden_bytes("webhook.inventory_levels_update.json")
    headers = {
        name.lower(): value
        for name, value in signed(body, **{"X-Shopify-Topic": "inventory_levels/update"}).items()
    }

    [event] = build().parse_webhook(headers, body)

    assert (event.kind, event.refs) == (EventKind.INVENTORY_UPDATED, (TEE,))


def test_without_an_event_id_the_delivery_id_identifies_the_event(build: Build) -> None:
    body = golden_bytes("webhook.products_delete.json")
    headers = signed(body, **{"X-Shopify-Topic": "products/delete"})
    del headers["X-Shopify-Event-Id"]

    [event] = build().parse_webhook(headers, body)

    assert (event.event_id, event.kind) == ("delivery-1", EventKind.PRODUCT_DELETED)


@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [
        ({}, b'{"id": 1}', "signature does not match"),
        (signed(b'{"id": 1}'), b'{"id": 2}', "signature does not match"),
        (signed(b'{"id": 1}', secret="another-secret"), b'{"id": 1}', "signature does not match"),
        # Checked before parsing: a body that is not JSON, unsigned, is refused for its signature.
        (signed(b"{}"), b"not json", "signature does not match"),
        (signed(b"not json"), b"not json", "not JSON"),
        (signed(b"[1]"), b"[1]", "not a JSON object"),
        (
            signed(b"{}", **{"X-Shopify-Shop-Domain": "other.myshopify.com"}),
            b"{}",
            "another shop",
        ),
    ],
)
def test_deliveries_that_do_not_verify_are_rejected(
    build: Build, headers: dict[str, str], body: bytes, reason: str
) -> None:
    with pytest.raises(WebhookRejected, match=reason):
        build().parse_webhook(headers, body)


def test_without_a_client_secret_nothing_can_be_verified(build: Build) -> None:
    channel = build(credentials={"access_token": "shpat_legacy_admin"})
    body = b'{"id": 1}'

    with pytest.raises(WebhookRejected, match="no client secret"):
        channel.parse_webhook(signed(body), body)


# The platform -----------------------------------------------------------------------------------


def test_the_platform_declares_its_fields_urls_and_capabilities() -> None:
    assert platform("shopify") is PLATFORM
    assert (PLATFORM.code, PLATFORM.label, PLATFORM.account_field) == (
        "shopify",
        "Shopify",
        "shop_domain",
    )
    assert [(f.name, f.secret, f.required) for f in PLATFORM.credential_fields] == [
        ("client_id", False, True),
        ("client_secret", True, True),
        ("access_token", True, False),
    ]
    assert [(f.name, f.required, f.default) for f in PLATFORM.option_fields] == [
        ("shop_domain", True, ""),
        ("api_version", True, "2026-01"),
        ("location_ref", False, ""),
    ]
    assert PLATFORM.option_fields[1].choices == (("2026-01", "2026-01"), ("2026-04", "2026-04"))
    capabilities = PLATFORM.capabilities
    assert (
        capabilities.locations,
        capabilities.compare_and_set,
        capabilities.webhooks,
        capabilities.max_stock_batch,
        capabilities.async_writes,
    ) == (True, True, True, 250, False)


@pytest.mark.parametrize(
    "typed",
    ["kucun-test.myshopify.com", "https://Kucun-Test.myshopify.com/", "kucun-test"],
)
def test_the_base_urls_come_from_the_shop_domain(typed: str) -> None:
    options = {"shop_domain": typed}

    assert PLATFORM.production_base_url(options) == "https://kucun-test.myshopify.com"
    assert (
        PLATFORM.sandbox_base_url("http://127.0.0.1:8000/", options)
        == "http://127.0.0.1:8000/sandbox/shopify/kucun-test.myshopify.com"
    )


@pytest.mark.parametrize(
    ("base_url", "domain"),
    [
        ("https://kucun-test.myshopify.com", "kucun-test.myshopify.com"),
        (
            "http://127.0.0.1:8000/sandbox/shopify/kucun-test.myshopify.com/",
            "kucun-test.myshopify.com",
        ),
        ("http://127.0.0.1:8000/elsewhere", ""),
    ],
)
def test_without_the_option_the_shop_domain_is_read_from_the_base_url(
    build: Build, base_url: str, domain: str
) -> None:
    channel = build(base_url=base_url, options={"location_ref": LOCATION})

    assert channel.shop_domain == domain
