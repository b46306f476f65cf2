"""Webhook deliveries (shopify.md §7): signed on the raw bytes with the app's client secret,
sent after the write commits, retried on a non-2xx answer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from tests.sandbox.shopify.conftest import CLIENT_SECRET, SET_QUANTITIES, ShopClient
from tests.sandbox.shopify.receiver import webhook_receiver

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIBE = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri format }
    userErrors { field message }
  }
}
"""


def verify(secret: bytes, raw: bytes, header: str) -> bool:
    digest = base64.b64encode(hmac.new(secret, raw, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(digest, header or "")


def test_a_stock_write_delivers_a_signed_inventory_levels_update(shop: ShopClient) -> None:
    variants = shop.variants_by_sku()
    location = shop.location()
    with webhook_receiver() as receiver:
        created = shop.data(SUBSCRIBE, {"topic": "INVENTORY_LEVELS_UPDATE", "uri": receiver.url})
        subscription = created["webhookSubscriptionCreate"]
        assert subscription["userErrors"] == []
        assert subscription["webhookSubscription"]["topic"] == "INVENTORY_LEVELS_UPDATE"
        item = variants["SBX-MUG"]["inventory_item_id"]
        shop.data(
            SET_QUANTITIES,
            {
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "quantities": [
                        {
                            "inventoryItemId": item,
                            "locationId": location,
                            "quantity": 9,
                            "changeFromQuantity": 25,
                        }
                    ],
                }
            },
        )
        [delivery] = receiver.wait_for(1)
    headers = {name.lower(): value for name, value in delivery.headers.items()}
    assert verify(CLIENT_SECRET.encode(), delivery.body, headers["x-shopify-hmac-sha256"])
    assert not verify(b"another secret", delivery.body, headers["x-shopify-hmac-sha256"])
    assert headers["x-shopify-topic"] == "inventory_levels/update"
    assert headers["x-shopify-shop-domain"] == shop.domain
    assert headers["x-shopify-api-version"] == "2026-04"
    assert headers["x-shopify-webhook-id"]
    assert headers["x-shopify-event-id"]
    assert headers["x-shopify-triggered-at"].endswith("Z")
    payload = json.loads(delivery.body)
    assert payload["inventory_item_id"] == int(item.rsplit("/", 1)[1])
    assert payload["location_id"] == int(location.rsplit("/", 1)[1])
    assert payload["available"] == 9


def test_a_fired_products_update_names_the_variant_and_is_retried_until_accepted(
    shop: ShopClient,
) -> None:
    shop.emu("settings", {"webhooks": {"attempts": 3, "backoff_seconds": 0.05}})
    with webhook_receiver() as receiver:
        shop.emu(
            "seed",
            {
                "shops": [
                    {
                        "domain": shop.domain,
                        "webhooks": [{"topic": "PRODUCTS_UPDATE", "uri": receiver.url}],
                    }
                ]
            },
        )
        receiver.statuses = [500, 503]
        shop.emu(
            "webhooks/fire", {"shop": shop.domain, "topic": "products/update", "sku": "SBX-TEE-M"}
        )
        deliveries = receiver.wait_for(3)
    assert len(deliveries) == 3
    assert len({delivery.body for delivery in deliveries}) == 1  # the original bytes each time
    ids = {delivery.headers["X-Shopify-Webhook-Id"] for delivery in deliveries}
    assert len(ids) == 1
    payload = json.loads(deliveries[0].body)
    assert payload["title"] == "Sandbox Tee"
    assert [variant["sku"] for variant in payload["variants"]] == [
        "SBX-TEE-S",
        "SBX-TEE-M",
        "SBX-TEE-L",
    ]
    assert verify(
        CLIENT_SECRET.encode(), deliveries[0].body, deliveries[0].headers["X-Shopify-Hmac-Sha256"]
    )


def test_retries_are_bounded_and_recorded(shop: ShopClient) -> None:
    shop.emu("settings", {"webhooks": {"attempts": 2, "backoff_seconds": 0.05}})
    with webhook_receiver() as receiver:
        shop.emu(
            "seed",
            {
                "shops": [
                    {
                        "domain": shop.domain,
                        "webhooks": [{"topic": "INVENTORY_LEVELS_UPDATE", "uri": receiver.url}],
                    }
                ]
            },
        )
        receiver.statuses = [500, 500, 500]
        shop.emu("orders", {"shop": shop.domain, "sku": "SBX-CAP", "quantity": 1})
        deliveries = receiver.wait_for(2)
        for _ in range(100):
            recorded = shop.state()["deliveries"]
            if recorded:
                break
            receiver.wait_for(99, timeout=0.1)
    assert len(deliveries) == 2
    assert json.loads(deliveries[0].body)["available"] == -1
    assert recorded[0]["delivered"] is False
    assert recorded[0]["attempts"] == 2
    assert recorded[0]["status"] == 500


def test_an_invalid_address_is_a_user_error(shop: ShopClient) -> None:
    data = shop.data(SUBSCRIBE, {"topic": "PRODUCTS_UPDATE", "uri": "not a url"})
    assert data["webhookSubscriptionCreate"] == {
        "webhookSubscription": None,
        "userErrors": [{"field": ["webhookSubscription", "uri"], "message": "Address is invalid"}],
    }
