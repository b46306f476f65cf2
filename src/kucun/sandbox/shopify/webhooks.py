"""Webhook deliveries (shopify.md §7): after the write commits, a background thread POSTs the
payload to every subscription of the topic, signed with the app's client secret
(``X-Shopify-Hmac-Sha256`` = base64 HMAC-SHA256 of the raw body), and retries a non-2xx answer
or a refused connection a bounded number of times with exponential backoff, always sending the
original bytes and the same ``X-Shopify-Webhook-Id``. Each outcome is recorded in the shop's
``delivery`` collection.

Retry settings: emulator setting ``webhooks`` = ``{"attempts": 4, "backoff_seconds": 0.5}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from django.db import close_old_connections, connection, transaction

from kucun.sandbox.shopify import order_payloads, state
from kucun.sandbox.shopify.mutations import topic_name

DEFAULT_DELIVERY = {"attempts": 4, "backoff_seconds": 0.5, "timeout_seconds": 5.0}
DEFAULT_VERSION = "2026-01"


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Delivery:
    shop: str
    topic: str
    uri: str
    body: bytes
    headers: dict[str, str]


def level_payload(domain: str, variant_id: int, location_id: int) -> dict[str, Any] | None:
    record = state.variant_record(domain, variant_id)
    if record is None:
        return None
    item = state.inventory_item_id(variant_id)
    return {
        "inventory_item_id": item,
        "location_id": location_id,
        "available": state.quantity_of(record.data, location_id, "available"),
        "updated_at": state.shopify_time(record.updated_at),
        "admin_graphql_api_id": state.gid(
            "InventoryLevel", f"{location_id}?inventory_item_id={item}"
        ),
    }


def product_payload(domain: str, product_id: int) -> dict[str, Any] | None:
    product = state.product_records(domain, [product_id]).get(product_id)
    if product is None:
        return None
    found = state.variants(domain).filter(data__product_id=product_id).order_by("id")
    return {
        "id": product_id,
        "admin_graphql_api_id": state.gid("Product", product_id),
        "title": product.data.get("title", ""),
        "handle": product.data.get("handle", ""),
        "status": str(product.data.get("status", "ACTIVE")).lower(),
        "vendor": product.data.get("vendor", ""),
        "created_at": state.shopify_time(product.created_at),
        "updated_at": state.shopify_time(max([product.updated_at, *(v.updated_at for v in found)])),
        "variants": [variant_payload(record) for record in found],
    }


def variant_payload(record: Any) -> dict[str, Any]:
    number = int(record.key)
    levels = record.data.get("levels", {})
    return {
        "id": number,
        "admin_graphql_api_id": state.gid("ProductVariant", number),
        "product_id": record.data["product_id"],
        "title": record.data.get("title", ""),
        "sku": record.data.get("sku", ""),
        "barcode": record.data.get("barcode"),
        "price": record.data.get("price", "0.00"),
        "inventory_item_id": state.inventory_item_id(number),
        "inventory_quantity": sum(int(level.get("available", 0)) for level in levels.values()),
        "updated_at": state.shopify_time(record.updated_at),
    }


def event_payload(domain: str, event: Mapping[str, Any]) -> dict[str, Any] | None:
    if "payload" in event:
        return dict(event["payload"])
    if "order" in event:
        return order_payloads.event_payload(domain, event)
    if event["topic"] == "inventory_levels/update":
        return level_payload(domain, int(event["variant"]), int(event["location"]))
    if event["topic"] == "products/update":
        return product_payload(domain, int(event["product"]))
    return None


def deliveries_for(
    domain: str,
    events: Sequence[Mapping[str, Any]],
    subscriptions: list[tuple[str, Mapping[str, Any]]] | None = None,
) -> list[Delivery]:
    """The signed deliveries of these events to the shop's subscriptions (built now, in the
    request, so the thread needs no database to send them)."""
    shop = state.shop_get(domain)
    if shop is None or not events:
        return []
    if subscriptions is None:
        subscriptions = [
            (topic_name(record.data["topic"]), record.data)
            for record in state.emulator.records(domain, "webhook").order_by("id")
        ]
    secret = shop.client_secret()
    triggered_at = state.emulator.now().isoformat().replace("+00:00", "Z")
    found = []
    for event in events:
        wanted = [data for topic, data in subscriptions if topic == event["topic"]]
        body_data = event_payload(domain, event) if wanted else None
        if body_data is None:
            continue
        body = json.dumps(body_data, separators=(",", ":")).encode()
        event_id = str(uuid.uuid4())
        for data in wanted:
            headers = {
                "Content-Type": "application/json",
                "X-Shopify-Topic": event["topic"],
                "X-Shopify-Hmac-Sha256": sign(secret, body),
                "X-Shopify-Shop-Domain": domain,
                "X-Shopify-API-Version": data.get("api_version") or DEFAULT_VERSION,
                "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                "X-Shopify-Event-Id": event_id,
                "X-Shopify-Triggered-At": triggered_at,
            }
            found.append(Delivery(domain, event["topic"], data["uri"], body, headers))
    return found


def dispatch_on_commit(domain: str, events: Sequence[Mapping[str, Any]]) -> None:
    """Announce these events once the current transaction commits (never before)."""
    if not events:
        return
    deliveries = deliveries_for(domain, events)
    if not deliveries:
        return
    settings = {**DEFAULT_DELIVERY, **state.emulator.setting("webhooks", {})}
    transaction.on_commit(lambda: start(deliveries, settings))


def start(deliveries: list[Delivery], settings: Mapping[str, Any]) -> None:
    threading.Thread(
        target=deliver_all, args=(deliveries, dict(settings)), name="shopify-webhooks", daemon=True
    ).start()


def deliver_all(deliveries: list[Delivery], settings: dict[str, Any]) -> None:
    try:
        for delivery in deliveries:
            outcome = deliver(delivery, settings)
            state.emulator.put(
                delivery.shop,
                "delivery",
                delivery.headers["X-Shopify-Webhook-Id"],
                {
                    "topic": delivery.topic,
                    "uri": delivery.uri,
                    "event_id": delivery.headers["X-Shopify-Event-Id"],
                    **outcome,
                },
            )
    finally:
        close_old_connections()
        connection.close()


def deliver(delivery: Delivery, settings: Mapping[str, Any]) -> dict[str, Any]:
    attempts = max(1, int(settings["attempts"]))
    status: int | None = None
    error = ""
    for attempt in range(1, attempts + 1):
        try:
            answer = httpx.post(
                delivery.uri,
                content=delivery.body,
                headers=delivery.headers,
                timeout=float(settings["timeout_seconds"]),
            )
            status, error = answer.status_code, ""
            if 200 <= answer.status_code < 300:
                return {"status": status, "attempts": attempt, "delivered": True}
        except httpx.HTTPError as failure:
            status, error = None, type(failure).__name__
        if attempt < attempts:
            time.sleep(float(settings["backoff_seconds"]) * 2 ** (attempt - 1))
    return {"status": status, "attempts": attempts, "delivered": False, "error": error}
