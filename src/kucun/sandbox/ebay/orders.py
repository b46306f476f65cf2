"""A seller's eBay orders (ebay.md §5, §6): what a checkout creates, and how cancelling and
shipping change it.

An order is a record of the seller's ``order`` collection (key: ``orderId``) holding the order
as ``getOrder`` answers it; its shipping fulfilments are records of ``fulfillment`` (key:
``{orderId}/{fulfillmentId}``). The record's clock stamps are the order's ``creationDate`` and
``lastModifiedDate``, so the ``getOrders`` date filters read the records' index.

A checkout takes each line's quantity off the item and its published offers (a sale beyond what
a buyer can see is refused, as eBay would not let it happen); cancelling puts it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from kucun.sandbox.ebay.state import (
    CURRENCY,
    EBAY,
    MARKETPLACE,
    ids_allocate,
    item_quantity,
    item_set_quantity,
    listing_quantity,
    offers_of,
    record_of,
    seller_exists,
    stamp,
)
from kucun.sandbox.models import EmulatorRecord

PAYMENT_STATUSES = ("PAID", "PENDING", "FAILED", "FULLY_REFUNDED", "PARTIALLY_REFUNDED")
SHIP_TO_FIELDS = ("fullName", "companyName", "contactAddress", "primaryPhone", "email")
ADDRESS_FIELDS = (
    "addressLine1",
    "addressLine2",
    "city",
    "stateOrProvince",
    "postalCode",
    "countryCode",
)


class OrderRefused(Exception):
    """A control-plane request eBay would not let happen; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def amount(value: Decimal) -> dict[str, str]:
    return {"value": str(value.quantize(Decimal("0.01"))), "currency": CURRENCY}


def amount_of(given: Any, field: str) -> Decimal:
    """``{value, currency}`` or a plain amount, checked."""
    raw = given.get("value") if isinstance(given, dict) else given
    if isinstance(given, dict) and given.get("currency", CURRENCY) != CURRENCY:
        raise OrderRefused(f"{field}.currency: the marketplace's currency is {CURRENCY}")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise OrderRefused(f"{field}: an amount such as {{'value': '19.95'}}") from None
    if value < 0:
        raise OrderRefused(f"{field}: not below zero")
    return value


# -- reading -------------------------------------------------------------------------------


def order_records(seller: str) -> Any:
    return EBAY.records(seller, "order")


def order_record(seller: str, order_id: str) -> EmulatorRecord | None:
    return record_of(seller, "order", order_id)


def fulfillments(seller: str, order_id: str) -> list[dict[str, Any]]:
    found = EBAY.records(seller, "fulfillment").filter(key__startswith=f"{order_id}/")
    return [record.data for record in found.order_by("id")]


def summary(order: Mapping[str, Any]) -> dict[str, Any]:
    """The order as ``getOrders`` lists it: cancel requests are only shown by ``getOrder``."""
    listed = dict(order)
    listed["cancelStatus"] = {
        key: value for key, value in order["cancelStatus"].items() if key != "cancelRequests"
    }
    listed["cancelStatus"]["cancelRequests"] = []
    return listed


# -- checkout ------------------------------------------------------------------------------


def ship_to_of(body: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The buyer's ship-to and chosen service, from ``fulfillmentStartInstructions`` or the
    short ``shipTo`` / ``shippingServiceCode``."""
    instructions = body.get("fulfillmentStartInstructions")
    ship_to, service = body.get("shipTo"), body.get("shippingServiceCode")
    if instructions is not None:
        if not isinstance(instructions, list) or not instructions:
            raise OrderRefused("fulfillmentStartInstructions: a list of one instruction")
        step = (instructions[0] or {}).get("shippingStep") or {}
        ship_to, service = step.get("shipTo"), step.get("shippingServiceCode", service)
    if ship_to is None:
        return None, str(service or "AU_Regular")
    if not isinstance(ship_to, dict):
        raise OrderRefused(f"shipTo: an object of {', '.join(SHIP_TO_FIELDS)}")
    unknown = sorted(set(ship_to) - set(SHIP_TO_FIELDS))
    if unknown:
        raise OrderRefused(f"shipTo: unknown field {unknown[0]!r}")
    address = ship_to.get("contactAddress") or {}
    if not isinstance(address, dict) or set(address) - set(ADDRESS_FIELDS):
        raise OrderRefused(f"shipTo.contactAddress: an object of {', '.join(ADDRESS_FIELDS)}")
    return dict(ship_to), str(service or "AU_Regular")


def line_of(seller: str, given: Any, index: int) -> tuple[dict[str, Any], EmulatorRecord]:
    """One checked line ``{sku, quantity, lineItemId?, legacyItemId?, legacyVariationId?,
    title?, lineItemCost?}`` and the seller's item it sells."""
    field = f"lineItems[{index}]"
    if not isinstance(given, dict) or not given.get("sku"):
        raise OrderRefused(f"{field}: give the line's sku")
    quantity = given.get("quantity", 1)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise OrderRefused(f"{field}.quantity: a whole number above 0")
    record = record_of(seller, "inventory_item", str(given["sku"]))
    if record is None:
        raise OrderRefused(f"{field}: seller {seller!r} has no item {given['sku']!r}", 404)
    return dict(given), record


def order_create(seller: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """A buyer checks out and pays: the order as eBay keeps it. Quantities drop on the items
    and their published offers."""
    if not seller_exists(seller):
        raise OrderRefused(f"seller: no sandbox seller {seller!r}", 404)
    given_lines = body.get("lineItems")
    if not isinstance(given_lines, list) or not given_lines:
        raise OrderRefused("lineItems: give at least one line {sku, quantity}")
    lines = [line_of(seller, line, index) for index, line in enumerate(given_lines)]
    ship_to, service = ship_to_of(body)
    payment = str(body.get("orderPaymentStatus") or "PAID")
    if payment not in PAYMENT_STATUSES:
        raise OrderRefused(f"orderPaymentStatus: one of {', '.join(PAYMENT_STATUSES)}")
    delivery = amount_of(body.get("deliveryCost", "0"), "deliveryCost")
    buyer = body.get("buyer") or {"username": "sandbox_buyer"}
    if not isinstance(buyer, dict) or not buyer.get("username"):
        raise OrderRefused("buyer: an object {username}")
    number = ids_allocate("order")
    order_id = str(body.get("orderId") or f"12-{10000 + number:05d}-{number:05d}")
    if order_record(seller, order_id) is not None:
        raise OrderRefused(f"orderId: the seller already has order {order_id!r}", 409)
    line_items = [
        line_item(seller, given, record, index, number)
        for index, (given, record) in enumerate(lines)
    ]
    sell(seller, [(record.key, int(given.get("quantity", 1))) for given, record in lines])
    order = order_document(
        seller,
        order_id=order_id,
        number=number,
        buyer=buyer,
        payment=payment,
        line_items=line_items,
        delivery=delivery,
        ship_to=ship_to,
        service=service,
    )
    EBAY.put(seller, "order", order_id, order)
    return order


def order_document(
    seller: str,
    *,
    order_id: str,
    number: int,
    buyer: Mapping[str, Any],
    payment: str,
    line_items: list[dict[str, Any]],
    delivery: Decimal,
    ship_to: dict[str, Any] | None,
    service: str,
) -> dict[str, Any]:
    """A new order as ``getOrder`` answers it."""
    now = stamp()
    subtotal = sum((amount_of(line["lineItemCost"], "") for line in line_items), Decimal(0))
    return {
        "orderId": order_id,
        "legacyOrderId": f"{line_items[0]['legacyItemId']}-{2_000_000_000 + number}",
        "creationDate": now,
        "lastModifiedDate": now,
        "orderFulfillmentStatus": "NOT_STARTED",
        "orderPaymentStatus": payment,
        "sellerId": seller,
        "buyer": dict(buyer),
        "pricingSummary": {
            "priceSubtotal": amount(subtotal),
            "deliveryCost": amount(delivery),
            "total": amount(subtotal + delivery),
        },
        "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
        "fulfillmentHrefs": [],
        "fulfillmentStartInstructions": [
            {
                "fulfillmentInstructionsType": "SHIP_TO",
                "ebaySupportedFulfillment": False,
                "shippingStep": {
                    "shipTo": ship_to or {},
                    "shippingCarrierCode": "",
                    "shippingServiceCode": service,
                },
            }
        ],
        "lineItems": line_items,
        "salesRecordReference": str(number),
    }


def line_item(
    seller: str, given: Mapping[str, Any], record: EmulatorRecord, index: int, number: int
) -> dict[str, Any]:
    quantity = int(given.get("quantity", 1))
    offers = offers_of(seller, [record.key]).get(record.key, [])
    published = next((offer for offer in offers if offer.get("listing")), None)
    if "lineItemCost" in given:
        cost = amount_of(given["lineItemCost"], f"lineItems[{index}].lineItemCost")
    else:
        unit = published["pricingSummary"]["price"]["value"] if published else "0"
        cost = Decimal(unit) * quantity
    listing = published["listing"]["listingId"] if published else str(110_000_000_000 + number)
    found = {
        "lineItemId": str(given.get("lineItemId") or 10_000_000_000_000 + number * 100 + index),
        "legacyItemId": str(given.get("legacyItemId") or listing),
        "sku": record.key,
        "title": str(given.get("title") or record.data.get("product", {}).get("title", "")),
        "quantity": quantity,
        "lineItemCost": amount(cost),
        "total": amount(cost),
        "soldFormat": "FIXED_PRICE",
        "listingMarketplaceId": MARKETPLACE,
        "purchaseMarketplaceId": MARKETPLACE,
        "lineItemFulfillmentStatus": "NOT_STARTED",
    }
    if given.get("legacyVariationId"):
        found["legacyVariationId"] = str(given["legacyVariationId"])
    return found


def sell(seller: str, sold: Sequence[tuple[str, int]]) -> None:
    """Take the units off each item and its published offers, or refuse them all."""
    wanted: dict[str, int] = {}
    for sku, quantity in sold:
        wanted[sku] = wanted.get(sku, 0) + quantity
    records = {
        record.key: record
        for record in EBAY.records(seller, "inventory_item")
        .select_for_update()
        .filter(key__in=list(wanted))
        .order_by("id")
    }
    offers = offers_of(seller, wanted)
    for sku, quantity in wanted.items():
        available = listing_quantity(records[sku].data, offers.get(sku, []))
        if quantity > available:
            raise OrderRefused(f"only {available} of {sku} can be sold", 409)
    for sku, quantity in wanted.items():
        stock_change(seller, records[sku], offers.get(sku, []), -quantity)


def stock_change(
    seller: str, record: EmulatorRecord, offers: Sequence[dict[str, Any]], change: int
) -> None:
    item = dict(record.data)
    item_set_quantity(item, item_quantity(item) + change)
    EBAY.put(seller, "inventory_item", record.key, item)
    for offer in offers:
        if offer.get("status") != "PUBLISHED":
            continue
        offer["availableQuantity"] = int(offer["availableQuantity"]) + change
        listing = offer["listing"]
        listing["soldQuantity"] = max(0, int(listing["soldQuantity"]) - change)
        EBAY.put(seller, "offer", offer["offerId"], offer)


# -- cancelling ----------------------------------------------------------------------------


def order_cancel(record: EmulatorRecord, *, initiator: str, reason: str) -> dict[str, Any]:
    """The order is cancelled before anything shipped: quantities go back and the payment is
    refunded."""
    order = record.data
    if order["cancelStatus"]["cancelState"] == "CANCELED":
        raise OrderRefused(f"order {order['orderId']} is already cancelled", 409)
    if order["orderFulfillmentStatus"] != "NOT_STARTED":
        raise OrderRefused(
            f"order {order['orderId']} has shipped items: it cannot be cancelled", 409
        )
    if initiator not in ("BUYER", "SELLER"):
        raise OrderRefused("initiator: BUYER or SELLER")
    seller = record.account
    returned: dict[str, int] = {}
    for line in order["lineItems"]:
        returned[line["sku"]] = returned.get(line["sku"], 0) + int(line["quantity"])
    items = EBAY.records(seller, "inventory_item").select_for_update().filter(key__in=returned)
    offers = offers_of(seller, returned)
    for item in items.order_by("id"):
        stock_change(seller, item, offers.get(item.key, []), returned[item.key])
    now = stamp()
    order["cancelStatus"] = {
        "cancelState": "CANCELED",
        "cancelledDate": now,
        "cancelRequests": [
            {
                "cancelInitiator": initiator,
                "cancelReason": reason or "BUYER_ASKED_CANCEL",
                "cancelRequestedDate": now,
                "cancelRequestState": "COMPLETED",
                "cancelCompletedDate": now,
            }
        ],
    }
    order["orderPaymentStatus"] = "FULLY_REFUNDED"
    order["lastModifiedDate"] = now
    EBAY.put(seller, "order", order["orderId"], order)
    return order


# -- shipping ------------------------------------------------------------------------------


def ship(
    record: EmulatorRecord,
    lines: Sequence[tuple[dict[str, Any], int]],
    *,
    shipped_date: str,
    carrier: str,
    tracking_number: str,
    href: str,
) -> dict[str, Any]:
    """Record one package for these (checked) lines: each becomes FULFILLED (eBay counts a line
    fulfilled once any of its units is in a package), and the order FULFILLED when every line
    is, else IN_PROGRESS."""
    order, seller = record.data, record.account
    fulfillment_id = f"{9_400_000_000_000 + ids_allocate('fulfillment')}"
    fulfillment = {
        "fulfillmentId": fulfillment_id,
        "lineItems": [
            {"lineItemId": line["lineItemId"], "quantity": quantity} for line, quantity in lines
        ],
        "shipmentTrackingNumber": tracking_number,
        "shippedDate": shipped_date,
        "shippingCarrierCode": carrier,
    }
    shipped = {line["lineItemId"] for line, _quantity in lines}
    for line in order["lineItems"]:
        if line["lineItemId"] in shipped:
            line["lineItemFulfillmentStatus"] = "FULFILLED"
    statuses = {line["lineItemFulfillmentStatus"] for line in order["lineItems"]}
    order["orderFulfillmentStatus"] = "FULFILLED" if statuses == {"FULFILLED"} else "IN_PROGRESS"
    order["fulfillmentHrefs"] = [*order["fulfillmentHrefs"], f"{href}/{fulfillment_id}"]
    order["lastModifiedDate"] = stamp()
    EBAY.put(seller, "order", order["orderId"], order)
    EBAY.put(seller, "fulfillment", f"{order['orderId']}/{fulfillment_id}", fulfillment)
    return fulfillment
