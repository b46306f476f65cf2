"""The emulated Kogan orders over real HTTP: orders placed through the control plane, the
seller's ``orders/`` queue and windows, dispatch through ``orders/fulfill/`` and what it
refuses, cancellation, fraud screening and the asynchronous dispatch option."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from kucun.sandbox.kogan.state import DEFAULT_SELLER_ID
from tests.sandbox.conftest import Sandbox
from tests.sandbox.kogan.conftest import SellerClient

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"
ADDRESS = {
    "FirstName": "Jane",
    "LastName": "Citizen",
    "AddressLine1": "1 Main St",
    "City": "Melbourne",
    "StateOrProvince": "VIC",
    "PostalCode": "3000",
    "Country": "AU",
    "DaytimePhone": "0400000000",
    "EmailAddress": "jane@example.com",
}


def golden(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def place(sandbox: Sandbox, *lines: tuple[str, int], **extra: Any) -> dict[str, Any]:
    items = [{"product_sku": sku, "quantity": quantity} for sku, quantity in lines]
    return sandbox.emu("kogan", "orders", {"items": items, **extra}).json()


def stock_of(sandbox: Sandbox, sku: str) -> int:
    state = sandbox.control.get(sandbox.url("kogan", "__emu/state")).json()
    return int(state["sellers"][DEFAULT_SELLER_ID]["products"][sku]["stock"])


def open_orders(client: httpx.Client) -> list[dict[str, Any]]:
    response = client.get("orders/", params={"status": "ReleasedForShipment"})
    assert response.status_code == 200, response.text
    return list(response.json()["body"])


def dispatch(order: dict[str, Any], index: int, quantity: int, **item: Any) -> dict[str, Any]:
    line = order["Items"][index]
    return {
        "ID": order["ID"],
        "Items": [
            {
                "OrderItemID": line["ID"],
                "SellerSku": line["SellerSku"],
                "Quantity": quantity,
                "ShippedDateUtc": "2026-03-02T03:15:00Z",
                "ShippingCarrier": "AUP",
                "ShippingClass": "",
                "TrackingNumber": "ABC000128B4C5",
                **item,
            }
        ],
    }


def fulfil(client: httpx.Client, *entries: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post("orders/fulfill/", json=list(entries))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "Complete"
    return list(response.json()["body"])


def order_now(client: httpx.Client, order_id: str) -> dict[str, Any]:
    response = client.get(f"orders/{order_id}/")
    assert response.status_code == 200, response.text
    return dict(response.json()["body"])


# -- orders/ ------------------------------------------------------------------------------
def test_status_is_required(kogan: SellerClient) -> None:
    response = kogan().get("orders/")
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["body"]) == ("Failed", None)
    assert body["error"].startswith("status is required")


def test_an_unknown_status_is_refused(kogan: SellerClient) -> None:
    response = kogan().get("orders/", params={"status": "Open"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("Invalid status 'Open'")


def test_a_placed_order_is_in_the_open_queue_with_the_documented_fields(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    # Given an order for two medium tees shipped to Jane, with postage
    sandbox.emu("kogan", "clock", {"freeze": "2026-03-01T04:05:06+00:00"})
    placed = place(sandbox, ("KG-TEE-M", 2), shipping_address=ADDRESS, shipping_price="9.95")

    # When the seller asks for the open queue
    response = kogan().get("orders/", params={"status": "ReleasedForShipment"})

    # Then it is there, shaped as kogan.md §5.2 lists the fields, and the stock fell by two
    sample = golden("orders_list.response")
    assert sorted(response.json()) == sorted(sample)
    [order] = response.json()["body"]
    assert order == placed
    expected = sample["body"][0]
    assert sorted(order) == sorted(expected)
    assert set(expected["Items"][0]) <= set(order["Items"][0])
    assert sorted(order["ShippingAddress"]) == sorted(expected["ShippingAddress"])
    assert sorted(order["BuyerAddress"]) == sorted(expected["BuyerAddress"])
    assert order["ID"] == "KGN-0000001"
    assert (order["OrderStatus"], order["OrderDateUtc"], order["DeliverByDateUtc"]) == (
        "ReleasedForShipment",
        "2026-03-01T04:05:06Z",
        "2026-03-06T04:05:06Z",
    )
    assert order["Items"] == [
        {
            "ID": "1001",
            "SellerSku": "KG-TEE-M",
            "ProductTitle": "Plain tee, medium",
            "Quantity": 2,
            "UnitPrice": 9.95,
            "Reason": None,
        }
    ]
    assert (order["Currency"], order["TotalPrice"], order["TotalShippingPrice"]) == (
        "AUD",
        29.85,
        9.95,
    )
    assert order["TotalTaxPrice"] == 2.71  # GST is one eleventh of an Australian price
    assert order["ShippingAddress"] == {
        **dict.fromkeys(expected["ShippingAddress"]),
        **ADDRESS,
    }
    assert stock_of(sandbox, "KG-TEE-M") == 5


def test_limit_caps_the_answer_oldest_first_without_paging(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    first = place(sandbox, ("KG-MUG", 1))
    sandbox.emu("kogan", "clock", {"advance_seconds": 60})
    second = place(sandbox, ("KG-MUG", 1))
    sandbox.emu("kogan", "clock", {"advance_seconds": 60})
    place(sandbox, ("KG-MUG", 1))

    limited = kogan().get("orders/", params={"status": "ReleasedForShipment", "limit": 2}).json()

    assert [order["ID"] for order in limited["body"]] == [first["ID"], second["ID"]]
    assert sorted(limited) == ["body", "error", "pending_url", "status"]
    refused = kogan().get("orders/", params={"status": "ReleasedForShipment", "limit": "0"})
    assert refused.status_code == 400
    assert refused.json()["error"] == "limit must be a whole number of 1 or more."


def test_a_shipped_or_canceled_window_may_not_exceed_fifteen_days(kogan: SellerClient) -> None:
    window = {"startDateUTC": "2026-03-01T00:00:00Z", "endDateUTC": "2026-03-16T00:00:01Z"}
    for status in ("Shipped", "Canceled"):
        response = kogan().get("orders/", params={"status": status, **window})
        assert response.status_code == 400
        assert response.json()["error"] == (
            f"The date range for status {status} may not exceed 15 days "
            "(startDateUTC to endDateUTC)."
        )
    fifteen_days = {**window, "endDateUTC": "2026-03-16T00:00:00Z"}
    assert kogan().get("orders/", params={"status": "Shipped", **fifteen_days}).json() == {
        "status": "Complete",
        "error": None,
        "pending_url": None,
        "body": [],
    }
    unreadable = kogan().get("orders/", params={"status": "Shipped", "startDateUTC": "yesterday"})
    assert unreadable.status_code == 400
    assert unreadable.json()["error"] == "startDateUTC must be an ISO-8601 date-time in UTC."


def test_the_window_is_on_the_order_date(kogan: SellerClient, sandbox: Sandbox) -> None:
    # Given an order of 1 March and one of 10 March, both cancelled
    sandbox.emu("kogan", "clock", {"freeze": "2026-03-01T00:00:00+00:00"})
    early = place(sandbox, ("KG-MUG", 1))
    sandbox.emu("kogan", "clock", {"freeze": "2026-03-10T00:00:00+00:00"})
    late = place(sandbox, ("KG-MUG", 1))
    for order in (early, late):
        sandbox.emu("kogan", "orders/cancel", {"order_id": order["ID"]})

    # When the seller asks for cancellations from 5 March
    since_fifth = kogan().get(
        "orders/",
        params={
            "status": "Canceled",
            "startDateUTC": "2026-03-05T00:00:00Z",
            "endDateUTC": "2026-03-12T00:00:00Z",
        },
    )

    # Then only the later order is listed; without a window the last 15 days count
    assert [order["ID"] for order in since_fifth.json()["body"]] == [late["ID"]]
    recent = kogan().get("orders/", params={"status": "Canceled"}).json()["body"]
    assert [order["ID"] for order in recent] == [early["ID"], late["ID"]]


def test_one_order_by_its_reference(kogan: SellerClient, sandbox: Sandbox) -> None:
    placed = place(sandbox, ("KG-MUG", 3))
    assert order_now(kogan(), placed["ID"]) == placed
    missing = kogan().get("orders/KGN-9999999/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found."}


def test_another_sellers_orders_are_not_seen(kogan: SellerClient, sandbox: Sandbox) -> None:
    sandbox.emu(
        "kogan",
        "seed",
        {
            "sellers": [
                {
                    "seller_id": "S-2",
                    "seller_token": "t-2",
                    "products": [{"product_sku": "OTHER", "stock": 3}],
                }
            ]
        },
    )
    theirs = place(sandbox, ("OTHER", 1), seller_id="S-2")
    assert open_orders(kogan()) == []
    assert kogan().get(f"orders/{theirs['ID']}/").status_code == 404
    assert [order["ID"] for order in open_orders(kogan("S-2", "t-2"))] == [theirs["ID"]]


def test_an_account_level_problem_is_a_failed_answer(kogan: SellerClient, sandbox: Sandbox) -> None:
    sandbox.emu(
        "kogan",
        "seed",
        {
            "sellers": [
                {
                    "seller_id": "S-3",
                    "seller_token": "t-3",
                    "orders_error": "Seller account is suspended.",
                }
            ]
        },
    )
    response = kogan("S-3", "t-3").get("orders/", params={"status": "ReleasedForShipment"})
    assert response.json() == {
        "status": "Failed",
        "error": "Seller account is suspended.",
        "pending_url": None,
        "body": None,
    }


def test_orders_are_released_after_fraud_screening(kogan: SellerClient, sandbox: Sandbox) -> None:
    # Given orders take half an hour to clear screening
    sandbox.emu("kogan", "settings", {"release_delay_seconds": 1800})
    placed = place(sandbox, ("KG-MUG", 1))

    # Then it is Pending, not yet to be shipped, and cannot be dispatched
    assert open_orders(kogan()) == []
    pending = kogan().get("orders/", params={"status": "Pending"}).json()["body"]
    assert [order["ID"] for order in pending] == [placed["ID"]]
    [refused] = fulfil(kogan(), dispatch(placed, 0, 1))
    assert refused["Result"] == "Fail"
    assert refused["Errors"][0]["ErrorCode"] == "InvalidOrderStatus"

    # When half an hour passes on the emulator clock, it is released
    sandbox.emu("kogan", "clock", {"advance_seconds": 1800})
    [released] = open_orders(kogan())
    assert (released["ID"], released["OrderStatus"]) == (placed["ID"], "ReleasedForShipment")


# -- orders/fulfill/ ----------------------------------------------------------------------
def test_the_documented_dispatch_is_accepted(kogan: SellerClient, sandbox: Sandbox) -> None:
    # Given the order of the documented sample, on this emulator
    sandbox.emu("kogan", "clock", {"freeze": "2026-03-01T00:00:00+00:00"})
    sandbox.emu(
        "kogan",
        "seed",
        {
            "sellers": [
                {
                    "seller_id": DEFAULT_SELLER_ID,
                    "products": [{"product_sku": "ABC-123", "stock": 4}],
                }
            ]
        },
    )
    placed = place(sandbox, ("ABC-123", 1), order_id="KGN-1234567")
    request = golden("orders_fulfill.request")
    request[0]["Items"][0]["OrderItemID"] = placed["Items"][0]["ID"]

    # When the documented request is sent
    response = kogan().post("orders/fulfill/", json=request)

    # Then the answer has the documented shape, and the order is shipped
    assert response.status_code == 200
    sample = golden("orders_fulfill.response")
    assert set(sample) <= set(response.json())
    assert response.json()["body"] == [{"ID": "KGN-1234567", "Result": "Success", "Errors": []}]
    assert sorted(response.json()["body"][0]) == sorted(sample["body"][0])
    order = order_now(kogan(), "KGN-1234567")
    assert order["OrderStatus"] == "Shipped"
    assert order["DispatchedItems"] == [
        {**golden("dispatched_item"), "ID": placed["Items"][0]["ID"]}
    ]
    assert open_orders(kogan()) == []
    shipped = kogan().get("orders/", params={"status": "Shipped"}).json()["body"]
    assert [found["ID"] for found in shipped] == ["KGN-1234567"]


def test_a_partial_dispatch_stays_in_the_queue_until_the_rest_is_sent(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    placed = place(sandbox, ("KG-MUG", 3), ("KG-TEE-S", 1))

    fulfil(kogan(), dispatch(placed, 0, 2, TrackingNumber="PARCEL-1"))
    [partial] = open_orders(kogan())
    assert partial["OrderStatus"] == "PartiallyShipped"
    listed = kogan().get("orders/", params={"status": "PartiallyShipped"}).json()["body"]
    assert [order["ID"] for order in listed] == [placed["ID"]]

    rest = dispatch(placed, 0, 1, TrackingNumber="PARCEL-2")
    rest["Items"] += dispatch(placed, 1, 1, TrackingNumber="PARCEL-2")["Items"]
    assert fulfil(kogan(), rest) == [{"ID": placed["ID"], "Result": "Success", "Errors": []}]

    order = order_now(kogan(), placed["ID"])
    assert order["OrderStatus"] == "Shipped"
    assert [
        (item["ID"], item["Quantity"], item["TrackingNumber"]) for item in order["DispatchedItems"]
    ] == [
        (placed["Items"][0]["ID"], 2, "PARCEL-1"),
        (placed["Items"][0]["ID"], 1, "PARCEL-2"),
        (placed["Items"][1]["ID"], 1, "PARCEL-2"),
    ]
    assert open_orders(kogan()) == []


@pytest.mark.parametrize(
    ("item", "code", "message"),
    [
        ({"Quantity": 4}, "InvalidQuantity", "Quantity 4 exceeds the 3 not yet dispatched"),
        ({"Quantity": 0}, "InvalidQuantity", "Quantity must be greater than 0."),
        ({"ShippingCarrier": "ZZZ"}, "InvalidCarrierCode", "Invalid carrier code"),
        ({"ShippingCarrier": "NA"}, "InvalidCarrierCode", "Invalid carrier code"),
        ({"TrackingNumber": ""}, "InvalidTrackingNumber", "TrackingNumber is required."),
        ({"OrderItemID": "nope"}, "InvalidOrderItemID", "Order item nope is not on this order."),
        ({"SellerSku": "KG-TEE-S"}, "InvalidSellerSku", "SellerSku KG-TEE-S does not match"),
        ({"ShippedDateUtc": "2 May"}, "InvalidShippedDate", "ShippedDateUtc must be"),
    ],
)
def test_a_refused_item_fails_its_order_and_changes_nothing(
    kogan: SellerClient, sandbox: Sandbox, item: dict[str, Any], code: str, message: str
) -> None:
    placed = place(sandbox, ("KG-MUG", 3))
    [answer] = fulfil(kogan(), dispatch(placed, 0, 3, **item))
    assert answer["ID"] == placed["ID"]
    assert answer["Result"] == "Fail"
    [error] = answer["Errors"]
    assert error["ErrorCode"] == code
    assert error["Message"].startswith(message)
    assert order_now(kogan(), placed["ID"]) == placed


def test_one_failing_order_does_not_stop_the_others(kogan: SellerClient, sandbox: Sandbox) -> None:
    good = place(sandbox, ("KG-MUG", 1))
    bad = place(sandbox, ("KG-MUG", 1))
    answers = fulfil(
        kogan(),
        dispatch(good, 0, 1),
        dispatch(bad, 0, 2),
        {"ID": "KGN-0000404", "Items": dispatch(good, 0, 1)["Items"]},
    )
    assert [(answer["ID"], answer["Result"]) for answer in answers] == [
        (good["ID"], "Success"),
        (bad["ID"], "Fail"),
        ("KGN-0000404", "Fail"),
    ]
    assert answers[2]["Errors"] == [
        {
            "ID": "KGN-0000404",
            "ErrorCode": "OrderNotFound",
            "Message": "Order KGN-0000404 does not exist.",
        }
    ]
    assert [order["ID"] for order in open_orders(kogan())] == [bad["ID"]]


def test_the_same_dispatch_twice_is_refused_the_second_time(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    placed = place(sandbox, ("KG-MUG", 1))
    assert fulfil(kogan(), dispatch(placed, 0, 1))[0]["Result"] == "Success"
    [again] = fulfil(kogan(), dispatch(placed, 0, 1))
    assert again["Errors"] == [
        {
            "ID": placed["ID"],
            "ErrorCode": "InvalidOrderStatus",
            "Message": f"Order {placed['ID']} is Shipped and cannot be fulfilled.",
        }
    ]
    assert len(order_now(kogan(), placed["ID"])["DispatchedItems"]) == 1


def test_no_carrier_needs_the_account_managers_agreement(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    sandbox.emu(
        "kogan",
        "seed",
        {
            "sellers": [
                {
                    "seller_id": "S-NA",
                    "seller_token": "t-na",
                    "no_carrier_permission": True,
                    "products": [{"product_sku": "LETTER", "stock": 5}],
                }
            ]
        },
    )
    placed = place(sandbox, ("LETTER", 1), seller_id="S-NA")
    answer = fulfil(
        kogan("S-NA", "t-na"), dispatch(placed, 0, 1, ShippingCarrier="NA", TrackingNumber="")
    )
    assert answer == [{"ID": placed["ID"], "Result": "Success", "Errors": []}]


def test_carrier_codes_are_configurable(kogan: SellerClient, sandbox: Sandbox) -> None:
    sandbox.emu("kogan", "settings", {"carrier_codes": ["AUP", "FASTWAY"]})
    placed = place(sandbox, ("KG-MUG", 2))
    assert fulfil(kogan(), dispatch(placed, 0, 1, ShippingCarrier="FASTWAY"))[0]["Errors"] == []
    [refused] = fulfil(kogan(), dispatch(placed, 0, 1, ShippingCarrier="4PX"))
    assert refused["Errors"][0]["Message"] == "Invalid carrier code"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"ID": "KGN-1"}, "Expected a list of orders but got something else."),
        ([], "This list may not be empty."),
    ],
)
def test_a_body_that_is_not_a_list_of_orders_is_a_400(
    kogan: SellerClient, body: Any, error: str
) -> None:
    response = kogan().post("orders/fulfill/", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "status": "Failed",
        "error": error,
        "pending_url": None,
        "body": None,
    }


def test_dispatch_can_be_made_asynchronous(kogan: SellerClient, sandbox: Sandbox) -> None:
    # Given dispatches answered with a task that completes on the second poll
    sandbox.emu("kogan", "settings", {"fulfil_async": 1, "task_polls": 1})
    placed = place(sandbox, ("KG-MUG", 1))

    # When the seller dispatches, nothing has happened yet
    accepted = kogan().post("orders/fulfill/", json=[dispatch(placed, 0, 1)]).json()
    assert (accepted["status"], accepted["body"]) == ("AsyncResponsePending", None)
    assert order_now(kogan(), placed["ID"])["OrderStatus"] == "ReleasedForShipment"

    # Then polling the task applies it and answers the per-order results
    assert kogan().get(accepted["pending_url"]).json()["status"] == "AsyncResponsePending"
    done = kogan().get(accepted["pending_url"]).json()
    assert (done["status"], done["body"]) == (
        "Complete",
        [{"ID": placed["ID"], "Result": "Success", "Errors": []}],
    )
    assert order_now(kogan(), placed["ID"])["OrderStatus"] == "Shipped"


def test_orders_share_the_sellers_bucket(kogan: SellerClient, sandbox: Sandbox) -> None:
    sandbox.emu("kogan", "clock", {"freeze": "2026-03-01T00:00:00+00:00"})
    sandbox.emu("kogan", "rate-limit", {"capacity": 1, "refill_per_second": 0.1})
    assert kogan().get("orders/", params={"status": "Pending"}).status_code == 200
    throttled = kogan().get("orders/", params={"status": "Pending"})
    assert throttled.status_code == 429
    assert throttled.json() == {"detail": "Request was throttled. Expected available in 10 sec."}
    assert throttled.headers["Retry-After"] == "10"


# -- control plane ------------------------------------------------------------------------
def test_cancelling_returns_the_stock_and_closes_the_order(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    placed = place(sandbox, ("KG-MUG", 3), ("KG-TEE-S", 2))
    first_line = placed["Items"][0]["ID"]

    partly = sandbox.emu(
        "kogan",
        "orders/cancel",
        {"order_id": placed["ID"], "items": [{"ID": first_line, "Quantity": 1}], "reason": "OOS"},
    ).json()
    assert partly["OrderStatus"] == "PartiallyCanceled"
    assert partly["CancelledItems"] == [
        {"ID": first_line, "SellerSku": "KG-MUG", "Quantity": 1, "Reason": "OOS"}
    ]
    assert stock_of(sandbox, "KG-MUG") == 28
    [still_open] = open_orders(kogan())
    assert still_open["ID"] == placed["ID"]

    whole = sandbox.emu("kogan", "orders/cancel", {"order_id": placed["ID"]}).json()
    assert whole["OrderStatus"] == "Canceled"
    assert (stock_of(sandbox, "KG-MUG"), stock_of(sandbox, "KG-TEE-S")) == (30, 12)
    assert open_orders(kogan()) == []
    [refused] = fulfil(kogan(), dispatch(placed, 0, 1))
    assert refused["Errors"][0]["ErrorCode"] == "InvalidOrderStatus"
    nothing_left = sandbox.control.post(
        sandbox.url("kogan", "__emu/orders/cancel"), json={"order_id": placed["ID"]}
    )
    assert nothing_left.status_code == 409


def test_placing_refuses_what_it_cannot_sell_and_changes_nothing(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    url = sandbox.url("kogan", "__emu/orders")
    cases = [
        ({"items": [{"product_sku": "KG-MUG", "quantity": 31}]}, 409, "KG-MUG has 30 in stock"),
        ({"items": [{"product_sku": "KG-MUG"}, {"product_sku": "NOPE"}]}, 409, "unknown"),
        ({"items": []}, 400, "items must be a list"),
        ({"items": [{"product_sku": "KG-MUG", "quantity": 0}]}, 400, "items[0].quantity"),
        (
            {"items": [{"product_sku": "KG-MUG"}], "shipping_address": {"Town": "Melbourne"}},
            400,
            "shipping_address: unknown field(s) Town",
        ),
        ({"seller_id": "ghost", "items": [{"product_sku": "KG-MUG"}]}, 404, "unknown seller"),
        (
            {"items": [{"product_sku": "KG-MUG"}], "shipping_price": "free"},
            400,
            "shipping_price must be a decimal amount",
        ),
        (
            {"items": [{"product_sku": "KG-MUG", "unit_price": -1}]},
            400,
            "items[0].unit_price must be a decimal amount",
        ),
    ]
    for body, status, message in cases:
        response = sandbox.control.post(url, json=body)
        assert response.status_code == status, body
        assert response.json()["error"].startswith(message), response.json()
    assert stock_of(sandbox, "KG-MUG") == 30
    assert sandbox.control.get(url).json() == {"orders": []}


def test_the_control_plane_lists_an_orders_dispatches(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    sandbox.emu("kogan", "clock", {"freeze": "2026-03-02T05:00:00+00:00"})
    placed = place(
        sandbox,
        ("KG-MUG", 2),
        shipping_address={
            "name": "Jo Bloggs",
            "line1": "2 Side St",
            "city": "Perth",
            "state": "WA",
            "postcode": "6000",
            "country": "AU",
        },
    )
    sent = dispatch(placed, 0, 2)
    fulfil(kogan(), sent)

    listed = sandbox.control.get(
        sandbox.url("kogan", "__emu/dispatches"), params={"order": placed["ID"]}
    ).json()

    assert listed["order_id"] == placed["ID"]
    assert listed["dispatches"] == [{"at": "2026-03-02T05:00:00Z", "items": sent["Items"]}]
    assert listed["DispatchedItems"][0]["TrackingNumber"] == "ABC000128B4C5"
    orders = sandbox.control.get(sandbox.url("kogan", "__emu/orders")).json()["orders"]
    assert [entry["order"]["ShippingAddress"]["City"] for entry in orders] == ["Perth"]
    assert orders[0]["order"]["ShippingAddress"]["FirstName"] == "Jo"
    assert orders[0]["dispatches"] == listed["dispatches"]
    missing = sandbox.control.get(sandbox.url("kogan", "__emu/dispatches"), params={"order": "x"})
    assert missing.status_code == 404


def test_orders_are_numbered_across_sellers(sandbox: Sandbox, kogan: SellerClient) -> None:
    sandbox.emu(
        "kogan",
        "seed",
        {
            "sellers": [
                {
                    "seller_id": "S-2",
                    "seller_token": "t-2",
                    "products": [{"sku": "X", "quantity": 1}],
                }
            ]
        },
    )
    first = place(sandbox, ("KG-MUG", 1))
    second = place(sandbox, ("X", 1), seller_id="S-2")
    assert (first["ID"], second["ID"]) == ("KGN-0000001", "KGN-0000002")
    assert second["Items"][0]["ID"] == "2001"


def test_a_lost_dispatch_answer_then_a_resend_is_refused_as_shipped(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    # Given a dispatch whose answer is lost after Kogan applied it
    placed = place(sandbox, ("KG-MUG", 1))
    sandbox.emu(
        "kogan",
        "faults",
        {"match": {"op": "orders_fulfill"}, "response": {"status": 504}, "after_apply": True},
    )
    lost = kogan().post("orders/fulfill/", json=[dispatch(placed, 0, 1)])
    assert lost.status_code == 504

    # When the seller sends it again, Kogan says the order is already shipped
    [again] = fulfil(kogan(), dispatch(placed, 0, 1))
    assert again["Errors"][0]["ErrorCode"] == "InvalidOrderStatus"
    assert len(order_now(kogan(), placed["ID"])["DispatchedItems"]) == 1


def test_a_seed_places_its_orders_or_loads_nothing(kogan: SellerClient, sandbox: Sandbox) -> None:
    seller = {
        "seller_id": "S-O",
        "seller_token": "t-o",
        "products": [{"product_sku": "P-1", "stock": 5}],
        "orders": [{"items": [{"product_sku": "P-1", "quantity": 2}]}],
    }
    loaded = sandbox.emu("kogan", "seed", {"sellers": [seller]}).json()
    assert loaded == {"products": {"S-O": 1}, "orders": {"S-O": 1}}
    [order] = open_orders(kogan("S-O", "t-o"))
    assert order["Items"][0]["SellerSku"] == "P-1"

    too_many = {**seller, "seller_id": "S-X", "seller_token": "t-x"}
    too_many["orders"] = [{"items": [{"product_sku": "P-1", "quantity": 6}]}]
    refused = sandbox.control.post(sandbox.url("kogan", "__emu/seed"), json={"sellers": [too_many]})
    assert refused.status_code == 400
    assert refused.json() == {"error": "P-1 has 5 in stock, 6 asked"}
    state = sandbox.control.get(sandbox.url("kogan", "__emu/state")).json()
    assert "S-X" not in state["sellers"]
    assert state["sellers"]["S-O"]["products"]["P-1"]["stock"] == 3
