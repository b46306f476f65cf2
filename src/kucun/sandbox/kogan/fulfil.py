"""Dispatching and cancelling Kogan orders (kogan.md §6).

``orders/fulfill/`` takes a top-level array of ``{"ID", "Items": [{"OrderItemID",
"SellerSku", "Quantity", "ShippedDateUtc", "ShippingCarrier", "ShippingClass",
"TrackingNumber"}]}`` and answers, per order, ``{"ID", "Result": "Success" | "Fail",
"Errors": [{"ID", "ErrorCode", "Message"}]}``. An order is dispatched whole or not at all: one
bad item fails its order and leaves it as it was; the other orders of the request go on.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from kucun.sandbox.kogan.orders import (
    NO_CARRIER,
    OPEN_STATUSES,
    OrderRefused,
    line_quantities,
    orders_release_due,
    status_of,
    utc_text,
)
from kucun.sandbox.kogan.state import ORDER, PRODUCT, SELLER, carrier_codes, emulator

SUCCESS = "Success"
FAIL = "Fail"


def seller_may_ship_without_carrier(seller_id: str) -> bool:
    """``NA`` is accepted only by an agreement with the account manager (kogan.md §6)."""
    seller = emulator.get(seller_id, SELLER, seller_id) or {}
    return bool(seller.get("no_carrier_permission"))


def error(reference: str, code: str, message: str) -> dict[str, str]:
    return {"ID": reference, "ErrorCode": code, "Message": message}


def result(order_id: str, errors: list[dict[str, str]]) -> dict[str, Any]:
    return {"ID": order_id, "Result": FAIL if errors else SUCCESS, "Errors": errors}


def orders_fulfil(seller_id: str, entries: list[Any]) -> list[dict[str, Any]]:
    """Apply each entry in turn; one result per entry, in the request's order."""
    with transaction.atomic():
        orders_release_due(seller_id)
    results = []
    for entry in entries:
        with transaction.atomic():
            results.append(order_fulfil(seller_id, entry))
    return results


def order_fulfil(seller_id: str, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("ID"), str) or not entry["ID"]:
        reference = str(entry.get("ID", "")) if isinstance(entry, dict) else ""
        return result(reference, [error(reference, "InvalidOrderID", "ID is required.")])
    order_id = entry["ID"]
    record = emulator.records(seller_id, ORDER).select_for_update().filter(key=order_id).first()
    if record is None:
        return result(
            order_id, [error(order_id, "OrderNotFound", f"Order {order_id} does not exist.")]
        )
    data = copy.deepcopy(record.data)
    order = data["order"]
    if order["OrderStatus"] not in OPEN_STATUSES:
        message = f"Order {order_id} is {order['OrderStatus']} and cannot be fulfilled."
        return result(order_id, [error(order_id, "InvalidOrderStatus", message)])
    items = entry.get("Items")
    if not isinstance(items, list) or not items:
        return result(order_id, [error(order_id, "InvalidItems", "Items may not be empty.")])
    dispatched, errors = dispatched_items(seller_id, order, items)
    if errors:
        return result(order_id, errors)
    order["DispatchedItems"].extend(dispatched)
    order["OrderStatus"] = status_of(order)
    data["dispatches"].append({"at": utc_text(emulator.now()), "items": items})
    emulator.put(seller_id, ORDER, order_id, data)
    return result(order_id, [])


def dispatched_items(
    seller_id: str, order: Mapping[str, Any], items: list[Any]
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The ``DispatchedItems`` these items add, or the errors that refuse them."""
    skus = {str(item["ID"]): item["SellerSku"] for item in order["Items"]}
    remaining = {ref: line["remaining"] for ref, line in line_quantities(order).items()}
    codes = carrier_codes()
    dispatched, errors = [], []
    for item in items:
        problem = item_problem(seller_id, item, skus, remaining, codes)
        if problem is not None:
            errors.append(problem)
            continue
        reference = str(item["OrderItemID"])
        remaining[reference] -= item["Quantity"]
        shipped = item.get("ShippedDateUtc")
        dispatched.append(
            {
                "ID": reference,
                "SellerSku": skus[reference],
                "Quantity": item["Quantity"],
                "DispatchDateUtc": utc_text(parsed_time(shipped) or emulator.now()),
                "Carrier": item["ShippingCarrier"],
                "TrackingNumber": str(item.get("TrackingNumber") or ""),
            }
        )
    return dispatched, errors


def item_problem(
    seller_id: str,
    item: Any,
    skus: Mapping[str, str],
    remaining: Mapping[str, int],
    codes: list[str],
) -> dict[str, str] | None:
    """Why Kogan refuses this dispatch item, or None."""
    if not isinstance(item, dict):
        return error("", "InvalidItem", "Each item must be an object.")
    reference = str(item.get("OrderItemID", ""))
    if reference not in skus:
        return error(
            reference, "InvalidOrderItemID", f"Order item {reference} is not on this order."
        )
    sku = item.get("SellerSku")
    if sku is not None and sku != skus[reference]:
        message = f"SellerSku {sku} does not match order item {reference} ({skus[reference]})."
        return error(reference, "InvalidSellerSku", message)
    quantity = item.get("Quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        return error(reference, "InvalidQuantity", "Quantity must be greater than 0.")
    if quantity > remaining[reference]:
        message = (
            f"Quantity {quantity} exceeds the {remaining[reference]} not yet dispatched "
            f"for order item {reference}."
        )
        return error(reference, "InvalidQuantity", message)
    carrier = item.get("ShippingCarrier")
    no_carrier = carrier == NO_CARRIER and seller_may_ship_without_carrier(seller_id)
    if carrier not in codes and not no_carrier:
        return error(reference, "InvalidCarrierCode", "Invalid carrier code")
    if not no_carrier and not str(item.get("TrackingNumber") or "").strip():
        return error(reference, "InvalidTrackingNumber", "TrackingNumber is required.")
    shipped = item.get("ShippedDateUtc")
    if shipped is not None and parsed_time(shipped) is None:
        message = "ShippedDateUtc must be an ISO-8601 date-time in UTC."
        return error(reference, "InvalidShippedDate", message)
    return None


def parsed_time(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


# -- cancelling (control plane) -----------------------------------------------------------
def order_cancel(
    seller_id: str,
    order_id: str,
    *,
    items: list[Any] | None = None,
    reason: str = "",
    restock: bool = True,
) -> dict[str, Any]:
    """Kogan (or the buyer) cancels what is not yet sent: every line, or ``items``
    ``[{"ID", "Quantity"}]``. Unless ``restock`` is false the cancelled quantities go back to
    the products' stock. Refused with 409 when there is nothing left to cancel."""
    with transaction.atomic():
        orders_release_due(seller_id)
        record = emulator.records(seller_id, ORDER).select_for_update().filter(key=order_id).first()
        if record is None:
            raise OrderRefused(f"unknown order {order_id}", status=404)
        data = copy.deepcopy(record.data)
        order = data["order"]
        cancelled = cancelled_items(order, items, reason or "CustomerCancelled")
        order["CancelledItems"].extend(cancelled)
        order["OrderStatus"] = status_of(order)
        emulator.put(seller_id, ORDER, order_id, data)
        if restock:
            products_restock(seller_id, cancelled)
    return order


def cancelled_items(
    order: Mapping[str, Any], items: list[Any] | None, reason: str
) -> list[dict[str, Any]]:
    lines = line_quantities(order)
    skus = {str(item["ID"]): item["SellerSku"] for item in order["Items"]}
    if items is None:
        asked = {reference: line["remaining"] for reference, line in lines.items()}
    else:
        asked = {}
        for index, item in enumerate(items):
            reference = str(item.get("ID", "")) if isinstance(item, dict) else ""
            if reference not in lines:
                raise OrderRefused(f"items[{index}].ID {reference!r} is not on order {order['ID']}")
            quantity = item.get("Quantity", lines[reference]["remaining"])
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise OrderRefused(f"items[{index}].Quantity must be a whole number of 1 or more")
            asked[reference] = asked.get(reference, 0) + quantity
    for reference, quantity in asked.items():
        if quantity > lines[reference]["remaining"]:
            raise OrderRefused(
                f"order item {reference} has {lines[reference]['remaining']} left to cancel, "
                f"{quantity} asked",
                status=409,
            )
    cancelled = [
        {"ID": reference, "SellerSku": skus[reference], "Quantity": quantity, "Reason": reason}
        for reference, quantity in asked.items()
        if quantity > 0
    ]
    if not cancelled:
        raise OrderRefused(f"order {order['ID']} has nothing left to cancel", status=409)
    return cancelled


def products_restock(seller_id: str, cancelled: list[dict[str, Any]]) -> None:
    for line in sorted(cancelled, key=lambda line: line["SellerSku"]):
        product = emulator.get(seller_id, PRODUCT, line["SellerSku"])
        if product is not None:
            product["stock"] = int(product["stock"]) + int(line["Quantity"])
            emulator.put(seller_id, PRODUCT, line["SellerSku"], product)
