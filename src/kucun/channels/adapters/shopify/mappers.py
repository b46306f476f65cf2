"""Shopify's GraphQL answers and webhook deliveries ↔ Kucun's canonical types
(integrations/shopify.md §3 to §7). Pure functions of dicts: no HTTP here."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from kucun.channels.adapters.base.interface import WATERMARK_OVERLAP
from kucun.channels.adapters.base.types import (
    ChannelEvent,
    ChannelLocation,
    ChannelOrder,
    ChannelOrderLine,
    EventKind,
    Fulfilment,
    ListingRef,
    OrderAddress,
    OrderStatus,
    PushResult,
    PushStatus,
    ShipLine,
    StockLevel,
)

INVENTORY_ITEM_GID = "gid://shopify/InventoryItem/"
# Shopify names a product's only variant "Default Title"; it is no title of the merchant's.
DEFAULT_VARIANT_TITLE = "Default Title"
QUANTITY_NAME = "available"
ADJUSTMENT_REASON = "correction"
REFERENCE_DOCUMENT_PREFIX = "gid://kucun/StockPush/"
# The compare-and-set refusal: CHANGE_FROM_QUANTITY_STALE from 2026-04; the older code's name is
# not documented, so any code naming a stale quantity counts.
STALE_CODE_WORD = "STALE"
COMPARE_FIELDS = frozenset({"changeFromQuantity", "compareQuantity"})


# Times ---------------------------------------------------------------------------------------


def parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_timestamp(moment: datetime) -> str:
    """UTC with an explicit Z, as Shopify's search syntax takes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def variants_search(since: datetime | None) -> str | None:
    """The productVariants ``query`` for a watermark: from ``since`` less the overlap,
    inclusive; None reads everything."""
    if since is None:
        return None
    return f"updated_at:>='{format_timestamp(since - WATERMARK_OVERLAP)}'"


# Connections ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    nodes: list[dict[str, Any]]
    has_next_page: bool
    end_cursor: str | None


def page_of(connection: Any) -> Page:
    """A connection's nodes and pageInfo (``edges { node }`` answers are read too)."""
    if not isinstance(connection, dict):
        return Page([], False, None)
    nodes = connection.get("nodes")
    if not isinstance(nodes, list):
        edges = connection.get("edges")
        nodes = [edge.get("node") for edge in edges] if isinstance(edges, list) else []
    info = connection.get("pageInfo") or {}
    cursor = info.get("endCursor")
    return Page(
        [node for node in nodes if isinstance(node, dict)],
        bool(info.get("hasNextPage")),
        cursor if isinstance(cursor, str) else None,
    )


# Locations and listings ----------------------------------------------------------------------


def locations_from(nodes: Iterable[Mapping[str, Any]]) -> list[ChannelLocation]:
    """The shop's active locations (an inactive one holds no stock to sell)."""
    return [
        ChannelLocation(ref=str(node["id"]), name=str(node.get("name") or node["id"]))
        for node in nodes
        if node.get("id") and node.get("isActive", True) is not False
    ]


def listing_from_variant(node: Mapping[str, Any], location_ref: str | None) -> ListingRef:
    """One productVariants node. With a location the quantity is what is available there
    (None when the item is not stocked at it); without one, the variant's inventoryQuantity."""
    product = node.get("product") or {}
    item = node.get("inventoryItem") or {}
    if location_ref:
        quantity = available_at(item, location_ref)
    else:
        quantity = _whole(node.get("inventoryQuantity"))
    variant_title = _text(node.get("title"))
    return ListingRef(
        inventory_ref=_text(item.get("id")),
        sku=_text(node.get("sku")),
        product_ref=_text(product.get("id")),
        variant_ref=_text(node.get("id")),
        barcode=_text(node.get("barcode")),
        title=_text(product.get("title")),
        variant_title="" if variant_title == DEFAULT_VARIANT_TITLE else variant_title,
        quantity=quantity,
        active=str(product.get("status") or "ACTIVE").upper() == "ACTIVE",
        updated_at=parse_timestamp(node.get("updatedAt")),
        raw=dict(node),
    )


def available_at(item: Mapping[str, Any], location_ref: str) -> int | None:
    """The "available" quantity of an InventoryItem at a location, from its
    ``inventoryLevel(locationId:)`` or, where an answer lists them, its ``inventoryLevels``."""
    level = item.get("inventoryLevel")
    if not isinstance(level, dict):
        level = next(
            (
                candidate
                for candidate in page_of(item.get("inventoryLevels")).nodes
                if (candidate.get("location") or {}).get("id") == location_ref
            ),
            None,
        )
    if level is None:
        return None
    for entry in level.get("quantities") or []:
        if isinstance(entry, dict) and entry.get("name") == QUANTITY_NAME:
            return _whole(entry.get("quantity"))
    return None


def stock_from_nodes(
    nodes: Iterable[Mapping[str, Any] | None], location_ref: str | None
) -> dict[str, int]:
    """InventoryItem nodes → their quantity; unknown items and unstocked ones are left out."""
    found: dict[str, int] = {}
    for node in nodes:
        if not isinstance(node, dict) or not node.get("id"):
            continue
        if location_ref:
            quantity = available_at(node, location_ref)
        else:
            quantity = _whole((node.get("variant") or {}).get("inventoryQuantity"))
        if quantity is not None:
            found[str(node["id"])] = quantity
    return found


def is_inventory_item(ref: str) -> bool:
    return ref.startswith(INVENTORY_ITEM_GID) and ref[len(INVENTORY_ITEM_GID) :].isdigit()


# Stock writes --------------------------------------------------------------------------------


def idempotency_key_for(levels: Sequence[StockLevel], location_ref: str) -> str:
    """The ``@idempotent`` key of one mutation. When every level carries its own key, the
    mutation's key derives from them and from what is written, so a retried push is a replay
    of the first; otherwise it is new (a repeated write without keys must apply again)."""
    if not levels or not all(level.idempotency_key for level in levels):
        return str(uuid.uuid4())
    material = "\n".join(
        f"{level.idempotency_key}|{level.inventory_ref}|{location_ref}|{level.quantity}|"
        f"{level.expected_previous}"
        for level in levels
    )
    digest = hashlib.sha256(material.encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def set_quantities_variables(
    levels: Sequence[StockLevel], location_ref: str, idempotency_key: str
) -> dict[str, Any]:
    """The mutation's variables: absolute "available" quantities with compare-and-set.
    ``changeFromQuantity`` is always present, null when the previous quantity is unknown
    (2026-04 refuses a quantity without it)."""
    return {
        "input": {
            "name": QUANTITY_NAME,
            "reason": ADJUSTMENT_REASON,
            "referenceDocumentUri": REFERENCE_DOCUMENT_PREFIX + idempotency_key,
            "quantities": [
                {
                    "inventoryItemId": level.inventory_ref,
                    "locationId": location_ref,
                    "quantity": level.quantity,
                    "changeFromQuantity": level.expected_previous,
                }
                for level in levels
            ],
        }
    }


@dataclass(frozen=True)
class SetAnswer:
    """What one inventorySetQuantities answer decided: a result per position decided, and the
    positions sent without an error of their own that were not applied because the mutation
    was refused as a whole (to be sent again without the refused ones)."""

    results: dict[int, PushResult] = field(default_factory=dict)
    unapplied: list[int] = field(default_factory=list)


def read_set_answer(
    levels: Sequence[StockLevel], location_ref: str, payload: Mapping[str, Any]
) -> SetAnswer:
    group = payload.get("inventoryAdjustmentGroup")
    changes = _changes_by_item(group, location_ref)
    per_position, general = _user_errors_by_position(payload.get("userErrors"), len(levels))
    answer = SetAnswer()
    for position, level in enumerate(levels):
        errors = per_position.get(position)
        change = changes.get(level.inventory_ref)
        if errors:
            answer.results[position] = _refused(level, errors)
        elif change is not None:
            answer.results[position] = _applied(level, change)
        elif general:
            answer.results[position] = _failed(level, _joined(general))
        elif per_position and not isinstance(group, dict):
            answer.unapplied.append(position)
        else:
            # Applied without a change of its own to report (it already held this quantity).
            answer.results[position] = PushResult(
                level.inventory_ref,
                level.sku,
                PushStatus.SUCCEEDED,
                current_quantity=level.quantity,
            )
    return answer


def _changes_by_item(group: Any, location_ref: str) -> dict[str, Mapping[str, Any]]:
    if not isinstance(group, dict):
        return {}
    found: dict[str, Mapping[str, Any]] = {}
    for change in group.get("changes") or []:
        if not isinstance(change, dict) or change.get("name", QUANTITY_NAME) != QUANTITY_NAME:
            continue
        location = (change.get("location") or {}).get("id")
        if location not in (None, location_ref):
            continue
        item = (change.get("item") or {}).get("id")
        if isinstance(item, str):
            found[item] = change
    return found


def _user_errors_by_position(
    user_errors: Any, count: int
) -> tuple[dict[int, list[Mapping[str, Any]]], list[Mapping[str, Any]]]:
    """userErrors whose ``field`` points at ``quantities.<n>`` by position; the others."""
    per_position: dict[int, list[Mapping[str, Any]]] = {}
    general: list[Mapping[str, Any]] = []
    for error in user_errors if isinstance(user_errors, list) else []:
        if not isinstance(error, dict):
            continue
        position = _quantity_position(error.get("field"))
        if position is not None and 0 <= position < count:
            per_position.setdefault(position, []).append(error)
        else:
            general.append(error)
    return per_position, general


def _quantity_position(path: Any) -> int | None:
    if not isinstance(path, list):
        return None
    parts = [str(part) for part in path]
    if "quantities" not in parts:
        return None
    following = parts[parts.index("quantities") + 1 : parts.index("quantities") + 2]
    return int(following[0]) if following and following[0].isdigit() else None


def is_stale(error: Mapping[str, Any]) -> bool:
    code = error.get("code")
    if isinstance(code, str) and code:
        return STALE_CODE_WORD in code.upper()
    path = error.get("field")
    return isinstance(path, list) and bool(path) and str(path[-1]) in COMPARE_FIELDS


def _refused(level: StockLevel, errors: Sequence[Mapping[str, Any]]) -> PushResult:
    if any(is_stale(error) for error in errors):
        return PushResult(level.inventory_ref, level.sku, PushStatus.STALE, error=_joined(errors))
    return _failed(level, _joined(errors))


def _failed(level: StockLevel, message: str) -> PushResult:
    return PushResult(level.inventory_ref, level.sku, PushStatus.FAILED, error=message)


def _applied(level: StockLevel, change: Mapping[str, Any]) -> PushResult:
    after = _whole(change.get("quantityAfterChange"))
    delta = _whole(change.get("delta"))
    previous = after - delta if after is not None and delta is not None else None
    return PushResult(
        level.inventory_ref,
        level.sku,
        PushStatus.SUCCEEDED,
        previous_quantity=previous,
        current_quantity=after if after is not None else level.quantity,
    )


def _joined(errors: Iterable[Mapping[str, Any]]) -> str:
    messages = []
    for error in errors:
        message = str(error.get("message") or "")
        code = error.get("code")
        messages.append(f"{message} ({code})" if code and message else message or str(code))
    return "; ".join(messages) or "refused by Shopify"


# Orders (shopify.md §5) ---------------------------------------------------------------------

ORDER_GID = "gid://shopify/Order/"
LINE_ITEM_GID = "gid://shopify/LineItem/"

# displayFulfillmentStatus → our status (when the order is not cancelled). SCHEDULED fulfilment
# waits for a date, so it is held like ON_HOLD; RESTOCKED means every item went back to stock.
FULFILMENT_STATUSES = {
    "FULFILLED": OrderStatus.SHIPPED,
    "PARTIALLY_FULFILLED": OrderStatus.PARTIALLY_SHIPPED,
    "ON_HOLD": OrderStatus.ON_HOLD,
    "SCHEDULED": OrderStatus.ON_HOLD,
    "RESTOCKED": OrderStatus.CANCELLED,
}
# displayFinancialStatus of an order with nothing fulfilled: not paid yet, or never to be paid.
UNPAID_STATUSES = frozenset({"PENDING", "PARTIALLY_PAID"})
VOID_STATUSES = frozenset({"REFUNDED", "VOIDED", "EXPIRED"})


def orders_search(since: datetime) -> str:
    """The orders ``query`` for a watermark: updated from ``since`` less the overlap, inclusive."""
    return f"updated_at:>='{format_timestamp(since - WATERMARK_OVERLAP)}'"


def order_gid(order_ref: str) -> str:
    """An order GID from a GID or a bare numeric id ("" when it is neither)."""
    return _gid("Order", order_ref.strip())


def order_status(node: Mapping[str, Any]) -> OrderStatus:
    """Cancelled first, then what was fulfilled, then whether it is paid."""
    if node.get("cancelledAt"):
        return OrderStatus.CANCELLED
    fulfilment = _text(node.get("displayFulfillmentStatus")).upper()
    if fulfilment in FULFILMENT_STATUSES:
        return FULFILMENT_STATUSES[fulfilment]
    financial = _text(node.get("displayFinancialStatus")).upper()
    if financial in VOID_STATUSES:
        return OrderStatus.CANCELLED
    if financial in UNPAID_STATUSES:
        return OrderStatus.PENDING
    return OrderStatus.OPEN


def channel_status(node: Mapping[str, Any]) -> str:
    """Shopify's own words for people: "PAID / UNFULFILLED", "CANCELLED / REFUNDED"."""
    financial = _text(node.get("displayFinancialStatus")).upper()
    if node.get("cancelledAt"):
        return " / ".join(part for part in ("CANCELLED", financial) if part)
    fulfilment = _text(node.get("displayFulfillmentStatus")).upper()
    return " / ".join(part for part in (financial, fulfilment) if part)


def order_from(
    node: Mapping[str, Any], lines: Sequence[Mapping[str, Any]] | None = None
) -> ChannelOrder:
    """One ``orders`` / ``order`` node as a ChannelOrder; ``lines`` replaces the node's first
    page of line items when the rest were read too. Raises ValueError for a node without id or
    times (no order can be kept without them)."""
    order_ref = _text(node.get("id"))
    created_at = parse_timestamp(node.get("createdAt"))
    updated_at = parse_timestamp(node.get("updatedAt")) or created_at
    if not order_ref or updated_at is None:
        raise ValueError(f"Shopify order {order_ref or '(no id)'} has no id or no times")
    money = (node.get("totalPriceSet") or {}).get("shopMoney") or {}
    customer = node.get("customer") or {}
    address = node.get("shippingAddress") or {}
    email = _text(node.get("email")) or _text(customer.get("email"))
    items = lines if lines is not None else page_of(node.get("lineItems")).nodes
    return ChannelOrder(
        order_ref=order_ref,
        number=_text(node.get("name")) or order_ref.rsplit("/", 1)[-1],
        status=order_status(node),
        created_at=created_at or updated_at,
        updated_at=updated_at,
        lines=tuple(order_line_from(item) for item in items),
        currency=_text(node.get("currencyCode")) or _text(money.get("currencyCode")),
        total=_decimal(money.get("amount")),
        customer_name=_person(customer) or _text(address.get("name")),
        customer_email=email,
        customer_phone=_text(node.get("phone")) or _text(address.get("phone")),
        ship_to=address_from(address, email=email),
        shipping_total=_money_amount(node.get("totalShippingPriceSet")),
        shipping_method=_text((node.get("shippingLine") or {}).get("title")),
        channel_status=channel_status(node),
        raw=dict(node),
    )


def order_line_from(item: Mapping[str, Any]) -> ChannelOrderLine:
    """A line item; its quantity is what is still ordered (``currentQuantity``) after edits."""
    variant = item.get("variant") or {}
    current = _whole(item.get("currentQuantity"))
    return ChannelOrderLine(
        line_ref=_text(item.get("id")),
        sku=_text(item.get("sku")) or _text(variant.get("sku")),
        quantity=current if current is not None else (_whole(item.get("quantity")) or 0),
        quantity_unfulfilled=_whole(item.get("unfulfilledQuantity")),
        unit_price=_money_amount(item.get("originalUnitPriceSet")),
        title=_text(item.get("title")),
        variant_ref=_text(variant.get("id")),
    )


def address_from(address: Mapping[str, Any], *, email: str = "") -> OrderAddress:
    return OrderAddress(
        name=_text(address.get("name")),
        company=_text(address.get("company")),
        line1=_text(address.get("address1")),
        line2=_text(address.get("address2")),
        city=_text(address.get("city")),
        state=_text(address.get("provinceCode")) or _text(address.get("province")),
        postcode=_text(address.get("zip")),
        country_code=_text(address.get("countryCodeV2")),
        phone=_text(address.get("phone")),
        email=email,
    )


def _person(customer: Mapping[str, Any]) -> str:
    names = (_text(customer.get("firstName")), _text(customer.get("lastName")))
    return " ".join(name for name in names if name)


def _money_amount(money_bag: Any) -> Decimal | None:
    """A MoneyBag's amount in the shop's currency."""
    shop_money = money_bag.get("shopMoney") if isinstance(money_bag, dict) else None
    return _decimal(shop_money.get("amount")) if isinstance(shop_money, dict) else None


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# Fulfilment (shopify.md §6) ------------------------------------------------------------------

# Kucun's carrier codes → the company Shopify's trackingInfo names. "Australia Post" is on
# Shopify's supported-carrier list; the spellings for Aramex Australia (Fastway) and 4PX are not
# confirmed there, so a tracking URL is always sent as well.
CARRIER_COMPANIES = {
    "auspost": "Australia Post",
    "fastway": "Aramex Australia",
    "fourpx": "4PX",
}
# Each carrier's public tracking page for one number.
TRACKING_URLS = {
    "auspost": "https://auspost.com.au/mypost/track/details/{number}",
    "fastway": "https://www.aramex.com.au/tools/track?l={number}",
    "fourpx": "https://track.4px.com/#/result/0/{number}",
}


def tracking_company(fulfilment: Fulfilment) -> str:
    return CARRIER_COMPANIES.get(fulfilment.carrier) or fulfilment.carrier_name


def tracking_url(fulfilment: Fulfilment) -> str:
    """The fulfilment's own URL, else the carrier's tracking page for its number."""
    if fulfilment.tracking_url:
        return fulfilment.tracking_url
    template = TRACKING_URLS.get(fulfilment.carrier)
    if not template or not fulfilment.tracking_number:
        return ""
    return template.format(number=quote(fulfilment.tracking_number, safe=""))


def fulfilment_idempotency_key(fulfilment: Fulfilment, location_ref: str = "") -> str:
    """The ``@idempotent`` key: a UUID derived from the fulfilment's own key and order (and
    the location, when one shipment needs a fulfilment per location), so a retried or
    repeated shipment replays the first answer."""
    material = f"kucun-fulfilment|{fulfilment.order_ref}|{fulfilment.key}"
    if location_ref:
        material += f"|{location_ref}"
    digest = hashlib.sha256(material.encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def existing_fulfilment(order: Mapping[str, Any], tracking_number: str) -> str:
    """The id of the order's fulfilment (not cancelled) that carries this tracking number."""
    if not tracking_number:
        return ""
    fulfillments = order.get("fulfillments")
    for fulfillment in fulfillments if isinstance(fulfillments, list) else []:
        if not isinstance(fulfillment, dict):
            continue
        if _text(fulfillment.get("status")).upper() in ("CANCELLED", "ERROR", "FAILURE"):
            continue
        infos = fulfillment.get("trackingInfo")
        numbers = {
            _text(info.get("number")).strip()
            for info in (infos if isinstance(infos, list) else [infos])
            if isinstance(info, dict)
        }
        if tracking_number.strip() in numbers:
            return _text(fulfillment.get("id"))
    return ""


class FulfilmentRefused(ValueError):
    """The fulfilment cannot be made from the order's open fulfillment orders."""


def line_items_by_fulfillment_order(
    fulfillment_orders: Sequence[Mapping[str, Any]], lines: Sequence[ShipLine]
) -> list[dict[str, Any]]:
    """``lineItemsByFulfillmentOrder`` for these order lines: each line's quantity is taken from
    the open fulfillment-order line items of that order line, in order. No lines: every open
    fulfillment order whole (Shopify fulfils what remains on each). Raises FulfilmentRefused
    naming the line when not enough of it remains."""
    if not lines:
        return [{"fulfillmentOrderId": _text(order.get("id"))} for order in fulfillment_orders]
    remaining: dict[str, list[tuple[str, str, int]]] = {}
    for order in fulfillment_orders:
        for item in page_of(order.get("lineItems")).nodes:
            line_ref = _text((item.get("lineItem") or {}).get("id"))
            left = _whole(item.get("remainingQuantity")) or 0
            if line_ref and left > 0:
                entry = (_text(order.get("id")), _text(item.get("id")), left)
                remaining.setdefault(line_ref, []).append(entry)
    chosen: dict[str, dict[str, int]] = {}
    for line in lines:
        wanted = line.quantity
        if wanted <= 0:
            raise FulfilmentRefused(f"line {line.line_ref}: the quantity to ship must be above 0")
        available = remaining.get(line.line_ref, [])
        left_total = sum(left for _order, _item, left in available)
        if left_total < wanted:
            raise FulfilmentRefused(
                f"line {line.line_ref}: {wanted} to ship but {left_total} left to fulfil on Shopify"
            )
        for position, (order_id, item_id, left) in enumerate(available):
            taken = min(left, wanted)
            if taken <= 0:
                continue
            items = chosen.setdefault(order_id, {})
            items[item_id] = items.get(item_id, 0) + taken
            available[position] = (order_id, item_id, left - taken)
            wanted -= taken
    return [
        {
            "fulfillmentOrderId": order_id,
            "fulfillmentOrderLineItems": [
                {"id": item_id, "quantity": quantity} for item_id, quantity in items.items()
            ],
        }
        for order_id, items in chosen.items()
    ]


def by_location(
    fulfillment_orders: Sequence[Mapping[str, Any]], by_fulfillment_order: Sequence[dict[str, Any]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The ``lineItemsByFulfillmentOrder`` entries grouped by their fulfillment order's assigned
    location, in order: Shopify takes one location per fulfilment."""
    location_of = {
        _text(order.get("id")): _text(
            ((order.get("assignedLocation") or {}).get("location") or {}).get("id")
        )
        for order in fulfillment_orders
    }
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in by_fulfillment_order:
        location = location_of.get(_text(entry.get("fulfillmentOrderId")), "")
        groups.setdefault(location, []).append(entry)
    return list(groups.items())


def fulfillment_input(
    fulfilment: Fulfilment, by_fulfillment_order: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The ``FulfillmentInput`` (§6): tracking company, number and URL when there is a number
    (a local delivery or a pickup has none), the buyer told."""
    fulfillment: dict[str, Any] = {
        "notifyCustomer": True,
        "lineItemsByFulfillmentOrder": [dict(entry) for entry in by_fulfillment_order],
    }
    if fulfilment.tracking_number:
        info = {"company": tracking_company(fulfilment), "number": fulfilment.tracking_number}
        url = tracking_url(fulfilment)
        if url:
            info["url"] = url
        fulfillment["trackingInfo"] = info
    return fulfillment


def user_errors_text(payload: Mapping[str, Any]) -> str:
    errors = payload.get("userErrors")
    if not isinstance(errors, list) or not errors:
        return ""
    return _joined(error for error in errors if isinstance(error, dict))


# Webhooks ------------------------------------------------------------------------------------

TOPIC_KINDS = {
    "products/create": EventKind.PRODUCT_UPDATED,
    "products/update": EventKind.PRODUCT_UPDATED,
    "products/delete": EventKind.PRODUCT_DELETED,
    "inventory_items/create": EventKind.PRODUCT_UPDATED,
    "inventory_items/update": EventKind.PRODUCT_UPDATED,
    "inventory_items/delete": EventKind.PRODUCT_DELETED,
    "inventory_levels/update": EventKind.INVENTORY_UPDATED,
    "inventory_levels/connect": EventKind.INVENTORY_UPDATED,
    "inventory_levels/disconnect": EventKind.INVENTORY_UPDATED,
    "orders/create": EventKind.ORDER_CREATED,
    "orders/updated": EventKind.ORDER_UPDATED,
    "orders/cancelled": EventKind.ORDER_CANCELLED,
}


def event_kind(topic: str) -> EventKind:
    if topic in TOPIC_KINDS:
        return TOPIC_KINDS[topic]
    if topic.startswith(("orders/", "fulfillments/")):
        return EventKind.ORDER_UPDATED
    return EventKind.OTHER


def event_from_webhook(
    *, topic: str, event_id: str, triggered_at: str, payload: Mapping[str, Any]
) -> ChannelEvent:
    """One verified delivery. Product topics name the variants' inventory items (what stock
    is set against), inventory topics their item, order topics the order."""
    return ChannelEvent(
        kind=event_kind(topic),
        event_id=event_id,
        topic=topic,
        refs=tuple(webhook_refs(topic, payload)),
        occurred_at=parse_timestamp(triggered_at) or parse_timestamp(payload.get("updated_at")),
        payload=dict(payload),
    )


def webhook_refs(topic: str, payload: Mapping[str, Any]) -> list[str]:
    resource = topic.split("/", 1)[0]
    if resource == "products":
        refs = _variant_item_refs(payload.get("variants"))
        product = _gid("Product", payload.get("admin_graphql_api_id") or payload.get("id"))
        return refs or ([product] if product else [])
    if resource == "inventory_levels":
        return _present([_gid("InventoryItem", payload.get("inventory_item_id"))])
    own_id = payload.get("admin_graphql_api_id") or payload.get("id")
    if resource == "inventory_items":
        return _present([_gid("InventoryItem", own_id)])
    if resource == "orders":
        return _present([_gid("Order", own_id)])
    if resource == "fulfillments":
        return _present([_gid("Order", payload.get("order_id"))])
    return []


def _variant_item_refs(variants: Any) -> list[str]:
    refs: list[str] = []
    for variant in variants if isinstance(variants, list) else []:
        if not isinstance(variant, dict):
            continue
        item = variant.get("inventory_item_id") or (variant.get("inventoryItem") or {}).get("id")
        ref = _gid("InventoryItem", item) or _gid(
            "ProductVariant", variant.get("admin_graphql_api_id") or variant.get("id")
        )
        if ref and ref not in refs:
            refs.append(ref)
    return refs


def _gid(resource: str, value: Any) -> str:
    """A GID from a payload's numeric id (REST-shaped webhooks) or the GID itself."""
    if isinstance(value, bool) or value is None:
        return ""
    text = str(value)
    if text.startswith("gid://"):
        return text
    return f"gid://shopify/{resource}/{text}" if text.isdigit() else ""


def _present(values: Iterable[str]) -> list[str]:
    return [value for value in values if value]


# Scalars -------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _whole(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value
