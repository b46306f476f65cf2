"""Orders (shopify.md §5–7): a sale made on the control plane, read with ``orders`` /
``order``, shipped with ``fulfillmentCreate``, cancelled and edited, each change announced by
a signed webhook."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.sandbox.shopify.conftest import ADMIN_TOKEN, CLIENT_SECRET, ShopClient
from tests.sandbox.shopify.receiver import webhook_receiver
from tests.sandbox.shopify.test_webhooks import SUBSCRIBE, verify

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS = """
query Orders($first: Int!, $after: String, $q: String) {
  orders(first: $first, after: $after, query: $q, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name createdAt updatedAt cancelledAt closedAt
      displayFinancialStatus displayFulfillmentStatus
      email phone
      currencyCode totalPriceSet { shopMoney { amount currencyCode } }
      customer { id firstName lastName email }
      shippingAddress {
        name company address1 address2 city province provinceCode zip country countryCodeV2 phone
      }
      shippingLine { title }
      lineItems(first: 10) {
        nodes { id sku quantity currentQuantity unfulfilledQuantity variant { id sku } }
      }
    }
  }
}
"""

FULFILLMENT_ORDERS = """
query FO($id: ID!) { order(id: $id) {
  displayFulfillmentStatus
  fulfillmentOrders(first: 10, query: "status:OPEN") { nodes {
    id status assignedLocation { location { id } }
    lineItems(first: 10) { nodes { id remainingQuantity lineItem { id sku } } } } }
  all: fulfillmentOrders(first: 10) { nodes { id status } }
  lineItems(first: 10) { nodes { sku currentQuantity unfulfilledQuantity } }
  fulfillments { name status trackingInfo { company number url } } } }
"""

SHIP = """
mutation Ship($f: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $f, message: "Shipped from WH1") {
    fulfillment { id status trackingInfo { company number url }
      fulfillmentLineItems(first: 10) { nodes { quantity lineItem { sku } } } }
    userErrors { field message }
  }
}
"""

SHIP_IDEMPOTENT = """
mutation Ship($f: FulfillmentInput!, $key: String!) {
  fulfillmentCreate(fulfillment: $f) @idempotent(key: $key) {
    fulfillment { id }
    userErrors { field message }
  }
}
"""

ADDRESS = {
    "name": "Ada Lovelace",
    "company": "Engines Pty Ltd",
    "address1": "1 Collins St",
    "address2": "Level 2",
    "city": "Melbourne",
    "province": "Victoria",
    "province_code": "VIC",
    "zip": "3000",
    "country": "Australia",
    "country_code": "AU",
    "phone": "+61 3 9000 0000",
}


def place(shop: ShopClient, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    answer = shop.sandbox.emu(
        "shopify",
        "orders",
        {"shop": shop.domain, "lines": lines, "shipping_address": ADDRESS, **extra},
    )
    assert answer.status_code == 201
    body: dict[str, Any] = answer.json()
    return body


def read_order(shop: ShopClient, order_id: str) -> dict[str, Any]:
    found: dict[str, Any] = shop.data(FULFILLMENT_ORDERS, {"id": order_id})["order"]
    return found


def ship(shop: ShopClient, fulfillment: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = shop.data(SHIP, {"f": fulfillment})["fulfillmentCreate"]
    return payload


def test_a_placed_order_is_read_with_its_lines_address_and_totals(shop: ShopClient) -> None:
    placed = place(
        shop,
        [{"sku": "SBX-MUG", "quantity": 2}, {"sku": "SBX-TEE-M", "quantity": 1, "price": "25.50"}],
        shipping_line={"title": "Express", "price": "9.95"},
        email="ada@example.com",
        customer={"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
    )
    assert placed["name"] == "#1001"
    variants = shop.variants_by_sku()
    mug = next(iter(variants["SBX-MUG"]["quantities"].values()))
    assert mug == {"available": 23, "on_hand": 25, "committed": 2}

    page = shop.data(ORDERS, {"first": 10})["orders"]
    assert page["pageInfo"]["hasNextPage"] is False
    [order] = page["nodes"]
    assert order["id"] == placed["order"]
    assert order["name"] == "#1001"
    assert order["displayFinancialStatus"] == "PAID"
    assert order["displayFulfillmentStatus"] == "UNFULFILLED"
    assert order["cancelledAt"] is None
    assert order["email"] == "ada@example.com"
    # The mug's default price is 10.00: 2 × 10.00 + 25.50 + 9.95 shipping.
    assert order["totalPriceSet"] == {"shopMoney": {"amount": "55.45", "currencyCode": "AUD"}}
    assert order["customer"]["firstName"] == "Ada"
    assert order["shippingAddress"] == {
        "name": "Ada Lovelace",
        "company": "Engines Pty Ltd",
        "address1": "1 Collins St",
        "address2": "Level 2",
        "city": "Melbourne",
        "province": "Victoria",
        "provinceCode": "VIC",
        "zip": "3000",
        "country": "Australia",
        "countryCodeV2": "AU",
        "phone": "+61 3 9000 0000",
    }
    assert order["shippingLine"] == {"title": "Express"}
    lines = order["lineItems"]["nodes"]
    assert [(line["sku"], line["quantity"], line["unfulfilledQuantity"]) for line in lines] == [
        ("SBX-MUG", 2, 2),
        ("SBX-TEE-M", 1, 1),
    ]
    assert lines[0]["variant"] == {"id": variants["SBX-MUG"]["id"], "sku": "SBX-MUG"}


def test_orders_are_paged_by_update_time_after_a_watermark(shop: ShopClient) -> None:
    shop.emu("clock", {"freeze": "2026-03-01T10:00:00+00:00"})
    first = place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    shop.emu("clock", {"advance_seconds": 60})
    second = place(shop, [{"sku": "SBX-TOTE", "quantity": 1}])
    shop.emu("clock", {"advance_seconds": 60})
    third = place(shop, [{"sku": "SBX-TEE-S", "quantity": 1}])
    shop.emu("clock", {"advance_seconds": 60})
    shop.emu(
        "orders/change",
        {
            "shop": shop.domain,
            "order": first["order"],
            "shipping_address": {**ADDRESS, "city": "Geelong"},
        },
    )

    watermark = "updated_at:>='2026-03-01T10:01:00Z'"
    page = shop.data(ORDERS, {"first": 2, "q": watermark})["orders"]
    assert [order["id"] for order in page["nodes"]] == [second["order"], third["order"]]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = shop.data(ORDERS, {"first": 2, "q": watermark, "after": page["pageInfo"]["endCursor"]})
    assert [order["id"] for order in rest["orders"]["nodes"]] == [first["order"]]
    assert rest["orders"]["nodes"][0]["shippingAddress"]["city"] == "Geelong"
    assert rest["orders"]["pageInfo"]["hasNextPage"] is False


def test_a_page_larger_than_250_and_a_bad_cursor_are_refused(shop: ShopClient) -> None:
    too_many = shop.gql("{ orders(first: 251) { nodes { id } } }").json()
    assert too_many["errors"][0]["message"] == (
        "The first argument must be less than or equal to 250."
    )
    bad = shop.gql(ORDERS, {"first": 1, "after": "bm90IGEgY3Vyc29y"}).json()
    assert bad["errors"][0]["message"].startswith("Invalid cursor")


def test_orders_older_than_sixty_days_are_hidden_without_read_all_orders(
    shop: ShopClient,
) -> None:
    shop.emu("clock", {"freeze": "2026-01-01T00:00:00+00:00"})
    place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    shop.emu("clock", {"advance_seconds": 61 * 86400})
    recent = place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    nodes = shop.data(ORDERS, {"first": 10})["orders"]["nodes"]
    assert [order["id"] for order in nodes] == [recent["order"]]


def test_fulfilling_part_then_the_rest_closes_the_fulfillment_order(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 3}, {"sku": "SBX-TOTE", "quantity": 1}])
    order = read_order(shop, placed["order"])
    [fulfillment_order] = order["fulfillmentOrders"]["nodes"]
    assert fulfillment_order["status"] == "OPEN"
    assert fulfillment_order["assignedLocation"]["location"]["id"] == shop.location()
    mug_line, _tote_line = fulfillment_order["lineItems"]["nodes"]
    assert (mug_line["remainingQuantity"], mug_line["lineItem"]["sku"]) == (3, "SBX-MUG")

    created = ship(
        shop,
        {
            "notifyCustomer": True,
            "trackingInfo": {"company": "Australia Post", "number": "AP0001"},
            "lineItemsByFulfillmentOrder": [
                {
                    "fulfillmentOrderId": fulfillment_order["id"],
                    "fulfillmentOrderLineItems": [{"id": mug_line["id"], "quantity": 2}],
                }
            ],
        },
    )
    assert created["userErrors"] == []
    assert created["fulfillment"]["status"] == "SUCCESS"
    assert created["fulfillment"]["trackingInfo"] == [
        {
            "company": "Australia Post",
            "number": "AP0001",
            "url": "https://auspost.com.au/mypost/track/details/AP0001",
        }
    ]
    assert created["fulfillment"]["fulfillmentLineItems"]["nodes"] == [
        {"quantity": 2, "lineItem": {"sku": "SBX-MUG"}}
    ]
    partly = read_order(shop, placed["order"])
    assert partly["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert partly["fulfillmentOrders"]["nodes"] == []  # no longer OPEN: in progress
    assert partly["all"]["nodes"] == [{"id": fulfillment_order["id"], "status": "IN_PROGRESS"}]
    assert [line["unfulfilledQuantity"] for line in partly["lineItems"]["nodes"]] == [1, 1]

    rest = ship(
        shop,
        {
            "trackingInfo": {
                "company": "Aramex",
                "number": "AX9",
                "url": "https://aramex.example/AX9",
            },
            "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fulfillment_order["id"]}],
        },
    )
    assert rest["userErrors"] == []
    assert sorted(
        (node["lineItem"]["sku"], node["quantity"])
        for node in rest["fulfillment"]["fulfillmentLineItems"]["nodes"]
    ) == [("SBX-MUG", 1), ("SBX-TOTE", 1)]
    done = read_order(shop, placed["order"])
    assert done["displayFulfillmentStatus"] == "FULFILLED"
    assert done["all"]["nodes"] == [{"id": fulfillment_order["id"], "status": "CLOSED"}]
    assert [fulfillment["name"] for fulfillment in done["fulfillments"]] == ["#1001.1", "#1001.2"]
    mug = next(iter(shop.variants_by_sku()["SBX-MUG"]["quantities"].values()))
    assert mug == {"available": 22, "on_hand": 22, "committed": 0}


def test_bad_fulfilments_are_refused_and_change_nothing(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 2}])
    fulfillment_order = read_order(shop, placed["order"])["fulfillmentOrders"]["nodes"][0]
    line = fulfillment_order["lineItems"]["nodes"][0]

    unknown = ship(
        shop,
        {
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1"}
            ]
        },
    )
    assert unknown == {
        "fulfillment": None,
        "userErrors": [
            {
                "field": ["fulfillment", "lineItemsByFulfillmentOrder", "0", "fulfillmentOrderId"],
                "message": "Fulfillment order does not exist.",
            }
        ],
    }
    too_many = ship(
        shop,
        {
            "lineItemsByFulfillmentOrder": [
                {
                    "fulfillmentOrderId": fulfillment_order["id"],
                    "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 3}],
                }
            ]
        },
    )
    assert too_many["fulfillment"] is None
    assert too_many["userErrors"] == [
        {
            "field": [
                "fulfillment",
                "lineItemsByFulfillmentOrder",
                "0",
                "fulfillmentOrderLineItems",
                "0",
                "quantity",
            ],
            "message": "Invalid fulfillment order line item quantity requested.",
        }
    ]
    unknown_line = ship(
        shop,
        {
            "lineItemsByFulfillmentOrder": [
                {
                    "fulfillmentOrderId": fulfillment_order["id"],
                    "fulfillmentOrderLineItems": [
                        {"id": "gid://shopify/FulfillmentOrderLineItem/5", "quantity": 1}
                    ],
                }
            ]
        },
    )
    assert unknown_line["userErrors"][0]["message"] == "Fulfillment order line item does not exist."
    untouched = read_order(shop, placed["order"])
    assert untouched["displayFulfillmentStatus"] == "UNFULFILLED"
    assert untouched["fulfillments"] == []
    assert (
        untouched["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0]["remainingQuantity"]
        == 2
    )

    whole = {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fulfillment_order["id"]}]}
    assert ship(shop, whole)["userErrors"] == []
    closed = ship(shop, whole)
    assert closed["fulfillment"] is None
    assert closed["userErrors"] == [
        {
            "field": ["fulfillment", "lineItemsByFulfillmentOrder", "0", "fulfillmentOrderId"],
            "message": f"Fulfillment order {fulfillment_order['id']} has an unfulfillable "
            "status= closed.",
        }
    ]
    assert len(read_order(shop, placed["order"])["fulfillments"]) == 1


def test_an_idempotent_fulfilment_is_made_once_and_its_key_is_bound_to_its_input(
    shop: ShopClient,
) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 2}])
    fulfillment_order = read_order(shop, placed["order"])["fulfillmentOrders"]["nodes"][0]
    line = fulfillment_order["lineItems"]["nodes"][0]
    one = {
        "trackingInfo": {"number": "T-1"},
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": fulfillment_order["id"],
                "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 1}],
            }
        ],
    }
    first = shop.data(SHIP_IDEMPOTENT, {"f": one, "key": "ship-1"})["fulfillmentCreate"]
    again = shop.data(SHIP_IDEMPOTENT, {"f": one, "key": "ship-1"})["fulfillmentCreate"]
    assert first["userErrors"] == []
    assert again == first
    assert len(read_order(shop, placed["order"])["fulfillments"]) == 1
    other = {**one, "trackingInfo": {"number": "T-2"}}
    mismatch = shop.data(SHIP_IDEMPOTENT, {"f": other, "key": "ship-1"})["fulfillmentCreate"]
    assert mismatch["fulfillment"] is None
    assert mismatch["userErrors"][0]["message"] == (
        "The same idempotency key cannot be used with different operation parameters."
    )


def test_fulfilling_needs_the_write_fulfillments_scope(shop: ShopClient) -> None:
    shop.emu(
        "seed",
        {
            "shops": [
                {
                    "domain": "narrow.myshopify.com",
                    "access_token": "shpat_narrow",
                    "scopes": ["read_orders"],
                    "products": [{"title": "Jar", "variants": [{"sku": "JAR", "quantity": 3}]}],
                }
            ]
        },
    )
    placed = shop.sandbox.emu(
        "shopify", "orders", {"shop": "narrow.myshopify.com", "lines": [{"sku": "JAR"}]}
    ).json()
    answer = shop.http.post(
        shop.sandbox.url("shopify", "narrow.myshopify.com/admin/api/2026-04/graphql.json"),
        json={
            "query": SHIP,
            "variables": {
                "f": {
                    "lineItemsByFulfillmentOrder": [
                        {"fulfillmentOrderId": placed["fulfillment_orders"][0]["id"]}
                    ]
                }
            },
        },
        headers={"X-Shopify-Access-Token": "shpat_narrow"},
    ).json()
    assert answer["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert answer["data"] == {"fulfillmentCreate": None}


def test_a_fulfilment_costs_ten_points(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    answer = shop.gql(
        SHIP,
        {
            "f": {
                "lineItemsByFulfillmentOrder": [
                    {"fulfillmentOrderId": placed["fulfillment_orders"][0]["id"]}
                ]
            }
        },
    ).json()
    assert answer["extensions"]["cost"]["requestedQueryCost"] == 10


def test_order_webhooks_are_signed_and_carry_the_rest_order(shop: ShopClient) -> None:
    with webhook_receiver() as receiver:
        for topic in ("ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_FULFILLED", "ORDERS_CANCELLED"):
            created = shop.data(SUBSCRIBE, {"topic": topic, "uri": receiver.url})
            assert created["webhookSubscriptionCreate"]["userErrors"] == []
        placed = place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
        [created_delivery] = receiver.wait_for(1)
        ship(
            shop,
            {
                "trackingInfo": {"company": "Australia Post", "number": "AP77"},
                "lineItemsByFulfillmentOrder": [
                    {"fulfillmentOrderId": placed["fulfillment_orders"][0]["id"]}
                ],
            },
        )
        deliveries = receiver.wait_for(3)
        other = place(shop, [{"sku": "SBX-TOTE", "quantity": 1}])
        # Deliveries go out on their own threads: the cancel's may overtake the create's
        # unless the create's has arrived first.
        receiver.wait_for(4)
        shop.emu("orders/cancel", {"shop": shop.domain, "order": other["order"]})
        deliveries = receiver.wait_for(6)
    topics = [
        {name.lower(): value for name, value in delivery.headers.items()}["x-shopify-topic"]
        for delivery in deliveries
    ]
    assert topics[0] == "orders/create"
    assert sorted(topics[1:3]) == ["orders/fulfilled", "orders/updated"]
    assert topics[3] == "orders/create"
    assert sorted(topics[4:6]) == ["orders/cancelled", "orders/updated"]
    headers = {name.lower(): value for name, value in created_delivery.headers.items()}
    assert verify(CLIENT_SECRET.encode(), created_delivery.body, headers["x-shopify-hmac-sha256"])
    assert headers["x-shopify-shop-domain"] == shop.domain
    assert headers["x-shopify-webhook-id"]
    payload = json.loads(created_delivery.body)
    assert payload["id"] == int(placed["order"].rsplit("/", 1)[1])
    assert payload["admin_graphql_api_id"] == placed["order"]
    assert payload["name"] == "#1001"
    assert payload["shipping_address"]["city"] == "Melbourne"
    assert payload["line_items"][0]["sku"] == "SBX-MUG"
    fulfilled = next(
        json.loads(delivery.body)
        for delivery, topic in zip(deliveries, topics, strict=True)
        if topic == "orders/fulfilled"
    )
    assert fulfilled["fulfillment_status"] == "fulfilled"
    assert fulfilled["fulfillments"][0]["tracking_number"] == "AP77"
    cancelled = next(
        json.loads(delivery.body)
        for delivery, topic in zip(deliveries, topics, strict=True)
        if topic == "orders/cancelled"
    )
    assert cancelled["cancelled_at"] is not None
    assert cancelled["cancel_reason"] == "other"


def test_cancelling_restocks_and_closes_the_fulfillment_orders(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 4}])
    cancelled = shop.emu(
        "orders/cancel", {"shop": shop.domain, "order": placed["name"], "reason": "customer"}
    )
    assert cancelled["cancel_reason"] == "customer"
    assert cancelled["financial_status"] == "refunded"
    assert cancelled["fulfillment_orders"][0]["status"] == "CANCELLED"
    mug = next(iter(shop.variants_by_sku()["SBX-MUG"]["quantities"].values()))
    assert mug == {"available": 25, "on_hand": 25, "committed": 0}
    order = read_order(shop, placed["order"])
    assert order["fulfillmentOrders"]["nodes"] == []
    refused = shop.sandbox.control.post(
        shop.sandbox.url("shopify", "__emu/orders/cancel"),
        json={"shop": shop.domain, "order": placed["order"]},
    )
    assert refused.status_code == 409
    assert refused.json() == {"error": "order #1001 is already cancelled"}


def test_an_order_with_fulfilments_cannot_be_cancelled(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    ship(
        shop,
        {
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": placed["fulfillment_orders"][0]["id"]}
            ]
        },
    )
    refused = shop.sandbox.control.post(
        shop.sandbox.url("shopify", "__emu/orders/cancel"),
        json={"shop": shop.domain, "order": placed["order"]},
    )
    assert refused.status_code == 409
    assert refused.json() == {"error": "order #1001 has fulfilments: cancel them before the order"}


def test_editing_an_order_changes_its_address_and_lines(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 3}])
    changed = shop.emu(
        "orders/change",
        {
            "shop": shop.domain,
            "order": placed["order"],
            "shipping_address": {**ADDRESS, "address1": "2 Bourke St"},
            "lines": [{"sku": "SBX-MUG", "quantity": 1}, {"sku": "SBX-TOTE", "quantity": 2}],
        },
    )
    assert changed["shipping_address"]["address1"] == "2 Bourke St"
    assert [
        (line["sku"], line["quantity"], line["current_quantity"]) for line in changed["line_items"]
    ] == [("SBX-MUG", 3, 1), ("SBX-TOTE", 2, 2)]
    variants = shop.variants_by_sku()
    assert next(iter(variants["SBX-MUG"]["quantities"].values()))["available"] == 24
    assert next(iter(variants["SBX-TOTE"]["quantities"].values()))["available"] == 38
    [fulfillment_order] = read_order(shop, placed["order"])["fulfillmentOrders"]["nodes"]
    assert [
        (line["lineItem"]["sku"], line["remainingQuantity"])
        for line in fulfillment_order["lineItems"]["nodes"]
    ] == [("SBX-MUG", 1), ("SBX-TOTE", 2)]


def test_a_bad_order_request_names_the_field(shop: ShopClient) -> None:
    url = shop.sandbox.url("shopify", "__emu/orders")
    unknown = shop.sandbox.control.post(url, json={"lines": [{"sku": "NOPE", "quantity": 1}]})
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "lines[0]: the shop has no variant 'NOPE'"}
    negative = shop.sandbox.control.post(url, json={"lines": [{"sku": "SBX-MUG", "quantity": -1}]})
    assert negative.status_code == 400
    assert negative.json() == {"error": "lines[0].quantity: a whole number of at least 1"}
    address = shop.sandbox.control.post(
        url, json={"lines": [{"sku": "SBX-MUG"}], "shipping_address": {"street": "x"}}
    )
    assert address.json() == {"error": "shipping_address: unknown field 'street'"}
    assert shop.state()["orders"] == []


def test_the_control_plane_lists_an_orders_fulfilments(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    ship(
        shop,
        {
            "trackingInfo": {"company": "Australia Post", "number": "AP42"},
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": placed["fulfillment_orders"][0]["id"]}
            ],
        },
    )
    answer = shop.sandbox.control.get(
        shop.sandbox.url("shopify", "__emu/orders/fulfillments"),
        params={"shop": shop.domain, "order": "#1001"},
    )
    assert answer.status_code == 200
    [fulfillment] = answer.json()["fulfillments"]
    assert fulfillment["tracking_company"] == "Australia Post"
    assert fulfillment["tracking_number"] == "AP42"
    assert fulfillment["line_items"][0]["sku"] == "SBX-MUG"
    assert fulfillment["line_items"][0]["quantity"] == 1


def test_the_shop_page_lists_orders_and_their_fulfilments(
    shop: ShopClient, viewer_client: Client
) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    ship(
        shop,
        {
            "trackingInfo": {"company": "Australia Post", "number": "AP-PAGE-1"},
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": placed["fulfillment_orders"][0]["id"]}
            ],
        },
    )
    page = viewer_client.get(f"/sandbox/shopify/accounts/{shop.domain}/")
    assert page.status_code == 200
    for text in (b'data-order="#1001"', b"AP-PAGE-1", b"Melbourne", b"FULFILLED"):
        assert text in page.content


def test_the_admin_token_reads_a_fulfillment_order_by_node(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    fulfillment_order = placed["fulfillment_orders"][0]["id"]
    found = shop.data(
        "query($id: ID!) { node(id: $id) { ... on FulfillmentOrder { id status orderId } } }",
        {"id": fulfillment_order},
        token=ADMIN_TOKEN,
    )
    assert found["node"] == {
        "id": fulfillment_order,
        "status": "OPEN",
        "orderId": placed["order"],
    }


def test_a_lost_answer_is_recovered_by_the_idempotent_retry(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    shop.emu(
        "faults",
        {
            "match": {"op": "fulfillmentCreate"},
            "response": {"status": 502, "body": "{}"},
            "after_apply": True,
            "times": 1,
        },
    )
    given = {
        "f": {
            "trackingInfo": {"company": "Australia Post", "number": "AP-LOST"},
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": placed["fulfillment_orders"][0]["id"]}
            ],
        },
        "key": "ship-lost-1",
    }
    assert shop.gql(SHIP_IDEMPOTENT, given).status_code == 502
    retry = shop.data(SHIP_IDEMPOTENT, given)["fulfillmentCreate"]
    assert retry["userErrors"] == []
    [made] = read_order(shop, placed["order"])["fulfillments"]
    assert retry["fulfillment"]["id"].startswith("gid://shopify/Fulfillment/")
    assert made["trackingInfo"][0]["number"] == "AP-LOST"


def test_a_fulfilments_tracking_is_corrected(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    created = ship(
        shop,
        {
            "trackingInfo": {"company": "Australia Post", "number": "WRONG1"},
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": placed["fulfillment_orders"][0]["id"]}
            ],
        },
    )
    update = """
    mutation Fix($id: ID!, $tracking: FulfillmentTrackingInput!) {
      fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $tracking) {
        fulfillment { trackingInfo { company number url } }
        userErrors { field message }
      }
    }
    """
    fixed = shop.data(
        update,
        {
            "id": created["fulfillment"]["id"],
            "tracking": {"company": "Australia Post", "number": "RIGHT2"},
        },
    )["fulfillmentTrackingInfoUpdate"]
    assert fixed == {
        "fulfillment": {
            "trackingInfo": [
                {
                    "company": "Australia Post",
                    "number": "RIGHT2",
                    "url": "https://auspost.com.au/mypost/track/details/RIGHT2",
                }
            ]
        },
        "userErrors": [],
    }
    unknown = shop.data(update, {"id": "gid://shopify/Fulfillment/1", "tracking": {"number": "X"}})[
        "fulfillmentTrackingInfoUpdate"
    ]
    assert unknown == {
        "fulfillment": None,
        "userErrors": [{"field": ["fulfillmentId"], "message": "Fulfillment does not exist."}],
    }


def test_status_open_leaves_out_cancelled_orders_which_cannot_be_shipped(
    shop: ShopClient,
) -> None:
    kept = place(shop, [{"sku": "SBX-MUG", "quantity": 1}], shipping_line_title="Standard")
    gone = place(shop, [{"sku": "SBX-TOTE", "quantity": 1}])
    shop.emu("orders/cancel", {"shop": shop.domain, "order": gone["order"]})
    page = shop.data(ORDERS, {"first": 10, "q": "status:open"})["orders"]
    assert [order["id"] for order in page["nodes"]] == [kept["order"]]
    assert page["nodes"][0]["shippingLine"] == {"title": "Standard"}
    every = shop.data(ORDERS, {"first": 10, "q": "status:any"})["orders"]["nodes"]
    assert [order["id"] for order in every] == [kept["order"], gone["order"]]
    assert every[1]["cancelledAt"] is not None
    refused = ship(
        shop,
        {
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": gone["fulfillment_orders"][0]["id"]}
            ]
        },
    )
    assert refused["userErrors"][0]["message"].endswith("has an unfulfillable status= cancelled.")


def test_an_edit_cannot_take_back_units_already_shipped(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 2}])
    fulfillment_order = read_order(shop, placed["order"])["fulfillmentOrders"]["nodes"][0]
    line = fulfillment_order["lineItems"]["nodes"][0]
    ship(
        shop,
        {
            "lineItemsByFulfillmentOrder": [
                {
                    "fulfillmentOrderId": fulfillment_order["id"],
                    "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 1}],
                }
            ]
        },
    )
    refused = shop.sandbox.control.post(
        shop.sandbox.url("shopify", "__emu/orders/change"),
        json={
            "shop": shop.domain,
            "order": placed["order"],
            "lines": [{"sku": "SBX-MUG", "quantity": 0}],
        },
    )
    assert refused.status_code == 409
    assert refused.json() == {"error": "lines[0].quantity: lower than the units already fulfilled"}
    changed = shop.emu(
        "orders/change",
        {
            "shop": shop.domain,
            "order": placed["order"],
            "lines": [{"sku": "SBX-MUG", "quantity": 1}],
        },
    )
    assert changed["fulfillment_status"] == "fulfilled"
    assert changed["fulfillment_orders"][0]["status"] == "CLOSED"


def test_a_fulfilment_is_announced_by_fulfillments_create(shop: ShopClient) -> None:
    placed = place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    with webhook_receiver() as receiver:
        shop.data(SUBSCRIBE, {"topic": "FULFILLMENTS_CREATE", "uri": receiver.url})
        created = ship(
            shop,
            {
                "trackingInfo": {"company": "Australia Post", "number": "AP-HOOK"},
                "lineItemsByFulfillmentOrder": [
                    {"fulfillmentOrderId": placed["fulfillment_orders"][0]["id"]}
                ],
            },
        )
        [delivery] = receiver.wait_for(1)
    headers = {name.lower(): value for name, value in delivery.headers.items()}
    assert headers["x-shopify-topic"] == "fulfillments/create"
    payload = json.loads(delivery.body)
    assert payload["admin_graphql_api_id"] == created["fulfillment"]["id"]
    assert payload["order_id"] == int(placed["order"].rsplit("/", 1)[1])
    assert payload["tracking_number"] == "AP-HOOK"
    assert payload["tracking_url"] == "https://auspost.com.au/mypost/track/details/AP-HOOK"


def test_an_empty_bucket_throttles_an_orders_read(shop: ShopClient) -> None:
    place(shop, [{"sku": "SBX-MUG", "quantity": 1}])
    shop.emu("bucket", {"shop": shop.domain, "available": 5})
    answer = shop.gql(ORDERS, {"first": 1}).json()
    assert answer["errors"] == [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
    assert answer["extensions"]["cost"]["requestedQueryCost"] > 5
