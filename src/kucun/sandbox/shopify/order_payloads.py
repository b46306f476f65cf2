"""Orders as Shopify's REST Admin API and its webhooks show them (``id`` numeric beside
``admin_graphql_api_id``): the bodies of ``orders/*`` and ``fulfillments/create`` deliveries
and what the control plane answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kucun.sandbox.models import EmulatorRecord
from kucun.sandbox.shopify import state
from kucun.sandbox.shopify.orders import (
    fulfillment_status,
    line_unfulfilled,
    order_record,
    totals,
)


def order_json(record: EmulatorRecord) -> dict[str, Any]:
    """The order as Shopify's REST Admin API and its webhooks show it."""
    data, order_id = record.data, int(record.key)
    money_totals = totals(data)
    status = fulfillment_status(data)
    return {
        "id": order_id,
        "admin_graphql_api_id": state.gid("Order", order_id),
        "name": data["name"],
        "order_number": data["number"],
        "email": data.get("email"),
        "phone": data.get("phone"),
        "created_at": state.shopify_time(record.created_at),
        "updated_at": state.shopify_time(record.updated_at),
        "cancelled_at": data.get("cancelled_at"),
        "cancel_reason": (data.get("cancel_reason") or "").lower() or None,
        "closed_at": data.get("closed_at"),
        "currency": data["currency"],
        "financial_status": data["financial_status"].lower(),
        "fulfillment_status": {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}.get(
            status
        ),
        "subtotal_price": money_totals["subtotal"],
        "total_tax": money_totals["tax"],
        "total_price": money_totals["total"],
        "note": data.get("note"),
        "customer": None
        if not data.get("customer")
        else {
            **data["customer"],
            "admin_graphql_api_id": state.gid("Customer", data["customer"]["id"]),
        },
        "shipping_address": data.get("shipping_address"),
        "shipping_lines": []
        if not data.get("shipping_line")
        else [{**data["shipping_line"], "id": order_id + 1}],
        "line_items": [line_json(line) for line in data["line_items"]],
        "fulfillments": [fulfillment_json(record, entry) for entry in data["fulfillments"]],
    }


def line_json(line: Mapping[str, Any]) -> dict[str, Any]:
    unfulfilled = line_unfulfilled(line)
    shipped = int(line["fulfilled_quantity"])
    return {
        "id": line["id"],
        "admin_graphql_api_id": state.gid("LineItem", line["id"]),
        "variant_id": line["variant_id"],
        "product_id": line["product_id"],
        "sku": line["sku"],
        "title": line["title"],
        "variant_title": line["variant_title"],
        "name": f"{line['title']} - {line['variant_title']}",
        "quantity": line["quantity"],
        "current_quantity": line["current_quantity"],
        "fulfillable_quantity": unfulfilled,
        "fulfillment_status": "fulfilled"
        if shipped and not unfulfilled
        else ("partial" if shipped else None),
        "price": line["price"],
        "requires_shipping": True,
    }


def fulfillment_json(record: EmulatorRecord, fulfillment: Mapping[str, Any]) -> dict[str, Any]:
    lines = {int(line["id"]): line for line in record.data["line_items"]}
    tracking = fulfillment["tracking"]
    return {
        "id": fulfillment["id"],
        "admin_graphql_api_id": state.gid("Fulfillment", fulfillment["id"]),
        "order_id": int(record.key),
        "name": fulfillment["name"],
        "status": fulfillment["status"].lower(),
        "created_at": fulfillment["created_at"],
        "updated_at": fulfillment["updated_at"],
        "location_id": fulfillment["location_id"],
        "tracking_company": tracking[0].get("company") if tracking else None,
        "tracking_number": tracking[0].get("number") if tracking else None,
        "tracking_numbers": [entry.get("number") for entry in tracking if entry.get("number")],
        "tracking_url": tracking[0].get("url") if tracking else None,
        "tracking_urls": [entry.get("url") for entry in tracking if entry.get("url")],
        "line_items": [
            {**line_json(lines[int(part["line_item_id"])]), "quantity": part["quantity"]}
            for part in fulfillment["line_items"]
        ],
    }


def event_payload(domain: str, event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The webhook body of an order event (None when the order is gone)."""
    record = order_record(domain, int(event["order"]))
    if record is None:
        return None
    if event["topic"] == "fulfillments/create":
        fulfillment = next(
            (
                entry
                for entry in record.data["fulfillments"]
                if int(entry["id"]) == int(event["fulfillment"])
            ),
            None,
        )
        return None if fulfillment is None else fulfillment_json(record, fulfillment)
    return order_json(record)
