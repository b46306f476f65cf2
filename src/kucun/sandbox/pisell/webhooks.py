"""Webhook registrations and signed deliveries (pisell.md §2.6).

A delivery is ``{"id", "type", "created_at", "data"}`` POSTed with ``X-Event-Type``,
``X-Delivery-Id`` (the same on every retry of one delivery) and ``X-Signature:
t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>``. A non-2xx answer or a failed
connection is retried (``webhook_retry`` setting: attempts, backoff seconds, doubling).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from kucun.sandbox.pisell.store import EMULATOR, EVENTS, Tenant, iso, next_ids

DEFAULT_RETRY = {"attempts": 3, "backoff_seconds": 0.2}
DELIVERY_TIMEOUT_SECONDS = 5.0


def signature(secret: str, timestamp: int, raw_body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def registration_errors(body: Any) -> list[dict[str, str]]:
    if not isinstance(body, dict):
        return [{"field": "url", "code": "required"}, {"field": "events", "code": "required"}]
    errors = []
    url = body.get("url")
    if not isinstance(url, str) or urlsplit(url).scheme not in {"http", "https"}:
        errors.append({"field": "url", "code": "invalid_url"})
    events = body.get("events")
    if not isinstance(events, list) or not events:
        errors.append({"field": "events", "code": "required"})
    else:
        errors.extend(
            {"field": f"events[{index}]", "code": "unknown_event"}
            for index, event in enumerate(events)
            if event not in EVENTS
        )
    return errors


def webhook_register(
    tenant_id: str, *, url: str, events: list[str], webhook_id: str = "", secret: str = ""
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": webhook_id or f"wh_{next_ids('webhook', 1)[0]}",
        "url": url,
        "events": list(events),
        "secret": secret or f"whsec_{secrets.token_hex(16)}",
    }
    EMULATOR.put(tenant_id, "webhook", document["id"], document)
    return document


def subscribers(tenant_id: str, event: str) -> list[dict[str, Any]]:
    found = EMULATOR.records(tenant_id, "webhook").order_by("id")
    return [record.data for record in found if event in record.data["events"]]


def post_with_retries(url: str, headers: Mapping[str, str], body: bytes) -> tuple[int | None, int]:
    """(the last HTTP status or None when never answered, attempts made)."""
    retry = {**DEFAULT_RETRY, **EMULATOR.setting("webhook_retry", {})}
    attempts = max(1, int(retry["attempts"]))
    status: int | None = None
    for attempt in range(1, attempts + 1):
        try:
            status = httpx.post(
                url, content=body, headers=dict(headers), timeout=DELIVERY_TIMEOUT_SECONDS
            ).status_code
        except httpx.HTTPError:
            status = None
        if status is not None and 200 <= status < 300:
            return status, attempt
        if attempt < attempts:
            time.sleep(float(retry["backoff_seconds"]) * 2 ** (attempt - 1))
    return status, attempts


def event_fire(
    tenant: Tenant, event: str, data: Mapping[str, Any], *, deliver: bool = True
) -> list[dict[str, Any]]:
    """Sign ``event`` for every webhook registered for it, deliver it unless told not to, and
    answer each delivery with its exact headers and raw body."""
    now = EMULATOR.now()
    deliveries = []
    for webhook in subscribers(tenant.id, event):
        delivery_id = f"dlv_{next_ids('delivery', 1)[0]}"
        raw_body = json.dumps(
            {"id": delivery_id, "type": event, "created_at": iso(now), "data": dict(data)},
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Event-Type": event,
            "X-Delivery-Id": delivery_id,
            "X-Signature": signature(webhook["secret"], int(now.timestamp()), raw_body),
        }
        status, attempts = (
            post_with_retries(webhook["url"], headers, raw_body) if deliver else (None, 0)
        )
        delivery = {
            "id": delivery_id,
            "webhook_id": webhook["id"],
            "url": webhook["url"],
            "event": event,
            "headers": headers,
            "body": raw_body.decode(),
            "status": status,
            "attempts": attempts,
        }
        EMULATOR.put(tenant.id, "delivery", delivery_id, delivery)
        deliveries.append(delivery)
    return deliveries
