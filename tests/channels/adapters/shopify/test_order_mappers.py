"""Shopify orders and fulfilments ↔ canonical types, against golden payloads shaped as the
queries of integrations/shopify.md §5 and §6 select."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from kucun.channels.adapters.base import (
    ChannelOrder,
    ChannelOrderLine,
    Fulfilment,
    OrderAddress,
    OrderStatus,
    ShipLine,
)
from kucun.channels.adapters.shopify import mappers
from tests.channels.adapters.shopify.conftest import golden

SHIPPED_AT = datetime(2025, 6, 2, 3, 15, tzinfo=UTC)


def order_nodes() -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = golden("orders.json")["data"]["orders"]["nodes"]
    return nodes


def fulfilment(**changes: Any) -> Fulfilment:
    fields: dict[str, Any] = {
        "order_ref": "gid://shopify/Order/5001",
        "lines": (ShipLine("gid://shopify/LineItem/9001", 1),),
        "tracking_number": "33XYZ0000001",
        "carrier": "auspost",
        "carrier_name": "Australia Post",
        "shipped_at": SHIPPED_AT,
        "key": "order:7:5001:shipment:1",
    }
    fields.update(changes)
    return Fulfilment(**fields)


def test_a_paid_unfulfilled_order_becomes_an_open_channel_order() -> None:
    order = mappers.order_from(order_nodes()[0])

    assert order == ChannelOrder(
        order_ref="gid://shopify/Order/5001",
        number="#1001",
        status=OrderStatus.OPEN,
        created_at=datetime(2025, 6, 1, 10, 2, tzinfo=UTC),
        updated_at=datetime(2025, 6, 1, 10, 5, tzinfo=UTC),
        lines=(
            ChannelOrderLine(
                line_ref="gid://shopify/LineItem/9001",
                sku="TEE-RED-M",
                quantity=2,
                quantity_unfulfilled=2,
                unit_price=Decimal("13.50"),
                title="Cotton tee",
                variant_ref="gid://shopify/ProductVariant/123",
            ),
            # Ordered 3, edited down to 1; the line has no SKU of its own, its variant has.
            ChannelOrderLine(
                line_ref="gid://shopify/LineItem/9002",
                sku="CARD-GIFT",
                quantity=1,
                quantity_unfulfilled=1,
                unit_price=Decimal("24.95"),
                title="Gift card",
                variant_ref="gid://shopify/ProductVariant/124",
            ),
        ),
        currency="AUD",
        total=Decimal("61.90"),
        shipping_total=Decimal("9.95"),
        customer_name="Mei Chen",
        customer_email="mei.chen@example.com",
        customer_phone="+61 400 000 001",
        ship_to=OrderAddress(
            name="Mei Chen",
            line1="12 George St",
            line2="Unit 4",
            city="Sydney",
            state="NSW",
            postcode="2000",
            country_code="AU",
            phone="+61 400 000 001",
            email="mei.chen@example.com",
        ),
        shipping_method="Standard Shipping",
        channel_status="PAID / UNFULFILLED",
    )
    assert order.raw["name"] == "#1001"


def test_a_cancelled_order_without_customer_or_address_is_read() -> None:
    order = mappers.order_from(order_nodes()[1])

    assert (order.status, order.channel_status) == (OrderStatus.CANCELLED, "CANCELLED / REFUNDED")
    assert (order.customer_name, order.ship_to) == ("", OrderAddress())
    assert order.lines[0].quantity == 0


@pytest.mark.parametrize(
    ("financial", "fulfilment_status", "cancelled_at", "expected"),
    [
        ("PAID", "UNFULFILLED", None, OrderStatus.OPEN),
        ("AUTHORIZED", "UNFULFILLED", None, OrderStatus.OPEN),
        ("PARTIALLY_REFUNDED", "UNFULFILLED", None, OrderStatus.OPEN),
        ("PENDING", "UNFULFILLED", None, OrderStatus.PENDING),
        ("PARTIALLY_PAID", "UNFULFILLED", None, OrderStatus.PENDING),
        ("PAID", "PARTIALLY_FULFILLED", None, OrderStatus.PARTIALLY_SHIPPED),
        ("PAID", "FULFILLED", None, OrderStatus.SHIPPED),
        ("REFUNDED", "FULFILLED", None, OrderStatus.SHIPPED),
        ("PAID", "ON_HOLD", None, OrderStatus.ON_HOLD),
        ("PAID", "SCHEDULED", None, OrderStatus.ON_HOLD),
        ("PAID", "IN_PROGRESS", None, OrderStatus.OPEN),
        ("VOIDED", "UNFULFILLED", None, OrderStatus.CANCELLED),
        ("REFUNDED", "UNFULFILLED", None, OrderStatus.CANCELLED),
        ("PAID", "FULFILLED", "2025-06-02T00:00:00Z", OrderStatus.CANCELLED),
    ],
)
def test_status_follows_cancellation_then_fulfilment_then_payment(
    financial: str, fulfilment_status: str, cancelled_at: str | None, expected: OrderStatus
) -> None:
    node = {
        "displayFinancialStatus": financial,
        "displayFulfillmentStatus": fulfilment_status,
        "cancelledAt": cancelled_at,
    }

    assert mappers.order_status(node) == expected


def test_an_order_without_times_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="gid://shopify/Order/9"):
        mappers.order_from({"id": "gid://shopify/Order/9"})


def test_the_search_starts_the_overlap_before_the_watermark() -> None:
    since = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)

    assert mappers.orders_search(since) == "updated_at:>='2025-06-01T09:50:00Z'"


def test_order_refs_are_gids_whether_given_as_gids_or_numbers() -> None:
    assert mappers.order_gid("gid://shopify/Order/5001") == "gid://shopify/Order/5001"
    assert mappers.order_gid("5001") == "gid://shopify/Order/5001"
    assert mappers.order_gid("#1001") == ""


def test_the_fulfillment_input_is_the_notes_example() -> None:
    open_orders = golden("fulfillmentOrders.json")["data"]["order"]["fulfillmentOrders"]["nodes"]
    expected = golden("fulfillmentCreate.variables.json")["f"]

    by_order = mappers.line_items_by_fulfillment_order(open_orders, fulfilment().lines)

    assert mappers.fulfillment_input(fulfilment(), by_order) == expected


@pytest.mark.parametrize(
    ("carrier", "company", "url"),
    [
        ("auspost", "Australia Post", "https://auspost.com.au/mypost/track/details/AB%2F1"),
        ("fastway", "Aramex Australia", "https://www.aramex.com.au/tools/track?l=AB%2F1"),
        ("fourpx", "4PX", "https://track.4px.com/#/result/0/AB%2F1"),
    ],
)
def test_each_carrier_has_its_company_and_tracking_page(
    carrier: str, company: str, url: str
) -> None:
    shipped = fulfilment(carrier=carrier, carrier_name="ignored", tracking_number="AB/1")

    info = mappers.fulfillment_input(shipped, [])["trackingInfo"]

    assert info == {"company": company, "number": "AB/1", "url": url}


def test_a_carrier_without_a_mapping_sends_its_name_and_the_given_url() -> None:
    shipped = fulfilment(
        carrier="courier", carrier_name="Local Courier", tracking_url="https://example.com/t/1"
    )

    info = mappers.fulfillment_input(shipped, [])["trackingInfo"]

    assert info == {
        "company": "Local Courier",
        "number": "33XYZ0000001",
        "url": "https://example.com/t/1",
    }


def test_a_delivery_without_tracking_number_sends_no_tracking() -> None:
    shipped = fulfilment(carrier="", carrier_name="", tracking_number="")

    assert "trackingInfo" not in mappers.fulfillment_input(shipped, [])


def fulfillment_order(order_id: str, *items: tuple[str, str, int]) -> dict[str, Any]:
    return {
        "id": order_id,
        "status": "OPEN",
        "lineItems": {
            "nodes": [
                {"id": item, "remainingQuantity": left, "lineItem": {"id": line}}
                for item, line, left in items
            ]
        },
    }


def test_a_line_split_over_two_fulfillment_orders_takes_from_each_in_turn() -> None:
    open_orders = [
        fulfillment_order("FO/1", ("FOLI/11", "LI/1", 1), ("FOLI/12", "LI/2", 5)),
        fulfillment_order("FO/2", ("FOLI/21", "LI/1", 4)),
    ]

    by_order = mappers.line_items_by_fulfillment_order(
        open_orders, [ShipLine("LI/1", 3), ShipLine("LI/2", 2)]
    )

    assert by_order == [
        {
            "fulfillmentOrderId": "FO/1",
            "fulfillmentOrderLineItems": [
                {"id": "FOLI/11", "quantity": 1},
                {"id": "FOLI/12", "quantity": 2},
            ],
        },
        {
            "fulfillmentOrderId": "FO/2",
            "fulfillmentOrderLineItems": [{"id": "FOLI/21", "quantity": 2}],
        },
    ]


def test_more_than_remains_is_refused_naming_the_line() -> None:
    open_orders = [fulfillment_order("FO/1", ("FOLI/11", "LI/1", 1))]

    with pytest.raises(mappers.FulfilmentRefused, match="line LI/1: 2 to ship but 1 left"):
        mappers.line_items_by_fulfillment_order(open_orders, [ShipLine("LI/1", 2)])
    with pytest.raises(mappers.FulfilmentRefused, match="line LI/9: 1 to ship but 0 left"):
        mappers.line_items_by_fulfillment_order(open_orders, [ShipLine("LI/9", 1)])


def test_no_lines_fulfils_every_open_fulfillment_order_whole() -> None:
    open_orders = [fulfillment_order("FO/1"), fulfillment_order("FO/2")]

    assert mappers.line_items_by_fulfillment_order(open_orders, []) == [
        {"fulfillmentOrderId": "FO/1"},
        {"fulfillmentOrderId": "FO/2"},
    ]


def test_an_existing_fulfilment_is_found_by_its_tracking_number() -> None:
    order = {
        "fulfillments": [
            {"id": "F/1", "status": "CANCELLED", "trackingInfo": [{"number": "T-1"}]},
            {"id": "F/2", "status": "SUCCESS", "trackingInfo": [{"number": "T-2"}]},
            {"id": "F/3", "status": "SUCCESS", "trackingInfo": {"number": "T-1"}},
        ]
    }

    assert mappers.existing_fulfilment(order, "T-1") == "F/3"
    assert mappers.existing_fulfilment(order, "T-9") == ""
    assert mappers.existing_fulfilment(order, "") == ""


def test_the_idempotency_key_is_stable_per_fulfilment_key_and_order() -> None:
    first = mappers.fulfilment_idempotency_key(fulfilment())

    assert first == mappers.fulfilment_idempotency_key(fulfilment(tracking_number="other"))
    assert first != mappers.fulfilment_idempotency_key(fulfilment(key="another"))
    assert first != mappers.fulfilment_idempotency_key(
        fulfilment(order_ref="gid://shopify/Order/1")
    )
