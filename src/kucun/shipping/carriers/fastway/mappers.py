"""The canonical carrier types ↔ myFastway JSON (integrations/fastway.md §3–§8).

Pure functions on parsed JSON: no HTTP here. Request bodies use the field names of the
reference client (the API reads them case-insensitively); answers are camelCase inside a
``{"data": …}`` envelope, refusals ``{"errors": [{code, message, suggestedValues}]}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from kucun.shipping.carriers.base import (
    Address,
    CreatedParcel,
    CreatedShipment,
    FieldProblem,
    Parcel,
    Rate,
    ShipmentOptions,
    ShipmentRefused,
    ShipmentRequest,
    TrackingEvent,
    TrackingResult,
    TrackingStatus,
)

CARRIER_CODE = "fastway"

PARCEL = "P"  # §6 items[].packageType: a parcel, with dead weight and dimensions
SATCHEL = "S"  # a pre-paid satchel, with its size
DEFAULT_SATCHEL_SIZE = "A4"

# §6 services[]: delivery options (codes from the reference wiki).
DELIVERY_OPTION = "DELOPT"
AUTHORITY_TO_LEAVE = "ATL"
SIGNATURE_REQUIRED = "SGR"

# §6: "two letters + 10 digits (e.g. BD0010915392, MP0000000001)".
LABEL_NUMBER = re.compile(r"^[A-Z]{2}\d{10}$")

# §8: scan-type letters seen; others exist (card left, collection point) and are read from the
# description's words instead.
SCAN_TYPES: Mapping[str, TrackingStatus] = {
    "P": TrackingStatus.IN_TRANSIT,  # picked up
    "T": TrackingStatus.IN_TRANSIT,  # transit / depot
    "D": TrackingStatus.DELIVERED,
}

# Words of a scan's description, most specific first.
DESCRIPTION_WORDS: tuple[tuple[tuple[str, ...], TrackingStatus], ...] = (
    (("return to sender", "returned to sender", "returning to sender", "returned"),
     TrackingStatus.RETURNED),
    (("out for delivery", "on board for delivery", "with driver for delivery", "on board"),
     TrackingStatus.OUT_FOR_DELIVERY),
    (("card left", "unable to deliver", "delivery attempted", "attempted delivery",
      "collection point", "awaiting collection", "damaged", "lost", "held", "exception"),
     TrackingStatus.EXCEPTION),
    (("delivered",), TrackingStatus.DELIVERED),
    (("picked up", "pickup", "in transit", "transit", "depot", "arrived", "departed",
      "sorted", "scanned"),
     TrackingStatus.IN_TRANSIT),
    (("label created", "consignment created", "information received", "booked",
      "manifested", "received"),
     TrackingStatus.INFO_RECEIVED),
)  # fmt: skip


# --- values ------------------------------------------------------------------------------------


def wire_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: whole values as integers (``"weightDead": 5``)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def decimal_or_none(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def envelope_data(body: Any) -> Any:
    """The ``data`` of a success envelope (§3); None when there is none."""
    if isinstance(body, Mapping):
        return body.get("data")
    return None


# --- errors ------------------------------------------------------------------------------------


def error_problems(body: Any, *, field: str = "") -> tuple[FieldProblem, ...]:
    """The problems of an ``{"errors": [...]}`` answer (§3). myFastway names a code, not a
    field; ``field`` is the part of our request the call was about, when we know it."""
    if not isinstance(body, Mapping):
        return ()
    errors = body.get("errors")
    if isinstance(errors, Mapping):  # ASP.NET model-state shape: {"Field": ["message"]}
        return tuple(
            FieldProblem(field=str(name), message="; ".join(map(str, messages)))
            if isinstance(messages, list)
            else FieldProblem(field=str(name), message=str(messages))
            for name, messages in errors.items()
        )
    if not isinstance(errors, list):
        return ()
    problems = []
    for error in errors:
        if not isinstance(error, Mapping):
            problems.append(FieldProblem(field=field, message=text(error)))
            continue
        code = text(error.get("code"))
        message = text(error.get("message")) or code
        suggestions = suggested_values(error)
        if suggestions:
            message = f"{message} (suggestions: {', '.join(suggestions)})"
        named = text(error.get("field") or error.get("propertyName"))
        problems.append(FieldProblem(field=named or field or code, message=message, code=code))
    return tuple(problems)


def suggested_values(error: Mapping[str, Any]) -> list[str]:
    values = error.get("suggestedValues")
    if not isinstance(values, list):
        return []
    return [suggestion_text(value) for value in values if suggestion_text(value)]


def suggestion_text(value: Any) -> str:
    """A suggestion as words: a string as it is, a locality object as "KATOOMBA NSW 2780"."""
    if isinstance(value, Mapping):
        parts = [
            text(value.get(key))
            for key in ("locality", "stateOrProvince", "state", "postalCode", "postcode")
        ]
        return " ".join(part for part in parts if part) or text(value.get("name"))
    return text(value)


def problems_message(problems: Sequence[FieldProblem]) -> str:
    return "; ".join(problem.message for problem in problems if problem.message)


def refused(what: str, body: Any, status: int, *, field: str = "") -> ShipmentRefused:
    """A ShipmentRefused with myFastway's own words (and suggestions) in its message."""
    problems = error_problems(body, field=field)
    words = problems_message(problems) or text(body)[:300] or f"HTTP {status}"
    return ShipmentRefused(f"{what}: {words}", problems=problems, status=status)


# --- requests ----------------------------------------------------------------------------------


def address_body(address: Address) -> dict[str, str]:
    """§4 / §6 ``address``: the first street line, the others as additional details."""
    lines = [line.strip() for line in address.lines if line and line.strip()]
    return {
        "streetAddress": lines[0] if lines else "",
        "additionalDetails": ", ".join(lines[1:]),
        "locality": address.suburb.strip(),
        "stateOrProvince": address.state.strip(),
        "postalCode": address.postcode.strip(),
        "country": (address.country or "AU").strip().upper(),
    }


ADDRESS_FIELDS = tuple(address_body(Address("", (), "", "", "")).keys())


def validated_address(sent: Mapping[str, str], answer: Any) -> dict[str, str]:
    """The address to consign to: what we sent, with the fields myFastway normalised (its
    spelling of the locality, its postcode), leaving out its coordinates and internal ids."""
    merged = dict(sent)
    if isinstance(answer, Mapping):
        for key in ADDRESS_FIELDS:
            value = text(answer.get(key))
            if value:
                merged[key] = value
    return merged


def receiver_body(address: Address, normalised: Mapping[str, str] | None = None) -> dict[str, Any]:
    """§6 ``to``: the receiver inline."""
    return {
        "contactName": address.name.strip(),
        "businessName": address.company.strip(),
        "phoneNumber": address.phone.strip(),
        "email": address.email.strip(),
        "address": dict(normalised) if normalised is not None else address_body(address),
    }


def delivery_options(options: ShipmentOptions) -> list[dict[str, str]]:
    """§6 ``services``: signature required wins over authority to leave (they exclude each
    other); neither asked, the account's default applies."""
    if options.signature:
        return [{"serviceCode": DELIVERY_OPTION, "serviceItemCode": SIGNATURE_REQUIRED}]
    if options.authority_to_leave:
        return [{"serviceCode": DELIVERY_OPTION, "serviceItemCode": AUTHORITY_TO_LEAVE}]
    return []


def package_type(service_code: str) -> str:
    """Our service code is the package type (§6 ``packageType``): P parcel (also when none is
    named), S satchel; any other is refused before anything is sent."""
    code = (service_code or PARCEL).strip().upper()
    if code not in (PARCEL, SATCHEL):
        raise ShipmentRefused(
            f"myFastway has no service {service_code!r}: P (parcel) or S (satchel)",
            problems=(FieldProblem("service_code", "P (parcel) or S (satchel)"),),
        )
    return code


def item_body(parcel: Parcel, index: int, *, kind: str, satchel_size: str) -> dict[str, Any]:
    """One §6 item of quantity 1, so that each parcel gets its own label number."""
    if kind == SATCHEL:
        return {
            "quantity": 1,
            "reference": parcel.reference,
            "packageType": SATCHEL,
            "satchelSize": satchel_size or DEFAULT_SATCHEL_SIZE,
        }
    sizes = {"length": parcel.length_cm, "width": parcel.width_cm, "height": parcel.height_cm}
    missing = [name for name, value in sizes.items() if value is None or value <= 0]
    if missing or parcel.weight_kg <= 0:
        problems = tuple(
            FieldProblem(f"items[{index}].{name}", f"a parcel needs its {name}")
            for name in (["weightDead"] if parcel.weight_kg <= 0 else []) + missing
        )
        raise ShipmentRefused(
            f"parcel {parcel.reference}: myFastway needs the dead weight and the length, "
            "width and height of a parcel",
            problems=problems,
        )
    return {
        "quantity": 1,
        "reference": parcel.reference,
        "packageType": PARCEL,
        "weightDead": wire_number(parcel.weight_kg),
        **{name: wire_number(value) for name, value in sizes.items() if value is not None},
    }


def consignment_body(
    shipment: ShipmentRequest,
    *,
    satchel_size: str = DEFAULT_SATCHEL_SIZE,
    normalised_address: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """§6 create (and §5 quote, the same body). ``externalRef1`` carries our reference: it is
    what a lost answer is looked up by."""
    kind = package_type(shipment.service_code)
    return {
        "to": receiver_body(shipment.receiver, normalised_address),
        "instructionsPublic": "",
        "instructionsPrivate": "",
        "externalRef1": shipment.reference,
        "externalRef2": "",
        "services": delivery_options(shipment.options),
        "items": [
            item_body(parcel, index, kind=kind, satchel_size=satchel_size)
            for index, parcel in enumerate(shipment.parcels)
        ],
    }


# --- answers -----------------------------------------------------------------------------------


def rate_from(data: Any, *, service_code: str, service_name: str, currency: str) -> Rate:
    """§5 quote ``data``: ``total`` includes the tax."""
    if not isinstance(data, Mapping):
        raise ValueError("a quote answer without data")
    total = decimal_or_none(data.get("total"))
    tax = decimal_or_none(data.get("tax")) or Decimal("0")
    if total is None:
        price = decimal_or_none(data.get("price")) or Decimal("0")
        total = price + tax
    return Rate(
        service_code=service_code,
        service_name=service_name,
        price_inc_tax=total,
        tax=tax,
        currency=currency,
    )


def consignment_items(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = data.get("items")
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def created_from(
    data: Any,
    *,
    reference: str = "",
    parcels: Sequence[Parcel] = (),
    currency: str = "AUD",
) -> CreatedShipment:
    """§6 consignment ``data`` (the create answer, or ``GET /api/consignments/{conId}``).
    Each item's ``label`` is its parcel's tracking number; the items come back in the order
    they were sent, so our parcel references are matched by the item's ``reference``, else by
    position."""
    if not isinstance(data, Mapping) or data.get("conId") in (None, ""):
        raise ValueError("a consignment answer without its conId")
    ours = {parcel.reference for parcel in parcels}
    created: list[CreatedParcel] = []
    for index, item in enumerate(consignment_items(data)):
        label = text(item.get("label"))
        if not label:
            continue
        their_reference = text(item.get("reference"))
        if their_reference in ours or not parcels:
            parcel_reference = their_reference
        elif index < len(parcels):
            parcel_reference = parcels[index].reference
        else:
            parcel_reference = their_reference
        created.append(
            CreatedParcel(
                reference=parcel_reference, carrier_parcel_id=label, tracking_number=label
            )
        )
    total = decimal_or_none(data.get("total"))
    return CreatedShipment(
        carrier=CARRIER_CODE,
        reference=text(data.get("externalRef1")) or reference,
        carrier_shipment_id=text(data.get("conId")),
        tracking_numbers=tuple(parcel.tracking_number for parcel in created),
        parcels=tuple(created),
        cost=total,
        currency=currency,
    )


def listed_consignment_id(rows: Iterable[Any], reference: str) -> str | None:
    """The newest consignment of a §6 list page whose ``externalRef1`` is our reference."""
    found = [
        row
        for row in rows
        if isinstance(row, Mapping)
        and text(row.get("externalRef1")) == reference
        and text(row.get("conId"))
    ]
    if not found:
        return None
    newest = max(found, key=lambda row: _sortable_id(row.get("conId")))
    return text(newest.get("conId"))


def _sortable_id(value: Any) -> tuple[int, str]:
    raw = text(value)
    return (int(raw), raw) if raw.isdigit() else (-1, raw)


def deleted_reason_id(reasons: Any) -> str | None:
    """The reason to give for a cancel (§6 ``deleted-reasons``: ``[{id, description}]``): one
    that says the consignment is no longer wanted, else the first."""
    if not isinstance(reasons, list):
        return None
    usable = [
        reason
        for reason in reasons
        if isinstance(reason, Mapping) and text(_reason_id(reason)) != ""
    ]
    if not usable:
        return None
    for words in ("no longer", "not required", "cancel", "changed", "customer"):
        for reason in usable:
            if words in text(reason.get("description")).lower():
                return text(_reason_id(reason))
    return text(_reason_id(usable[0]))


def _reason_id(reason: Mapping[str, Any]) -> Any:
    for key in ("id", "deleteReasonId", "deletedReasonId", "reasonId"):
        if reason.get(key) not in (None, ""):
            return reason.get(key)
    return None


# --- tracking ----------------------------------------------------------------------------------


def scan_status(scan_type: str, description: str) -> TrackingStatus:
    """§8: by the scan type first, then by the description's words. A transit scan whose words
    say more (out for delivery, card left) takes the words' status."""
    by_type = SCAN_TYPES.get(scan_type.strip().upper())
    if by_type is not None and by_type != TrackingStatus.IN_TRANSIT:
        return by_type
    by_words = description_status(description)
    if by_words is not None and (by_type is None or by_words != TrackingStatus.INFO_RECEIVED):
        return by_words
    return by_type or TrackingStatus.UNKNOWN


def description_status(description: str) -> TrackingStatus | None:
    lowered = description.lower()
    for words, status in DESCRIPTION_WORDS:
        if any(word in lowered for word in words):
            return status
    return None


def scanned_at(value: Any, local: tzinfo) -> datetime | None:
    """``scannedDateTime`` as an aware time: the franchise's local time when it carries no
    offset (§8's samples carry none)."""
    raw = text(value)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=local)


def event_from(scan: Mapping[str, Any], local: tzinfo) -> TrackingEvent | None:
    at = scanned_at(scan.get("scannedDateTime"), local)
    if at is None:
        return None
    scan_type = text(scan.get("scanType"))
    description = text(scan.get("description")) or text(scan.get("scanTypeDescription"))
    name, code = text(scan.get("franchiseName")), text(scan.get("franchiseCode"))
    return TrackingEvent(
        at=at,
        description=description or scan_type,
        location=name or code,
        raw_code=scan_type,
        status=scan_status(scan_type, description),
    )


def tracking_result_from(number: str, data: Any, local: tzinfo) -> TrackingResult:
    """§8 ``data``: the label's scans, oldest first; the last is the current state. A label
    with no scan yet is known to myFastway (information received)."""
    scans = [scan for scan in data if isinstance(scan, Mapping)] if isinstance(data, list) else []
    events = [event for event in (event_from(scan, local) for scan in scans) if event is not None]
    events.sort(key=lambda event: event.at)  # stable: the carrier's order holds on equal times
    if not events:
        if not LABEL_NUMBER.match(number):
            return unknown_label(number, "not a myFastway label number")
        return TrackingResult(tracking_number=number, status=TrackingStatus.INFO_RECEIVED)
    return TrackingResult(tracking_number=number, status=events[-1].status, events=tuple(events))


def unknown_label(number: str, words: str) -> TrackingResult:
    return TrackingResult(
        tracking_number=number,
        status=TrackingStatus.UNKNOWN,
        error=words or "myFastway does not know this label number",
    )
