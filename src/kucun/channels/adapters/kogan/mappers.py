"""Kogan payloads ↔ our data classes (integrations/kogan.md §3–§6, §8).

A pending stock write is known to Kucun by a task reference that is the task's
``pending_url`` with a fragment naming the listing and the quantity sent
(``…/task/6f1c…/#ref=ABC-123&stock=7``, plus ``sku`` when our SKU differs from Kogan's product
SKU): Kogan's task answer lists only the SKUs that failed, so the reference carries which
listing it stands for, and a poll in another process can still answer one result per listing.
The fragment is never sent to Kogan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from kucun.channels.adapters.base import (
    ChannelOrder,
    ChannelOrderLine,
    Fulfilment,
    ListingRef,
    OrderAddress,
    OrderStatus,
    StockLevel,
)

MAX_SKU_LENGTH = 45
UPDATE_TIME_FIELDS = ("updated_at", "last_updated", "date_updated", "modified_at")
THROTTLE_FIGURE = re.compile(r"available in\s+(\d+(?:\.\d+)?)\s*sec", re.IGNORECASE)

# Task statuses (kogan.md §4.1).
PENDING = "AsyncResponsePending"
COMPLETE = "Complete"
COMPLETE_WITH_ERRORS = "CompleteWithErrors"
FAILED = "Failed"


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def quantity_of(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def update_time(product: Mapping[str, Any]) -> datetime | None:
    """A product's last change, should Kogan send one (kogan.md documents none)."""
    for name in UPDATE_TIME_FIELDS:
        moment = parse_time(product.get(name))
        if moment is not None:
            return moment
    return None


def listing_from_product(product: Mapping[str, Any]) -> ListingRef:
    """One Kogan product (one SKU: Kogan has no separate variant id) as a listing."""
    sku = str(product.get("product_sku", ""))
    return ListingRef(
        inventory_ref=sku,
        sku=sku,
        product_ref=sku,
        barcode=str(product.get("product_gtin") or ""),
        title=str(product.get("product_title") or ""),
        quantity=quantity_of(product.get("stock")),
        active=bool(product.get("enabled", True)),
        updated_at=update_time(product),
        raw=dict(product),
    )


def stock_update_item(level: StockLevel) -> dict[str, Any]:
    """One element of ``POST products/stockprice/``: an absolute stock for one SKU."""
    return {"product_sku": level.inventory_ref, "stock": level.quantity}


def local_refusal(level: StockLevel) -> str:
    """Why Kogan would refuse this level without asking it (empty when it would not)."""
    if not level.inventory_ref:
        return "The listing has no Kogan product SKU."
    if len(level.inventory_ref) > MAX_SKU_LENGTH:
        return f"Kogan product SKUs are at most {MAX_SKU_LENGTH} characters."
    if level.quantity < 0:
        return "Kogan stock cannot be negative."
    return ""


def throttle_seconds(payload: Any) -> float | None:
    """The figure of ``{"detail": "Request was throttled. Expected available in 48 sec."}``."""
    detail = payload.get("detail") if isinstance(payload, Mapping) else None
    found = THROTTLE_FIGURE.search(detail) if isinstance(detail, str) else None
    return float(found.group(1)) if found else None


def error_message(entry: Mapping[str, Any]) -> str:
    for name in ("message", "Message", "error", "detail"):
        if entry.get(name):
            text = str(entry[name])
            code = entry.get("code") or entry.get("ErrorCode")
            return f"{text} ({code})" if code else text
    return "Kogan refused this SKU."


def error_entries(payload: Any) -> Iterable[Mapping[str, Any]]:
    """The per-SKU error objects of a task answer or a refused write, wherever they sit:
    ``body.errors`` (kogan.md §4.1), top-level ``errors``, or a list of them."""
    if isinstance(payload, list):
        return [entry for entry in payload if isinstance(entry, Mapping)]
    if not isinstance(payload, Mapping):
        return []
    body = payload.get("body")
    for holder in (body, payload):
        if isinstance(holder, Mapping) and isinstance(holder.get("errors"), list):
            return [entry for entry in holder["errors"] if isinstance(entry, Mapping)]
    return []


def sku_errors(payload: Any) -> dict[str, str]:
    """SKU → Kogan's message, for each SKU an answer says failed."""
    found: dict[str, str] = {}
    for entry in error_entries(payload):
        sku = entry.get("product_sku") or entry.get("sku") or entry.get("SellerSku")
        if sku:
            found[str(sku)] = error_message(entry)
    return found


@dataclass(frozen=True)
class TaskRef:
    """A task reference taken apart; ``inventory_ref`` is empty for a bare pending_url."""

    pending_url: str
    inventory_ref: str
    sku: str
    quantity: int | None


def task_ref(pending_url: str, level: StockLevel) -> str:
    fields: dict[str, str | int] = {"ref": level.inventory_ref}
    if level.sku != level.inventory_ref:
        fields["sku"] = level.sku
    fields["stock"] = level.quantity
    return f"{pending_url}#{urlencode(fields)}"


def split_task_ref(ref: str) -> TaskRef:
    url, _, fragment = ref.partition("#")
    fields = parse_qs(fragment, keep_blank_values=True)
    inventory_ref = fields.get("ref", [""])[0]
    sku = fields.get("sku", [inventory_ref])[0]
    return TaskRef(url, inventory_ref, sku, quantity_of(fields.get("stock", [""])[0]))


def changed_since(listing: ListingRef, since: datetime) -> bool:
    """Kept by an incremental read: changed at or after ``since``, or of unknown age (Kogan
    documents no update time on products, so a product without one is always kept)."""
    return listing.updated_at is None or listing.updated_at >= since


def same_origin(url: str, base_url: str) -> bool:
    first, second = urlsplit(url), urlsplit(base_url)
    return (first.scheme, first.netloc) == (second.scheme, second.netloc)


def follow_path(url: str, base_url: str, api_root: str) -> str:
    """A URL Kogan handed back (``next``, ``pending_url``) to request with our credentials:
    itself when it is on the store's own host; otherwise its path from ``api/`` on, under our
    API root, so that the seller token never goes to another host."""
    if same_origin(url, base_url):
        return url
    parts = urlsplit(url)
    marker = "/api/marketplace/v2/"
    path = parts.path.split(marker, 1)[1] if marker in parts.path else parts.path.lstrip("/")
    return api_root + path + (f"?{parts.query}" if parts.query else "")


def chunks(levels: Sequence[StockLevel], size: int) -> Iterable[Sequence[StockLevel]]:
    for start in range(0, len(levels), size):
        yield levels[start : start + size]


# -- orders (kogan.md §5–§6) -----------------------------------------------------------------
# Kogan's carrier codes (kogan.md §6): only Australia Post's is verified; the others live in the
# store's ``carrier_codes`` option.
DEFAULT_CARRIER_CODES = {"auspost": "AUP"}
# The key of ``carrier_codes`` for a shipment without a carrier (local delivery, pickup): Kogan
# takes ``NA`` only by agreement with its account manager, so it is never assumed.
NO_CARRIER_KEY = "none"
COUNTRY_CODES = {"australia": "AU", "new zealand": "NZ"}
LINE_TITLE_FIELDS = ("ProductTitle", "ProductName", "Title", "Name", "Description")
CANCEL_TIME_FIELDS = ("CancelledDateUtc", "CancelDateUtc", "CanceledDateUtc", "DateUtc")

# An order's lines, read against its dispatched and cancelled items, decide these.
DERIVED_STATUSES = frozenset(
    {"ReleasedForShipment", "AcknowledgedBySeller", "PartiallyShipped", "PartiallyCanceled"}
)
FIXED_STATUSES = {
    "Pending": OrderStatus.PENDING,
    "Shipped": OrderStatus.SHIPPED,
    "Canceled": OrderStatus.CANCELLED,
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


def whole(value: Any) -> int:
    found = quantity_of(value)
    return max(found, 0) if found is not None else 0


def items_of(order: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    found = order.get(name)
    return [item for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []


def quantities_by_item(
    items: Sequence[Mapping[str, Any]], entries: Sequence[Mapping[str, Any]]
) -> dict[str, int]:
    """Order item id → the quantity of ``entries`` (dispatched or cancelled items) that name
    it: by the item's ``ID``, else by its SellerSku (the first item of that SKU)."""
    ids = {text(item.get("ID")) for item in items}
    first_by_sku: dict[str, str] = {}
    for item in items:
        first_by_sku.setdefault(text(item.get("SellerSku")), text(item.get("ID")))
    totals: dict[str, int] = {}
    for entry in entries:
        item_id = text(entry.get("OrderItemID") or entry.get("ID"))
        if item_id not in ids:
            item_id = first_by_sku.get(text(entry.get("SellerSku")), "")
        if item_id:
            totals[item_id] = totals.get(item_id, 0) + whole(entry.get("Quantity"))
    return totals


def address_from_kogan(raw: Any) -> OrderAddress:
    """``ShippingAddress`` / ``BuyerAddress`` (kogan.md §5.2); missing or null fields are ""."""
    address = raw if isinstance(raw, Mapping) else {}
    name = " ".join(
        part
        for part in (text(address.get(key)) for key in ("FirstName", "LastName", "NameSuffix"))
        if part
    )
    country = text(address.get("Country"))
    return OrderAddress(
        name=name,
        company=text(address.get("CompanyName")),
        line1=text(address.get("AddressLine1")),
        line2=text(address.get("AddressLine2")),
        city=text(address.get("City")),
        state=text(address.get("StateOrProvince")),
        postcode=text(address.get("PostalCode")),
        country_code=COUNTRY_CODES.get(country.lower(), country.upper()),
        phone=text(address.get("DaytimePhone")) or text(address.get("EveningPhone")),
        email=text(address.get("EmailAddress")),
    )


def line_from_item(
    item: Mapping[str, Any], dispatched: Mapping[str, int], cancelled: Mapping[str, int]
) -> ChannelOrderLine:
    """One order item. Its quantity leaves out what Kogan cancelled; what is still to ship
    also leaves out what was dispatched."""
    item_id = text(item.get("ID"))
    sku = text(item.get("SellerSku"))
    quantity = max(whole(item.get("Quantity")) - cancelled.get(item_id, 0), 0)
    title = next((text(item.get(key)) for key in LINE_TITLE_FIELDS if text(item.get(key))), "")
    return ChannelOrderLine(
        line_ref=item_id,
        sku=sku,
        quantity=quantity,
        quantity_unfulfilled=max(quantity - dispatched.get(item_id, 0), 0),
        unit_price=money(item.get("UnitPrice")),
        title=title,
        inventory_ref=sku,
        product_ref=sku,
    )


def derived_status(lines: Sequence[ChannelOrderLine]) -> OrderStatus:
    """An open order's state from its lines: nothing left to ship is shipped (or cancelled
    when nothing was ever shipped), some shipped is partly shipped, else open."""
    left = sum(line.quantity_unfulfilled or 0 for line in lines)
    shipped = sum(line.quantity - (line.quantity_unfulfilled or 0) for line in lines)
    if left == 0:
        return OrderStatus.SHIPPED if shipped else OrderStatus.CANCELLED
    return OrderStatus.PARTIALLY_SHIPPED if shipped else OrderStatus.OPEN


def order_status(kogan_status: str, lines: Sequence[ChannelOrderLine]) -> OrderStatus:
    if kogan_status in FIXED_STATUSES:
        return FIXED_STATUSES[kogan_status]
    if kogan_status in DERIVED_STATUSES:
        return derived_status(lines)
    return OrderStatus.ON_HOLD  # a state Kogan did not document: a person looks first


def version_time(order: Mapping[str, Any], placed: datetime, status: str) -> datetime:
    """Kogan sends no update time, so one is built that moves whenever the order does: the
    latest moment Kogan dates (the order, a dispatch, a cancellation), plus a microsecond per
    cancelled unit and one for a whole cancellation (cancellations may carry no date). An
    unchanged order keeps its time, so a poll of it changes nothing."""
    moments = [placed]
    moments.extend(
        moment
        for entry in items_of(order, "DispatchedItems")
        if (moment := parse_time(entry.get("DispatchDateUtc"))) is not None
    )
    cancelled = items_of(order, "CancelledItems")
    for entry in cancelled:
        moments.extend(
            moment for key in CANCEL_TIME_FIELDS if (moment := parse_time(entry.get(key)))
        )
    steps = sum(whole(entry.get("Quantity")) for entry in cancelled)
    steps += 1 if status == "Canceled" else 0
    return max(moments) + timedelta(microseconds=steps)


def order_from_kogan(order: Mapping[str, Any]) -> ChannelOrder:
    """A Kogan order object (kogan.md §5.2) as a ChannelOrder. Raises ValueError naming the
    field when the order has no ``ID`` or no readable ``OrderDateUtc``."""
    order_ref = text(order.get("ID"))
    if not order_ref:
        raise ValueError("a Kogan order without an ID")
    placed = parse_time(order.get("OrderDateUtc"))
    if placed is None:
        raise ValueError(f"Kogan order {order_ref}: OrderDateUtc is missing or not ISO-8601 UTC")
    items = items_of(order, "Items")
    dispatched = quantities_by_item(items, items_of(order, "DispatchedItems"))
    cancelled = quantities_by_item(items, items_of(order, "CancelledItems"))
    lines = tuple(line_from_item(item, dispatched, cancelled) for item in items)
    status = text(order.get("OrderStatus"))
    ship_to = address_from_kogan(order.get("ShippingAddress"))
    buyer = address_from_kogan(order.get("BuyerAddress"))
    return ChannelOrder(
        order_ref=order_ref,
        number=order_ref,
        status=order_status(status, lines),
        created_at=placed,
        updated_at=version_time(order, placed, status),
        lines=lines,
        currency=text(order.get("Currency")).upper(),
        total=money(order.get("TotalPrice")),
        shipping_total=money(order.get("TotalShippingPrice")),
        customer_name=buyer.name or ship_to.name,
        customer_email=buyer.email or ship_to.email,
        customer_phone=buyer.phone or ship_to.phone,
        ship_to=ship_to,
        shipping_method=text(order.get("RequestedShippingMethod")),
        channel_status=status,
        raw=dict(order),
    )


def carrier_codes(option: str) -> dict[str, str]:
    """The carrier table: Kucun carrier code → Kogan carrier code, Australia Post's by default,
    others from the ``carrier_codes`` option (``fastway=XXX, fourpx=YYY``, commas or lines);
    Kucun's codes in any case, Kogan's kept exactly as written.
    Raises ValueError naming the entry that is not ``kucun_code=KOGAN_CODE``."""
    table = dict(DEFAULT_CARRIER_CODES)
    for entry in re.split(r"[,\n]", option or ""):
        if not entry.strip():
            continue
        ours, equals, theirs = entry.partition("=")
        if not equals or not ours.strip() or not theirs.strip():
            raise ValueError(
                f"Carrier codes: {entry.strip()!r} is not of the form kucun_code=KOGAN_CODE"
            )
        table[ours.strip().lower()] = theirs.strip()  # as Kogan spells it (StarTrack)
    return table


def kogan_carrier(carrier: str, table: Mapping[str, str]) -> str | None:
    """Kogan's code for one of Kucun's carriers ("" = no carrier), None when it has none."""
    return table.get(carrier.strip().lower() or NO_CARRIER_KEY)


@dataclass(frozen=True)
class DispatchLine:
    """What one ``Items`` element of ``POST orders/fulfill/`` sends."""

    item_id: str
    sku: str
    quantity: int


def dispatch_plan(order: Mapping[str, Any], fulfilment: Fulfilment) -> list[DispatchLine]:
    """The items still to dispatch for this fulfilment: each line's quantity less what Kogan
    already shows dispatched under the same tracking number (a retry sends only what is
    missing; an empty plan means it was all done). Raises ValueError with the reason Kogan
    would refuse: a cancelled order, an unknown item, more than is left to dispatch."""
    order_ref = text(order.get("ID")) or fulfilment.order_ref
    if text(order.get("OrderStatus")) == "Canceled":
        raise ValueError(f"Kogan order {order_ref} is cancelled: there is nothing to dispatch")
    items = items_of(order, "Items")
    by_id = {text(item.get("ID")): item for item in items}
    dispatched_entries = items_of(order, "DispatchedItems")
    ours = [
        entry
        for entry in dispatched_entries
        if text(entry.get("TrackingNumber")) == fulfilment.tracking_number.strip()
    ]
    done_here = quantities_by_item(items, ours)
    dispatched = quantities_by_item(items, dispatched_entries)
    cancelled = quantities_by_item(items, items_of(order, "CancelledItems"))
    wanted: dict[str, int] = {}
    for ship in fulfilment.lines:
        if ship.line_ref not in by_id:
            raise ValueError(f"Kogan order {order_ref} has no item {ship.line_ref}")
        wanted[ship.line_ref] = wanted.get(ship.line_ref, 0) + ship.quantity
    plan = []
    for item_id, quantity in wanted.items():
        to_send = quantity - done_here.get(item_id, 0)
        if to_send <= 0:
            continue
        item = by_id[item_id]
        left = whole(item.get("Quantity")) - cancelled.get(item_id, 0) - dispatched.get(item_id, 0)
        if to_send > left:
            raise ValueError(
                f"Kogan order {order_ref} item {item_id} ({text(item.get('SellerSku'))}): "
                f"{to_send} to dispatch but {max(left, 0)} left undispatched"
            )
        plan.append(DispatchLine(item_id, text(item.get("SellerSku")), to_send))
    return plan


def format_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fulfil_request(
    order_ref: str, plan: Sequence[DispatchLine], fulfilment: Fulfilment, carrier_code: str
) -> list[dict[str, Any]]:
    """The body of ``POST orders/fulfill/`` (kogan.md §6): one order, one entry per item."""
    shipped_at = format_utc(fulfilment.shipped_at)
    return [
        {
            "ID": order_ref,
            "Items": [
                {
                    "OrderItemID": line.item_id,
                    "SellerSku": line.sku,
                    "Quantity": line.quantity,
                    "ShippedDateUtc": shipped_at,
                    "ShippingCarrier": carrier_code,
                    "ShippingClass": "",
                    "TrackingNumber": fulfilment.tracking_number,
                }
                for line in plan
            ],
        }
    ]


def fulfil_refusals(payload: Any, order_ref: str) -> list[str]:
    """Kogan's reasons for refusing the dispatch of ``order_ref`` (every order's when empty):
    per-order ``Result`` "Fail" with its ``Errors`` (kogan.md §6), or the per-item errors of a
    task that completed with errors. Empty when Kogan accepted it."""
    body = payload.get("body") if isinstance(payload, Mapping) else None
    results = (
        body
        if isinstance(body, list)
        else (body.get("results") if isinstance(body, Mapping) else None)
    )
    reasons: list[str] = []
    for result in results or []:
        if not isinstance(result, Mapping):
            continue
        if order_ref and text(result.get("ID")) not in ("", order_ref):
            continue
        if text(result.get("Result")).lower() == "fail":
            errors = items_of(result, "Errors")
            reasons.extend(error_message(error) for error in errors)
            if not errors:
                reasons.append("Kogan refused the dispatch")
    reasons.extend(error_message(entry) for entry in error_entries(payload))
    return reasons
