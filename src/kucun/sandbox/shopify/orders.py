"""Orders of the emulated shops (shopify.md §5–7): what a sale creates, and how cancelling,
editing and fulfilling change it.

An order is one record of the shop's ``order`` collection (key: the order's id), holding its
line items, its fulfillment orders (one per location the lines are stocked at) and its
fulfilments. The record's clock stamps are the order's ``createdAt`` and ``updatedAt``, so
``updated_at:>=`` searches and UPDATED_AT paging use the records' index as variants do. The
ids of the parts an API call names (fulfillment orders and their line items, fulfilments)
point at their order through the ``order_part`` collection.

A sale takes the quantity from ``available`` into ``committed`` at the line's location (a shop
may sell past zero, as one that keeps selling when out of stock does); fulfilling takes it out
of ``committed`` and ``on_hand``; cancelling, or editing a line down, puts the unfulfilled units
back into ``available``. Editing and cancelling are in ``order_edits.py``, the REST-style JSON
of webhooks and the control plane in ``order_payloads.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from kucun.sandbox.emulator import credential_digest
from kucun.sandbox.models import EmulatorRecord, EmulatorSetting
from kucun.sandbox.shopify import state

emulator = state.emulator

VISIBLE_WINDOW = timedelta(days=60)
FIRST_ORDER_NUMBER = 1001
FINANCIAL_STATUSES = (
    "AUTHORIZED",
    "EXPIRED",
    "PAID",
    "PARTIALLY_PAID",
    "PARTIALLY_REFUNDED",
    "PENDING",
    "REFUNDED",
    "VOIDED",
)
CANCEL_REASONS = ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF")
ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "name",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "province_code",
    "zip",
    "country",
    "country_code",
    "phone",
)


class OrderRefused(Exception):
    """A control-plane request the shop cannot carry out; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


# -- reading -------------------------------------------------------------------------------


def orders(domain: str) -> Any:
    return emulator.records(domain, "order")


def order_record(domain: str, order_id: int, *, lock: bool = False) -> EmulatorRecord | None:
    found = orders(domain).filter(key=str(order_id))
    if lock:
        found = found.select_for_update()
    return found.first()


def order_find(domain: str, reference: Any, *, lock: bool = False) -> EmulatorRecord | None:
    """An order by GID, id or name (``#1001``)."""
    text = str(reference or "")
    number = state.parse_gid(text, "Order")
    if number is None and text.isdigit():
        number = int(text)
    if number is not None:
        return order_record(domain, number, lock=lock)
    found = orders(domain).filter(data__name=text if text.startswith("#") else f"#{text}")
    if lock:
        found = found.select_for_update()
    return found.first()


def visible_since(scopes: Sequence[str]) -> datetime | None:
    """Without ``read_all_orders`` an app sees only the last 60 days of orders."""
    return None if "read_all_orders" in scopes else emulator.now() - VISIBLE_WINDOW


def part_order(domain: str, part_id: int, kind: str) -> int | None:
    """The order a fulfillment order, fulfillment order line item or fulfilment belongs to."""
    data = emulator.get(domain, "order_part", str(part_id))
    if data is None or data.get("kind") != kind:
        return None
    return int(data["order"])


def line_unfulfilled(line: Mapping[str, Any]) -> int:
    return max(0, int(line["current_quantity"]) - int(line["fulfilled_quantity"]))


def fulfillment_status(data: Mapping[str, Any]) -> str:
    """``displayFulfillmentStatus`` from the lines still to ship."""
    lines = [line for line in data["line_items"] if int(line["current_quantity"]) > 0]
    shipped = sum(int(line["fulfilled_quantity"]) for line in lines)
    remaining = sum(line_unfulfilled(line) for line in lines)
    if lines and remaining == 0:
        return "FULFILLED"
    if shipped:
        return "PARTIALLY_FULFILLED"
    return "UNFULFILLED"


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def totals(data: Mapping[str, Any]) -> dict[str, str]:
    subtotal = sum(
        (Decimal(line["price"]) * int(line["current_quantity"]) for line in data["line_items"]),
        Decimal(0),
    )
    shipping = Decimal((data.get("shipping_line") or {}).get("price", "0"))
    return {
        "subtotal": money(subtotal),
        "shipping": money(shipping),
        "tax": money(Decimal(0)),
        "total": money(subtotal + shipping),
    }


# -- creating ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRequest:
    sku: str
    variant: str
    quantity: int
    price: str | None
    location: str


def line_requests(given: Any, *, field: str = "lines", minimum: int = 1) -> list[LineRequest]:
    """``[{sku | variant, quantity, price?, location?}]`` checked, each problem named (an edit
    may set a quantity of 0: ``minimum``)."""
    if not isinstance(given, list) or not given:
        raise OrderRefused(f"{field}: give at least one line {{sku | variant, quantity}}")
    found = []
    for index, line in enumerate(given):
        if not isinstance(line, dict) or not (line.get("sku") or line.get("variant")):
            raise OrderRefused(f"{field}[{index}]: give the line's sku or variant")
        quantity = line.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < minimum:
            raise OrderRefused(f"{field}[{index}].quantity: a whole number of at least {minimum}")
        price = line.get("price")
        if price is not None:
            try:
                Decimal(str(price))
            except InvalidOperation:
                raise OrderRefused(f"{field}[{index}].price: a decimal amount") from None
        found.append(
            LineRequest(
                sku=str(line.get("sku") or ""),
                variant=str(line.get("variant") or ""),
                quantity=quantity,
                price=None if price is None else str(price),
                location=str(line.get("location") or ""),
            )
        )
    return found


def address_of(given: Any, *, field: str = "shipping_address") -> dict[str, Any] | None:
    if given is None:
        return None
    if not isinstance(given, dict):
        raise OrderRefused(f"{field}: an object of {', '.join(ADDRESS_FIELDS)}")
    unknown = sorted(set(given) - set(ADDRESS_FIELDS))
    if unknown:
        raise OrderRefused(f"{field}: unknown field {unknown[0]!r}")
    address: dict[str, Any] = {name: given.get(name) for name in ADDRESS_FIELDS}
    if not address["name"]:
        parts = [address["first_name"], address["last_name"]]
        address["name"] = " ".join(str(part) for part in parts if part) or None
    return address


def order_number_next(domain: str) -> int:
    name = f"order_number:{credential_digest(domain)[:24]}"
    setting, _ = EmulatorSetting.objects.select_for_update().get_or_create(
        system=emulator.system, name=name, defaults={"value": FIRST_ORDER_NUMBER}
    )
    number = int(setting.value)
    setting.value = number + 1
    setting.save(update_fields=["value"])
    return number


def locked_variants(domain: str, lines: Sequence[LineRequest]) -> list[EmulatorRecord]:
    """Each line's variant, locked (in id order) for the stock change."""
    found = []
    for index, line in enumerate(lines):
        record = state.variant_find(domain, sku=line.sku, variant=line.variant)
        if record is None:
            named = line.sku or line.variant
            raise OrderRefused(f"lines[{index}]: the shop has no variant {named!r}", 404)
        found.append(record)
    locked = {
        record.id: record
        for record in state.variants(domain)
        .select_for_update()
        .filter(id__in=[record.id for record in found])
        .order_by("id")
    }
    return [locked[record.id] for record in found]


def line_location(record: EmulatorRecord, line: LineRequest, index: int) -> int:
    levels = record.data.get("levels", {})
    if line.location:
        number = state.parse_gid(line.location, "Location")
        if number is None or str(number) not in levels:
            raise OrderRefused(f"lines[{index}].location: the variant is not stocked there")
        return number
    if not levels:
        raise OrderRefused(f"lines[{index}]: the variant is not stocked at any location")
    # The first location that can ship the whole line, else the first that stocks it.
    stocked = [
        key for key, level in levels.items() if int(level.get("available", 0)) >= line.quantity
    ]
    return int(stocked[0] if stocked else next(iter(levels)))


def stock_move(record: EmulatorRecord, location: int, *, sold: int = 0, shipped: int = 0) -> None:
    """Units sold leave ``available`` for ``committed``; units shipped leave ``committed`` and
    ``on_hand`` (negative ``sold`` puts units back)."""
    level = record.data["levels"][str(location)]
    level["available"] = int(level.get("available", 0)) - sold
    level["committed"] = int(level.get("committed", 0)) + sold - shipped
    level["on_hand"] = int(level.get("on_hand", level.get("available", 0))) - shipped


def new_line(
    record: EmulatorRecord, line: LineRequest, location: int, line_id: int
) -> dict[str, Any]:
    product = state.product_records(record.account, [int(record.data["product_id"])])
    found = product.get(int(record.data["product_id"]))
    return {
        "id": line_id,
        "variant_id": int(record.key),
        "product_id": int(record.data["product_id"]),
        "sku": record.data.get("sku") or "",
        "title": record.data.get("title", "") if found is None else found.data.get("title", ""),
        "variant_title": record.data.get("title", ""),
        "quantity": line.quantity,
        "current_quantity": line.quantity,
        "fulfilled_quantity": 0,
        "price": money(Decimal(line.price or record.data.get("price", "0.00"))),
        "location_id": location,
    }


def order_create(domain: str, body: Mapping[str, Any]) -> tuple[EmulatorRecord, list[dict]]:
    """A sale: ``{lines, shipping_address?, shipping_line?, email?, phone?, customer?,
    financial_status?, note?}``. Answers the order and the events to announce."""
    lines = line_requests(body.get("lines"))
    address = address_of(body.get("shipping_address"))
    shipping_line = shipping_line_of(body)
    financial = str(body.get("financial_status") or "PAID").upper()
    if financial not in FINANCIAL_STATUSES:
        raise OrderRefused(f"financial_status: one of {', '.join(FINANCIAL_STATUSES)}")
    shop = state.shop_get(domain)
    if shop is None:
        raise OrderRefused(f"shop: no sandbox shop {domain!r}", 404)
    records = locked_variants(domain, lines)
    # The order, each line, each line's place on a fulfillment order, each fulfillment
    # order and the customer.
    first_id = state.allocate_ids(3 * len(lines) + 2)
    order_id = first_id
    line_items, events = lines_sell(lines, records, first_id + 1)
    next_id = first_id + 1 + len(line_items)
    state.variants_save(list({record.id: record for record in records}.values()), reason="order")
    fulfillment_orders, next_id = fulfillment_orders_for(line_items, next_id)
    number = order_number_next(domain)
    customer = customer_of(body, next_id)
    data = {
        "number": number,
        "name": f"#{number}",
        "email": body.get("email") or (customer or {}).get("email"),
        "phone": body.get("phone"),
        "currency": shop.currency_code,
        "financial_status": financial,
        "status": "open",
        "cancelled_at": None,
        "cancel_reason": None,
        "closed_at": None,
        "note": body.get("note"),
        "customer": customer,
        "shipping_address": address,
        "shipping_line": shipping_line,
        "line_items": line_items,
        "fulfillment_orders": fulfillment_orders,
        "fulfillments": [],
    }
    record = emulator.put(domain, "order", str(order_id), data)
    parts_index(domain, order_id, data)
    state.mutation_log(
        domain,
        {
            "operation": "order",
            "order": data["name"],
            "sku": ", ".join(item["sku"] for item in line_items),
            "quantity": sum(item["quantity"] for item in line_items),
            "location": line_items[0]["location_id"],
        },
    )
    return record, [{"topic": "orders/create", "order": order_id}, *events]


def lines_sell(
    lines: Sequence[LineRequest], records: Sequence[EmulatorRecord], first_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The line items of a sale (ids from ``first_id``), each taken from its location's
    ``available``; answers them and the stock events."""
    line_items, events = [], []
    for index, (line, record) in enumerate(zip(lines, records, strict=True)):
        location = line_location(record, line, index)
        line_items.append(new_line(record, line, location, first_id + index))
        stock_move(record, location, sold=line.quantity)
        events.append(
            {"topic": "inventory_levels/update", "variant": int(record.key), "location": location}
        )
    return line_items, events


def shipping_line_of(body: Mapping[str, Any]) -> dict[str, Any] | None:
    given = body.get("shipping_line")
    if given is None and body.get("shipping_line_title"):
        given = {"title": body["shipping_line_title"]}
    if given is None:
        return None
    if not isinstance(given, dict) or not given.get("title"):
        raise OrderRefused("shipping_line: an object {title, code?, price?}")
    try:
        price = money(Decimal(str(given.get("price", "0.00"))))
    except InvalidOperation:
        raise OrderRefused("shipping_line.price: a decimal amount") from None
    return {"title": str(given["title"]), "code": given.get("code"), "price": price}


def customer_of(body: Mapping[str, Any], customer_id: int) -> dict[str, Any] | None:
    given = body.get("customer")
    if given is None:
        return None
    if not isinstance(given, dict):
        raise OrderRefused("customer: an object {first_name, last_name, email}")
    return {
        "id": int(given.get("id") or customer_id),
        "first_name": given.get("first_name"),
        "last_name": given.get("last_name"),
        "email": given.get("email"),
    }


def fulfillment_orders_for(
    line_items: Sequence[Mapping[str, Any]], next_id: int
) -> tuple[list[dict[str, Any]], int]:
    """One open fulfillment order per location the lines ship from."""
    now = state.shopify_time(emulator.now())
    by_location: dict[int, list[dict[str, Any]]] = {}
    for item in line_items:
        if int(item["current_quantity"]) <= 0:
            continue
        by_location.setdefault(int(item["location_id"]), []).append(
            {
                "id": next_id,
                "line_item_id": item["id"],
                "total_quantity": int(item["current_quantity"]),
                "remaining_quantity": int(item["current_quantity"]),
            }
        )
        next_id += 1
    found = []
    for location, fo_lines in by_location.items():
        found.append(
            {
                "id": next_id,
                "location_id": location,
                "status": "OPEN",
                "created_at": now,
                "updated_at": now,
                "line_items": fo_lines,
            }
        )
        next_id += 1
    return found, next_id


def parts_index(domain: str, order_id: int, data: Mapping[str, Any]) -> None:
    parts = []
    for fulfillment_order in data["fulfillment_orders"]:
        parts.append((str(fulfillment_order["id"]), "FulfillmentOrder"))
        parts.extend(
            (str(line["id"]), "FulfillmentOrderLineItem")
            for line in fulfillment_order["line_items"]
        )
    parts.extend((str(fulfillment["id"]), "Fulfillment") for fulfillment in data["fulfillments"])
    emulator.put_many(
        domain, "order_part", [(key, {"order": order_id, "kind": kind}) for key, kind in parts]
    )


def order_save(record: EmulatorRecord) -> None:
    """Store a changed order: its clock stamp is its new ``updatedAt``."""
    record.updated_at = emulator.now()
    record.save(update_fields=["data", "updated_at"])


# -- fulfilling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShipLine:
    fulfillment_order: dict[str, Any]
    fo_line: dict[str, Any]
    quantity: int


def fulfil(
    record: EmulatorRecord,
    ship: Sequence[ShipLine],
    *,
    tracking: Sequence[Mapping[str, Any]],
    message: str | None,
    notify_customer: bool,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Ship these (checked) units: remaining quantities drop, fulfillment orders close when
    nothing remains, stock leaves ``committed`` and ``on_hand``. Answers the fulfilment and
    the events to announce."""
    data, domain = record.data, record.account
    now = state.shopify_time(emulator.now())
    fulfillment_id = state.allocate_ids(1 + len(ship))
    shipped, by_variant = units_ship(data, ship, fulfillment_id + 1, now)
    ship_stock(domain, by_variant)
    fulfillment = {
        "id": fulfillment_id,
        "name": f"{data['name']}.{len(data['fulfillments']) + 1}",
        "status": "SUCCESS",
        "created_at": now,
        "updated_at": now,
        "location_id": int(ship[0].fulfillment_order["location_id"]),
        "fulfillment_order_ids": sorted({int(part.fulfillment_order["id"]) for part in ship}),
        "tracking": list(tracking),
        "line_items": shipped,
        "message": message,
        "notify_customer": notify_customer,
    }
    data["fulfillments"].append(fulfillment)
    order_save(record)
    emulator.put(
        domain, "order_part", str(fulfillment_id), {"order": int(record.key), "kind": "Fulfillment"}
    )
    order_id = int(record.key)
    events = [
        {"topic": "fulfillments/create", "order": order_id, "fulfillment": fulfillment_id},
        {"topic": "orders/updated", "order": order_id},
    ]
    if fulfillment_status(data) == "FULFILLED":
        events.append({"topic": "orders/fulfilled", "order": order_id})
    state.mutation_log(
        domain,
        {
            "operation": "fulfillmentCreate",
            "order": data["name"],
            "tracking": ", ".join(str(entry.get("number") or "") for entry in tracking),
        },
    )
    return fulfillment, events


def units_ship(
    data: Mapping[str, Any], ship: Sequence[ShipLine], first_id: int, now: str
) -> tuple[list[dict[str, Any]], dict[tuple[int, int], int]]:
    """Take the shipped units off the fulfillment orders and onto the line items; a
    fulfillment order with nothing left is CLOSED, one partly shipped IN_PROGRESS. Answers the
    fulfilment's line items (ids from ``first_id``) and the units per (variant, location)."""
    lines_by_id = {int(line["id"]): line for line in data["line_items"]}
    shipped: list[dict[str, Any]] = []
    by_variant: dict[tuple[int, int], int] = {}
    for offset, part in enumerate(ship):
        part.fo_line["remaining_quantity"] = int(part.fo_line["remaining_quantity"]) - part.quantity
        line = lines_by_id[int(part.fo_line["line_item_id"])]
        line["fulfilled_quantity"] = int(line["fulfilled_quantity"]) + part.quantity
        shipped.append(
            {"id": first_id + offset, "line_item_id": line["id"], "quantity": part.quantity}
        )
        key = (int(line["variant_id"]), int(part.fulfillment_order["location_id"]))
        by_variant[key] = by_variant.get(key, 0) + part.quantity
    touched = {id(part.fulfillment_order): part.fulfillment_order for part in ship}
    for fulfillment_order in touched.values():
        remaining = sum(int(line["remaining_quantity"]) for line in fulfillment_order["line_items"])
        fulfillment_order["status"] = "CLOSED" if remaining == 0 else "IN_PROGRESS"
        fulfillment_order["updated_at"] = now
    return shipped, by_variant


def tracking_update(
    record: EmulatorRecord, fulfillment_id: int, tracking: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Replace a fulfilment's tracking (a corrected number, or one known only later)."""
    fulfillment = next(
        entry for entry in record.data["fulfillments"] if int(entry["id"]) == fulfillment_id
    )
    fulfillment["tracking"] = list(tracking)
    fulfillment["updated_at"] = state.shopify_time(emulator.now())
    order_save(record)
    state.mutation_log(
        record.account,
        {
            "operation": "fulfillmentTrackingInfoUpdate",
            "order": record.data["name"],
            "tracking": ", ".join(str(entry.get("number") or "") for entry in tracking),
        },
    )
    return fulfillment


def ship_stock(domain: str, shipped: Mapping[tuple[int, int], int]) -> None:
    locked = {
        int(record.key): record
        for record in state.variants(domain)
        .select_for_update()
        .filter(key__in=[str(variant) for variant, _location in shipped])
        .order_by("id")
    }
    for (variant, location), units in shipped.items():
        record = locked.get(variant)
        if record is not None and str(location) in record.data.get("levels", {}):
            stock_move(record, location, shipped=units)
    state.variants_save(list(locked.values()), reason="fulfillment")
