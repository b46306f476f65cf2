"""Pisell contract payloads (pisell.md §2) ↔ Kucun's canonical types."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kucun.channels.adapters.base import (
    ChannelEvent,
    EventKind,
    ListingRef,
    PushResult,
    PushStatus,
    StockLevel,
)

# A timestamp some Pisell exports give as local wall-clock text (pisell.md §1).
LOCAL_TIME_FORMAT = "%d/%b/%Y %H:%M:%S"

EVENT_KINDS = {
    "order.created": EventKind.ORDER_CREATED,
    "order.updated": EventKind.ORDER_UPDATED,
    "order.cancelled": EventKind.ORDER_CANCELLED,
    "product.updated": EventKind.PRODUCT_UPDATED,
    "inventory.updated": EventKind.INVENTORY_UPDATED,
}


def parse_time(raw: Any, timezone: str = "UTC") -> datetime | None:
    """ISO-8601 (``Z`` or an offset) as UTC; a time without an offset, or the local
    ``02/May/2026 15:18:51`` form, is read in the store's time zone."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.strptime(raw, LOCAL_TIME_FORMAT)  # noqa: DTZ007 - zone set below
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.astimezone(UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def listings_from_product(
    product: Mapping[str, Any], timezone: str = "UTC"
) -> Iterator[ListingRef]:
    """One ListingRef per variant; the variant id is what stock is set against."""
    active = product.get("status") == "published"
    for variant in product.get("variants") or []:
        quantity = variant.get("stock_quantity")
        yield ListingRef(
            inventory_ref=str(variant["id"]),
            sku=str(variant.get("sku") or ""),
            product_ref=str(product.get("id") or ""),
            variant_ref=str(variant["id"]),
            barcode=str(variant.get("barcode") or ""),
            title=str(product.get("title") or ""),
            variant_title=str(variant.get("title") or ""),
            quantity=int(quantity) if isinstance(quantity, int) else None,
            active=active,
            updated_at=parse_time(variant.get("updated_at") or product.get("updated_at"), timezone),
            raw=variant,
        )


def level_item(level: StockLevel, default_location: str = "") -> dict[str, Any]:
    item: dict[str, Any] = {"sku": level.sku, "quantity": level.quantity}
    location = level.location_ref or default_location
    if location:
        item["location_id"] = location
    if level.expected_previous is not None:
        item["expected_quantity"] = level.expected_previous
    return item


def chunk_idempotency_key(levels: Sequence[StockLevel]) -> str:
    """The same key for the same push retried by the caller when every level carries its own
    key (so the platform replays it), else a fresh one for this request."""
    keys = [level.idempotency_key for level in levels]
    if all(keys):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "pisell-stock:" + "|".join(map(str, keys))))
    return str(uuid.uuid4())


def push_results(levels: Sequence[StockLevel], answer: Any) -> list[PushResult]:
    """One PushResult per level from ``{"results": [...]}``, matched by SKU and location (the
    answer's order where SKUs repeat); a level the answer leaves out failed."""
    results = answer.get("results") if isinstance(answer, dict) else None
    remaining = [item for item in results or [] if isinstance(item, dict)]
    mapped = []
    for level in levels:
        found = next(
            (
                item
                for item in remaining
                if item.get("sku") == level.sku
                and (
                    not level.location_ref or item.get("location_id") in (None, level.location_ref)
                )
            ),
            None,
        )
        if found is None:
            mapped.append(failed(level, "the platform's answer does not mention this SKU"))
            continue
        remaining.remove(found)
        mapped.append(push_result(level, found))
    return mapped


def push_result(level: StockLevel, item: Mapping[str, Any]) -> PushResult:
    if item.get("status") == "ok":
        quantity = item.get("quantity")
        return PushResult(
            level.inventory_ref,
            level.sku,
            PushStatus.SUCCEEDED,
            previous_quantity=level.expected_previous,
            current_quantity=int(quantity) if isinstance(quantity, int) else level.quantity,
        )
    code = str(item.get("code") or "error")
    message = str(item.get("message") or code)
    if code == "stale_quantity":
        current = item.get("quantity", item.get("current_quantity"))
        return PushResult(
            level.inventory_ref,
            level.sku,
            PushStatus.STALE,
            current_quantity=int(current) if isinstance(current, int) else None,
            error=f"{code}: {message}",
        )
    return failed(level, f"{code}: {message}" if message != code else code)


def failed(level: StockLevel, error: str, *, retryable: bool = False) -> PushResult:
    return PushResult(
        level.inventory_ref, level.sku, PushStatus.FAILED, error=error, retryable=retryable
    )


def webhook_refs(kind: EventKind, resource: Mapping[str, Any]) -> tuple[str, ...]:
    """The listings (variant ids, else SKUs) or the order a delivery concerns."""
    if kind in (EventKind.ORDER_CREATED, EventKind.ORDER_UPDATED, EventKind.ORDER_CANCELLED):
        return (str(resource["id"]),) if resource.get("id") else ()
    refs: list[str] = []
    entries = resource.get("variants") or resource.get("items") or [resource]
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        ref = entry.get("variant_id") or (entry.get("id") if entry is not resource else None)
        ref = ref or entry.get("sku")
        if ref and str(ref) not in refs:
            refs.append(str(ref))
    if not refs and resource.get("id"):
        refs.append(str(resource["id"]))
    return tuple(refs)


def webhook_event(*, topic: str, delivery_id: str, body: Any, signed_at: datetime) -> ChannelEvent:
    """A verified delivery. The resource is the body, or its ``data`` when it is wrapped."""
    resource = body.get("data", body) if isinstance(body, dict) else {}
    if not isinstance(resource, dict):
        resource = {}
    kind = EVENT_KINDS.get(topic, EventKind.OTHER)
    occurred = parse_time(resource.get("updated_at")) if resource else None
    return ChannelEvent(
        kind=kind,
        event_id=delivery_id,
        topic=topic,
        refs=webhook_refs(kind, resource),
        occurred_at=occurred or signed_at,
        payload=body if isinstance(body, dict) else {"data": body},
    )
