"""Kogan orders as the emulator keeps them (kogan.md §5, §6): an order placed on Kogan through
the control plane, the seller's view of it through ``orders/``, and its dispatch through
``orders/fulfill/``.

An order record holds ``{"order": <the order object of §5.2>, "release_at": <ISO time>,
"dispatches": [<each accepted fulfil entry>]}``; the record's ``created_at`` is the order
date, so the date window of ``orders/`` is a query on it.

Statuses follow from the lines (quantity ordered, cancelled and dispatched):

* every line cancelled → ``Canceled``
* nothing left to send and something sent → ``Shipped``
* something sent → ``PartiallyShipped``
* something cancelled → ``PartiallyCanceled``
* otherwise ``ReleasedForShipment``, or ``Pending`` while the order is in fraud screening
  (kogan.md §5.1: orders appear 30–60 minutes after payment; the ``release_delay_seconds``
  setting, 0 by default, plays that part on the emulator clock).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from kucun.sandbox.kogan.state import (
    DEFAULT_CURRENCY,
    ORDER,
    PRODUCT,
    SELLER,
    emulator,
    seed,
    setting,
)
from kucun.sandbox.models import EmulatorRecord, EmulatorSetting

PENDING = "Pending"
RELEASED = "ReleasedForShipment"
ACKNOWLEDGED = "AcknowledgedBySeller"
PARTIALLY_SHIPPED = "PartiallyShipped"
SHIPPED = "Shipped"
CANCELED = "Canceled"
PARTIALLY_CANCELED = "PartiallyCanceled"
STATUSES = (
    RELEASED,
    PENDING,
    ACKNOWLEDGED,
    PARTIALLY_SHIPPED,
    SHIPPED,
    CANCELED,
    PARTIALLY_CANCELED,
)
# ``status=ReleasedForShipment`` is the to-do list: every released order with something left
# to send, whatever part of it was already sent or cancelled (kogan.md §5.1, §6).
OPEN_STATUSES = (RELEASED, ACKNOWLEDGED, PARTIALLY_SHIPPED, PARTIALLY_CANCELED)
# The statuses whose date window may not exceed 15 days (kogan.md §5.1).
WINDOWED_STATUSES = (SHIPPED, CANCELED)
MAX_WINDOW = timedelta(days=15)

NO_CARRIER = "NA"
DELIVER_WITHIN = timedelta(days=5)
TAX_FRACTION = {"AUD": Decimal(1) / Decimal(11), "NZD": Decimal(3) / Decimal(23)}
CENT = Decimal("0.01")

ADDRESS_FIELDS = (
    "FirstName",
    "LastName",
    "NameSuffix",
    "CompanyName",
    "AddressLine1",
    "AddressLine2",
    "City",
    "StateOrProvince",
    "PostalCode",
    "Country",
    "DaytimePhone",
    "EveningPhone",
    "EmailAddress",
)
# Plain names the control plane accepts for an address; Kogan's own names win.
ADDRESS_ALIASES = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "company": "CompanyName",
    "line1": "AddressLine1",
    "line2": "AddressLine2",
    "city": "City",
    "suburb": "City",
    "state": "StateOrProvince",
    "postcode": "PostalCode",
    "country": "Country",
    "phone": "DaytimePhone",
    "email": "EmailAddress",
}
DEFAULT_ADDRESS: dict[str, str | None] = {
    "FirstName": "Sandbox",
    "LastName": "Buyer",
    "NameSuffix": None,
    "CompanyName": None,
    "AddressLine1": "1 Sandbox Street",
    "AddressLine2": None,
    "City": "Melbourne",
    "StateOrProvince": "VIC",
    "PostalCode": "3000",
    "Country": "AU",
    "DaytimePhone": "0400000000",
    "EveningPhone": None,
    "EmailAddress": "sandbox.buyer@example.com",
}


class OrderRefused(ValueError):
    """A control-plane order the emulator will not place; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def utc_text(moment: datetime) -> str:
    """A time as Kogan writes it: ISO-8601 UTC to the second with ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(amount: Decimal) -> float:
    return float(amount.quantize(CENT))


# -- placing an order (control plane) -----------------------------------------------------
def address_document(spec: Any, where: str) -> dict[str, str | None]:
    """A §5.2 address from Kogan's field names or plain ones; unknown fields are refused."""
    if spec is None:
        return dict(DEFAULT_ADDRESS)
    if not isinstance(spec, dict):
        raise OrderRefused(f"{where} must be an object")
    unknown = sorted(set(spec) - set(ADDRESS_FIELDS) - set(ADDRESS_ALIASES) - {"name"})
    if unknown:
        raise OrderRefused(f"{where}: unknown field(s) {', '.join(unknown)}")
    address: dict[str, str | None] = dict.fromkeys(ADDRESS_FIELDS)
    if spec.get("name"):
        first, _, last = str(spec["name"]).partition(" ")
        address.update(FirstName=first, LastName=last or None)
    for alias, field_name in ADDRESS_ALIASES.items():
        if spec.get(alias) is not None:
            address[field_name] = str(spec[alias])
    for field_name in ADDRESS_FIELDS:
        if spec.get(field_name) is not None:
            address[field_name] = str(spec[field_name])
    for required in ("AddressLine1", "City", "PostalCode", "Country"):
        if not address[required]:
            raise OrderRefused(f"{where}.{required} is required")
    return address


def amount(value: Any, where: str) -> Decimal:
    """A price given to the control plane, or OrderRefused naming where it was."""
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        found = Decimal(-1)
    if not found.is_finite() or found < 0:
        raise OrderRefused(f"{where} must be a decimal amount of 0 or more")
    return found


def checked_lines(items: Any) -> list[tuple[str, int, Decimal | None]]:
    """(SKU, quantity, unit price or None) per line, or OrderRefused naming the line."""
    if not isinstance(items, list) or not items:
        raise OrderRefused('items must be a list of {"product_sku", "quantity"}')
    lines = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("product_sku"), str):
            raise OrderRefused(f"items[{index}].product_sku is required")
        quantity = item.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise OrderRefused(f"items[{index}].quantity must be a whole number of 1 or more")
        price = item.get("unit_price")
        given = None if price is None else amount(price, f"items[{index}].unit_price")
        lines.append((item["product_sku"], quantity, given))
    return lines


def next_order_number() -> int:
    """The next order number of the emulator (all sellers), the counter row locked so that
    orders placed at once do not share one."""
    with transaction.atomic():
        counter, _ = EmulatorSetting.objects.select_for_update().get_or_create(
            system=emulator.system, name="order_counter", defaults={"value": 0}
        )
        counter.value = int(counter.value) + 1
        counter.save(update_fields=["value"])
    return int(counter.value)


def order_place(seller_id: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """A sale on Kogan that the seller has not seen: each product's stock drops by what was
    sold and the order waits in ``orders/``. All lines or none; selling more than the stock
    or an unknown SKU is refused with 409."""
    if emulator.get(seller_id, SELLER, seller_id) is None:
        raise OrderRefused(f"unknown seller {seller_id}", status=404)
    lines = checked_lines(spec.get("items"))
    shipping_price = amount(spec.get("shipping_price", "0"), "shipping_price")
    shipping = address_document(spec.get("shipping_address"), "shipping_address")
    buyer = (
        address_document(spec["buyer_address"], "buyer_address")
        if spec.get("buyer_address") is not None
        else dict(shipping)
    )
    currency = str(spec.get("currency") or DEFAULT_CURRENCY)
    with transaction.atomic():
        products = sold_products(seller_id, lines)
        number = next_order_number()
        order_id = str(spec.get("order_id") or f"KGN-{number:07d}")
        if emulator.get(seller_id, ORDER, order_id) is not None:
            raise OrderRefused(f"order {order_id} exists already", status=409)
        now = emulator.now()
        items = [
            {
                "ID": f"{number}{index:03d}",
                "SellerSku": sku,
                "ProductTitle": products[sku]["product_title"],
                "Quantity": quantity,
                "UnitPrice": money(unit_price(products[sku], currency, price)),
                "Reason": None,
            }
            for index, (sku, quantity, price) in enumerate(lines, start=1)
        ]
        total = sum(
            (Decimal(str(item["UnitPrice"])) * item["Quantity"] for item in items), Decimal(0)
        )
        total += shipping_price
        delay = setting("release_delay_seconds")
        order = {
            "ID": order_id,
            "OrderStatus": PENDING if delay > 0 else RELEASED,
            "OrderDateUtc": utc_text(now),
            "DeliverByDateUtc": utc_text(now + DELIVER_WITHIN),
            "Currency": currency,
            "TotalPrice": money(total),
            "TotalShippingPrice": money(shipping_price),
            "TotalTaxPrice": money(total * TAX_FRACTION.get(currency, Decimal(0))),
            "RequestedShippingMethod": str(spec.get("shipping_method") or "Standard"),
            "Items": items,
            "ShippingAddress": shipping,
            "BuyerAddress": buyer,
            "DispatchedItems": [],
            "CancelledItems": [],
            "OrderLabel": spec.get("order_label"),
            "SpecialInstructions": spec.get("special_instructions"),
        }
        release_at = now + timedelta(seconds=delay)
        emulator.put(
            seller_id,
            ORDER,
            order_id,
            {"order": order, "release_at": release_at.isoformat(), "dispatches": []},
        )
    return order


def sold_products(
    seller_id: str, lines: list[tuple[str, int, Decimal | None]]
) -> dict[str, dict[str, Any]]:
    """Take each line's quantity from its product's stock (all or none)."""
    wanted: dict[str, int] = {}
    for sku, quantity, _price in lines:
        wanted[sku] = wanted.get(sku, 0) + quantity
    records = {
        record.key: record
        for record in emulator.records(seller_id, PRODUCT)
        .select_for_update()
        .filter(key__in=sorted(wanted))
        .order_by("pk")
    }
    for sku, quantity in wanted.items():
        if sku not in records:
            raise OrderRefused(f"unknown product_sku {sku}", status=409)
        held = int(records[sku].data["stock"])
        if quantity > held:
            raise OrderRefused(f"{sku} has {held} in stock, {quantity} asked", status=409)
    for sku, quantity in wanted.items():
        product = dict(records[sku].data)
        product["stock"] = int(product["stock"]) - quantity
        emulator.put(seller_id, PRODUCT, sku, product)
    return {sku: record.data for sku, record in records.items()}


def unit_price(product: Mapping[str, Any], currency: str, given: Decimal | None) -> Decimal:
    if given is not None:
        return given
    offer = (product.get("offer_data") or {}).get(currency) or {}
    return Decimal(str(offer.get("price") or "0"))


def seed_with_orders(body: Mapping[str, Any]) -> dict[str, Any]:
    """``__emu/seed``: sellers and products (state.seed), then each seller's ``orders`` (the
    control plane's order JSON, without ``seller_id``); all of it or, when any is refused,
    none."""
    with transaction.atomic():
        loaded = seed(body)
        placed: dict[str, int] = {}
        for spec in body.get("sellers") or []:
            specs = spec.get("orders") or []
            if not isinstance(specs, list) or not all(isinstance(one, dict) for one in specs):
                raise OrderRefused("a seller's orders must be a list of order objects")
            for order_spec in specs:
                order_place(str(spec["seller_id"]), order_spec)
            placed[str(spec["seller_id"])] = len(specs)
    return {**loaded, "orders": placed}


# -- status -------------------------------------------------------------------------------
def line_quantities(order: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Per order item ID: ordered, cancelled, dispatched and what is left to send."""
    quantities = {
        str(item["ID"]): {"ordered": int(item["Quantity"]), "cancelled": 0, "dispatched": 0}
        for item in order["Items"]
    }
    for cancelled in order["CancelledItems"]:
        quantities[str(cancelled["ID"])]["cancelled"] += int(cancelled["Quantity"])
    for dispatched in order["DispatchedItems"]:
        quantities[str(dispatched["ID"])]["dispatched"] += int(dispatched["Quantity"])
    for line in quantities.values():
        line["remaining"] = line["ordered"] - line["cancelled"] - line["dispatched"]
    return quantities


def status_of(order: Mapping[str, Any]) -> str:
    lines = line_quantities(order).values()
    if all(line["cancelled"] == line["ordered"] for line in lines):
        return CANCELED
    dispatched = any(line["dispatched"] for line in lines)
    if not any(line["remaining"] for line in lines):
        return SHIPPED
    if dispatched:
        return PARTIALLY_SHIPPED
    if any(line["cancelled"] for line in lines):
        return PARTIALLY_CANCELED
    return order["OrderStatus"] if order["OrderStatus"] in (PENDING, ACKNOWLEDGED) else RELEASED


def orders_release_due(seller_id: str) -> None:
    """Orders whose fraud screening is over on the emulator clock become released."""
    now = emulator.now()
    pending = emulator.records(seller_id, ORDER).filter(data__order__OrderStatus=PENDING)
    for record in pending.select_for_update().order_by("pk"):
        if datetime.fromisoformat(record.data["release_at"]) <= now:
            data = copy.deepcopy(record.data)
            data["order"]["OrderStatus"] = RELEASED
            emulator.put(seller_id, ORDER, record.key, data)


# -- reading ------------------------------------------------------------------------------
def orders_listed(
    seller_id: str,
    *,
    status: str,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The orders ``orders/?status=…`` answers, oldest first."""
    with transaction.atomic():
        orders_release_due(seller_id)
    wanted = OPEN_STATUSES if status == RELEASED else (status,)
    found = emulator.records(seller_id, ORDER).filter(data__order__OrderStatus__in=wanted)
    if start is not None:
        found = found.filter(created_at__gte=start)
    if end is not None:
        found = found.filter(created_at__lte=end)
    found = found.order_by("created_at", "pk")
    if limit is not None:
        found = found[:limit]
    return [record.data["order"] for record in found]


def order_found(seller_id: str, order_id: str) -> dict[str, Any] | None:
    with transaction.atomic():
        orders_release_due(seller_id)
    data = emulator.get(seller_id, ORDER, order_id)
    return None if data is None else data["order"]


def order_records(seller_id: str) -> list[EmulatorRecord]:
    return list(emulator.records(seller_id, ORDER).order_by("created_at", "pk"))
