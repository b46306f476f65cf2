"""eBay orders and packages ↔ canonical types, against golden payloads shaped as
integrations/ebay.md §5 and §6 describe them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
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
from kucun.channels.adapters.ebay import mappers
from tests.channels.adapters.ebay.fakes import fixture


def entries() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = fixture("getOrders.json")["orders"]
    return found


def fulfilment(**changes: Any) -> Fulfilment:
    fields: dict[str, Any] = {
        "order_ref": "12-12345-67890",
        "lines": (ShipLine("10012345678901", 1),),
        "tracking_number": "33XYZ0000001",
        "carrier": "auspost",
        "carrier_name": "Australia Post",
        "shipped_at": datetime(2025, 6, 2, 13, 15, tzinfo=timezone(timedelta(hours=10))),
        "key": "order:3:12-12345-67890:shipment:1",
    }
    fields.update(changes)
    return Fulfilment(**fields)


def test_a_paid_order_not_started_becomes_an_open_channel_order() -> None:
    order = mappers.order_from(entries()[0])

    assert order == ChannelOrder(
        order_ref="12-12345-67890",
        number="12-12345-67890",
        status=OrderStatus.OPEN,
        created_at=datetime(2025, 6, 1, 23, 40, 12, tzinfo=UTC),
        updated_at=datetime(2025, 6, 1, 23, 45, tzinfo=UTC),
        lines=(
            ChannelOrderLine(
                line_ref="10012345678901",
                sku="MUG-BLUE-350",
                quantity=2,
                quantity_unfulfilled=2,
                unit_price=Decimal("19.95"),
                title="Blue mug 350 ml",
                inventory_ref="MUG-BLUE-350",
                product_ref="110012345678",
            ),
        ),
        currency="AUD",
        total=Decimal("49.85"),
        shipping_total=Decimal("9.95"),
        customer_name="Jack Wilson",
        customer_email="jack.wilson@example.com",
        customer_phone="0400000002",
        ship_to=OrderAddress(
            name="Jack Wilson",
            company="Wilson Joinery",
            line1="8 Smith St",
            city="Fitzroy",
            state="VIC",
            postcode="3065",
            country_code="AU",
            phone="0400000002",
            email="jack.wilson@example.com",
        ),
        shipping_method="AU_StandardDelivery",
        channel_status="PAID / NOT_STARTED",
    )
    assert order.raw["legacyOrderId"] == "110012345678-10012345678901"


def test_a_cancelled_order_without_shipping_step_names_the_buyer() -> None:
    order = mappers.order_from(entries()[1])

    assert (order.status, order.channel_status) == (
        OrderStatus.CANCELLED,
        "CANCELED / FULLY_REFUNDED",
    )
    assert (order.customer_name, order.ship_to) == ("wombat_buyer_02", OrderAddress())


@pytest.mark.parametrize(
    ("payment", "fulfilment_status", "cancel_state", "expected"),
    [
        ("PAID", "NOT_STARTED", "NONE_REQUESTED", OrderStatus.OPEN),
        ("PARTIALLY_REFUNDED", "NOT_STARTED", "NONE_REQUESTED", OrderStatus.OPEN),
        ("PENDING", "NOT_STARTED", "NONE_REQUESTED", OrderStatus.PENDING),
        ("FAILED", "NOT_STARTED", "NONE_REQUESTED", OrderStatus.PENDING),
        ("FULLY_REFUNDED", "NOT_STARTED", "NONE_REQUESTED", OrderStatus.CANCELLED),
        ("PAID", "IN_PROGRESS", "NONE_REQUESTED", OrderStatus.PARTIALLY_SHIPPED),
        ("PAID", "FULFILLED", "NONE_REQUESTED", OrderStatus.SHIPPED),
        ("FULLY_REFUNDED", "FULFILLED", "NONE_REQUESTED", OrderStatus.SHIPPED),
        ("PAID", "NOT_STARTED", "IN_PROGRESS", OrderStatus.ON_HOLD),
        ("PAID", "FULFILLED", "CANCELED", OrderStatus.CANCELLED),
    ],
)
def test_status_follows_cancellation_then_shipping_then_payment(
    payment: str, fulfilment_status: str, cancel_state: str, expected: OrderStatus
) -> None:
    entry = {
        "orderPaymentStatus": payment,
        "orderFulfillmentStatus": fulfilment_status,
        "cancelStatus": {"cancelState": cancel_state},
    }

    assert mappers.order_status(entry) == expected


@pytest.mark.parametrize(
    ("status", "unfulfilled"), [("NOT_STARTED", 3), ("FULFILLED", 0), ("IN_PROGRESS", None)]
)
def test_what_is_left_to_ship_of_a_line_follows_its_status(
    status: str, unfulfilled: int | None
) -> None:
    line = mappers.order_line_from(
        {"lineItemId": "1", "sku": "A", "quantity": 3, "lineItemFulfillmentStatus": status}
    )

    assert (line.quantity, line.quantity_unfulfilled, line.unit_price) == (3, unfulfilled, None)


def test_an_entry_without_times_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="12-1-1"):
        mappers.order_from({"orderId": "12-1-1"})


def test_the_filter_is_an_open_range_in_utc_with_milliseconds() -> None:
    floor = datetime(2025, 6, 1, 10, 0, 0, 250_000, tzinfo=timezone(timedelta(hours=10)))

    assert mappers.orders_filter(floor) == "lastmodifieddate:[2025-06-01T00:00:00.250Z..]"


def test_the_package_is_the_notes_example() -> None:
    body = mappers.shipping_fulfillment_body(fulfilment(), fulfilment().lines)

    assert body == fixture("createShippingFulfillment.request.json")


@pytest.mark.parametrize(
    ("carrier", "code"),
    [
        ("auspost", "AustraliaPost"),
        ("fastway", "FASTWAYCOURIERS"),
        ("fourpx", "FourPX"),
        ("courier", "Other"),
    ],
)
def test_each_carrier_has_its_ebay_code(carrier: str, code: str) -> None:
    body = mappers.shipping_fulfillment_body(fulfilment(carrier=carrier), [])

    assert body["shippingCarrierCode"] == code


def test_a_package_without_tracking_number_names_no_carrier() -> None:
    body = mappers.shipping_fulfillment_body(fulfilment(tracking_number="", carrier=""), [])

    assert body == {"lineItems": [], "shippedDate": "2025-06-02T03:15:00.000Z"}


def test_a_package_is_found_by_its_tracking_number_whatever_its_spacing_or_case() -> None:
    sent = fixture("getShippingFulfillments.json")["fulfillments"]

    assert mappers.fulfilment_with_tracking(sent, " 33xyz 0000001") == "9405509699937003457459"
    assert mappers.fulfilment_with_tracking(sent, "33XYZ0000002") == ""
    assert mappers.fulfilment_with_tracking(sent, "") == ""


def test_the_new_packages_id_is_the_end_of_its_location() -> None:
    location = (
        "https://api.ebay.com/sell/fulfillment/v1/order/12-12345-67890/shipping_fulfillment/F1"
    )

    assert mappers.fulfillment_id_from(location) == "F1"
    assert mappers.fulfillment_id_from("") == ""


def test_every_line_not_yet_fulfilled_ships_whole() -> None:
    entry = {
        "lineItems": [
            {"lineItemId": "1", "quantity": 2, "lineItemFulfillmentStatus": "NOT_STARTED"},
            {"lineItemId": "2", "quantity": 1, "lineItemFulfillmentStatus": "FULFILLED"},
        ]
    }

    assert mappers.unshipped_lines(entry) == (ShipLine("1", 2),)
