"""The Shopify Channel's orders on a scripted transport: what it asks (the §5 query with the
watermark, every page), how it fulfils (§6: the open fulfillment orders read, then
fulfillmentCreate with ``@idempotent``), and how order webhooks are read. Unit tests of the
adapter; the adapter against the emulator over real HTTP is the order contract suite's."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kucun.channels.adapters.base import (
    ChannelError,
    EventKind,
    Fulfilment,
    ShipLine,
    ShipResult,
)
from kucun.channels.adapters.shopify import mappers
from kucun.channels.adapters.shopify.adapter import (
    CAPABILITIES,
    ORDER_LINES_PAGE_SIZE,
    ORDERS_PAGE_SIZE,
    ShopifyChannel,
)
from tests.channels.adapters.shopify.conftest import ScriptedShopify, golden, golden_bytes, ok

Build = Callable[..., ShopifyChannel]
ORDER = "gid://shopify/Order/5001"
SECRET = "kucun-client-secret"


@pytest.fixture
def channel(shopify: ScriptedShopify, build: Build) -> ShopifyChannel:
    shopify.token(ok(golden("access_token.json")))
    return build()


def orders_page(nodes: list[dict[str, Any]], *, next_cursor: str | None = None) -> httpx.Response:
    return ok(
        {
            "data": {
                "orders": {
                    "pageInfo": {"hasNextPage": next_cursor is not None, "endCursor": next_cursor},
                    "nodes": nodes,
                }
            }
        }
    )


def nodes() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = golden("orders.json")["data"]["orders"]["nodes"]
    return found


def fulfilment(**changes: Any) -> Fulfilment:
    fields: dict[str, Any] = {
        "order_ref": ORDER,
        "lines": (ShipLine("gid://shopify/LineItem/9001", 1),),
        "tracking_number": "33XYZ0000001",
        "carrier": "auspost",
        "carrier_name": "Australia Post",
        "shipped_at": datetime(2025, 6, 2, 3, 15, tzinfo=UTC),
        "key": "order:7:5001:shipment:1",
        "note": "Shipped from WH1",
    }
    fields.update(changes)
    return Fulfilment(**fields)


def test_capabilities_say_orders_are_pushed_and_lines_may_ship_apart() -> None:
    assert (CAPABILITIES.order_webhooks, CAPABILITIES.partial_fulfilment) == (True, True)


def test_orders_are_read_from_the_watermark_less_the_overlap_page_by_page(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    first, second = nodes()
    shopify.graphql(orders_page([first], next_cursor="cursor-1"), orders_page([second]))

    found = list(channel.fetch_orders(datetime(2025, 6, 1, 10, 0, tzinfo=UTC)))

    assert [order.order_ref for order in found] == [ORDER, "gid://shopify/Order/5002"]
    sent = shopify.graphql_sent
    assert [request.json["operationName"] for request in sent] == ["Orders", "Orders"]
    assert "sortKey: UPDATED_AT" in sent[0].json["query"]
    assert [request.json["variables"] for request in sent] == [
        {
            "first": ORDERS_PAGE_SIZE,
            "after": after,
            "q": "updated_at:>='2025-06-01T09:50:00Z'",
            "lines": ORDER_LINES_PAGE_SIZE,
        }
        for after in (None, "cursor-1")
    ]


def test_a_page_of_orders_is_requested_within_the_query_cost_cap() -> None:
    # 2 points for the connection, then per order 10, 2 for its lines' connection and 4 a line.
    assert ORDERS_PAGE_SIZE * (10 + 2 + 4 * ORDER_LINES_PAGE_SIZE) + 2 <= 1000
    assert ORDERS_PAGE_SIZE >= 8


def test_an_order_with_more_lines_than_a_page_has_the_rest_read(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    node = copy.deepcopy(nodes()[0])
    node["lineItems"]["pageInfo"] = {"hasNextPage": True, "endCursor": "lines-1"}
    extra = {
        "id": "gid://shopify/LineItem/9010",
        "sku": "MUG-BLUE",
        "title": "Blue mug",
        "quantity": 1,
        "currentQuantity": 1,
        "unfulfilledQuantity": 1,
        "variant": {"id": "gid://shopify/ProductVariant/130", "sku": "MUG-BLUE"},
    }
    more = {
        "data": {
            "order": {
                "id": ORDER,
                "lineItems": {
                    "pageInfo": {"hasNextPage": False, "endCursor": "x"},
                    "nodes": [extra],
                },
            }
        }
    }
    shopify.graphql(orders_page([node]), ok(more))

    [order] = channel.fetch_orders(datetime(2025, 6, 1, tzinfo=UTC))

    assert [line.sku for line in order.lines] == ["TEE-RED-M", "CARD-GIFT", "MUG-BLUE"]
    assert shopify.graphql_sent[1].json["operationName"] == "OrderLineItems"
    assert shopify.graphql_sent[1].json["variables"]["after"] == "lines-1"


def test_a_page_too_costly_is_asked_again_smaller(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    too_costly = ok(
        {"errors": [{"message": "Query cost is 1200", "extensions": {"code": "MAX_COST_EXCEEDED"}}]}
    )
    shopify.graphql(too_costly, orders_page(nodes()))

    assert len(list(channel.fetch_orders(datetime(2025, 6, 1, tzinfo=UTC)))) == 2

    sizes = [request.json["variables"]["first"] for request in shopify.graphql_sent]
    assert sizes == [ORDERS_PAGE_SIZE, ORDERS_PAGE_SIZE // 2]


def test_one_order_is_read_by_gid_or_number(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(ok({"data": {"order": nodes()[0]}}), ok({"data": {"order": None}}))

    found = channel.fetch_order("5001")
    missing = channel.fetch_order("gid://shopify/Order/404")

    assert found is not None
    assert found.number == "#1001"
    assert missing is None
    assert [request.json["variables"]["id"] for request in shopify.graphql_sent] == [
        ORDER,
        "gid://shopify/Order/404",
    ]


def test_a_ref_that_is_no_order_id_asks_nothing(channel: ShopifyChannel) -> None:
    assert channel.fetch_order("#1001") is None


def test_marking_shipped_reads_the_open_fulfillment_orders_then_fulfils(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(ok(golden("fulfillmentOrders.json")), ok(golden("fulfillmentCreate.json")))

    result = channel.mark_shipped(fulfilment())

    assert result == ShipResult(fulfilment_ref="gid://shopify/Fulfillment/3001")
    read, create = shopify.graphql_sent
    assert read.json["variables"]["id"] == ORDER
    assert (
        'fulfillmentOrders(first: $fulfillmentOrders, query: "status:OPEN")' in (read.json["query"])
    )
    assert create.json["variables"] == golden("fulfillmentCreate.variables.json")
    key = mappers.fulfilment_idempotency_key(fulfilment())
    assert f'@idempotent(key: "{key}")' in create.json["query"]


def test_a_fulfilment_with_the_same_tracking_number_is_answered_not_doubled(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    targets = golden("fulfillmentOrders.json")
    targets["data"]["order"]["fulfillments"] = [
        {
            "id": "gid://shopify/Fulfillment/3001",
            "status": "SUCCESS",
            "trackingInfo": [{"company": "Australia Post", "number": "33XYZ0000001", "url": None}],
        }
    ]
    shopify.graphql(ok(targets))

    result = channel.mark_shipped(fulfilment())

    assert result == ShipResult("gid://shopify/Fulfillment/3001", already_done=True)
    assert len(shopify.graphql_sent) == 1


def test_a_retry_after_a_server_error_replays_the_same_key(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(
        ok(golden("fulfillmentOrders.json")),
        httpx.Response(502, text="Bad Gateway"),
        ok(golden("fulfillmentCreate.json")),
    )

    assert channel.mark_shipped(fulfilment()).fulfilment_ref == "gid://shopify/Fulfillment/3001"

    creates = shopify.graphql_sent[1:]
    assert [request.content for request in creates] == [creates[0].content] * 2


def test_shopifys_refusal_is_raised_in_its_words(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    refused = {
        "data": {
            "fulfillmentCreate": {
                "fulfillment": None,
                "userErrors": [
                    {"field": ["fulfillment"], "message": "Fulfillment order 1 is not open"}
                ],
            }
        }
    }
    shopify.graphql(ok(golden("fulfillmentOrders.json")), ok(refused))

    with pytest.raises(ChannelError, match="Fulfillment order 1 is not open") as raised:
        channel.mark_shipped(fulfilment())
    assert raised.value.retryable is False


def test_more_than_remains_is_refused_before_anything_is_sent(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    shopify.graphql(ok(golden("fulfillmentOrders.json")))

    with pytest.raises(ChannelError, match="LineItem/9002: 2 to ship but 1 left"):
        channel.mark_shipped(fulfilment(lines=(ShipLine("gid://shopify/LineItem/9002", 2),)))
    assert len(shopify.graphql_sent) == 1


def test_an_unknown_order_is_refused(shopify: ScriptedShopify, channel: ShopifyChannel) -> None:
    shopify.graphql(ok({"data": {"order": None}}))

    with pytest.raises(ChannelError, match="no order gid://shopify/Order/5001"):
        channel.mark_shipped(fulfilment())


def signed(body: bytes, topic: str) -> dict[str, str]:
    digest = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": digest,
        "X-Shopify-Shop-Domain": "kucun-test.myshopify.com",
        "X-Shopify-Webhook-Id": "delivery-7",
        "X-Shopify-Event-Id": "event-7",
        "X-Shopify-Triggered-At": "2025-06-01T10:05:01Z",
    }


@pytest.mark.parametrize(
    ("topic", "kind"),
    [
        ("orders/create", EventKind.ORDER_CREATED),
        ("orders/updated", EventKind.ORDER_UPDATED),
        ("orders/cancelled", EventKind.ORDER_CANCELLED),
    ],
)
def test_order_deliveries_name_the_order_and_are_told_apart_by_delivery(
    build: Build, topic: str, kind: EventKind
) -> None:
    body = golden_bytes("webhook.orders_updated.json")

    [event] = build().parse_webhook(signed(body, topic), body)

    assert (event.kind, event.refs, event.event_id, event.topic) == (
        kind,
        (ORDER,),
        "delivery-7",
        topic,
    )


def test_lines_at_two_locations_get_a_fulfilment_each_with_its_own_key(
    shopify: ScriptedShopify, channel: ShopifyChannel
) -> None:
    targets = golden("fulfillmentOrders.json")
    [first] = targets["data"]["order"]["fulfillmentOrders"]["nodes"]
    second = copy.deepcopy(first)
    second["id"] = "gid://shopify/FulfillmentOrder/2"
    second["assignedLocation"] = {"location": {"id": "gid://shopify/Location/790"}}
    first["lineItems"]["nodes"] = first["lineItems"]["nodes"][:1]
    second["lineItems"]["nodes"] = second["lineItems"]["nodes"][1:]
    targets["data"]["order"]["fulfillmentOrders"]["nodes"] = [first, second]
    other = golden("fulfillmentCreate.json")
    other["data"]["fulfillmentCreate"]["fulfillment"]["id"] = "gid://shopify/Fulfillment/3002"
    shopify.graphql(ok(targets), ok(golden("fulfillmentCreate.json")), ok(other))
    both = (
        ShipLine("gid://shopify/LineItem/9001", 2),
        ShipLine("gid://shopify/LineItem/9002", 1),
    )

    result = channel.mark_shipped(fulfilment(lines=both))

    assert result == ShipResult(fulfilment_ref="gid://shopify/Fulfillment/3001")
    creates = shopify.graphql_sent[1:]
    assert [
        [
            entry["fulfillmentOrderId"]
            for entry in sent.json["variables"]["f"]["lineItemsByFulfillmentOrder"]
        ]
        for sent in creates
    ] == [["gid://shopify/FulfillmentOrder/1"], ["gid://shopify/FulfillmentOrder/2"]]
    keys = [
        mappers.fulfilment_idempotency_key(fulfilment(), location)
        for location in ("gid://shopify/Location/789", "gid://shopify/Location/790")
    ]
    assert [
        f'@idempotent(key: "{key}")' in sent.json["query"]
        for sent, key in zip(creates, keys, strict=True)
    ] == [True, True]
    assert all(
        sent.json["variables"]["f"]["trackingInfo"]["number"] == "33XYZ0000001" for sent in creates
    )
