"""The eBay Channel's orders on a scripted eBay: getOrders paging and its filter on the wire,
getOrder, and createShippingFulfillment made idempotent by reading the order's packages.
Unit tests of the adapter; against the emulator over real HTTP it is the order contract
suite's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kucun.channels.adapters.base import (
    ChannelError,
    EventKind,
    Fulfilment,
    OrderStatus,
    ShipLine,
    ShipResult,
    Unavailable,
)
from kucun.channels.adapters.ebay.adapter import CAPABILITIES
from kucun.channels.adapters.ebay.mappers import event_from
from tests.channels.adapters.ebay.fakes import FakeEbay, ebay_json, fixture, make_channel

ORDERS = "/sell/fulfillment/v1/order"
ORDER = "12-12345-67890"
ONE = f"{ORDERS}/{ORDER}"
PACKAGES = f"{ONE}/shipping_fulfillment"
CREATED = f"https://api.ebay.com{PACKAGES}/9405509699937003457459"
NO_PACKAGES = {"fulfillments": [], "total": 0, "warnings": []}


def fulfilment(**changes: Any) -> Fulfilment:
    fields: dict[str, Any] = {
        "order_ref": ORDER,
        "lines": (ShipLine("10012345678901", 1),),
        "tracking_number": "33XYZ0000001",
        "carrier": "auspost",
        "carrier_name": "Australia Post",
        "shipped_at": datetime(2025, 6, 2, 3, 15, tzinfo=UTC),
        "key": "order:3:12-12345-67890:shipment:1",
    }
    fields.update(changes)
    return Fulfilment(**fields)


def page(orders: list[Any], *, total: int, offset: int) -> httpx.Response:
    return ebay_json(200, {"total": total, "limit": 200, "offset": offset, "orders": orders})


def test_capabilities_say_orders_are_announced_and_lines_may_ship_apart() -> None:
    assert (CAPABILITIES.order_webhooks, CAPABILITIES.partial_fulfilment) == (True, True)


def test_orders_are_read_from_the_watermark_less_the_overlap_by_item_offset() -> None:
    first, second = fixture("getOrders.json")["orders"]
    fake = FakeEbay().on(
        "GET", ORDERS, page([first], total=2, offset=0), page([second], total=2, offset=1)
    )

    found = list(make_channel(fake).fetch_orders(datetime(2025, 6, 1, 10, 0, tzinfo=UTC)))

    assert [order.order_ref for order in found] == [ORDER, "12-12345-67891"]
    assert [order.status for order in found] == [OrderStatus.OPEN, OrderStatus.CANCELLED]
    queries = [request.url.query.decode() for request in fake.calls("GET", ORDERS)]
    assert queries == [
        f"filter=lastmodifieddate:%5B2025-06-01T09:50:00.000Z..%5D&limit=200&offset={offset}"
        for offset in (0, 1)
    ]
    request = fake.calls("GET", ORDERS)[0]
    assert request.headers["Authorization"].startswith("Bearer ")
    assert request.headers["X-EBAY-C-MARKETPLACE-ID"] == "EBAY_AU"


def test_an_empty_window_is_one_call() -> None:
    fake = FakeEbay().on("GET", ORDERS, page([], total=0, offset=0))

    assert list(make_channel(fake).fetch_orders(datetime(2025, 6, 1, tzinfo=UTC))) == []
    assert len(fake.calls("GET", ORDERS)) == 1


def test_one_order_is_read_and_an_unknown_one_is_none() -> None:
    entry = fixture("getOrders.json")["orders"][0]
    unknown = {"errors": [{"errorId": 32100, "message": "Invalid order ID: 12-0-0"}]}
    fake = (
        FakeEbay()
        .on("GET", ONE, ebay_json(200, entry))
        .on("GET", f"{ORDERS}/12-0-0", ebay_json(400, unknown))
    )
    channel = make_channel(fake)

    found = channel.fetch_order(ORDER)

    assert found is not None
    assert found.number == ORDER
    assert channel.fetch_order("12-0-0") is None
    assert channel.fetch_order("  ") is None


def test_a_package_is_sent_with_the_carriers_code_and_its_id_read_from_location() -> None:
    fake = (
        FakeEbay()
        .on("GET", PACKAGES, ebay_json(200, NO_PACKAGES))
        .on("POST", PACKAGES, httpx.Response(201, headers={"Location": CREATED}))
    )

    result = make_channel(fake).mark_shipped(fulfilment())

    assert result == ShipResult(fulfilment_ref="9405509699937003457459")
    [sent] = fake.calls("POST", PACKAGES)
    assert json.loads(sent.content) == fixture("createShippingFulfillment.request.json")
    assert sent.headers["Content-Type"] == "application/json"


def test_a_package_already_sent_with_the_tracking_number_is_answered_not_sent_again() -> None:
    fake = FakeEbay().on("GET", PACKAGES, ebay_json(200, fixture("getShippingFulfillments.json")))

    result = make_channel(fake).mark_shipped(fulfilment())

    assert result == ShipResult("9405509699937003457459", already_done=True)
    assert fake.calls("POST", PACKAGES) == []


def test_a_lost_answer_is_found_among_the_packages_before_anything_is_repeated() -> None:
    fake = (
        FakeEbay()
        .on(
            "GET",
            PACKAGES,
            ebay_json(200, NO_PACKAGES),
            ebay_json(200, fixture("getShippingFulfillments.json")),
        )
        .on("POST", PACKAGES, httpx.Response(502, text="Bad Gateway"))
    )

    result = make_channel(fake).mark_shipped(fulfilment())

    assert result == ShipResult("9405509699937003457459", already_done=True)
    assert len(fake.calls("POST", PACKAGES)) == 1


def test_a_server_error_that_applied_nothing_is_sent_again_after_looking() -> None:
    fake = (
        FakeEbay()
        .on("GET", PACKAGES, ebay_json(200, NO_PACKAGES))
        .on(
            "POST",
            PACKAGES,
            httpx.Response(503, text="Service Unavailable"),
            httpx.Response(201, headers={"Location": CREATED}),
        )
    )
    sleeps: list[float] = []

    result = make_channel(fake, sleeps=sleeps).mark_shipped(fulfilment())

    assert result == ShipResult("9405509699937003457459")
    assert len(fake.calls("POST", PACKAGES)) == 2
    assert len(fake.calls("GET", PACKAGES)) == 2
    assert len(sleeps) == 1


def test_ebay_down_throughout_raises_a_retryable_error_after_bounded_tries() -> None:
    fake = (
        FakeEbay()
        .on("GET", PACKAGES, ebay_json(200, NO_PACKAGES))
        .on("POST", PACKAGES, httpx.Response(503, text="Service Unavailable"))
    )

    with pytest.raises(Unavailable) as raised:
        make_channel(fake).mark_shipped(fulfilment())
    assert raised.value.retryable is True
    assert len(fake.calls("POST", PACKAGES)) == 4


def test_ebays_refusal_is_raised_in_its_words() -> None:
    refusal = {
        "errors": [
            {
                "errorId": 32700,
                "domain": "API_FULFILLMENT",
                "category": "REQUEST",
                "message": "The quantity is more than the line item's remaining quantity.",
            }
        ]
    }
    fake = (
        FakeEbay()
        .on("GET", PACKAGES, ebay_json(200, NO_PACKAGES))
        .on("POST", PACKAGES, ebay_json(400, refusal))
    )

    with pytest.raises(ChannelError, match="errorId 32700: The quantity is more") as raised:
        make_channel(fake).mark_shipped(fulfilment())
    assert (raised.value.status, raised.value.retryable) == (400, False)


def test_without_lines_every_line_not_yet_shipped_goes() -> None:
    entry = fixture("getOrders.json")["orders"][0]
    fake = (
        FakeEbay()
        .on("GET", PACKAGES, ebay_json(200, NO_PACKAGES))
        .on("GET", ONE, ebay_json(200, entry))
        .on("POST", PACKAGES, httpx.Response(201, headers={"Location": CREATED}))
    )

    make_channel(fake).mark_shipped(fulfilment(lines=()))

    [sent] = fake.calls("POST", PACKAGES)
    assert json.loads(sent.content)["lineItems"] == [
        {"lineItemId": "10012345678901", "quantity": 2}
    ]


def test_an_order_confirmation_names_the_order() -> None:
    # The signature path is the notification tests' business; here only what it names.
    event = event_from(fixture("notification.ORDER_CONFIRMATION.json"))

    assert (event.kind, event.refs) == (EventKind.ORDER_CREATED, (ORDER,))


def test_an_untracked_package_lost_to_a_server_error_is_not_sent_again() -> None:
    fake = FakeEbay().on("POST", PACKAGES, httpx.Response(503, text="Service Unavailable"))

    with pytest.raises(Unavailable):
        make_channel(fake).mark_shipped(fulfilment(tracking_number="", carrier=""))
    assert len(fake.calls("POST", PACKAGES)) == 1
    assert fake.calls("GET", PACKAGES) == []
