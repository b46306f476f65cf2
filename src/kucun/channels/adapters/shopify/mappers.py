"""Shopify's GraphQL answers and webhook deliveries ↔ Kucun's canonical types
(integrations/shopify.md §3, §4.1, §7). Pure functions of dicts: no HTTP here."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kucun.channels.adapters.base.interface import WATERMARK_OVERLAP
from kucun.channels.adapters.base.types import (
    ChannelEvent,
    ChannelLocation,
    EventKind,
    ListingRef,
    PushResult,
    PushStatus,
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
