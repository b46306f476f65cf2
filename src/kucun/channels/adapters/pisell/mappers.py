"""Pisell contract payloads (pisell.md §2) ↔ Kucun's canonical types."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from kucun.channels.adapters.base import (
    ChannelEvent,
    ChannelOrder,
    ChannelOrderLine,
    EventKind,
    Fulfilment,
    ListingRef,
    OrderAddress,
    OrderStatus,
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


# -- orders (pisell.md §2.4–§2.5) -------------------------------------------------------------
# Kucun's carrier codes in the contract's words (pisell.md §2.5 shows "australia_post"); a
# carrier without an entry goes by its display name.
CARRIER_NAMES = {"auspost": "australia_post", "fourpx": "4px", "fastway": "fastway"}
DONE_FULFILMENT_STATUSES = frozenset({"fulfilled", "collected"})
PAID_STATUSES = {
    "unfulfilled": OrderStatus.OPEN,
    "partial": OrderStatus.PARTIALLY_SHIPPED,
    "fulfilled": OrderStatus.SHIPPED,
    "collected": OrderStatus.SHIPPED,  # a POS sale handed over in the shop: never shipped
}


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def money(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def count(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return 0


def order_status(status: str, fulfilment_status: str) -> OrderStatus:
    """The contract's ``status`` and ``fulfillment_status`` (pisell.md §2.4) in Kucun's words.
    A refund of what was not sent stops the order like a cancellation; of what was sent, the
    order stays shipped."""
    if status == "pending":
        return OrderStatus.PENDING
    if status == "paid":
        return PAID_STATUSES.get(fulfilment_status, OrderStatus.ON_HOLD)
    if status == "cancelled":
        return OrderStatus.CANCELLED
    if status == "refunded":
        if fulfilment_status in DONE_FULFILMENT_STATUSES:
            return OrderStatus.SHIPPED
        return OrderStatus.CANCELLED
    return OrderStatus.ON_HOLD  # a state the contract does not name: a person looks first


def address_from_pisell(raw: Any, email: str) -> OrderAddress:
    address = raw if isinstance(raw, Mapping) else {}
    return OrderAddress(
        name=text(address.get("name")),
        company=text(address.get("company")),
        line1=text(address.get("line1")),
        line2=text(address.get("line2")),
        city=text(address.get("suburb") or address.get("city")),
        state=text(address.get("state")),
        postcode=text(address.get("postcode")),
        country_code=text(address.get("country")).upper(),
        phone=text(address.get("phone")),
        email=email,
    )


def line_from_pisell(item: Mapping[str, Any], collected: bool) -> ChannelOrderLine:
    """One line item; the variant id is the listing's inventory ref. A line of a sale
    collected in the shop has nothing left to ship."""
    quantity = count(item.get("quantity"))
    left = 0 if collected else max(quantity - count(item.get("quantity_fulfilled")), 0)
    variant = text(item.get("variant_id"))
    return ChannelOrderLine(
        line_ref=text(item.get("id")),
        sku=text(item.get("sku")),
        quantity=quantity,
        quantity_unfulfilled=left,
        unit_price=money(item.get("unit_price")),
        title=text(item.get("title") or item.get("name")),
        inventory_ref=variant,
        variant_ref=variant,
        product_ref=text(item.get("product_id")),
    )


def order_from_pisell(order: Mapping[str, Any], timezone: str = "UTC") -> ChannelOrder:
    """A contract order (pisell.md §2.4) as a ChannelOrder; times without an offset are read
    in the store's time zone. Raises ValueError naming the field that is missing."""
    order_ref = text(order.get("id"))
    if not order_ref:
        raise ValueError("a Pisell order without an id")
    created = parse_time(order.get("created_at"), timezone)
    if created is None:
        raise ValueError(f"Pisell order {order_ref}: created_at is missing or not a time")
    updated = parse_time(order.get("updated_at"), timezone) or created
    status, fulfilment_status = text(order.get("status")), text(order.get("fulfillment_status"))
    channel = text(order.get("channel"))
    raw_items, raw_customer = order.get("line_items"), order.get("customer")
    items: list[Any] = raw_items if isinstance(raw_items, list) else []
    customer: Mapping[str, Any] = raw_customer if isinstance(raw_customer, Mapping) else {}
    email = text(customer.get("email"))
    ship_to = address_from_pisell(order.get("shipping_address"), email)
    words = [word for word in (status, fulfilment_status) if word]
    if channel and channel != "online":
        words.append(channel)
    return ChannelOrder(
        order_ref=order_ref,
        number=text(order.get("number")) or order_ref,
        status=order_status(status, fulfilment_status),
        created_at=created,
        updated_at=updated,
        lines=tuple(
            line_from_pisell(item, fulfilment_status == "collected")
            for item in items
            if isinstance(item, Mapping)
        ),
        currency=text(order.get("currency")).upper(),
        total=money(order.get("total")),
        shipping_total=money(order.get("shipping_total")),
        customer_name=text(customer.get("name")) or ship_to.name,
        customer_email=email,
        customer_phone=text(customer.get("phone")) or ship_to.phone,
        ship_to=ship_to,
        shipping_method=text(order.get("shipping_method")),
        channel_status=" / ".join(words),
        raw=dict(order),
    )


def unwrapped(answer: Any) -> Mapping[str, Any] | None:
    """A single resource, bare or as ``{"data": {...}}``."""
    if isinstance(answer, Mapping) and isinstance(answer.get("data"), Mapping):
        return answer["data"]
    return answer if isinstance(answer, Mapping) and answer else None


def shipping_refusal(order: Mapping[str, Any]) -> str:
    """Why an order must not be marked shipped (empty when it may)."""
    status, fulfilment_status = text(order.get("status")), text(order.get("fulfillment_status"))
    ref = text(order.get("id"))
    if status in ("cancelled", "refunded"):
        return f"Pisell order {ref} is {status}: there is nothing to ship"
    if fulfilment_status == "collected":
        return f"Pisell order {ref} was collected in the shop: it is never shipped"
    return ""


def existing_fulfilment(fulfilments: Sequence[Any], tracking_number: str) -> str:
    """The id of the fulfilment made under this tracking number ("" when there is none)."""
    if not tracking_number:
        return ""
    for entry in fulfilments:
        if isinstance(entry, Mapping) and text(entry.get("tracking_number")) == tracking_number:
            return text(entry.get("id"))
    return ""


def fulfilment_request(fulfilment: Fulfilment) -> dict[str, Any]:
    """The body of ``POST /orders/{id}/fulfillments`` (pisell.md §2.5). Lines are always
    named: an empty list would fulfil everything remaining."""
    quantities: dict[str, int] = {}
    for line in fulfilment.lines:
        quantities[line.line_ref] = quantities.get(line.line_ref, 0) + line.quantity
    body: dict[str, Any] = {
        "line_items": [{"id": ref, "quantity": quantity} for ref, quantity in quantities.items()],
        "tracking_number": fulfilment.tracking_number,
        "shipped_at": format_time(fulfilment.shipped_at),
        "notify_customer": True,
    }
    carrier = CARRIER_NAMES.get(fulfilment.carrier) or fulfilment.carrier_name
    if carrier:
        body["carrier"] = carrier
    if fulfilment.tracking_url:
        body["tracking_url"] = fulfilment.tracking_url
    return body


def fulfilment_idempotency_key(fulfilment: Fulfilment) -> str:
    """Stable for one order's one shipment, so that a retry is the platform's replay."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pisell-fulfilment:{fulfilment.key}"))
