"""Consignments as myFastway takes them (fastway.md §4–§6): the request read case-insensitively
and checked field by field, the receiver's address validated against the locality table,
deterministic prices, label numbers per piece, and the duplicate ``externalRef1`` refused."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from kucun.sandbox.fastway.localities import Locality, verdict

TAX_RATE = Decimal("0.10")  # GST
PARCEL_BASE = Decimal("7.50")
PARCEL_PER_KG = Decimal("1.00")
CUBIC_DIVISOR = Decimal("4000")  # cm³ per kg: 250 kg a cubic metre
MAX_DEAD_WEIGHT = Decimal("25")
MAX_SIDE_CM = Decimal("120")
# fastway.md §6: satchel sizes are unverified beyond A4; the emulator takes the usual four.
SATCHEL_PRICES = {
    "A5": Decimal("7.50"),
    "A4": Decimal("9.50"),
    "A3": Decimal("11.50"),
    "A2": Decimal("14.50"),
}
# Delivery options (``DELOPT``): id, description and price per consignment.
DELIVERY_OPTIONS = {
    "ATL": (1, "Authority to leave", Decimal("0")),
    "SGR": (2, "Signature required", Decimal("3.00")),
}
PACKAGE_TYPES = {"P": "Parcel", "S": "Satchel"}
MAX_QUANTITY = 99
MAX_REFERENCE = 50  # the vendor notes give no limit: the emulator's guess
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ApiError:
    """One entry of the 400 envelope ``{"errors": [{code, message, suggestedValues}]}``. A field
    error's code is the field's path as the request names it (``items[0].weightDead``)."""

    code: str
    message: str
    suggested_values: tuple[str, ...] = ()

    def wire(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "suggestedValues": list(self.suggested_values),
        }


class Refused(Exception):
    """A request myFastway refuses: the HTTP status and its errors."""

    def __init__(self, status: int, errors: Sequence[ApiError]) -> None:
        super().__init__(", ".join(error.message for error in errors))
        self.status = status
        self.errors = list(errors)


def money(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def with_tax(price: Decimal) -> tuple[Decimal, Decimal]:
    tax = (price * TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
    return tax, price + tax


def folded(value: Any) -> Any:
    """Request JSON is case-insensitive (fastway.md §2): every key in lower case."""
    if isinstance(value, dict):
        return {str(key).lower(): folded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [folded(item) for item in value]
    return value


def text(source: Mapping[str, Any], name: str) -> str:
    value = source.get(name.lower())
    return "" if value is None else str(value).strip()


# -- addresses ----------------------------------------------------------------------------
ADDRESS_FIELDS = ("streetAddress", "locality", "stateOrProvince", "postalCode", "country")


def address_id(street: str, locality: Locality) -> int:
    digest = hashlib.sha256(f"{street.upper()}|{locality.suggestion()}".encode()).hexdigest()
    return int(digest[:7], 16)


def address_check(
    address: Any, table: Sequence[Locality], prefix: str = ""
) -> tuple[dict[str, Any] | None, Locality | None, list[ApiError]]:
    """The normalised address (with ``lat``, ``lng`` and ids) and its locality, or the errors
    naming the fields at fault (``suggestedValues`` holding the localities that might be meant)."""
    if not isinstance(address, dict):
        name = prefix.rstrip(".") or "address"
        return None, None, [ApiError(name, f"{name} is required.")]
    errors = [
        ApiError(f"{prefix}{name}", f"{prefix}{name} is required.")
        for name in ADDRESS_FIELDS
        if not text(address, name)
    ]
    country = text(address, "country").upper()
    if country and country != "AU":
        errors.append(
            ApiError(
                f"{prefix}country",
                f"Country '{country}' is not serviced by this API.",
                ("AU",),
            )
        )
    if errors:
        return None, None, errors
    found = verdict(
        table,
        locality=text(address, "locality"),
        state=text(address, "stateOrProvince"),
        postcode=text(address, "postalCode"),
    )
    if found.found is None:
        suggestions = tuple(row.suggestion() for row in found.suggestions)
        return None, None, [ApiError(f"{prefix}{found.field}", found.message, suggestions)]
    row, street = found.found, text(address, "streetAddress")
    normalised = {
        "addressId": address_id(street, row),
        "localityId": row.locality_id,
        "streetAddress": street,
        "additionalDetails": text(address, "additionalDetails"),
        "locality": row.locality,
        "stateOrProvince": row.state,
        "postalCode": row.postcode,
        "country": "AU",
        "lat": row.lat,
        "lng": row.lng,
    }
    return normalised, row, []


# -- the request --------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemLine:
    quantity: int
    reference: str
    package_type: str
    satchel_size: str = ""
    weight_dead: Decimal = Decimal("0")
    length: Decimal = Decimal("0")
    width: Decimal = Decimal("0")
    height: Decimal = Decimal("0")

    @property
    def weight_cubic(self) -> Decimal:
        return self.length * self.width * self.height / CUBIC_DIVISOR

    @property
    def product_type(self) -> str:
        if self.package_type == "S":
            return f"Satchel {self.satchel_size}"
        return "Parcel"

    def unit_price(self) -> Decimal:
        if self.package_type == "S":
            return SATCHEL_PRICES[self.satchel_size]
        chargeable = max(self.weight_dead, self.weight_cubic).to_integral_value(ROUND_CEILING)
        return PARCEL_BASE + PARCEL_PER_KG * max(chargeable, Decimal(1))


@dataclass(frozen=True)
class Draft:
    """A consignment request that passed every check."""

    to: dict[str, Any]
    destination: Locality
    items: tuple[ItemLine, ...]
    delivery_option: str = ""
    external_ref1: str = ""
    external_ref2: str = ""
    instructions_public: str = ""
    instructions_private: str = ""
    sender: dict[str, Any] | None = None  # a reseller's own ``from``


def decimal_field(
    item: Mapping[str, Any], name: str, prefix: str
) -> tuple[Decimal, ApiError | None]:
    raw = item.get(name.lower())
    code = f"{prefix}{name}"
    if raw is None or raw == "" or isinstance(raw, bool):
        return Decimal(0), ApiError(code, f"{code} is required for a parcel.")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return Decimal(0), ApiError(code, f"{code} must be a number.")
    if not value.is_finite() or value <= 0:
        return Decimal(0), ApiError(code, f"{code} must be greater than 0.")
    return value, None


def read_item(item: Any, index: int, allowed: set[str]) -> tuple[ItemLine | None, list[ApiError]]:
    prefix = f"items[{index}]."
    if not isinstance(item, dict):
        return None, [ApiError(f"items[{index}]", f"items[{index}] must be an object.")]
    for refused in ("myitemid", "myitemcode"):
        if item.get(refused) not in (None, ""):
            code = prefix + ("myItemId" if refused == "myitemid" else "myItemCode")
            return None, [ApiError(code, f"{code}: no saved item matches.")]
    if item.get("label") not in (None, ""):
        raise Refused(
            403,
            [ApiError(f"{prefix}label", "This account does not use assigned labels.")],
        )
    errors: list[ApiError] = []
    quantity = item.get("quantity")
    if (
        not isinstance(quantity, int)
        or isinstance(quantity, bool)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        errors.append(
            ApiError(
                f"{prefix}quantity",
                f"{prefix}quantity must be a whole number from 1 to {MAX_QUANTITY}.",
            )
        )
        quantity = 1
    package_type = text(item, "packageType").upper()
    if package_type not in PACKAGE_TYPES:
        errors.append(
            ApiError(
                f"{prefix}packageType",
                f"{prefix}packageType must be P (parcel) or S (satchel).",
                tuple(PACKAGE_TYPES),
            )
        )
        return None, errors
    if package_type not in allowed:
        raise Refused(
            403,
            [
                ApiError(
                    f"{prefix}packageType",
                    f"{PACKAGE_TYPES[package_type]} is not permitted for this account.",
                    tuple(sorted(allowed)),
                )
            ],
        )
    reference = text(item, "reference")
    if package_type == "S":
        size = text(item, "satchelSize").upper()
        if size not in SATCHEL_PRICES:
            errors.append(
                ApiError(
                    f"{prefix}satchelSize",
                    f"{prefix}satchelSize '{size}' is not a satchel size.",
                    tuple(SATCHEL_PRICES),
                )
            )
        return (None if errors else ItemLine(quantity, reference, "S", size)), errors
    sizes = {}
    for name in ("weightDead", "length", "width", "height"):
        value, error = decimal_field(item, name, prefix)
        if error is not None:
            errors.append(error)
        sizes[name] = value
    if sizes["weightDead"] > MAX_DEAD_WEIGHT:
        errors.append(
            ApiError(
                f"{prefix}weightDead", f"{prefix}weightDead must be {MAX_DEAD_WEIGHT} kg or less."
            )
        )
    for name in ("length", "width", "height"):
        if sizes[name] > MAX_SIDE_CM:
            errors.append(
                ApiError(f"{prefix}{name}", f"{prefix}{name} must be {MAX_SIDE_CM} cm or less.")
            )
    if errors:
        return None, errors
    line = ItemLine(
        quantity,
        reference,
        "P",
        "",
        sizes["weightDead"],
        sizes["length"],
        sizes["width"],
        sizes["height"],
    )
    return line, []


def read_services(services: Any) -> tuple[str, list[ApiError]]:
    """The delivery option (``DELOPT`` with ``ATL`` or ``SGR``), at most one."""
    if services in (None, []):
        return "", []
    if not isinstance(services, list):
        return "", [ApiError("services", "services must be a list.")]
    chosen: list[str] = []
    for index, service in enumerate(services):
        prefix = f"services[{index}]."
        service = service if isinstance(service, dict) else {}
        code, item_code = (
            text(service, "serviceCode").upper(),
            text(service, "serviceItemCode").upper(),
        )
        if code != "DELOPT":
            return "", [
                ApiError(f"{prefix}serviceCode", f"Service '{code}' is not known.", ("DELOPT",))
            ]
        if item_code not in DELIVERY_OPTIONS:
            return "", [
                ApiError(
                    f"{prefix}serviceItemCode",
                    f"Delivery option '{item_code}' is not known.",
                    tuple(DELIVERY_OPTIONS),
                )
            ]
        chosen.append(item_code)
    if len(set(chosen)) > 1:
        return "", [
            ApiError("services", "Choose one delivery option: ATL or SGR.", tuple(DELIVERY_OPTIONS))
        ]
    return chosen[0], []


def read_contact(
    contact: Any, table: Sequence[Locality], name: str = "to"
) -> tuple[dict[str, Any] | None, Locality | None, list[ApiError]]:
    """The receiver (``to``) or a reseller's sender (``from``) with its validated address."""
    if not isinstance(contact, dict):
        return None, None, [ApiError(name, f"{name} is required (or {name}ContactId).")]
    errors = []
    if not text(contact, "contactName") and not text(contact, "businessName"):
        errors.append(
            ApiError(
                f"{name}.contactName", f"{name}.contactName or {name}.businessName is required."
            )
        )
    address, locality, address_errors = address_check(
        contact.get("address"), table, f"{name}.address."
    )
    errors.extend(address_errors)
    if errors or address is None:
        return None, None, errors
    found = {
        "contactName": text(contact, "contactName"),
        "businessName": text(contact, "businessName"),
        "phoneNumber": text(contact, "phoneNumber"),
        "email": text(contact, "email"),
        "address": address,
    }
    return found, locality, []


def reseller_sender(
    body: Mapping[str, Any], *, reseller: bool, table: Sequence[Locality]
) -> tuple[dict[str, Any] | None, list[ApiError]]:
    """fastway.md §6: ``from`` and ``conTypeId`` are for resellers (and returns) only; any other
    account is refused with 403. A reseller's ``from`` is validated as ``to`` is."""
    given = body.get("from") not in (None, {}) or body.get("contypeid") not in (None, 0)
    if not given:
        return None, []
    if not reseller:
        raise Refused(403, [ApiError("from", "Only reseller accounts may set from or conTypeId.")])
    if body.get("from") in (None, {}):
        return None, [ApiError("from", "from is required with conTypeId.")]
    sender, _locality, errors = read_contact(body.get("from"), table, "from")
    return sender, errors


def draft_read(
    body: Any, *, package_types: set[str], table: Sequence[Locality], reseller: bool = False
) -> Draft:
    """The request as a Draft, or Refused: 400 naming every field at fault, 403 for what the
    account may not do (resellers' ``from``/``conTypeId``, assigned labels, a product the
    account lacks)."""
    if not isinstance(body, dict):
        raise Refused(400, [ApiError("body", "A consignment (a JSON object) is required.")])
    body = folded(body)
    sender, sender_errors = reseller_sender(body, reseller=reseller, table=table)
    if body.get("tocontactid") not in (None, 0, ""):
        raise Refused(
            400, [ApiError("toContactId", f"Contact {body['tocontactid']} was not found.")]
        )
    errors: list[ApiError] = list(sender_errors)
    to, destination, contact_errors = read_contact(body.get("to"), table)
    errors.extend(contact_errors)
    items = body.get("items")
    lines: list[ItemLine] = []
    if not isinstance(items, list) or not items:
        errors.append(ApiError("items", "items must hold at least one item."))
    else:
        for index, item in enumerate(items):
            line, item_errors = read_item(item, index, package_types)
            errors.extend(item_errors)
            if line is not None:
                lines.append(line)
    option, service_errors = read_services(body.get("services"))
    errors.extend(service_errors)
    errors.extend(
        ApiError(name, f"{name} must have {MAX_REFERENCE} characters or fewer.")
        for name in ("externalRef1", "externalRef2")
        if len(text(body, name)) > MAX_REFERENCE
    )
    if errors or to is None or destination is None:
        raise Refused(400, errors)
    return Draft(
        to=to,
        destination=destination,
        sender=sender,
        items=tuple(lines),
        delivery_option=option,
        external_ref1=text(body, "externalRef1"),
        external_ref2=text(body, "externalRef2"),
        instructions_public=text(body, "instructionsPublic"),
        instructions_private=text(body, "instructionsPrivate"),
    )


# -- prices -------------------------------------------------------------------------------
def quote(draft: Draft) -> dict[str, Any]:
    """``POST consignments/quote``'s ``data``: what consigning this would cost."""
    lines = []
    price = Decimal(0)
    for line in draft.items:
        line_price = line.unit_price() * line.quantity
        price += line_price
        lines.append(
            {
                "productType": line.product_type,
                "description": line.reference or line.product_type,
                "quantity": line.quantity,
                "price": money(line_price),
                "total": money(with_tax(line_price)[1]),
            }
        )
    if draft.delivery_option:
        _id, description, option_price = DELIVERY_OPTIONS[draft.delivery_option]
        price += option_price
        lines.append(
            {
                "productType": "DELOPT",
                "description": description,
                "quantity": 1,
                "price": money(option_price),
                "total": money(with_tax(option_price)[1]),
            }
        )
    tax, total = with_tax(price)
    return {"price": money(price), "tax": money(tax), "total": money(total), "items": lines}


def consignment_document(
    draft: Draft,
    *,
    con_id: int,
    labels: Sequence[str],
    sender: Mapping[str, Any],
    created_on: str,
) -> dict[str, Any]:
    """The consignment as ``GET consignments/{conId}`` answers it: one item per piece, each with
    its own label number, and the delivery option among ``services``."""
    pieces = [line for line in draft.items for _piece in range(line.quantity)]
    items = []
    price = Decimal(0)
    for number, (line, label) in enumerate(zip(pieces, labels, strict=True), start=1):
        unit = line.unit_price()
        price += unit
        tax, total = with_tax(unit)
        items.append(
            {
                "conItemId": number,
                "label": label,
                "quantity": 1,
                "reference": line.reference,
                "packageType": line.package_type,
                "weightDead": float(line.weight_dead),
                "weightCubic": money(line.weight_cubic),
                "length": float(line.length),
                "width": float(line.width),
                "height": float(line.height),
                "price": money(unit),
                "tax": money(tax),
                "total": money(total),
                "services": [],
                # A parcel's item carries no satchelSize (fastway.md §6's answer).
                **({"satchelSize": line.satchel_size} if line.package_type == "S" else {}),
            }
        )
    services = []
    if draft.delivery_option:
        item_id, description, option_price = DELIVERY_OPTIONS[draft.delivery_option]
        price += option_price
        tax, total = with_tax(option_price)
        services.append(
            {
                "serviceItemId": item_id,
                "serviceCode": "DELOPT",
                "serviceItemCode": draft.delivery_option,
                "serviceDescription": description,
                "price": money(option_price),
                "tax": money(tax),
                "total": money(total),
            }
        )
    tax, total = with_tax(price)
    return {
        "conId": con_id,
        "price": money(price),
        "tax": money(tax),
        "total": money(total),
        "createdOn": created_on,
        "instructionsPublic": draft.instructions_public,
        "instructionsPrivate": draft.instructions_private,
        "externalRef1": draft.external_ref1,
        "externalRef2": draft.external_ref2,
        "from": dict(draft.sender or sender),
        "to": draft.to,
        "items": items,
        "services": services,
    }


def piece_count(draft: Draft) -> int:
    return sum(line.quantity for line in draft.items)


def list_row(consignment: Mapping[str, Any]) -> dict[str, Any]:
    """A consignment as the list and ``pending`` calls answer it (fastway.md §6)."""
    to = consignment["to"]
    address = to["address"]
    return {
        "conId": consignment["conId"],
        "toBusinessName": to["businessName"],
        "toContactName": to["contactName"],
        "toStreetAddress": address["streetAddress"],
        "toAdditionalDetails": address["additionalDetails"],
        "toLocality": address["locality"],
        "toStateOrProvince": address["stateOrProvince"],
        "toPostalCode": address["postalCode"],
        "price": consignment["price"],
        "tax": consignment["tax"],
        "total": consignment["total"],
        "totalInvoiced": consignment["total"],
        "createdOn": consignment["createdOn"],
        "itemCount": len(consignment["items"]),
        "externalRef1": consignment["externalRef1"],
        "externalRef2": consignment["externalRef2"],
    }
