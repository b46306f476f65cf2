"""Webhook registration and signed deliveries, sales through the control plane, and the
emulator's pages."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from kucun.accounts.services import api_token_create
from kucun.sandbox.pisell.store import DEMO_API_KEY
from tests.factories import UserFactory
from tests.sandbox.pisell.conftest import Pisell, Receiver, golden


def verify(secret: str, header: str, raw_body: bytes) -> bool:
    """What a receiver does (pisell.md §2.6)."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(
        secret.encode(), f"{fields['t']}.".encode() + raw_body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def register(pisell: Pisell, url: str) -> dict[str, str]:
    request = {**golden("webhooks_register.request.json"), "url": url}
    response = pisell.api.post("/webhooks", json=request)
    assert response.status_code == 201
    return response.json()


def test_registration_answers_an_id_and_a_secret(pisell: Pisell, receiver: Receiver) -> None:
    registered = register(pisell, receiver.url)
    assert set(registered) == {"id", "secret"}
    assert registered["secret"].startswith("whsec_")
    refused = pisell.api.post("/webhooks", json={"url": "ftp://x", "events": ["nope"]})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "url", "code": "invalid_url"},
        {"field": "events[0]", "code": "unknown_event"},
    ]


def test_a_fired_event_arrives_signed_verifiably(pisell: Pisell, receiver: Receiver) -> None:
    # Given a registered webhook
    registered = register(pisell, receiver.url)
    pisell.emu("clock", {"freeze": "2026-05-01T00:00:00+00:00"})

    # When a product update is fired
    answer = pisell.emu("webhooks/fire", {"event": "product.updated", "sku": "TREAT-43G"}).json()

    # Then the receiver got one delivery whose signature verifies on the raw body
    [(headers, raw_body)] = receiver.received
    assert headers["X-Event-Type"] == "product.updated"
    assert headers["X-Signature"].startswith("t=1777593600,v1=")
    assert verify(registered["secret"], headers["X-Signature"], raw_body)
    assert not verify("whsec_other", headers["X-Signature"], raw_body)
    payload = json.loads(raw_body)
    assert payload["type"] == "product.updated"
    assert payload["id"] == headers["X-Delivery-Id"]
    assert payload["data"]["variants"][0]["sku"] == "TREAT-43G"
    [delivery] = answer["deliveries"]
    assert (delivery["status"], delivery["attempts"]) == (200, 1)
    assert delivery["body"].encode() == raw_body


def test_a_refused_delivery_is_retried_with_the_same_delivery_id(
    pisell: Pisell, receiver: Receiver
) -> None:
    register(pisell, receiver.url)
    receiver.statuses = [500, 503]
    answer = pisell.emu("webhooks/fire", {"event": "product.updated", "sku": "LEAD-RED"}).json()
    assert [d["attempts"] for d in answer["deliveries"]] == [3]
    assert answer["deliveries"][0]["status"] == 200
    assert len({headers["X-Delivery-Id"] for headers, _ in receiver.received}) == 1
    assert len(receiver.received) == 3


def test_an_undelivered_event_is_signed_for_the_caller(pisell: Pisell, receiver: Receiver) -> None:
    registered = register(pisell, receiver.url)
    answer = pisell.emu(
        "webhooks/fire", {"event": "product.updated", "sku": "TREAT-43G", "deliver": False}
    ).json()
    [delivery] = answer["deliveries"]
    assert receiver.received == []
    assert delivery["attempts"] == 0
    assert verify(
        registered["secret"], delivery["headers"]["X-Signature"], delivery["body"].encode()
    )


def test_a_pos_sale_takes_stock_and_fires_order_and_inventory_events(
    pisell: Pisell, receiver: Receiver
) -> None:
    # Given a webhook for orders and inventory
    pisell.api.post(
        "/webhooks", json={"url": receiver.url, "events": ["order.created", "inventory.updated"]}
    )

    # When two TREAT-43G are sold at the till
    answer = pisell.emu(
        "orders", {"channel": "pos", "line_items": [{"sku": "TREAT-43G", "quantity": 2}]}
    ).json()

    # Then the order is collected, the stock is 10 and both events arrived
    order = answer["order"]
    assert (order["channel"], order["status"], order["fulfillment_status"]) == (
        "pos",
        "paid",
        "collected",
    )
    assert order["line_items"][0]["quantity_fulfilled"] == 2
    assert pisell.state()["variants"]["TREAT-43G"]["stock"] == {"loc_main": 10}
    assert [h["X-Event-Type"] for h, _ in receiver.received] == [
        "order.created",
        "inventory.updated",
    ]
    inventory = json.loads(receiver.received[1][1])["data"]
    assert (inventory["sku"], inventory["location_id"], inventory["quantity"]) == (
        "TREAT-43G",
        "loc_main",
        10,
    )
    products = pisell.api.get("/products").json()["data"]
    assert products[-1]["variants"][0]["stock_quantity"] == 10  # changed last, listed last


def test_a_sale_of_an_unknown_sku_changes_nothing(pisell: Pisell) -> None:
    response = pisell.sandbox.control.post(
        f"{pisell.base_url}/__emu/orders", json={"line_items": [{"sku": "NOPE", "quantity": 1}]}
    )
    assert response.status_code == 422
    assert pisell.state()["orders"] == []


def test_a_malformed_seed_is_refused_whole(pisell: Pisell) -> None:
    control = pisell.sandbox.control
    no_tenant = control.post(
        f"{pisell.base_url}/__emu/seed", json={"products": {"tenant": "ghost", "items": []}}
    )
    assert no_tenant.status_code == 400
    assert no_tenant.json() == {"error": "no tenant 'ghost': seed it under tenants first"}
    half = {
        "tenants": [{"id": "half", "api_key": "psk_half"}],
        "products": {"items": [{"title": "no variants key", "variants": [{"title": "no sku"}]}]},
    }
    refused = control.post(f"{pisell.base_url}/__emu/seed", json=half)
    assert refused.status_code == 400
    assert refused.json()["error"] == "malformed seed: KeyError 'sku'"
    assert "half" not in control.get(f"{pisell.base_url}/__emu/state").json()["tenants"]


def test_pages_show_tenants_and_a_tenants_stock(pisell: Pisell) -> None:
    _token, plain = api_token_create(user=UserFactory(role="viewer"), name="pages")
    headers = {"Authorization": f"Bearer {plain}"}
    listing = httpx.get(f"{pisell.base_url}/", headers=headers)
    assert listing.status_code == 200
    assert DEMO_API_KEY in listing.text
    assert 'href="accounts/demo/"' in listing.text
    tenant = httpx.get(f"{pisell.base_url}/accounts/demo/", headers=headers)
    assert tenant.status_code == 200
    assert "SCRATCH-S" in tenant.text
    assert "Back room" in tenant.text
    assert httpx.get(f"{pisell.base_url}/accounts/nobody/", headers=headers).status_code == 404
    anonymous = httpx.get(f"{pisell.base_url}/", follow_redirects=False)
    assert anonymous.status_code == 302
