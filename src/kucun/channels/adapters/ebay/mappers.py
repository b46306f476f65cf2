"""eBay payloads ↔ Kucun's canonical types (integrations/ebay.md §3 to §8).

Pure functions over parsed JSON: no HTTP, no clock. A listing's ``inventory_ref`` is its SKU,
eBay's key for inventory items and for stock writes; the offer id and the listing id of the
configured marketplace become ``variant_ref`` and ``product_ref`` when an offer exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

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
    ShipLine,
    StockLevel,
)

# eBay's documented inventory item carries no modification time (§3.1: no "modified since"
# filter). Where an answer does carry one, under eBay's usual name for it or a common one, it is
# read, so that an incremental pull can leave out what did not change.
MODIFIED_FIELDS = ("lastModifiedDate", "updatedAt", "lastUpdatedDate", "modifiedDate")
MAX_SKU_LENGTH = 50  # ebay.md §3.1: "SKU ≤ 50 chars"
BARCODE_FIELDS = ("ean", "upc", "isbn")  # the product identifier lists, in the order we prefer


# --- errors -------------------------------------------------------------------------------


def error_text(body: Any) -> str:
    """The vendor's words from the REST error envelope (§8):
    ``errorId 25001: message`` for each entry, joined; empty when the body holds none."""
    if not isinstance(body, Mapping):
        return ""
    parts = []
    for error in body.get("errors") or ():
        if not isinstance(error, Mapping):
            continue
        message = str(error.get("longMessage") or error.get("message") or "").strip()
        error_id = error.get("errorId")
        parts.append(f"errorId {error_id}: {message}" if error_id is not None else message)
    return "; ".join(part for part in parts if part)


def error_ids(body: Any) -> set[int]:
    if not isinstance(body, Mapping):
        return set()
    found = set()
    for error in body.get("errors") or ():
        if isinstance(error, Mapping) and isinstance(error.get("errorId"), int):
            found.add(error["errorId"])
    return found


# --- inventory items and offers -----------------------------------------------------------


def barcode_of(product: Mapping[str, Any]) -> str:
    """The first EAN, else UPC, else ISBN of an inventory item's ``product``."""
    for name in BARCODE_FIELDS:
        values = product.get(name) or ()
        if isinstance(values, str):
            values = (values,)
        for value in values:
            if str(value).strip():
                return str(value).strip()
    return ""


def ship_to_quantity(item: Mapping[str, Any]) -> int:
    """``availability.shipToLocationAvailability.quantity``. An item whose availability was
    never set holds nothing to sell, so a missing quantity reads as 0."""
    availability = item.get("availability") or {}
    ship_to = availability.get("shipToLocationAvailability") or {}
    quantity = ship_to.get("quantity")
    return int(quantity) if quantity is not None else 0


def parse_time(value: Any) -> datetime | None:
    """An eBay timestamp (``2025-06-01T00:00:00.000Z``) as an aware UTC datetime."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def modified_at(item: Mapping[str, Any]) -> datetime | None:
    for name in MODIFIED_FIELDS:
        found = parse_time(item.get(name))
        if found is not None:
            return found
    return None


def changed_since(item: Mapping[str, Any], floor: datetime | None) -> bool:
    """Whether an item may have changed since ``floor``: an item without a modification time
    may have, so it is kept."""
    if floor is None:
        return True
    modified = modified_at(item)
    return modified is None or modified >= floor


def marketplace_offers(offers: Iterable[Mapping[str, Any]], marketplace_id: str) -> list[Any]:
    """The offers of this marketplace (an offer without a marketplace is taken as ours: the
    query already asked for it)."""
    return [
        offer
        for offer in offers
        if isinstance(offer, Mapping)
        and offer.get("offerId")
        and offer.get("marketplaceId", marketplace_id) == marketplace_id
    ]


def _published_first(offers: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for offer in offers:
        if offer.get("status") == "PUBLISHED":
            return offer
    return offers[0] if offers else None


def listing_from(item: Mapping[str, Any], offers: Sequence[Mapping[str, Any]]) -> ListingRef:
    """One inventory item (``getInventoryItems`` entry) and its offers on our marketplace.

    ``product_ref`` is the published offer's listing id and ``variant_ref`` its offer id (a
    multi-variation listing shares one listing id across its SKUs). An item with offers of
    which none is published is not on sale (``active`` False); an item with no offer at all
    keeps ``active`` True, since its stock still stands on the inventory item and shows as soon
    as an offer is published. ``updated_at`` is the item's modification time where the answer
    carries one (eBay's documented item has none, §3.1).
    """
    sku = str(item.get("sku") or "")
    product = item.get("product") or {}
    chosen = _published_first(offers)
    listing = (chosen or {}).get("listing") or {}
    active = not offers or any(offer.get("status") == "PUBLISHED" for offer in offers)
    return ListingRef(
        inventory_ref=sku,
        sku=sku,
        product_ref=str(listing.get("listingId") or ""),
        variant_ref=str((chosen or {}).get("offerId") or ""),
        barcode=barcode_of(product),
        title=str(product.get("title") or ""),
        quantity=ship_to_quantity(item),
        active=active,
        updated_at=modified_at(item),
        raw={"inventoryItem": dict(item), "offers": [dict(offer) for offer in offers]},
    )


# --- bulkUpdatePriceQuantity ----------------------------------------------------------------


def price_quantity_request(level: StockLevel, offer_ids: Sequence[str]) -> dict[str, Any]:
    """One entry of ``bulk_update_price_quantity``: the quantity on the inventory item and on
    each of its offers (§4.1: the listing shows the lower of the two)."""
    entry: dict[str, Any] = {
        "sku": level.inventory_ref,
        "shipToLocationAvailability": {"quantity": level.quantity},
    }
    if offer_ids:
        entry["offers"] = [
            {"offerId": offer_id, "availableQuantity": level.quantity} for offer_id in offer_ids
        ]
    return entry


def price_quantity_body(entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"requests": [dict(entry) for entry in entries]}


def invalid_level(level: StockLevel) -> str:
    """Why eBay would refuse this level before it is sent, or ''."""
    if not level.inventory_ref:
        return "the listing has no eBay SKU"
    if len(level.inventory_ref) > MAX_SKU_LENGTH:
        return f"eBay SKUs are at most {MAX_SKU_LENGTH} characters"
    if level.quantity < 0:
        return "a quantity cannot be negative"
    return ""


def _is_success(status: Any) -> bool:
    return isinstance(status, int) and 200 <= status < 300


def push_results(levels: Sequence[StockLevel], body: Any) -> list[PushResult]:
    """One result per level from a ``bulk_update_price_quantity`` answer.

    eBay answers one entry per SKU, or per offer when offers were sent, so a SKU succeeded only
    when every entry naming it says 2xx; a SKU the answer does not mention failed, retryably.
    """
    entries: dict[str, list[Mapping[str, Any]]] = {}
    responses = body.get("responses") if isinstance(body, Mapping) else None
    for entry in responses or ():
        if isinstance(entry, Mapping) and entry.get("sku") is not None:
            entries.setdefault(str(entry["sku"]), []).append(entry)
    results = []
    for level in levels:
        found = entries.get(level.inventory_ref)
        if not found:
            results.append(
                PushResult(
                    level.inventory_ref,
                    level.sku,
                    PushStatus.FAILED,
                    error="eBay's answer did not mention this SKU",
                    retryable=True,
                )
            )
            continue
        failed = [entry for entry in found if not _is_success(entry.get("statusCode"))]
        if not failed:
            results.append(
                PushResult(
                    level.inventory_ref,
                    level.sku,
                    PushStatus.SUCCEEDED,
                    current_quantity=level.quantity,
                )
            )
            continue
        messages = [
            error_text(entry) or f"statusCode {entry.get('statusCode')}" for entry in failed
        ]
        results.append(
            PushResult(
                level.inventory_ref,
                level.sku,
                PushStatus.FAILED,
                error="; ".join(dict.fromkeys(messages)),
                retryable=any(_retryable_entry(entry) for entry in failed),
            )
        )
    return results


def _retryable_entry(entry: Mapping[str, Any]) -> bool:
    status = entry.get("statusCode")
    return (isinstance(status, int) and (status == 429 or status >= 500)) or 2001 in error_ids(
        entry
    )


def failed_results(
    levels: Iterable[StockLevel], error: str, *, retryable: bool
) -> list[PushResult]:
    return [
        PushResult(
            level.inventory_ref, level.sku, PushStatus.FAILED, error=error, retryable=retryable
        )
        for level in levels
    ]


# --- orders (§5) --------------------------------------------------------------------------

UNPAID_STATUSES = frozenset({"PENDING", "FAILED"})


def format_time(moment: datetime) -> str:
    """UTC with milliseconds and a Z, as eBay's filters take it (2025-06-01T00:00:00.000Z)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def orders_filter(floor: datetime) -> str:
    """getOrders' ``filter`` for orders modified from ``floor`` on (an open range)."""
    return f"lastmodifieddate:[{format_time(floor)}..]"


def order_status(order: Mapping[str, Any]) -> OrderStatus:
    """Cancelled (or being cancelled) first, then how far it shipped, then whether it is paid:
    an order refunded in full before it shipped will not ship."""
    cancel_state = str((order.get("cancelStatus") or {}).get("cancelState") or "").upper()
    if cancel_state == "CANCELED":
        return OrderStatus.CANCELLED
    if cancel_state == "IN_PROGRESS":
        return OrderStatus.ON_HOLD  # the buyer asked to cancel: nothing ships meanwhile
    fulfilment = str(order.get("orderFulfillmentStatus") or "").upper()
    if fulfilment == "FULFILLED":
        return OrderStatus.SHIPPED
    if fulfilment == "IN_PROGRESS":
        return OrderStatus.PARTIALLY_SHIPPED
    payment = str(order.get("orderPaymentStatus") or "").upper()
    if payment == "FULLY_REFUNDED":
        return OrderStatus.CANCELLED
    if payment in UNPAID_STATUSES:
        return OrderStatus.PENDING
    return OrderStatus.OPEN


def channel_status(order: Mapping[str, Any]) -> str:
    """eBay's own words for people: "PAID / NOT_STARTED", "CANCELED / FULLY_REFUNDED"."""
    payment = str(order.get("orderPaymentStatus") or "").upper()
    cancel_state = str((order.get("cancelStatus") or {}).get("cancelState") or "").upper()
    if cancel_state == "CANCELED":
        return " / ".join(part for part in ("CANCELED", payment) if part)
    fulfilment = str(order.get("orderFulfillmentStatus") or "").upper()
    return " / ".join(part for part in (payment, fulfilment) if part)


def _amount(money: Any) -> Decimal | None:
    value = money.get("value") if isinstance(money, Mapping) else None
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _shipping_step(order: Mapping[str, Any]) -> Mapping[str, Any]:
    instructions = order.get("fulfillmentStartInstructions") or []
    first = instructions[0] if isinstance(instructions, list) and instructions else {}
    step = first.get("shippingStep") if isinstance(first, Mapping) else None
    return step if isinstance(step, Mapping) else {}


def ship_to_from(ship_to: Mapping[str, Any]) -> OrderAddress:
    address = ship_to.get("contactAddress") or {}
    phone = ship_to.get("primaryPhone") or {}
    return OrderAddress(
        name=str(ship_to.get("fullName") or ""),
        company=str(ship_to.get("companyName") or ""),
        line1=str(address.get("addressLine1") or ""),
        line2=str(address.get("addressLine2") or ""),
        city=str(address.get("city") or ""),
        state=str(address.get("stateOrProvince") or ""),
        postcode=str(address.get("postalCode") or ""),
        country_code=str(address.get("countryCode") or ""),
        phone=str(phone.get("phoneNumber") or ""),
        email=str(ship_to.get("email") or ""),
    )


def order_line_from(item: Mapping[str, Any]) -> ChannelOrderLine:
    """A line item. Nothing of it is left to ship once it is FULFILLED, all of it before it
    started; in between eBay does not say how much. ``lineItemCost`` is the units' total.

    The listing is named as listings name it: ``inventory_ref`` the SKU, ``product_ref`` the
    listing id (``legacyItemId``). ``variant_ref`` stays empty: a listing's is its offer id,
    which an order does not carry (its ``legacyVariationId`` is another number)."""
    quantity = item.get("quantity")
    units = quantity if isinstance(quantity, int) and not isinstance(quantity, bool) else 0
    status = str(item.get("lineItemFulfillmentStatus") or "").upper()
    unfulfilled = {"FULFILLED": 0, "NOT_STARTED": units}.get(status)
    cost = _amount(item.get("lineItemCost"))
    sku = str(item.get("sku") or "")
    return ChannelOrderLine(
        line_ref=str(item.get("lineItemId") or ""),
        sku=sku,
        quantity=units,
        quantity_unfulfilled=unfulfilled,
        unit_price=cost / units if cost is not None and units else None,
        title=str(item.get("title") or ""),
        inventory_ref=sku,
        product_ref=str(item.get("legacyItemId") or ""),
    )


def order_from(order: Mapping[str, Any]) -> ChannelOrder:
    """A getOrders / getOrder entry as a ChannelOrder. Raises ValueError for an entry without
    an id or times (no order can be kept without them)."""
    order_id = str(order.get("orderId") or "")
    created_at = parse_time(order.get("creationDate"))
    updated_at = parse_time(order.get("lastModifiedDate")) or created_at
    if not order_id or updated_at is None:
        raise ValueError(f"eBay order {order_id or '(no orderId)'} has no id or no times")
    step = _shipping_step(order)
    ship_to = ship_to_from(step.get("shipTo") or {})
    pricing = order.get("pricingSummary") or {}
    total = pricing.get("total") or {}
    buyer = order.get("buyer") or {}
    items = [item for item in order.get("lineItems") or () if isinstance(item, Mapping)]
    return ChannelOrder(
        order_ref=order_id,
        number=order_id,
        status=order_status(order),
        created_at=created_at or updated_at,
        updated_at=updated_at,
        lines=tuple(order_line_from(item) for item in items),
        currency=str(total.get("currency") or ""),
        total=_amount(total),
        shipping_total=_amount(pricing.get("deliveryCost")),
        customer_name=ship_to.name or str(buyer.get("username") or ""),
        customer_email=ship_to.email,
        customer_phone=ship_to.phone,
        ship_to=ship_to,
        shipping_method=str(step.get("shippingServiceCode") or ""),
        channel_status=channel_status(order),
        raw=dict(order),
    )


# --- shipping fulfilments (§6) --------------------------------------------------------------

# Kucun's carrier codes → eBay's shippingCarrierCode (Trading ShippingCarrierCodeType).
# AustraliaPost is verified for AU (§6); FASTWAYCOURIERS and FourPX are in eBay's enumeration of
# carriers, their acceptance on EBAY_AU unconfirmed. Any other carrier is sent as "Other".
CARRIER_CODES = {
    "auspost": "AustraliaPost",
    "fastway": "FASTWAYCOURIERS",
    "fourpx": "FourPX",
}
OTHER_CARRIER = "Other"


def carrier_code(carrier: str) -> str:
    return CARRIER_CODES.get(carrier, OTHER_CARRIER)


def _tracking_key(number: Any) -> str:
    return "".join(str(number or "").split()).upper()


def fulfilment_with_tracking(fulfillments: Iterable[Any], tracking_number: str) -> str:
    """The id of the package already sent with this tracking number ("" when none)."""
    wanted = _tracking_key(tracking_number)
    if not wanted:
        return ""
    for fulfillment in fulfillments:
        if not isinstance(fulfillment, Mapping):
            continue
        if _tracking_key(fulfillment.get("shipmentTrackingNumber")) == wanted:
            return str(fulfillment.get("fulfillmentId") or "")
    return ""


def unshipped_lines(order: Mapping[str, Any]) -> tuple[ShipLine, ...]:
    """Every line item of an order not yet fulfilled, whole (a line's units ship together)."""
    return tuple(
        ShipLine(str(item["lineItemId"]), int(item.get("quantity") or 0))
        for item in order.get("lineItems") or ()
        if isinstance(item, Mapping)
        and item.get("lineItemId")
        and str(item.get("lineItemFulfillmentStatus") or "").upper() != "FULFILLED"
    )


def shipping_fulfillment_body(fulfilment: Fulfilment, lines: Sequence[ShipLine]) -> dict[str, Any]:
    """``createShippingFulfillment``'s body (§6). Without a tracking number (a local delivery,
    a pickup) the carrier and number are left out: the lines are marked shipped untracked."""
    body: dict[str, Any] = {
        "lineItems": [{"lineItemId": line.line_ref, "quantity": line.quantity} for line in lines],
        "shippedDate": format_time(fulfilment.shipped_at),
    }
    if fulfilment.tracking_number:
        body["shippingCarrierCode"] = carrier_code(fulfilment.carrier)
        body["trackingNumber"] = fulfilment.tracking_number
    return body


def fulfillment_id_from(location: str) -> str:
    """The new fulfilment's id, the last segment of the 201's Location header."""
    return location.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] if location else ""


# --- notifications ----------------------------------------------------------------------------

# Topics of ebay.md §7.1 and what they mean to Kucun. A cancellation or return "activity" may be
# a request as much as a completed change, so it is an order update: the order download reads
# the order's own state.
TOPIC_KINDS: dict[str, EventKind] = {
    "ORDER_CONFIRMATION": EventKind.ORDER_CREATED,
    "ITEM_MARKED_SHIPPED": EventKind.ORDER_UPDATED,
    "ORDER_CANCELLATION_ACTIVITY": EventKind.ORDER_UPDATED,
    "ORDER_RETURN_ACTIVITY": EventKind.ORDER_UPDATED,
    "LISTING": EventKind.PRODUCT_UPDATED,
    "AUTHORIZATION_REVOCATION": EventKind.OTHER,
    "MARKETPLACE_ACCOUNT_DELETION": EventKind.OTHER,
}


def topic_kind(topic: str) -> EventKind:
    """The kind of a topic: the known ones from the table, others by what they name (eBay adds
    topics; an inventory or availability topic is a stock change, an item or listing topic a
    product change, an order topic an order change)."""
    upper = topic.upper()
    if upper in TOPIC_KINDS:
        return TOPIC_KINDS[upper]
    if any(word in upper for word in ("INVENTORY", "AVAILABILITY", "QUANTITY", "STOCK")):
        return EventKind.INVENTORY_UPDATED
    if "ORDER" in upper:
        return EventKind.ORDER_UPDATED
    if any(word in upper for word in ("ITEM", "LISTING", "PRODUCT", "OFFER")):
        return EventKind.PRODUCT_UPDATED
    return EventKind.OTHER


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a JSON document, depth first."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield str(key), inner
            yield from _walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner)


def _strings(data: Any, names: Iterable[str]) -> tuple[str, ...]:
    """The distinct string values (or strings inside lists) under any of these key names."""
    wanted = set(names)
    found: dict[str, None] = {}
    for key, value in _walk(data):
        if key not in wanted:
            continue
        for one in value if isinstance(value, list) else (value,):
            if isinstance(one, str | int) and not isinstance(one, bool) and str(one).strip():
                found[str(one).strip()] = None
    return tuple(found)


def refs_for(kind: EventKind, data: Any) -> tuple[str, ...]:
    """What an event concerns: SKUs (else listing ids) for product and stock events, order
    ids for order events, the seller's user name and id for account events."""
    if kind in (EventKind.PRODUCT_UPDATED, EventKind.PRODUCT_DELETED, EventKind.INVENTORY_UPDATED):
        return _strings(data, ("sku", "skus", "variantSKUs")) or _strings(
            data, ("listingId", "itemId", "legacyItemId")
        )
    if kind in (EventKind.ORDER_CREATED, EventKind.ORDER_UPDATED, EventKind.ORDER_CANCELLED):
        return _strings(data, ("orderId",)) or _strings(data, ("legacyOrderId",))
    if kind == EventKind.OTHER and not _strings(data, ("username", "userId")):
        # A topic Kucun does not know: whatever it names, so a listener can still match it.
        return (
            _strings(data, ("sku", "skus", "variantSKUs"))
            + _strings(data, ("listingId", "itemId", "legacyItemId"))
            + _strings(data, ("orderId",))
        )
    return _strings(data, ("username", "userId"))


class MalformedNotification(ValueError):
    """A verified delivery that is not an eBay notification."""


def event_from(document: Any) -> ChannelEvent:
    """A delivery (§7.1 item 3): ``{metadata{topic…}, notification{notificationId, eventDate,
    data…}}`` as one ChannelEvent. Raises MalformedNotification when it is not one."""
    if not isinstance(document, Mapping):
        raise MalformedNotification("the notification is not a JSON object")
    metadata = document.get("metadata")
    notification = document.get("notification")
    if not isinstance(metadata, Mapping) or not isinstance(notification, Mapping):
        raise MalformedNotification("the notification has no metadata or notification object")
    topic = str(metadata.get("topic") or "").strip()
    event_id = str(notification.get("notificationId") or "").strip()
    if not topic or not event_id:
        raise MalformedNotification("the notification has no topic or notificationId")
    kind = topic_kind(topic)
    data = notification.get("data") or {}
    return ChannelEvent(
        kind=kind,
        event_id=event_id,
        topic=topic,
        refs=refs_for(kind, data),
        occurred_at=parse_time(notification.get("eventDate"))
        or parse_time(notification.get("publishDate")),
        payload=dict(document),
    )
