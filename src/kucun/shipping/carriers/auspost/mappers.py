"""Australia Post Shipping & Tracking payloads ↔ the canonical carrier types
(integrations/auspost.md §3–§9). Pure functions: no HTTP here.

Weights go as kilograms with three decimals and sizes as centimetres, as the API takes them.
Tracking words are free text: they are mapped to the canonical status by keyword and kept as the
event's description and raw code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from kucun.shipping.carriers.base import (
    Address,
    CarrierConnectionInfo,
    CreatedParcel,
    CreatedShipment,
    FieldProblem,
    ManifestResult,
    Parcel,
    Rate,
    ServiceInfo,
    ShipmentRequest,
    TrackingEvent,
    TrackingResult,
    TrackingStatus,
)

CARRIER_CODE = "auspost"
DOMESTIC_COUNTRY = "AU"
PAYMENT_METHOD = "CHARGE_TO_ACCOUNT"

# Label statuses (auspost.md §5).
LABEL_AVAILABLE = "AVAILABLE"
LABEL_PENDING = "PENDING"
LABEL_FAILED_STATUSES = frozenset({"ERROR", "FAILED"})

# The label group (product family) of the products named in auspost.md §4; any other product's
# group is read from the account's postage products.
PRODUCT_GROUPS = {
    "T28": "Parcel Post",
    "3D55": "Parcel Post",
    "3D85": "Parcel Post",
    "7D55": "Parcel Post",
    "7D85": "Parcel Post",
    "E34": "Express Post",
    "3J55": "Express Post",
    "3J85": "Express Post",
    "7J55": "Express Post",
    "7J85": "Express Post",
}
DEFAULT_LABEL_GROUP = "Parcel Post"


# -- small conversions --------------------------------------------------------------------------


def number(value: Decimal, places: int) -> int | float:
    """A JSON number rounded to ``places``: a whole number stays an integer (``20``, not
    ``20.0``) as in the API's samples."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return int(rounded)
    return float(rounded)


def decimal_of(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def parse_time(value: Any) -> datetime | None:
    """AusPost's local date-times with an offset (``2025-05-01T10:15:00+10:00``)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def mappings(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a JSON array (anything else in it, or no array, is ignored)."""
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, Mapping)]


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# -- errors -------------------------------------------------------------------------------------


def error_entries(payload: Any) -> list[Mapping[str, Any]]:
    """The entries of AusPost's error envelope ``{"errors": [...]}``, or of the gateway's
    ``{"error": ..., "error_description": ..., "messages": [...]}`` body as one entry."""
    if not isinstance(payload, Mapping):
        return []
    entries = mappings(payload.get("errors"))
    if entries:
        return entries
    if payload.get("error") or payload.get("error_description"):
        return [payload]
    return []


def entry_code(entry: Mapping[str, Any]) -> str:
    return text(entry.get("code") or entry.get("error_code") or entry.get("error"))


def entry_name(entry: Mapping[str, Any]) -> str:
    return text(entry.get("name") or entry.get("error_name"))


def entry_message(entry: Mapping[str, Any]) -> str:
    message = text(entry.get("message") or entry.get("error_description"))
    details = [text(item) for item in entry.get("messages") or [] if text(item)]
    if details:
        message = "; ".join([message, *details]) if message else "; ".join(details)
    return message or entry_name(entry) or entry_code(entry)


def field_problems(payload: Any) -> tuple[FieldProblem, ...]:
    """One FieldProblem per error entry: the field path as AusPost wrote it
    (``shipments[0].to.postcode``), its words and its code (``code`` or ``error_code``)."""
    return tuple(
        FieldProblem(
            field=text(entry.get("field")),
            message=entry_message(entry),
            code=entry_code(entry) or entry_name(entry),
        )
        for entry in error_entries(payload)
    )


def error_text(payload: Any) -> str:
    """The carrier's words for a refusal, one entry after the other: ``CODE NAME: message``."""
    parts = []
    for entry in error_entries(payload):
        label = " ".join(part for part in (entry_code(entry), entry_name(entry)) if part)
        message = entry_message(entry)
        if message and message not in {entry_code(entry), entry_name(entry)}:
            parts.append(f"{label}: {message}" if label else message)
        elif label:
            parts.append(label)
    return "; ".join(parts)


# -- shipments ----------------------------------------------------------------------------------


def address_json(address: Address) -> dict[str, Any]:
    """A ``from`` / ``to`` of §4: sent as given (``shipping`` checks the address rules first,
    and AusPost's own refusal names the field)."""
    body: dict[str, Any] = {
        "name": address.name,
        "lines": list(address.lines),
        "suburb": address.suburb,
        "state": address.state,
        "postcode": address.postcode,
        "country": address.country or DOMESTIC_COUNTRY,
    }
    if address.company:
        body["business_name"] = address.company
    if address.phone:
        body["phone"] = address.phone
    if address.email:
        body["email"] = address.email
    return body


def item_json(parcel: Parcel, request: ShipmentRequest, *, international: bool) -> dict[str, Any]:
    options = request.options
    item: dict[str, Any] = {
        "item_reference": parcel.reference,
        "product_id": request.service_code,
        "weight": number(parcel.weight_kg, 3),
        # A signature wanted means the parcel may not be left unattended.
        "authority_to_leave": options.authority_to_leave and not options.signature,
    }
    if parcel.description:
        item["item_description"] = parcel.description
    for name, size in (
        ("length", parcel.length_cm),
        ("width", parcel.width_cm),
        ("height", parcel.height_cm),
    ):
        if size is not None:
            item[name] = number(size, 1)
    if options.dangerous_goods:
        item["contains_dangerous_goods"] = True
    if options.insurance_value:
        item["features"] = {
            "TRANSIT_COVER": {"attributes": {"cover_amount": number(options.insurance_value, 2)}}
        }
    if international:
        item.update(customs_json(parcel))
    return item


def customs_json(parcel: Parcel) -> dict[str, Any]:
    """The declaration of an international item (§4, international shipments)."""
    return {
        "classification_type": "SALE_OF_GOODS",
        "commercial_value": True,
        "item_contents": [
            {
                "description": content.description or content.sku,
                "quantity": content.quantity,
                "value": number(content.unit_value, 2),
                "weight": number(content.unit_weight_kg, 3),
                **({"tariff_code": content.tariff_code} if content.tariff_code else {}),
                **(
                    {"country_of_origin": content.country_of_origin}
                    if content.country_of_origin
                    else {}
                ),
            }
            for content in parcel.contents
        ],
    }


def shipment_json(request: ShipmentRequest, *, email_tracking: bool = False) -> dict[str, Any]:
    """One element of ``shipments[]`` of ``POST /shipping/v1/shipments`` (and of the shipment
    price). Our reference is the ``shipment_reference`` (the lookup key after a lost answer)
    and is printed on the label as ``customer_reference_1``."""
    international = (request.receiver.country or DOMESTIC_COUNTRY) != DOMESTIC_COUNTRY
    shipment: dict[str, Any] = {
        "shipment_reference": request.reference,
        "customer_reference_1": request.reference,
        "from": address_json(request.sender),
        "to": address_json(request.receiver),
        "items": [
            item_json(parcel, request, international=international) for parcel in request.parcels
        ],
    }
    if email_tracking and request.receiver.email:
        shipment["email_tracking_enabled"] = True
    return shipment


def create_shipments_body(
    request: ShipmentRequest, *, email_tracking: bool = False
) -> dict[str, Any]:
    return {"shipments": [shipment_json(request, email_tracking=email_tracking)]}


def tracking_details(item: Mapping[str, Any]) -> Mapping[str, Any]:
    details = item.get("tracking_details")
    return details if isinstance(details, Mapping) else {}


def ordered_items(
    items: Sequence[Mapping[str, Any]], parcel_references: Sequence[str]
) -> list[Mapping[str, Any]]:
    """The items in our parcels' order (by ``item_reference``); items naming no parcel of ours
    keep AusPost's order after them."""
    position = {reference: index for index, reference in enumerate(parcel_references)}
    return sorted(
        items,
        key=lambda item: position.get(text(item.get("item_reference")), len(position)),
    )


def created_shipment(
    shipment: Mapping[str, Any], parcel_references: Sequence[str] = ()
) -> CreatedShipment:
    """A shipment of AusPost's answer (to a create or a retrieve) as the canonical
    CreatedShipment: tracking numbers are the items' ``article_id`` in parcel order, and
    ``label_ref`` the items' product ids (what picks the label group)."""
    items = ordered_items(mappings(shipment.get("items")), parcel_references)
    parcels = tuple(
        CreatedParcel(
            reference=text(item.get("item_reference")),
            carrier_parcel_id=text(item.get("item_id")),
            tracking_number=text(tracking_details(item).get("article_id")),
        )
        for item in items
    )
    consignments = [text(tracking_details(item).get("consignment_id")) for item in items]
    product_ids = dict.fromkeys(text(item.get("product_id")) for item in items)
    summary = shipment.get("shipment_summary")
    cost = decimal_of(summary.get("total_cost")) if isinstance(summary, Mapping) else None
    return CreatedShipment(
        carrier=CARRIER_CODE,
        reference=text(shipment.get("shipment_reference")),
        carrier_shipment_id=text(shipment.get("shipment_id")),
        tracking_numbers=tuple(parcel.tracking_number for parcel in parcels),
        parcels=parcels,
        consignment_number=next((found for found in consignments if found), ""),
        label_ref=",".join(product for product in product_ids if product),
        cost=cost,
    )


def first_shipment(payload: Any) -> Mapping[str, Any] | None:
    shipments = mappings(payload.get("shipments")) if isinstance(payload, Mapping) else []
    return shipments[0] if shipments else None


def shipment_status(shipment: Mapping[str, Any]) -> str:
    summary = shipment.get("shipment_summary")
    return text(summary.get("status")) if isinstance(summary, Mapping) else ""


def shipments_with_reference(payload: Any, reference: str) -> list[Mapping[str, Any]]:
    """The shipments of a retrieve answer whose ``shipment_reference`` is ours; checked here
    whatever filter the server applied."""
    shipments = mappings(payload.get("shipments")) if isinstance(payload, Mapping) else []
    return [found for found in shipments if text(found.get("shipment_reference")) == reference]


def more_pages(payload: Any, offset: int, page_size: int) -> bool:
    """Whether a retrieve answer has shipments after this page (``pagination`` when sent,
    else a full page)."""
    if not isinstance(payload, Mapping):
        return False
    pagination = payload.get("pagination")
    shipments = mappings(payload.get("shipments"))
    if isinstance(pagination, Mapping):
        total = decimal_of(pagination.get("total_number_of_records"))
        if total is not None:
            return offset + len(shipments) < total and bool(shipments)
    return len(shipments) >= page_size


# -- prices -------------------------------------------------------------------------------------


def item_prices_body(request: ShipmentRequest) -> dict[str, Any]:
    """``POST /shipping/v1/prices/items`` (§3.1) for every parcel and, without
    ``product_ids``, every product of the contract."""
    return {
        "from": {"postcode": request.sender.postcode},
        "to": {"postcode": request.receiver.postcode},
        "items": [
            {
                "item_reference": parcel.reference,
                "weight": number(parcel.weight_kg, 3),
                **{
                    name: number(size, 1)
                    for name, size in (
                        ("length", parcel.length_cm),
                        ("width", parcel.width_cm),
                        ("height", parcel.height_cm),
                    )
                    if size is not None
                },
            }
            for parcel in request.parcels
        ],
    }


def rates_from_item_prices(
    payload: Any, *, parcels: int, currency: str, names: Mapping[str, str]
) -> list[Rate]:
    """One rate per product priced for every parcel: the items' prices added up (item prices
    exclude surcharges, §3.1). A product missing for one parcel is left out."""
    items = mappings(payload.get("items")) if isinstance(payload, Mapping) else []
    totals: dict[str, list[Decimal]] = {}
    counts: dict[str, int] = {}
    product_names: dict[str, str] = {}
    for item in items:
        for price in mappings(item.get("prices")):
            product = text(price.get("product_id"))
            amount = decimal_of(price.get("calculated_price"))
            if not product or amount is None:
                continue
            gst = decimal_of(price.get("calculated_gst")) or Decimal("0")
            total, tax = totals.get(product, [Decimal("0"), Decimal("0")])
            totals[product] = [total + amount, tax + gst]
            counts[product] = counts.get(product, 0) + 1
            product_names.setdefault(product, text(price.get("product_type")))
    return [
        Rate(
            service_code=product,
            service_name=names.get(product) or product_names[product] or product,
            price_inc_tax=total,
            tax=tax,
            currency=currency,
        )
        for product, (total, tax) in totals.items()
        if counts[product] == parcels
    ]


def priced_rate(payload: Any, rate: Rate) -> Rate:
    """The rate with the shipment price's totals (``POST /shipping/v1/prices/shipments``,
    §3.2): surcharges such as fuel included, as the shipment will be billed."""
    shipment = first_shipment(payload)
    summary = shipment.get("shipment_summary") if shipment is not None else None
    if not isinstance(summary, Mapping):
        return rate
    total = decimal_of(summary.get("total_cost"))
    if total is None:
        return rate
    tax = decimal_of(summary.get("total_gst"))
    return replace(rate, price_inc_tax=total, tax=rate.tax if tax is None else tax)


# -- labels -------------------------------------------------------------------------------------


def label_group(product_id: str, account_groups: Mapping[str, str]) -> str:
    return account_groups.get(product_id) or PRODUCT_GROUPS.get(product_id) or DEFAULT_LABEL_GROUP


def labels_body(
    created: CreatedShipment,
    *,
    groups: Iterable[str],
    layout: str,
    wait_for_label_url: bool,
    branded: bool = True,
) -> dict[str, Any]:
    """``POST /shipping/v1/labels`` (§5): a PDF of every item of the shipment, one group entry
    per product family used."""
    shipment: dict[str, Any] = {"shipment_id": created.carrier_shipment_id}
    item_ids = [parcel.carrier_parcel_id for parcel in created.parcels if parcel.carrier_parcel_id]
    if item_ids:
        shipment["items"] = [{"item_id": item_id} for item_id in item_ids]
    return {
        "wait_for_label_url": wait_for_label_url,
        "preferences": [
            {
                "type": "PRINT",
                "format": "PDF",
                "groups": [
                    {
                        "group": group,
                        "layout": layout,
                        "branded": branded,
                        "left_offset": 0,
                        "top_offset": 0,
                    }
                    for group in dict.fromkeys(groups)
                ],
            }
        ],
        "shipments": [shipment],
    }


def label_entry(payload: Any) -> Mapping[str, Any]:
    """The first of ``labels[]`` (one request covers our one shipment)."""
    labels = mappings(payload.get("labels")) if isinstance(payload, Mapping) else []
    return labels[0] if labels else {}


def label_status(entry: Mapping[str, Any]) -> str:
    return text(entry.get("status")).upper()


def label_failure(entry: Mapping[str, Any]) -> str:
    """AusPost's words for a label it failed to make."""
    return error_text(entry) or f"the label request ended {label_status(entry)}"


# -- tracking -----------------------------------------------------------------------------------

# Exact words first (auspost.md §7's seen values), then keywords in order: a later rule never
# overrides an earlier one ("Cannot be delivered" is an exception, not a delivery).
EXACT_STATUSES = {
    "created": TrackingStatus.INFO_RECEIVED,
    "initiated": TrackingStatus.INFO_RECEIVED,
    "sealed": TrackingStatus.INFO_RECEIVED,
    "shipment information received": TrackingStatus.INFO_RECEIVED,
    "in transit": TrackingStatus.IN_TRANSIT,
    # At the post office or locker the customer chose: the last step before they have it.
    "awaiting collection": TrackingStatus.OUT_FOR_DELIVERY,
    "on board for delivery": TrackingStatus.OUT_FOR_DELIVERY,
    "possible delay": TrackingStatus.EXCEPTION,
    "cannot be delivered": TrackingStatus.EXCEPTION,
    "article damaged": TrackingStatus.EXCEPTION,
    "unsuccessful pickup": TrackingStatus.EXCEPTION,
    "delivered": TrackingStatus.DELIVERED,
}
KEYWORD_STATUSES: tuple[tuple[tuple[str, ...], TrackingStatus], ...] = (
    (
        ("return to sender", "returned to sender", "being returned", "returned"),
        TrackingStatus.RETURNED,
    ),
    (
        (
            "cannot be delivered",
            "could not be delivered",
            "not delivered",
            "undelivered",
            "undeliverable",
            "unable to",
            "unsuccessful",
            "attempted delivery",
            "delivery attempted",
            "damaged",
            "delay",
            "held",
            "missing",
            "lost",
            "refused",
            "incorrect address",
            "insufficient address",
            "card left",
        ),
        TrackingStatus.EXCEPTION,
    ),
    (("delivered", "collected by"), TrackingStatus.DELIVERED),
    (
        (
            "on board for delivery",
            "onboard for delivery",
            "out for delivery",
            "with driver",
            "awaiting collection",
            "ready for collection",
        ),
        TrackingStatus.OUT_FOR_DELIVERY,
    ),
    (
        (
            "information received",
            "information approved",
            "created",
            "initiated",
            "sealed",
            "label printed",
        ),
        TrackingStatus.INFO_RECEIVED,
    ),
    (
        (
            "in transit",
            "picked up",
            "received by",
            "accepted",
            "lodged",
            "processed",
            "processing",
            "arrived",
            "departed",
            "transferred",
            "facility",
            "sorted",
            "cleared",
        ),
        TrackingStatus.IN_TRANSIT,
    ),
)


def tracking_status(words: str) -> TrackingStatus:
    """AusPost's free-text status or event description as a canonical status."""
    normalised = re.sub(r"\s+", " ", words.strip().lower())
    if not normalised:
        return TrackingStatus.UNKNOWN
    if normalised in EXACT_STATUSES:
        return EXACT_STATUSES[normalised]
    for keywords, status in KEYWORD_STATUSES:
        if any(keyword in normalised for keyword in keywords):
            return status
    return TrackingStatus.UNKNOWN


def tracking_event(event: Mapping[str, Any]) -> TrackingEvent | None:
    moment = parse_time(event.get("date"))
    if moment is None:
        return None
    description = text(event.get("description"))
    return TrackingEvent(
        at=moment,
        description=description,
        location=text(event.get("location")),
        raw_code=description,
        status=tracking_status(description),
    )


def item_for(result: Mapping[str, Any], tracking_number: str) -> Mapping[str, Any]:
    items = mappings(result.get("trackable_items"))
    for item in items:
        if text(item.get("article_id")) == tracking_number:
            return item
    return items[0] if items else {}


def tracking_result(result: Mapping[str, Any], tracking_number: str) -> TrackingResult:
    """One ``tracking_results[]`` entry: events oldest first (AusPost sends newest first), the
    item's status word mapped, or the latest event's when the word says nothing we know."""
    errors = error_entries(result)
    if errors:
        return TrackingResult(
            tracking_number, TrackingStatus.UNKNOWN, error=error_text(result) or "unknown"
        )
    item = item_for(result, tracking_number)
    events = [found for found in map(tracking_event, mappings(item.get("events"))) if found]
    events.sort(key=lambda event: event.at)
    status = tracking_status(text(item.get("status")) or text(result.get("status")))
    if status == TrackingStatus.UNKNOWN and events:
        status = events[-1].status
    return TrackingResult(tracking_number, status, events=tuple(events))


def tracking_results(payload: Any, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
    """One result per number asked, in the order asked; a number AusPost left out of its
    answer is unknown with words saying so."""
    found: dict[str, Mapping[str, Any]] = {}
    results = mappings(payload.get("tracking_results")) if isinstance(payload, Mapping) else []
    for result in results:
        found.setdefault(text(result.get("tracking_id")), result)
    return [
        tracking_result(found[number], number)
        if number in found
        else TrackingResult(
            number, TrackingStatus.UNKNOWN, error="Australia Post's answer left this number out"
        )
        for number in tracking_numbers
    ]


# -- orders (manifests) -------------------------------------------------------------------------


def order_body(shipment_ids: Sequence[str], reference: str) -> dict[str, Any]:
    """``PUT /shipping/v1/orders`` (§6): an order of shipments already created."""
    return {
        "order_reference": reference,
        "payment_method": PAYMENT_METHOD,
        "shipments": [{"shipment_id": shipment_id} for shipment_id in shipment_ids],
    }


def order_of(payload: Any) -> Mapping[str, Any]:
    order = payload.get("order") if isinstance(payload, Mapping) else None
    return order if isinstance(order, Mapping) else {}


def manifest_result(order: Mapping[str, Any], reference: str, pdf: bytes | None) -> ManifestResult:
    summary = order.get("order_summary")
    cost = decimal_of(summary.get("total_cost")) if isinstance(summary, Mapping) else None
    return ManifestResult(
        manifest_id=text(order.get("order_id")),
        reference=text(order.get("order_reference")) or reference,
        pdf=pdf,
        cost=cost,
    )


# -- the account --------------------------------------------------------------------------------


def postage_products(payload: Any) -> list[Mapping[str, Any]]:
    return mappings(payload.get("postage_products")) if isinstance(payload, Mapping) else []


def account_groups(payload: Any) -> dict[str, str]:
    """Product id → label group, from the account's postage products."""
    return {
        text(product.get("product_id")): text(product.get("group"))
        for product in postage_products(payload)
        if text(product.get("product_id")) and text(product.get("group"))
    }


def connection_info(payload: Any, account_number: str) -> CarrierConnectionInfo:
    """``GET /shipping/v1/accounts/{account_number}``: the account's name, its postage
    products as services, and what else is worth showing."""
    account = payload if isinstance(payload, Mapping) else {}
    services = tuple(
        ServiceInfo(
            code=text(product.get("product_id")),
            name=text(product.get("type")) or text(product.get("group")),
        )
        for product in postage_products(account)
        if text(product.get("product_id"))
    )
    details = {"account_number": text(account.get("account_number")) or account_number}
    for name in ("merchant_location_id", "valid_from", "valid_to", "expired", "credit_blocked"):
        if account.get(name) is not None:
            details[name] = text(account.get(name))
    return CarrierConnectionInfo(
        account_name=text(account.get("name")) or f"Australia Post {account_number}",
        services=services,
        details=details,
    )
