"""The Fulfillment API (ebay.md §5, §6): checkouts made on the control plane, read with
``getOrders`` / ``getOrder``, shipped with ``createShippingFulfillment``, cancelled; the order
topics the notes name are delivered to subscribers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.sandbox.ebay.conftest import (
    REFRESH_TOKEN,
    SELLER,
    Ebay,
    Receiver,
    assert_golden,
    golden,
)
from tests.sandbox.ebay.test_notifications import subscribe

pytestmark = pytest.mark.django_db(transaction=True)

ORDER = "sell/fulfillment/v1/order"
FULFILLMENT_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
SHIP_TO = {
    "fullName": "Ada Lovelace",
    "companyName": "Engines Pty Ltd",
    "contactAddress": {
        "addressLine1": "1 Collins St",
        "addressLine2": "Level 2",
        "city": "Melbourne",
        "stateOrProvince": "VIC",
        "postalCode": "3000",
        "countryCode": "AU",
    },
    "primaryPhone": {"phoneNumber": "0390000000"},
    "email": "ada@example.com",
}


def checkout(ebay: Ebay, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {"buyer": {"username": "ada_l"}, "shipTo": SHIP_TO, "lineItems": lines, **extra}
    answer = ebay.sandbox.control.post(ebay.url("__emu/orders"), json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def get_orders(ebay: Ebay, token: str, query: str) -> Any:
    return ebay.http.get(f"{ebay.url(ORDER)}?{query}", headers={"Authorization": f"Bearer {token}"})


def ship(ebay: Ebay, token: str, order_id: str, body: dict[str, Any]) -> Any:
    return ebay.call("POST", f"{ORDER}/{order_id}/shipping_fulfillment", token, json=body)


def test_the_notes_get_orders_request_lists_a_checkout(ebay: Ebay) -> None:
    ebay.emu("clock", {"freeze": "2025-06-02T08:30:00+00:00"})
    token = ebay.user_token()
    placed = checkout(
        ebay,
        [{"sku": "EB-MUG-01", "quantity": 1, "lineItemId": "10012345678901"}],
        deliveryCost={"value": "9.95", "currency": "AUD"},
    )
    answer = ebay.http.get(
        ebay.url(golden("getOrders.request")["path"].lstrip("/")),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert_golden(body, golden("getOrders.response"), exact_keys=False)
    [order] = body["orders"]
    assert order["orderId"] == placed["orderId"]
    assert order["creationDate"] == "2025-06-02T08:30:00.000Z"
    assert order["buyer"] == {"username": "ada_l"}
    assert order["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"] == SHIP_TO
    [line] = order["lineItems"]
    assert (line["lineItemId"], line["sku"], line["quantity"]) == ("10012345678901", "EB-MUG-01", 1)
    assert line["lineItemCost"] == {"value": "19.95", "currency": "AUD"}
    assert order["pricingSummary"]["total"] == {"value": "29.90", "currency": "AUD"}
    assert "next" not in body


def test_the_notes_shipping_fulfillment_is_created_and_read_back(ebay: Ebay) -> None:
    token = ebay.user_token()
    placed = checkout(ebay, [{"sku": "EB-MUG-01", "quantity": 1, "lineItemId": "10012345678901"}])
    request = golden("createShippingFulfillment.request") | {"trackingNumber": "AP123456789AU"}
    created = ship(ebay, token, placed["orderId"], request)
    assert created.status_code == 201
    assert created.content == b""
    location = created.headers["Location"]
    assert location.startswith(ebay.url(f"{ORDER}/{placed['orderId']}/shipping_fulfillment/"))
    listed = ebay.call("GET", f"{ORDER}/{placed['orderId']}/shipping_fulfillment", token).json()
    assert_golden(listed, golden("getShippingFulfillments.response"))
    [package] = listed["fulfillments"]
    assert package["shipmentTrackingNumber"] == "AP123456789AU"
    assert location.endswith(f"/{package['fulfillmentId']}")
    one = ebay.http.get(location, headers={"Authorization": f"Bearer {token}"})
    assert one.json() == package
    order = ebay.call("GET", f"{ORDER}/{placed['orderId']}", token).json()
    assert order["orderFulfillmentStatus"] == "FULFILLED"
    assert order["lineItems"][0]["lineItemFulfillmentStatus"] == "FULFILLED"
    assert order["fulfillmentHrefs"] == [location]
    control = ebay.sandbox.control.get(
        ebay.url("__emu/orders/fulfillments"), params={"orderId": placed["orderId"]}
    ).json()
    assert control["fulfillments"] == [package]


def test_one_line_of_two_shipped_leaves_the_order_in_progress(ebay: Ebay) -> None:
    token = ebay.user_token()
    placed = checkout(
        ebay, [{"sku": "EB-MUG-01", "quantity": 2}, {"sku": "EB-TEA-02", "quantity": 1}]
    )
    mug, tea = placed["lineItems"]
    body = {
        "lineItems": [{"lineItemId": mug["lineItemId"]}],
        "shippingCarrierCode": "AustraliaPost",
        "trackingNumber": "AP1",
    }
    assert ship(ebay, token, placed["orderId"], body).status_code == 201
    order = ebay.call("GET", f"{ORDER}/{placed['orderId']}", token).json()
    assert order["orderFulfillmentStatus"] == "IN_PROGRESS"
    assert [line["lineItemFulfillmentStatus"] for line in order["lineItems"]] == [
        "FULFILLED",
        "NOT_STARTED",
    ]
    in_progress = get_orders(
        ebay, token, "filter=orderfulfillmentstatus%3A%7BNOT_STARTED%7CIN_PROGRESS%7D"
    ).json()
    assert [found["orderId"] for found in in_progress["orders"]] == [placed["orderId"]]
    second = {**body, "lineItems": [{"lineItemId": tea["lineItemId"], "quantity": 1}]}
    assert ship(ebay, token, placed["orderId"], second).status_code == 201
    done = get_orders(
        ebay, token, "filter=orderfulfillmentstatus%3A%7BNOT_STARTED%7CIN_PROGRESS%7D"
    ).json()
    assert done["orders"] == []
    assert done["total"] == 0


def test_bad_line_items_and_shipping_twice_are_refused(ebay: Ebay) -> None:
    token = ebay.user_token()
    placed = checkout(ebay, [{"sku": "EB-MUG-01", "quantity": 2}])
    line_id = placed["lineItems"][0]["lineItemId"]
    unknown = ship(ebay, token, placed["orderId"], {"lineItems": [{"lineItemId": "999"}]})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["domain"] == "API_FULFILLMENT"
    assert unknown.json()["errors"][0]["message"] == "Invalid line item ID: 999"
    too_many = ship(
        ebay, token, placed["orderId"], {"lineItems": [{"lineItemId": line_id, "quantity": 3}]}
    )
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["message"] == (
        f"The quantity of line item {line_id} is above its remaining 2."
    )
    untracked_carrier = ship(
        ebay,
        token,
        placed["orderId"],
        {"lineItems": [{"lineItemId": line_id}], "shippingCarrierCode": "AustraliaPost"},
    )
    assert untracked_carrier.status_code == 400
    bad_date = ship(
        ebay,
        token,
        placed["orderId"],
        {"lineItems": [{"lineItemId": line_id}], "shippedDate": "2025-06-02"},
    )
    assert bad_date.status_code == 400
    listed = ebay.call("GET", f"{ORDER}/{placed['orderId']}/shipping_fulfillment", token)
    assert listed.json()["fulfillments"] == []

    assert (
        ship(ebay, token, placed["orderId"], {"lineItems": [{"lineItemId": line_id}]}).status_code
        == 201
    )
    again = ship(ebay, token, placed["orderId"], {"lineItems": [{"lineItemId": line_id}]})
    assert again.status_code == 400
    assert again.json()["errors"][0]["message"] == f"Line item {line_id} has already been shipped."
    unknown_order = ship(ebay, token, "12-00000-00000", {"lineItems": [{"lineItemId": line_id}]})
    assert unknown_order.status_code == 404
    assert unknown_order.json()["errors"][0]["errorId"] == 32100


def test_a_package_with_part_of_a_line_leaves_the_line_fulfilled(ebay: Ebay) -> None:
    token = ebay.user_token()
    placed = checkout(ebay, [{"sku": "EB-MUG-01", "quantity": 2}])
    line_id = placed["lineItems"][0]["lineItemId"]
    part = {"lineItems": [{"lineItemId": line_id, "quantity": 1}]}
    assert ship(ebay, token, placed["orderId"], part).status_code == 201
    order = ebay.call("GET", f"{ORDER}/{placed['orderId']}", token).json()
    assert order["lineItems"][0]["lineItemFulfillmentStatus"] == "FULFILLED"
    assert order["orderFulfillmentStatus"] == "FULFILLED"
    rest = ship(ebay, token, placed["orderId"], part)
    assert rest.status_code == 400
    assert rest.json()["errors"][0]["message"] == f"Line item {line_id} has already been shipped."


def test_orders_are_paged_and_filtered_by_modification_date(ebay: Ebay) -> None:
    ebay.emu("clock", {"freeze": "2026-03-01T10:00:00+00:00"})
    token = ebay.user_token()
    first = checkout(ebay, [{"sku": "EB-TEA-02", "quantity": 1}])
    ebay.emu("clock", {"advance_seconds": 60})
    second = checkout(ebay, [{"sku": "EB-TEA-02", "quantity": 1}])
    ebay.emu("clock", {"advance_seconds": 60})
    third = checkout(ebay, [{"sku": "EB-TEA-02", "quantity": 1}])
    ebay.emu("clock", {"advance_seconds": 60})
    ship(
        ebay,
        token,
        first["orderId"],
        {"lineItems": [{"lineItemId": first["lineItems"][0]["lineItemId"]}]},
    )

    since = "filter=lastmodifieddate%3A%5B2026-03-01T10%3A01%3A00.000Z..%5D"
    page = get_orders(ebay, token, f"{since}&limit=2").json()
    assert page["total"] == 3
    assert [order["orderId"] for order in page["orders"]] == [first["orderId"], second["orderId"]]
    rest = ebay.http.get(page["next"], headers={"Authorization": f"Bearer {token}"}).json()
    assert [order["orderId"] for order in rest["orders"]] == [third["orderId"]]
    assert "next" not in rest
    bounded = get_orders(
        ebay,
        token,
        "filter=lastmodifieddate%3A%5B2026-03-01T10%3A01%3A00.000Z..2026-03-01T10%3A02%3A00.000Z%5D",
    ).json()
    assert [order["orderId"] for order in bounded["orders"]] == [
        second["orderId"],
        third["orderId"],
    ]
    # With both date criteria only creationdate counts.
    both = get_orders(
        ebay,
        token,
        "filter=creationdate%3A%5B2026-03-01T10%3A00%3A00.000Z..2026-03-01T10%3A00%3A00.000Z%5D,"
        "lastmodifieddate%3A%5B2026-03-01T10%3A03%3A00.000Z..%5D",
    ).json()
    assert [order["orderId"] for order in both["orders"]] == [first["orderId"]]
    chosen = get_orders(ebay, token, f"orderIds={third['orderId']},{first['orderId']}").json()
    assert [order["orderId"] for order in chosen["orders"]] == [third["orderId"], first["orderId"]]


def test_bad_get_orders_requests_are_refused(ebay: Ebay) -> None:
    token = ebay.user_token()
    raw = ebay.http.get(
        ebay.url(ORDER) + "?filter=lastmodifieddate:[2026-03-01T10:00:00.000Z..]",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert raw.status_code == 400
    assert raw.json()["errors"][0]["message"] == (
        "Invalid filter: the characters [ ] { } | must be percent-encoded"
    )
    for query in (
        "filter=lastmodifieddate%3A%5B2026-03-01T10%3A00%3A00Z..%5D",
        "filter=orderfulfillmentstatus%3A%7BFULFILLED%7D",
        "filter=buyer%3Aada",
        "limit=201",
        "limit=0",
        "offset=-1",
    ):
        refused = get_orders(ebay, token, query)
        assert refused.status_code == 400, query
        assert refused.json()["errors"][0]["domain"] == "API_FULFILLMENT", query
    many = ",".join(f"12-{n:05d}-{n:05d}" for n in range(51))
    assert get_orders(ebay, token, f"orderIds={many}").status_code == 400
    assert ebay.call("GET", f"{ORDER}/12-00000-00000", token).status_code == 404


def test_only_recent_orders_are_listed_without_a_date_filter(ebay: Ebay) -> None:
    ebay.emu("clock", {"freeze": "2026-01-01T00:00:00+00:00"})
    old = checkout(ebay, [{"sku": "EB-TEA-02", "quantity": 1}])
    ebay.emu("clock", {"advance_seconds": 91 * 86400})
    token = ebay.user_token()
    recent = checkout(ebay, [{"sku": "EB-TEA-02", "quantity": 1}])
    listed = get_orders(ebay, token, "limit=10").json()
    assert [order["orderId"] for order in listed["orders"]] == [recent["orderId"]]
    dated = get_orders(
        ebay, token, "filter=creationdate%3A%5B2025-12-01T00%3A00%3A00.000Z..%5D"
    ).json()
    assert [order["orderId"] for order in dated["orders"]] == [old["orderId"], recent["orderId"]]


def test_the_fulfillment_scopes_are_required(ebay: Ebay) -> None:
    inventory_only = ebay.user_token(scope="https://api.ebay.com/oauth/api_scope/sell.inventory")
    assert get_orders(ebay, inventory_only, "limit=1").status_code == 403
    read_only = ebay.user_token(scope=f"{FULFILLMENT_SCOPE}.readonly")
    assert get_orders(ebay, read_only, "limit=1").status_code == 200
    placed = checkout(ebay, [{"sku": "EB-MUG-01", "quantity": 1}])
    refused = ship(
        ebay,
        read_only,
        placed["orderId"],
        {"lineItems": [{"lineItemId": placed["lineItems"][0]["lineItemId"]}]},
    )
    assert refused.status_code == 403
    assert get_orders(ebay, ebay.application_token(), "limit=1").status_code == 403


def test_cancelling_returns_the_quantities_and_shows_the_request(ebay: Ebay) -> None:
    token = ebay.user_token()
    placed = checkout(ebay, [{"sku": "EB-MUG-01", "quantity": 3}])
    assert ebay.state()["quantities"]["EB-MUG-01"] == 9
    cancelled = ebay.emu("orders/cancel", {"orderId": placed["orderId"], "initiator": "BUYER"})
    assert cancelled["cancelStatus"]["cancelState"] == "CANCELED"
    state = ebay.state()
    assert state["quantities"]["EB-MUG-01"] == 12
    assert state["listing_quantities"]["EB-MUG-01"] == 12
    order = ebay.call("GET", f"{ORDER}/{placed['orderId']}", token).json()
    assert order["cancelStatus"]["cancelRequests"][0]["cancelInitiator"] == "BUYER"
    assert order["orderPaymentStatus"] == "FULLY_REFUNDED"
    listed = get_orders(ebay, token, f"orderIds={placed['orderId']}").json()
    assert listed["orders"][0]["cancelStatus"] == {
        "cancelState": "CANCELED",
        "cancelledDate": order["cancelStatus"]["cancelledDate"],
        "cancelRequests": [],
    }
    line_id = placed["lineItems"][0]["lineItemId"]
    refused = ship(ebay, token, placed["orderId"], {"lineItems": [{"lineItemId": line_id}]})
    assert refused.status_code == 400
    again = ebay.sandbox.control.post(
        ebay.url("__emu/orders/cancel"), json={"orderId": placed["orderId"]}
    )
    assert again.status_code == 409


def test_a_shipped_order_cannot_be_cancelled(ebay: Ebay) -> None:
    token = ebay.user_token()
    placed = checkout(ebay, [{"sku": "EB-MUG-01", "quantity": 1}])
    line_id = placed["lineItems"][0]["lineItemId"]
    assert (
        ship(ebay, token, placed["orderId"], {"lineItems": [{"lineItemId": line_id}]}).status_code
        == 201
    )
    refused = ebay.sandbox.control.post(
        ebay.url("__emu/orders/cancel"), json={"orderId": placed["orderId"]}
    )
    assert refused.status_code == 409
    assert refused.json() == {
        "error": f"order {placed['orderId']} has shipped items: it cannot be cancelled"
    }


def test_a_bad_checkout_names_the_field_and_leaves_no_order(ebay: Ebay) -> None:
    url = ebay.url("__emu/orders")
    unknown = ebay.sandbox.control.post(url, json={"lineItems": [{"sku": "NOPE", "quantity": 1}]})
    assert unknown.status_code == 404
    assert unknown.json() == {"error": f"lineItems[0]: seller {SELLER!r} has no item 'NOPE'"}
    too_many = ebay.sandbox.control.post(
        url,
        json={
            "lineItems": [{"sku": "EB-MUG-01", "quantity": 1}, {"sku": "EB-PAN-03", "quantity": 5}]
        },
    )
    assert too_many.status_code == 409
    bad_ship_to = ebay.sandbox.control.post(
        url, json={"lineItems": [{"sku": "EB-MUG-01"}], "shipTo": {"street": "x"}}
    )
    assert bad_ship_to.json() == {"error": "shipTo: unknown field 'street'"}
    state = ebay.state()
    assert state["orders"] == []
    assert state["quantities"]["EB-MUG-01"] == 12


def test_order_notifications_reach_their_subscribers(ebay: Ebay, receiver: Receiver) -> None:
    token = ebay.user_token()
    for topic in ("ORDER_CONFIRMATION", "ITEM_MARKED_SHIPPED", "ORDER_CANCELLATION_ACTIVITY"):
        assert subscribe(ebay, receiver, topic, token).status_code == 201
    shipped = checkout(ebay, [{"sku": "EB-MUG-01", "quantity": 1}])
    line_id = shipped["lineItems"][0]["lineItemId"]
    ship(ebay, token, shipped["orderId"], {"lineItems": [{"lineItemId": line_id}]})
    cancelled = checkout(ebay, [{"sku": "EB-TEA-02", "quantity": 1}])
    ebay.emu("orders/cancel", {"orderId": cancelled["orderId"]})
    received = [json.loads(body) for _headers, body in receiver.received]
    assert [
        (notification["metadata"]["topic"], notification["notification"]["data"])
        for notification in received
    ] == [
        ("ORDER_CONFIRMATION", {"orderId": shipped["orderId"]}),
        ("ITEM_MARKED_SHIPPED", {"orderId": shipped["orderId"]}),
        ("ORDER_CONFIRMATION", {"orderId": cancelled["orderId"]}),
        ("ORDER_CANCELLATION_ACTIVITY", {"orderId": cancelled["orderId"]}),
    ]


def test_the_seller_page_lists_orders_and_their_packages(ebay: Ebay) -> None:
    token = ebay.user_token(refresh_token=REFRESH_TOKEN)
    placed = checkout(ebay, [{"sku": "EB-MUG-01", "quantity": 1}])
    line_id = placed["lineItems"][0]["lineItemId"]
    ship(
        ebay,
        token,
        placed["orderId"],
        {
            "lineItems": [{"lineItemId": line_id}],
            "shippingCarrierCode": "AustraliaPost",
            "trackingNumber": "APPAGE42",
        },
    )
    client = Client()
    client.force_login(UserFactory(role="viewer"))
    page = client.get(f"/sandbox/ebay/accounts/{SELLER}/")
    assert page.status_code == 200
    for text in (placed["orderId"], "APPAGE42", "Melbourne", line_id, "FULFILLED"):
        assert text in page.content.decode()


def test_a_checkout_takes_the_full_fulfillment_start_instructions(ebay: Ebay) -> None:
    token = ebay.user_token()
    answer = ebay.sandbox.control.post(
        ebay.url("__emu/orders"),
        json={
            "buyer": {"username": "grace_h"},
            "fulfillmentStartInstructions": [
                {"shippingStep": {"shipTo": SHIP_TO, "shippingServiceCode": "AU_Express"}}
            ],
            "lineItems": [
                {
                    "sku": "EB-PAN-03",
                    "quantity": 2,
                    "lineItemId": "10099999999901",
                    "legacyItemId": "110555555555",
                    "legacyVariationId": "420000000001",
                    "lineItemCost": {"value": "80.00", "currency": "AUD"},
                }
            ],
        },
    )
    assert answer.status_code == 201
    order = ebay.call("GET", f"{ORDER}/{answer.json()['orderId']}", token).json()
    step = order["fulfillmentStartInstructions"][0]["shippingStep"]
    assert (step["shipTo"], step["shippingServiceCode"]) == (SHIP_TO, "AU_Express")
    [line] = order["lineItems"]
    assert {key: line[key] for key in ("lineItemId", "legacyItemId", "legacyVariationId")} == {
        "lineItemId": "10099999999901",
        "legacyItemId": "110555555555",
        "legacyVariationId": "420000000001",
    }
    assert line["lineItemCost"] == {"value": "80.00", "currency": "AUD"}
    assert order["pricingSummary"]["total"] == {"value": "80.00", "currency": "AUD"}
    assert ebay.state()["quantities"]["EB-PAN-03"] == 2
