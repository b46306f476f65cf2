"""Orders on the Pisell emulator (pisell.md §2.4–§2.6): placed through the control plane,
listed incrementally, fulfilled (marked shipped), updated and cancelled.

An ``order`` record holds the order in the shape of §2.4 without its times (the record's
``created_at`` and ``updated_at`` are the order's, so the listing pages on them exactly as
products do), plus ``location_id``, the location its stock came from, which the contract does
not show. A ``fulfillment`` record is one shipment of an order's lines.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Q

from kucun.sandbox.models import EmulatorRecord
from kucun.sandbox.pisell.store import (
    EMULATOR,
    Tenant,
    encode_cursor,
    find_variant,
    iso,
    locations,
    next_ids,
    parse_time,
    product_save,
    products_by_id,
    stamp,
    variants_by_sku,
)

ORDER_STATUSES = ("pending", "paid", "cancelled", "refunded")
CHANNELS = ("online", "pos", "booking")
CENT = Decimal("0.01")
GST_FRACTION = Decimal(1) / Decimal(11)
ORDER_FIELDS = (
    "id",
    "number",
    "channel",
    "status",
    "fulfillment_status",
    "currency",
    "total",
    "shipping_total",
    "tax_total",
    "customer",
    "shipping_address",
    "line_items",
)
ADDRESS_FIELDS = (
    "name",
    "company",
    "line1",
    "line2",
    "suburb",
    "state",
    "postcode",
    "country",
    "phone",
)
CUSTOMER_FIELDS = ("id", "name", "email", "phone")
SANDBOX_CUSTOMER = {
    "name": "Sandbox Shopper",
    "email": "sandbox.shopper@example.com",
    "phone": "+61400000000",
}
SANDBOX_ADDRESS = {
    "name": "Sandbox Shopper",
    "company": None,
    "line1": "1 Sandbox Street",
    "line2": None,
    "suburb": "Melbourne",
    "state": "VIC",
    "postcode": "3000",
    "country": "AU",
    "phone": "+61400000000",
}


@dataclass
class OrderRefused(Exception):
    """What the emulator will not do, answered as problem+json (vendor paths) or as
    ``{"error"}`` (control plane)."""

    status: int
    code: str
    title: str
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)


def invalid(detail: str, errors: list[dict[str, str]]) -> OrderRefused:
    return OrderRefused(422, "validation_failed", "Validation failed", detail, errors)


def money(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


# -- the contract's shape -----------------------------------------------------------------
def order_json(record: EmulatorRecord, local_time_zone: str = "") -> dict[str, Any]:
    """An order as ``GET orders`` answers it (pisell.md §2.4)."""
    data = record.data
    shown = {name: copy.deepcopy(data[name]) for name in ORDER_FIELDS}
    shown["created_at"] = stamp(record.created_at, local_time_zone)
    shown["updated_at"] = stamp(record.updated_at, local_time_zone)
    ordered = (*ORDER_FIELDS[:5], "created_at", "updated_at", *ORDER_FIELDS[5:])
    return {name: shown[name] for name in ordered}


def order_record(tenant: Tenant, order_id: str) -> EmulatorRecord | None:
    return EMULATOR.records(tenant.id, "order").filter(key=order_id).first()


def orders_page(
    tenant: Tenant,
    *,
    updated_since: datetime | None,
    statuses: list[str],
    after: tuple[datetime, int] | None,
    limit: int,
) -> tuple[list[EmulatorRecord], str | None]:
    """One page in ``(updated_at, id)`` order, as products page."""
    found = EMULATOR.records(tenant.id, "order")
    if updated_since is not None:
        found = found.filter(updated_at__gte=updated_since)
    if statuses:
        found = found.filter(data__status__in=statuses)
    if after is not None:
        at, pk = after
        found = found.filter(Q(updated_at__gt=at) | Q(updated_at=at, pk__gt=pk))
    rows = list(found.order_by("updated_at", "pk")[: limit + 1])
    page = rows[:limit]
    return page, encode_cursor(page[-1]) if len(rows) > limit else None


def fulfillment_status_of(line_items: Iterable[Mapping[str, Any]], channel: str) -> str:
    lines = list(line_items)
    if channel == "pos":
        return "collected"
    fulfilled = sum(int(line["quantity_fulfilled"]) for line in lines)
    if fulfilled == 0:
        return "unfulfilled"
    if all(line["quantity_fulfilled"] >= line["quantity"] for line in lines):
        return "fulfilled"
    return "partial"


# -- placing (control plane) --------------------------------------------------------------
def contact(spec: Any, fields: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise invalid(f"{where} must be an object.", [{"field": where, "code": "invalid"}])
    unknown = sorted(set(spec) - set(fields))
    if unknown:
        errors = [{"field": f"{where}.{name}", "code": "unknown_field"} for name in unknown]
        raise invalid(f"{where} has unknown field(s) {', '.join(unknown)}.", errors)
    return {name: None if spec.get(name) is None else str(spec[name]) for name in fields}


def placed_contacts(
    channel: str, body: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The customer and ship-to of a new order: given, or a sandbox shopper's for an online
    order (a till sale has neither unless given)."""
    customer = body.get("customer")
    address = body.get("shipping_address")
    if customer is None and channel == "online":
        customer = SANDBOX_CUSTOMER
    if address is None and channel == "online":
        address = SANDBOX_ADDRESS
    return (
        None if customer is None else contact(customer, CUSTOMER_FIELDS, "customer"),
        None if address is None else contact(address, ADDRESS_FIELDS, "shipping_address"),
    )


def amount(value: Any, where: str) -> Decimal:
    """A price given to the control plane, or a refusal naming where it was."""
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        found = Decimal(-1)
    if not found.is_finite() or found < 0:
        raise invalid(
            f"{where} must be a decimal amount of 0 or more.",
            [{"field": where, "code": "invalid_amount"}],
        )
    return found


def given_or(value: Any, default: Any) -> Any:
    return default if value is None else value


def order_lines_checked(lines: Any, found: Mapping[str, tuple[str, str]]) -> None:
    if not isinstance(lines, list) or not lines:
        raise invalid(
            "line_items must list {sku, quantity}.", [{"field": "line_items", "code": "required"}]
        )
    for index, line in enumerate(lines):
        if not isinstance(line, dict) or line.get("sku") not in found:
            raise invalid(
                f"unknown SKU in {line!r}",
                [{"field": f"line_items[{index}].sku", "code": "unknown_sku"}],
            )
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise invalid(
                f"quantity must be a positive whole number in {line!r}",
                [{"field": f"line_items[{index}].quantity", "code": "invalid_quantity"}],
            )
        if line.get("unit_price") is not None:
            amount(line["unit_price"], f"line_items[{index}].unit_price")


def order_place(
    tenant: Tenant, body: Mapping[str, Any]
) -> tuple[EmulatorRecord, list[tuple[str, dict[str, Any]]]]:
    """A sale on the platform (call inside a transaction): the location's stock drops (never
    below 0) and the order is stored; answers it and the (product id, variant) changed."""
    channel = str(body.get("channel", "pos"))
    if channel not in CHANNELS:
        raise invalid(
            f"channel must be one of {', '.join(CHANNELS)}.",
            [{"field": "channel", "code": "invalid_choice"}],
        )
    status = str(body.get("status", "paid"))
    if status not in ("pending", "paid"):
        raise invalid(
            "a new order is pending or paid.", [{"field": "status", "code": "invalid_choice"}]
        )
    location = str(body.get("location_id") or tenant.default_location)
    if location not in {found["id"] for found in locations(tenant.id) if found["active"]}:
        raise invalid(
            f"No active location has the id {location!r}.",
            [{"field": "location_id", "code": "unknown_location"}],
        )
    shipping_total = amount(body.get("shipping_total", "0"), "shipping_total")
    lines = body.get("line_items")
    skus = [str(line.get("sku")) for line in lines or [] if isinstance(line, dict)]
    found = variants_by_sku(tenant, skus)
    order_lines_checked(lines, found)
    customer, address = placed_contacts(channel, body)
    records = products_by_id(tenant, (product for product, _ in found.values()))
    documents = {key: copy.deepcopy(record.data) for key, record in records.items()}
    stamped = EMULATOR.now()
    number = next_ids("order", 1)[0]
    changes, items = [], []
    for index, line in enumerate(list(lines or []), start=1):
        product_id, variant_id = found[line["sku"]]
        variant = find_variant(documents[product_id], variant_id)
        held = int(variant["stock"].get(location, 0))
        variant["stock"][location] = max(0, held - line["quantity"])
        variant["updated_at"] = stamped.isoformat()
        changes.append((product_id, variant))
        items.append(
            {
                "id": f"li_{number}_{index}",
                "variant_id": variant_id,
                "sku": line["sku"],
                "quantity": line["quantity"],
                "quantity_fulfilled": line["quantity"] if channel == "pos" else 0,
                "unit_price": money(
                    Decimal(str(given_or(line.get("unit_price"), variant["price"])))
                ),
            }
        )
    for product_id in sorted(documents):
        product_save(records[product_id], documents[product_id])
    total = sum((Decimal(i["unit_price"]) * i["quantity"] for i in items), Decimal(0))
    total += shipping_total
    document: dict[str, Any] = {
        "id": f"o_{number}",
        "number": str(body.get("number") or f"#{number}"),
        "channel": channel,
        "status": status,
        "fulfillment_status": fulfillment_status_of(items, channel),
        "currency": str(body.get("currency") or "AUD"),
        "total": money(total),
        "shipping_total": money(shipping_total),
        "tax_total": money(total * GST_FRACTION),
        "customer": customer,
        "shipping_address": address,
        "line_items": items,
        "location_id": location,
    }
    if customer is not None and customer["id"] is None:
        customer["id"] = f"c_{number}"
    record = EMULATOR.put(tenant.id, "order", document["id"], document)
    return record, changes


# -- fulfilments (POST orders/{id}/fulfillments) ------------------------------------------
def fulfillment_body_errors(body: Any) -> list[dict[str, str]]:
    """Per-field errors of a fulfilment request (pisell.md §2.5)."""
    if not isinstance(body, dict):
        return [{"field": "body", "code": "invalid"}]
    errors = []
    lines = body.get("line_items")
    if lines is not None:
        if not isinstance(lines, list) or not lines:
            errors.append({"field": "line_items", "code": "invalid"})
        else:
            for index, line in enumerate(lines):
                where = f"line_items[{index}]"
                if not isinstance(line, dict) or not isinstance(line.get("id"), str):
                    errors.append({"field": f"{where}.id", "code": "required"})
                    continue
                quantity = line.get("quantity")
                if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                    errors.append({"field": f"{where}.quantity", "code": "invalid_quantity"})
    if not isinstance(body.get("carrier"), str) or not body["carrier"].strip():
        errors.append({"field": "carrier", "code": "required"})
    for name in ("tracking_number", "tracking_url"):
        if body.get(name) is not None and not isinstance(body[name], str):
            errors.append({"field": name, "code": "invalid"})
    url = body.get("tracking_url")
    if isinstance(url, str) and urlsplit(url).scheme not in ("http", "https"):
        errors.append({"field": "tracking_url", "code": "invalid_url"})
    shipped_at = body.get("shipped_at")
    if shipped_at is not None and (
        not isinstance(shipped_at, str) or parse_time(shipped_at) is None
    ):
        errors.append({"field": "shipped_at", "code": "invalid_datetime"})
    notify = body.get("notify_customer")
    if notify is not None and not isinstance(notify, bool):
        errors.append({"field": "notify_customer", "code": "invalid"})
    return errors


def fulfilled_quantities(
    document: Mapping[str, Any], asked: list[dict[str, Any]] | None
) -> list[tuple[int, dict[str, Any], int]]:
    """(index in the request, order line, quantity) per line shipped; everything remaining
    when ``asked`` is None. Refuses unknown lines and quantities above the remainder."""
    lines = {line["id"]: line for line in document["line_items"]}
    if asked is None:
        shipped = [
            (index, line, line["quantity"] - line["quantity_fulfilled"])
            for index, line in enumerate(document["line_items"])
            if line["quantity"] > line["quantity_fulfilled"]
        ]
        if not shipped:
            raise OrderRefused(
                422,
                "over_fulfilment",
                "Over fulfilment",
                "Nothing on this order remains to be fulfilled.",
                [{"field": "line_items", "code": "over_fulfilment"}],
            )
        return shipped
    unknown = [
        {"field": f"line_items[{index}].id", "code": "unknown_line_item"}
        for index, line in enumerate(asked)
        if line["id"] not in lines
    ]
    if unknown:
        raise invalid("Some line items are not on this order.", unknown)
    wanted: dict[str, int] = {}
    over = []
    for index, line in enumerate(asked):
        wanted[line["id"]] = wanted.get(line["id"], 0) + line["quantity"]
        order_line = lines[line["id"]]
        if wanted[line["id"]] > order_line["quantity"] - order_line["quantity_fulfilled"]:
            over.append({"field": f"line_items[{index}].quantity", "code": "over_fulfilment"})
    if over:
        raise OrderRefused(
            422,
            "over_fulfilment",
            "Over fulfilment",
            "A quantity is above what remains unfulfilled on its line.",
            over,
        )
    return [(index, lines[line["id"]], line["quantity"]) for index, line in enumerate(asked)]


def fulfillment_create(tenant: Tenant, order_id: str, body: Any) -> dict[str, Any]:
    """Ship lines of an order (call inside a transaction); answers the fulfilment."""
    record = EMULATOR.records(tenant.id, "order").select_for_update().filter(key=order_id).first()
    if record is None:
        raise OrderRefused(404, "not_found", "Not Found", f"No order has the id {order_id!r}.")
    errors = fulfillment_body_errors(body)
    if errors:
        raise invalid("The fulfilment is invalid.", errors)
    document = copy.deepcopy(record.data)
    if document["channel"] == "pos" or document["status"] != "paid":
        state = "collected in store" if document["channel"] == "pos" else document["status"]
        raise OrderRefused(
            422,
            "order_not_fulfillable",
            "Order not fulfillable",
            f"Order {order_id} is {state}; only paid orders are shipped.",
            [{"field": "order", "code": "order_not_fulfillable"}],
        )
    shipped = fulfilled_quantities(document, body.get("line_items"))
    for _index, line, quantity in shipped:
        line["quantity_fulfilled"] += quantity
    document["fulfillment_status"] = fulfillment_status_of(
        document["line_items"], document["channel"]
    )
    now = EMULATOR.now()
    shipped_at = parse_time(body["shipped_at"]) if body.get("shipped_at") else None
    fulfillment = {
        "id": f"f_{next_ids('fulfillment', 1)[0]}",
        "order_id": order_id,
        "status": "shipped",
        "line_items": [{"id": line["id"], "quantity": quantity} for _i, line, quantity in shipped],
        "carrier": body["carrier"],
        "tracking_number": body.get("tracking_number"),
        "tracking_url": body.get("tracking_url"),
        "shipped_at": iso(shipped_at or now),
        "notify_customer": bool(body.get("notify_customer", False)),
        "created_at": iso(now),
    }
    EMULATOR.put(tenant.id, "order", order_id, document)
    EMULATOR.put(tenant.id, "fulfillment", fulfillment["id"], fulfillment)
    return fulfillment


def fulfillments_of(tenant_id: str, order_id: str) -> list[dict[str, Any]]:
    found = EMULATOR.records(tenant_id, "fulfillment").filter(data__order_id=order_id)
    return [record.data for record in found.order_by("pk")]


# -- changes (control plane) --------------------------------------------------------------
def order_cancel(
    tenant: Tenant, order_id: str, *, restock: bool = True, refunded: bool = False
) -> tuple[EmulatorRecord, list[tuple[str, dict[str, Any]]]]:
    """The merchant or shopper cancels (or refunds) an order (call inside a transaction);
    unless ``restock`` is false what was not yet fulfilled goes back to its location."""
    record = EMULATOR.records(tenant.id, "order").select_for_update().filter(key=order_id).first()
    if record is None:
        raise OrderRefused(404, "not_found", "Not Found", f"No order has the id {order_id!r}.")
    document = copy.deepcopy(record.data)
    if document["status"] in ("cancelled", "refunded"):
        raise OrderRefused(
            409, "order_closed", "Order closed", f"Order {order_id} is {document['status']}."
        )
    document["status"] = "refunded" if refunded else "cancelled"
    changes = order_restock(tenant, document) if restock else []
    return EMULATOR.put(tenant.id, "order", order_id, document), changes


def order_restock(tenant: Tenant, document: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    location = str(document.get("location_id") or tenant.default_location)
    back = {
        line["sku"]: line["quantity"] - line["quantity_fulfilled"]
        for line in document["line_items"]
        if line["quantity"] > line["quantity_fulfilled"]
    }
    found = variants_by_sku(tenant, back)
    records = products_by_id(tenant, (product for product, _ in found.values()))
    documents = {key: copy.deepcopy(record.data) for key, record in records.items()}
    stamped = EMULATOR.now().isoformat()
    changes = []
    for sku, quantity in back.items():
        if sku not in found:
            continue
        product_id, variant_id = found[sku]
        variant = find_variant(documents[product_id], variant_id)
        variant["stock"][location] = int(variant["stock"].get(location, 0)) + quantity
        variant["updated_at"] = stamped
        changes.append((product_id, variant))
    for product_id in sorted(documents):
        product_save(records[product_id], documents[product_id])
    return changes


def order_change(tenant: Tenant, order_id: str, body: Mapping[str, Any]) -> EmulatorRecord:
    """A change made on the platform (call inside a transaction): ``status`` (``pending`` →
    ``paid``), ``customer`` or ``shipping_address``."""
    record = EMULATOR.records(tenant.id, "order").select_for_update().filter(key=order_id).first()
    if record is None:
        raise OrderRefused(404, "not_found", "Not Found", f"No order has the id {order_id!r}.")
    document = copy.deepcopy(record.data)
    if "status" in body:
        if body["status"] not in ("pending", "paid"):
            raise invalid(
                "status changes to pending or paid here; cancel through orders/cancel.",
                [{"field": "status", "code": "invalid_choice"}],
            )
        document["status"] = body["status"]
    if "customer" in body:
        document["customer"] = contact(body["customer"], CUSTOMER_FIELDS, "customer")
    if "shipping_address" in body:
        document["shipping_address"] = contact(
            body["shipping_address"], ADDRESS_FIELDS, "shipping_address"
        )
    return EMULATOR.put(tenant.id, "order", order_id, document)
