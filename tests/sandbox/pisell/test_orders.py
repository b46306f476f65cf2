"""Orders on the Pisell emulator over real HTTP (pisell.md §2.4–§2.6): the incremental
listing, fulfilments with their idempotency and refusals, order webhooks, the control plane's
order changes and the orders page."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from kucun.accounts.services import api_token_create
from tests.factories import UserFactory
from tests.sandbox.pisell.conftest import Pisell, Receiver, golden
from tests.sandbox.pisell.test_access_and_limits import signed_headers
from tests.sandbox.pisell.test_webhooks_and_pages import verify

pytestmark = pytest.mark.django_db(transaction=True)

JANE = {"name": "Jane Citizen", "email": "jane@example.com", "phone": "+61400000000"}
JANES_ADDRESS = {
    "name": "Jane Citizen",
    "line1": "1 Main St",
    "suburb": "Melbourne",
    "state": "VIC",
    "postcode": "3000",
    "country": "AU",
    "phone": "+61400000000",
}
SHIPMENT = {"carrier": "australia_post", "tracking_number": "ABC000128B4C5"}


def place(pisell: Pisell, *lines: tuple[str, int], **extra: Any) -> dict[str, Any]:
    body = {
        "channel": "online",
        "line_items": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        **extra,
    }
    return dict(pisell.emu("orders", body).json()["order"])


def ship(pisell: Pisell, order_id: str, body: dict[str, Any], key: str = "") -> httpx.Response:
    return pisell.api.post(
        f"/orders/{order_id}/fulfillments",
        json=body,
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


def listed(pisell: Pisell, **params: Any) -> list[dict[str, Any]]:
    response = pisell.api.get("/orders", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def an_order(pisell: Pisell, order_id: str) -> dict[str, Any]:
    response = pisell.api.get(f"/orders/{order_id}")
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


# -- GET orders ---------------------------------------------------------------------------
def test_orders_answer_matches_the_documented_sample(pisell: Pisell) -> None:
    # Given Jane's online order of two TREAT-43G at 4.95 with 9.95 postage
    pisell.emu("clock", {"freeze": "2026-05-01T02:03:04+00:00"})
    placed = place(
        pisell,
        ("TREAT-43G", 2),
        customer=JANE,
        shipping_address=JANES_ADDRESS,
        shipping_total="9.95",
        number="#1042",
    )
    assert pisell.api.post("/orders").status_code == 405

    # When the orders are listed
    answer = pisell.api.get("/orders").json()

    # Then the answer has the sample's shape, key for key, and the order's values
    sample = golden("orders_list.response.json")
    assert sorted(answer) == sorted(sample)
    assert answer["next_cursor"] is None
    [order] = answer["data"]
    expected = sample["data"][0]
    assert list(order) == list(expected)
    assert sorted(order["customer"]) == sorted(expected["customer"])
    # Nested objects as stored (PostgreSQL's jsonb keeps no key order): the same keys.
    assert sorted(order["shipping_address"]) == sorted(expected["shipping_address"])
    assert sorted(order["line_items"][0]) == sorted(expected["line_items"][0])
    assert order == placed
    assert {name: order[name] for name in ("number", "channel", "status", "currency")} == {
        "number": "#1042",
        "channel": "online",
        "status": "paid",
        "currency": "AUD",
    }
    assert (order["fulfillment_status"], order["created_at"], order["updated_at"]) == (
        "unfulfilled",
        "2026-05-01T02:03:04Z",
        "2026-05-01T02:03:04Z",
    )
    assert (order["total"], order["shipping_total"], order["tax_total"]) == (
        "19.85",
        "9.95",
        "1.80",
    )
    assert order["shipping_address"] == {**expected["shipping_address"], "company": None}
    assert order["customer"] == {**JANE, "id": order["customer"]["id"]}
    [line] = order["line_items"]
    assert {name: line[name] for name in ("sku", "quantity", "quantity_fulfilled")} == {
        "sku": "TREAT-43G",
        "quantity": 2,
        "quantity_fulfilled": 0,
    }
    assert line["unit_price"] == "4.95"
    assert pisell.state()["variants"]["TREAT-43G"]["stock"] == {"loc_main": 10}


def test_orders_page_by_cursor_from_updated_since_with_status_filters(pisell: Pisell) -> None:
    # Given five orders a minute apart, the third left unpaid
    pisell.emu("clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    placed = []
    for minute in range(5):
        status = "pending" if minute == 2 else "paid"
        placed.append(place(pisell, ("TREAT-100G", 1), status=status)["id"])
        pisell.emu("clock", {"advance_seconds": 60})

    # When they are read two at a time from the second one's time
    pages, cursor = [], None
    while True:
        params = {"updated_since": "2026-05-01T00:01:00Z", "limit": 2}
        answer = pisell.api.get("/orders", params={**params, "cursor": cursor or ""}).json()
        pages.append([order["id"] for order in answer["data"]])
        cursor = answer["next_cursor"]
        if cursor is None:
            break

    # Then every order from then on comes once, in order; ``status`` narrows and repeats
    assert pages == [placed[1:3], placed[3:5]]
    assert [o["id"] for o in listed(pisell, status="pending")] == [placed[2]]
    both = pisell.api.get("/orders", params=[("status", "pending"), ("status", "paid")])
    assert [o["id"] for o in both.json()["data"]] == placed
    assert listed(pisell, status="refunded") == []


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"status": "shipped"}, "status", "invalid_choice"),
        ({"limit": "251"}, "limit", "out_of_range"),
        ({"updated_since": "yesterday"}, "updated_since", "invalid_datetime"),
        ({"cursor": "not-ours"}, "cursor", "invalid_cursor"),
    ],
)
def test_unreadable_parameters_are_a_400_naming_them(
    pisell: Pisell, params: dict[str, str], field: str, code: str
) -> None:
    response = pisell.api.get("/orders", params=params)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": field, "code": code}]


def test_one_order_by_id(pisell: Pisell) -> None:
    placed = place(pisell, ("LEAD-RED", 1))
    assert an_order(pisell, placed["id"]) == placed
    missing = pisell.api.get("/orders/o_404")
    assert missing.status_code == 404
    assert missing.json()["type"] == "https://errors.example/not_found"


def test_another_tenants_orders_are_not_seen(pisell: Pisell) -> None:
    pisell.emu(
        "seed",
        {
            "tenants": [
                {
                    "id": "other",
                    "api_key": "psk_other",
                    "products": [{"title": "X", "variants": [{"sku": "X-1", "stock_quantity": 3}]}],
                }
            ]
        },
    )
    theirs = place(pisell, ("X-1", 1), tenant="other")
    assert listed(pisell) == []
    assert pisell.api.get(f"/orders/{theirs['id']}").status_code == 404
    with pisell.client("psk_other") as client:
        assert [o["id"] for o in client.get("/orders").json()["data"]] == [theirs["id"]]


def test_local_time_string_mode_covers_orders(pisell: Pisell) -> None:
    pisell.emu("clock", {"freeze": "2026-05-02T05:18:51+00:00"})
    products = [{"title": "T", "variants": [{"sku": "T-1", "stock_quantity": 2}]}]
    tenant = {"id": "mel", "api_key": "psk_mel", "local_time_zone": "Australia/Melbourne"}
    pisell.emu("seed", {"tenants": [{**tenant, "products": products}]})
    place(pisell, ("T-1", 1), tenant="mel")
    with pisell.client("psk_mel") as client:
        [order] = client.get("/orders").json()["data"]
    assert (order["created_at"], order["updated_at"]) == (
        "02/May/2026 15:18:51",
        "02/May/2026 15:18:51",
    )


# -- POST orders/{id}/fulfillments --------------------------------------------------------
def test_the_documented_fulfilment_ships_the_order_and_tells_the_webhook(
    pisell: Pisell, receiver: Receiver
) -> None:
    # Given an order webhook and an unfulfilled order of two
    secret = pisell.api.post(
        "/webhooks", json={"url": receiver.url, "events": ["order.updated"]}
    ).json()["secret"]
    pisell.emu("clock", {"freeze": "2026-05-02T00:00:00+00:00"})
    placed = place(pisell, ("TREAT-43G", 2))
    pisell.emu("clock", {"advance_seconds": 3600})

    # When the documented fulfilment is posted for its line
    request = golden("fulfillments_create.request.json")
    request["line_items"][0]["id"] = placed["line_items"][0]["id"]
    response = ship(pisell, placed["id"], request)

    # Then it is created as documented and the order is fulfilled and changed
    assert response.status_code == 201
    fulfillment = response.json()
    sample = golden("fulfillments_create.response.json")
    assert set(sample) <= set(fulfillment)
    assert (fulfillment["order_id"], fulfillment["status"]) == (placed["id"], "shipped")
    assert fulfillment == {
        "id": fulfillment["id"],
        "order_id": placed["id"],
        "status": "shipped",
        "line_items": request["line_items"],
        "carrier": "australia_post",
        "tracking_number": "ABC000128B4C5",
        "tracking_url": "https://tracking.example/ABC000128B4C5",
        "shipped_at": "2025-05-02T01:00:00Z",
        "notify_customer": True,
        "created_at": "2026-05-02T01:00:00Z",
    }
    order = an_order(pisell, placed["id"])
    assert order["fulfillment_status"] == "fulfilled"
    assert order["line_items"][0]["quantity_fulfilled"] == 2
    assert order["updated_at"] == "2026-05-02T01:00:00Z"
    changed = listed(pisell, updated_since="2026-05-02T01:00:00Z")
    assert [found["id"] for found in changed] == [placed["id"]]
    [(headers, raw_body)] = receiver.received
    assert headers["X-Event-Type"] == "order.updated"
    assert verify(secret, headers["X-Signature"], raw_body)
    assert json.loads(raw_body)["data"] == order
    assert pisell.api.get(f"/orders/{placed['id']}/fulfillments").json() == {"data": [fulfillment]}


def test_partial_fulfilments_then_the_rest_by_omitting_lines(pisell: Pisell) -> None:
    placed = place(pisell, ("TREAT-43G", 3), ("LEAD-RED", 1))
    first, second = (line["id"] for line in placed["line_items"])

    partial = ship(pisell, placed["id"], {"line_items": [{"id": first, "quantity": 1}], **SHIPMENT})
    assert partial.status_code == 201
    assert an_order(pisell, placed["id"])["fulfillment_status"] == "partial"

    rest = ship(pisell, placed["id"], {**SHIPMENT, "tracking_number": "SECOND"})
    assert rest.status_code == 201
    assert rest.json()["line_items"] == [
        {"id": first, "quantity": 2},
        {"id": second, "quantity": 1},
    ]
    order = an_order(pisell, placed["id"])
    assert order["fulfillment_status"] == "fulfilled"
    assert [line["quantity_fulfilled"] for line in order["line_items"]] == [3, 1]

    nothing_left = ship(pisell, placed["id"], SHIPMENT)
    assert nothing_left.status_code == 422
    assert nothing_left.json()["type"] == "https://errors.example/over_fulfilment"


def test_over_fulfilment_is_refused_and_changes_nothing(pisell: Pisell) -> None:
    placed = place(pisell, ("TREAT-43G", 2))
    line = placed["line_items"][0]["id"]
    response = ship(
        pisell,
        placed["id"],
        {"line_items": [{"id": line, "quantity": 2}, {"id": line, "quantity": 1}], **SHIPMENT},
    )
    assert response.status_code == 422
    problem = response.json()
    assert (problem["type"], problem["title"], problem["status"]) == (
        "https://errors.example/over_fulfilment",
        "Over fulfilment",
        422,
    )
    assert problem["errors"] == [{"field": "line_items[1].quantity", "code": "over_fulfilment"}]
    assert an_order(pisell, placed["id"]) == placed
    assert pisell.api.get(f"/orders/{placed['id']}/fulfillments").json() == {"data": []}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"tracking_number": "X"}, [{"field": "carrier", "code": "required"}]),
        (
            {**SHIPMENT, "line_items": [{"id": "li_nope", "quantity": 1}]},
            [{"field": "line_items[0].id", "code": "unknown_line_item"}],
        ),
        (
            {**SHIPMENT, "line_items": [{"id": "x", "quantity": 0}]},
            [{"field": "line_items[0].quantity", "code": "invalid_quantity"}],
        ),
        (
            {**SHIPMENT, "shipped_at": "2 May", "tracking_url": "ftp://x"},
            [
                {"field": "tracking_url", "code": "invalid_url"},
                {"field": "shipped_at", "code": "invalid_datetime"},
            ],
        ),
    ],
)
def test_an_invalid_fulfilment_is_a_422_naming_the_field(
    pisell: Pisell, body: dict[str, Any], errors: list[dict[str, str]]
) -> None:
    placed = place(pisell, ("TREAT-43G", 1))
    response = ship(pisell, placed["id"], body)
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert an_order(pisell, placed["id"]) == placed


def test_orders_that_are_not_shipped_are_refused(pisell: Pisell) -> None:
    till = pisell.emu(
        "orders", {"channel": "pos", "line_items": [{"sku": "TREAT-43G", "quantity": 1}]}
    ).json()["order"]
    unpaid = place(pisell, ("TREAT-43G", 1), status="pending")
    cancelled = place(pisell, ("TREAT-43G", 1))
    pisell.emu("orders/cancel", {"order_id": cancelled["id"]})
    for order_id, detail in (
        (till["id"], "is collected in store"),
        (unpaid["id"], "is pending"),
        (cancelled["id"], "is cancelled"),
    ):
        response = ship(pisell, order_id, SHIPMENT)
        assert response.status_code == 422
        assert response.json()["type"] == "https://errors.example/order_not_fulfillable"
        assert detail in response.json()["detail"]
    missing = ship(pisell, "o_404", SHIPMENT)
    assert missing.status_code == 404


def test_fulfilments_are_idempotent_by_key(pisell: Pisell) -> None:
    placed = place(pisell, ("TREAT-43G", 2))
    line = placed["line_items"][0]["id"]
    body = {"line_items": [{"id": line, "quantity": 1}], **SHIPMENT}

    missing_key = pisell.api.post(f"/orders/{placed['id']}/fulfillments", json=body)
    assert missing_key.status_code == 400
    assert missing_key.json()["errors"] == [{"field": "Idempotency-Key", "code": "required"}]

    first = ship(pisell, placed["id"], body, key="key-1")
    replay = ship(pisell, placed["id"], body, key="key-1")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json()
    assert an_order(pisell, placed["id"])["line_items"][0]["quantity_fulfilled"] == 1

    other_body = ship(pisell, placed["id"], {**body, "tracking_number": "OTHER"}, key="key-1")
    assert other_body.status_code == 409
    assert other_body.json()["type"] == "https://errors.example/idempotency_key_reused"
    assert len(pisell.api.get(f"/orders/{placed['id']}/fulfillments").json()["data"]) == 1


# -- control plane ------------------------------------------------------------------------
def test_cancelling_restocks_and_fires_order_cancelled(pisell: Pisell, receiver: Receiver) -> None:
    pisell.api.post(
        "/webhooks",
        json={"url": receiver.url, "events": ["order.cancelled", "inventory.updated"]},
    )
    placed = place(pisell, ("TREAT-43G", 3))
    line = placed["line_items"][0]["id"]
    ship(pisell, placed["id"], {"line_items": [{"id": line, "quantity": 1}], **SHIPMENT})
    receiver.received.clear()

    answer = pisell.emu("orders/cancel", {"order_id": placed["id"]}).json()

    assert answer["order"]["status"] == "cancelled"
    assert pisell.state()["variants"]["TREAT-43G"]["stock"] == {"loc_main": 11}
    assert [headers["X-Event-Type"] for headers, _ in receiver.received] == [
        "order.cancelled",
        "inventory.updated",
    ]
    assert json.loads(receiver.received[0][1])["data"]["status"] == "cancelled"
    assert [o["id"] for o in listed(pisell, status="cancelled")] == [placed["id"]]
    again = pisell.sandbox.control.post(
        f"{pisell.base_url}/__emu/orders/cancel", json={"order_id": placed["id"]}
    )
    assert again.status_code == 409


def test_a_refund_without_restock_leaves_the_stock(pisell: Pisell) -> None:
    placed = place(pisell, ("TREAT-43G", 2))
    pisell.emu("orders/cancel", {"order_id": placed["id"], "refunded": True, "restock": False})
    assert an_order(pisell, placed["id"])["status"] == "refunded"
    assert pisell.state()["variants"]["TREAT-43G"]["stock"] == {"loc_main": 10}


def test_an_update_is_an_order_updated_event_and_a_newer_order(
    pisell: Pisell, receiver: Receiver
) -> None:
    pisell.api.post("/webhooks", json={"url": receiver.url, "events": ["order.updated"]})
    pisell.emu("clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    placed = place(pisell, ("TREAT-43G", 1), status="pending")
    pisell.emu("clock", {"advance_seconds": 120})

    answer = pisell.emu(
        "orders/update",
        {"order_id": placed["id"], "status": "paid", "shipping_address": JANES_ADDRESS},
    ).json()

    order = an_order(pisell, placed["id"])
    assert answer["order"] == order
    assert (order["status"], order["updated_at"]) == ("paid", "2026-05-01T00:02:00Z")
    assert order["shipping_address"]["suburb"] == "Melbourne"
    [(headers, raw_body)] = receiver.received
    assert headers["X-Event-Type"] == "order.updated"
    assert json.loads(raw_body)["data"]["status"] == "paid"
    refused = pisell.sandbox.control.post(
        f"{pisell.base_url}/__emu/orders/update",
        json={"order_id": placed["id"], "status": "cancelled"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "status", "code": "invalid_choice"}]


def test_placing_refuses_bad_input_and_changes_nothing(pisell: Pisell) -> None:
    url = f"{pisell.base_url}/__emu/orders"
    cases = [
        ({"channel": "web", "line_items": [{"sku": "TREAT-43G", "quantity": 1}]}, "channel"),
        ({"line_items": [{"sku": "TREAT-43G", "quantity": 1}], "status": "refunded"}, "status"),
        (
            {
                "channel": "online",
                "line_items": [{"sku": "TREAT-43G", "quantity": 1}],
                "shipping_address": {"town": "Melbourne"},
            },
            "shipping_address.town",
        ),
        (
            {"line_items": [{"sku": "TREAT-43G", "quantity": 1}], "location_id": "loc_x"},
            "location_id",
        ),
        (
            {"line_items": [{"sku": "TREAT-43G", "quantity": 1}], "shipping_total": "x"},
            "shipping_total",
        ),
        (
            {"line_items": [{"sku": "TREAT-43G", "quantity": 1, "unit_price": "-2"}]},
            "line_items[0].unit_price",
        ),
    ]
    for body, field in cases:
        response = pisell.sandbox.control.post(url, json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
    assert pisell.state()["orders"] == []
    assert pisell.state()["variants"]["TREAT-43G"]["stock"] == {"loc_main": 12}


def test_the_control_plane_lists_orders_and_fulfilments(pisell: Pisell) -> None:
    placed = place(pisell, ("TREAT-43G", 1))
    shipped = ship(pisell, placed["id"], SHIPMENT).json()
    control = pisell.sandbox.control
    listed_orders = control.get(f"{pisell.base_url}/__emu/orders").json()["orders"]
    assert listed_orders == [{"order": an_order(pisell, placed["id"]), "fulfillments": [shipped]}]
    found = control.get(
        f"{pisell.base_url}/__emu/fulfillments", params={"order_id": placed["id"]}
    ).json()
    assert found == {"fulfillments": [shipped]}
    missing = control.get(f"{pisell.base_url}/__emu/fulfillments", params={"order_id": "o_x"})
    assert missing.status_code == 404


def test_the_orders_page_shows_orders_and_their_fulfilments(pisell: Pisell) -> None:
    placed = place(pisell, ("TREAT-43G", 2), shipping_address=JANES_ADDRESS)
    ship(pisell, placed["id"], {**SHIPMENT, "tracking_number": "TRACK-9"})
    _token, plain = api_token_create(user=UserFactory(role="viewer"), name="pages")
    headers = {"Authorization": f"Bearer {plain}"}

    page = httpx.get(f"{pisell.base_url}/accounts/demo/orders/", headers=headers)

    assert page.status_code == 200
    assert f'{placed["number"]} <small class="text-body-secondary">{placed["id"]}</small>' in (
        page.text
    )
    assert "Jane Citizen, Melbourne VIC 3000 AU" in page.text
    assert "2 × <code>TREAT-43G</code> (2 fulfilled)" in page.text
    assert "australia_post TRACK-9" in page.text
    tenants = httpx.get(f"{pisell.base_url}/", headers=headers)
    assert 'href="accounts/demo/orders/">1</a>' in tenants.text
    missing = httpx.get(f"{pisell.base_url}/accounts/nobody/orders/", headers=headers)
    assert missing.status_code == 404


# -- access, limits and faults ------------------------------------------------------------
def test_orders_take_signed_headers_and_count_against_the_bucket(pisell: Pisell) -> None:
    pisell.emu("clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    headers = signed_headers(1777593600)
    response = httpx.get(f"{pisell.base_url}/orders", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"data": [], "next_cursor": None}
    assert response.headers["X-RateLimit-Limit"] == "120"
    assert response.headers["X-RateLimit-Remaining"] == "119"
    assert httpx.get(f"{pisell.base_url}/orders").status_code == 401


def test_a_lost_fulfilment_answer_is_recovered_by_replaying_its_key(pisell: Pisell) -> None:
    # Given a fulfilment whose answer is lost after it was applied
    placed = place(pisell, ("TREAT-43G", 1))
    pisell.emu(
        "faults",
        {"match": {"op": "order_fulfillments"}, "response": {"status": 502}, "after_apply": True},
    )
    lost = ship(pisell, placed["id"], SHIPMENT, key="lost-1")
    assert lost.status_code == 502

    # When it is sent again with the same key
    replay = ship(pisell, placed["id"], SHIPMENT, key="lost-1")

    # Then the stored fulfilment is answered and the order was shipped once
    assert replay.status_code == 201
    assert pisell.api.get(f"/orders/{placed['id']}/fulfillments").json() == {
        "data": [replay.json()]
    }


def test_a_seed_places_online_and_till_orders_or_loads_nothing(pisell: Pisell) -> None:
    orders = [
        {"channel": "online", "line_items": [{"sku": "TREAT-43G", "quantity": 1}]},
        {"channel": "pos", "line_items": [{"sku": "LEAD-RED", "quantity": 1}]},
    ]
    assert pisell.emu("seed", {"orders": orders}).json() == {
        "tenants": 0,
        "variants": 0,
        "orders": 2,
    }
    assert [(o["channel"], o["fulfillment_status"]) for o in listed(pisell)] == [
        ("online", "unfulfilled"),
        ("pos", "collected"),
    ]
    refused = pisell.sandbox.control.post(
        f"{pisell.base_url}/__emu/seed",
        json={
            "tenants": [{"id": "half", "api_key": "psk_half"}],
            "orders": [{"line_items": [{"sku": "NOPE", "quantity": 1}]}],
        },
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"field": "line_items[0].sku", "code": "unknown_sku"}]
    assert (
        "half" not in pisell.sandbox.control.get(f"{pisell.base_url}/__emu/state").json()["tenants"]
    )
    assert len(listed(pisell)) == 2
