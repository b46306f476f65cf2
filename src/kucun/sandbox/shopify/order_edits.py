"""Cancelling and editing a Shopify order (see ``orders.py`` for what an order holds): a
cancelled order's open fulfillment orders are cancelled and its unshipped units restocked; an
edit sets a SKU's quantity (fewer units take back units still to ship, more add a line item,
as Shopify's order editing does) or replaces the shipping address."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kucun.sandbox.models import EmulatorRecord
from kucun.sandbox.shopify import state
from kucun.sandbox.shopify.orders import (
    CANCEL_REASONS,
    LineRequest,
    OrderRefused,
    address_of,
    emulator,
    fulfillment_orders_for,
    fulfillment_status,
    line_location,
    line_requests,
    line_unfulfilled,
    locked_variants,
    new_line,
    order_save,
    stock_move,
)

# What a cancelled order's payment becomes when it is given back.
REFUNDED = {
    "PAID": "REFUNDED",
    "PARTIALLY_PAID": "REFUNDED",
    "AUTHORIZED": "VOIDED",
    "PENDING": "VOIDED",
}


def order_cancel(
    record: EmulatorRecord, *, reason: str, restock: bool, refund: bool = True
) -> list[dict[str, Any]]:
    """Cancel an order that has shipped nothing; its open fulfillment orders are cancelled and,
    with ``restock``, its units go back to ``available``."""
    data = record.data
    if data["status"] == "cancelled":
        raise OrderRefused(f"order {data['name']} is already cancelled", 409)
    if any(fulfillment["status"] == "SUCCESS" for fulfillment in data["fulfillments"]):
        raise OrderRefused(
            f"order {data['name']} has fulfilments: cancel them before the order", 409
        )
    reason = reason.upper() or "OTHER"
    if reason not in CANCEL_REASONS:
        raise OrderRefused(f"reason: one of {', '.join(CANCEL_REASONS)}")
    events: list[dict[str, Any]] = []
    if restock:
        events = restock_lines(
            record.account, [(line, line_unfulfilled(line)) for line in data["line_items"]]
        )
    now = state.shopify_time(emulator.now())
    for fulfillment_order in data["fulfillment_orders"]:
        if fulfillment_order["status"] in ("OPEN", "IN_PROGRESS"):
            fulfillment_order["status"] = "CANCELLED"
            fulfillment_order["updated_at"] = now
    data.update(status="cancelled", cancelled_at=now, cancel_reason=reason, closed_at=now)
    if refund:
        data["financial_status"] = REFUNDED.get(data["financial_status"], data["financial_status"])
    order_save(record)
    order_id = int(record.key)
    return [
        {"topic": "orders/cancelled", "order": order_id},
        {"topic": "orders/updated", "order": order_id},
        *events,
    ]


def restock_lines(
    domain: str, lines: Sequence[tuple[Mapping[str, Any], int]]
) -> list[dict[str, Any]]:
    """Put these units of these lines back into ``available`` at the lines' locations."""
    wanted = [(line, units) for line, units in lines if units > 0]
    if not wanted:
        return []
    ids = {int(line["variant_id"]) for line, _units in wanted}
    locked = {
        int(record.key): record
        for record in state.variants(domain)
        .select_for_update()
        .filter(key__in=[str(number) for number in ids])
        .order_by("id")
    }
    events = []
    for line, units in wanted:
        record = locked.get(int(line["variant_id"]))
        if record is None or str(line["location_id"]) not in record.data.get("levels", {}):
            continue
        stock_move(record, int(line["location_id"]), sold=-units)
        events.append(
            {
                "topic": "inventory_levels/update",
                "variant": int(line["variant_id"]),
                "location": int(line["location_id"]),
            }
        )
    state.variants_save(list(locked.values()), reason="restock")
    return events


def order_change(record: EmulatorRecord, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Edit an open order: a new ``shipping_address``, and ``lines`` ``[{sku, quantity}]``
    setting a SKU's quantity (lower or 0 removes units still to ship; a higher one, or a new
    SKU, adds a line item as Shopify's order editing does)."""
    data = record.data
    if data["status"] == "cancelled":
        raise OrderRefused(f"order {data['name']} is cancelled and cannot be edited", 409)
    if "shipping_address" not in body and "lines" not in body:
        raise OrderRefused("give shipping_address and/or lines")
    events: list[dict[str, Any]] = []
    was = fulfillment_status(data)
    if "shipping_address" in body:
        data["shipping_address"] = address_of(body["shipping_address"])
    if "lines" in body:
        events = lines_change(record, line_requests(body["lines"], minimum=0))
    order_save(record)
    order_id = int(record.key)
    if was != "FULFILLED" and fulfillment_status(data) == "FULFILLED":
        # Taking back the last units still to ship leaves an order whose every unit shipped.
        events.insert(0, {"topic": "orders/fulfilled", "order": order_id})
    return [{"topic": "orders/updated", "order": order_id}, *events]


def lines_change(record: EmulatorRecord, lines: Sequence[LineRequest]) -> list[dict[str, Any]]:
    data, domain = record.data, record.account
    records = locked_variants(domain, lines)
    events: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    for index, (line, variant) in enumerate(zip(lines, records, strict=True)):
        current = [
            item for item in data["line_items"] if int(item["variant_id"]) == int(variant.key)
        ]
        held = sum(int(item["current_quantity"]) for item in current)
        if line.quantity < held:
            events += lines_reduce(record, current, held - line.quantity, index)
        elif line.quantity > held:
            location = line_location(variant, line, index)
            extra = LineRequest(line.sku, line.variant, line.quantity - held, line.price, "")
            item = new_line(variant, extra, location, state.allocate_ids(1))
            added.append(item)
            stock_move(variant, location, sold=extra.quantity)
            state.variant_save(variant, reason="order edit")
            events.append(
                {
                    "topic": "inventory_levels/update",
                    "variant": int(variant.key),
                    "location": location,
                }
            )
    if added:
        data["line_items"].extend(added)
        fulfillment_orders_add(domain, int(record.key), data, added)
    return events


def lines_reduce(
    record: EmulatorRecord, items: Sequence[dict[str, Any]], units: int, index: int
) -> list[dict[str, Any]]:
    """Remove ``units`` not yet shipped from these line items (newest first)."""
    if units > sum(line_unfulfilled(item) for item in items):
        raise OrderRefused(f"lines[{index}].quantity: lower than the units already fulfilled", 409)
    taken: list[tuple[Mapping[str, Any], int]] = []
    for item in reversed(items):
        take = min(units, line_unfulfilled(item))
        if take <= 0:
            continue
        item["current_quantity"] = int(item["current_quantity"]) - take
        fulfillment_order_lines_reduce(record.data, int(item["id"]), take)
        taken.append((item, take))
        units -= take
    return restock_lines(record.account, taken)


def fulfillment_order_lines_reduce(data: dict[str, Any], line_item_id: int, units: int) -> None:
    now = state.shopify_time(emulator.now())
    for fulfillment_order in data["fulfillment_orders"]:
        if fulfillment_order["status"] not in ("OPEN", "IN_PROGRESS"):
            continue
        for fo_line in fulfillment_order["line_items"]:
            if int(fo_line["line_item_id"]) != line_item_id or units <= 0:
                continue
            take = min(units, int(fo_line["remaining_quantity"]))
            fo_line["remaining_quantity"] -= take
            fo_line["total_quantity"] -= take
            units -= take
            fulfillment_order["updated_at"] = now
        if all(int(line["remaining_quantity"]) == 0 for line in fulfillment_order["line_items"]):
            shipped = any(
                int(line["total_quantity"]) > 0 for line in fulfillment_order["line_items"]
            )
            fulfillment_order["status"] = "CLOSED" if shipped else "CANCELLED"


def fulfillment_orders_add(
    domain: str, order_id: int, data: dict[str, Any], added: Sequence[Mapping[str, Any]]
) -> None:
    """New line items join their location's open fulfillment order, or open a new one."""
    new_orders, _ = fulfillment_orders_for(added, state.allocate_ids(2 * len(added)))
    index: list[tuple[str, str]] = []
    for new_order in new_orders:
        open_one = next(
            (
                existing
                for existing in data["fulfillment_orders"]
                if existing["location_id"] == new_order["location_id"]
                and existing["status"] == "OPEN"
            ),
            None,
        )
        if open_one is None:
            data["fulfillment_orders"].append(new_order)
            index.append((str(new_order["id"]), "FulfillmentOrder"))
        else:
            open_one["line_items"].extend(new_order["line_items"])
            open_one["updated_at"] = new_order["updated_at"]
        index.extend(
            (str(line["id"]), "FulfillmentOrderLineItem") for line in new_order["line_items"]
        )
    emulator.put_many(
        domain, "order_part", [(key, {"order": order_id, "kind": kind}) for key, kind in index]
    )
