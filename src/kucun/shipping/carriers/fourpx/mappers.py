"""Our canonical shipping types ↔ 4PX Open Platform JSON (integrations/fourpx.md §3–§8).

Pure functions on plain data: the request bodies of ``ds.xms.*`` and ``tr.order.tracking.get``,
the gateway's envelope, and the answers read back into CreatedShipment, Rate, ServiceInfo and
TrackingResult. Weights go out as whole grams (rounded up, never under), sizes in centimetres.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from kucun.shipping.carriers.base import (
    Address,
    CreatedParcel,
    CreatedShipment,
    FieldProblem,
    Parcel,
    ParcelContent,
    Rate,
    ServiceInfo,
    ShipmentRequest,
    TrackingEvent,
    TrackingResult,
    TrackingStatus,
)

CARRIER_CODE = "fourpx"
SUCCESS = "1"
PARTIAL_SUCCESS = "2"
DEFAULT_LABEL_SIZE = "label_100x150"
DEFAULT_DELIVER_TYPE = "1"  # 4PX picks the parcels up from the sender
DEFAULT_DUTY_TYPE = "U"  # DDU: the receiver pays duties
QUOTE_CURRENCY = "CNY"  # estimated_cost fees are in renminbi (fourpx.md §5)
# 4PX writes tracking times without a zone ("2025-05-03 10:12:00"); read as China Standard Time,
# the gateway's home zone (the doc does not say: unverified).
TRACKING_TIME_ZONE = timezone(timedelta(hours=8), "CST")

# Gateway error codes (fourpx.md §3).
AUTHENTICATION_CODES = frozenset({"000012", "000013", "000014", "000018", "000021"})
THROTTLE_CODES = frozenset({"000017", "DS000006"})
GATEWAY_TIMEOUT = "000020"
GATEWAY_UNAVAILABLE_CODES = frozenset({"000015", GATEWAY_TIMEOUT, "000024"})
# Business error codes of ds.xms.* (fourpx.md §3).
IN_PROCESSING = "DS000007"  # the ref_no is in flight: a duplicate
CANNOT_CANCEL = "DS000014"
ORDER_NOT_FOUND = "DS000017"
LABEL_NOT_READY = "DS000046"


# --- the envelope --------------------------------------------------------------------------


@dataclass(frozen=True)
class GatewayError:
    """One entry of ``errors[]``: its code, 4PX's words, the reference it concerns (usually our
    ref_no or the request_no) and ``error_data`` as 4PX sent it."""

    code: str
    message: str
    reference: str = ""
    data: Any = None


@dataclass(frozen=True)
class Envelope:
    result: str
    message: str
    errors: tuple[GatewayError, ...]
    data: Any

    @property
    def succeeded(self) -> bool:
        return self.result == SUCCESS

    def codes(self) -> set[str]:
        return {error.code for error in self.errors}

    def has(self, *codes: str) -> bool:
        return bool(self.codes() & set(codes))

    def words(self) -> str:
        """4PX's own words: each error as "code: message", else the envelope's ``msg``."""
        found = [f"{error.code}: {error.message}".strip(": ") for error in self.errors]
        return "; ".join(found) or self.message or f"4PX answered result {self.result!r}"


def envelope_from_json(payload: Any) -> Envelope:
    """Read ``{result, msg, errors, data}``; ``data`` sent as a JSON string is decoded."""
    if not isinstance(payload, Mapping):
        raise ValueError("the 4PX answer is not a JSON object")
    data = payload.get("data")
    if isinstance(data, str) and data.strip()[:1] in ("{", "["):
        data = json.loads(data)
    return Envelope(
        result=str(payload.get("result", "")),
        message=str(payload.get("msg") or ""),
        errors=tuple(gateway_error(entry) for entry in payload.get("errors") or ()),
        data=data,
    )


def gateway_error(entry: Any) -> GatewayError:
    if not isinstance(entry, Mapping):
        return GatewayError(code="", message=str(entry))
    # Some methods send camel-case duplicates (errorCode, errorMsg) beside the snake-case ones.
    code = entry.get("error_code") or entry.get("errorCode") or ""
    message = entry.get("error_msg") or entry.get("errorMsg") or ""
    reference = entry.get("reference_code") or entry.get("referenceCode") or ""
    data = entry.get("error_data", entry.get("errorData"))
    return GatewayError(str(code), str(message), str(reference), data)


def throttle_codes_in(payload: Any) -> bool:
    """Whether an answer is 4PX's throttle signal (``000017``, ``DS000006``) in a 200."""
    try:
        return envelope_from_json(payload).has(*THROTTLE_CODES)
    except (ValueError, TypeError):
        return False


def field_problems(envelope: Envelope) -> tuple[FieldProblem, ...]:
    """One FieldProblem per 4PX error; the field is what ``error_data`` names, when it does."""
    return tuple(
        FieldProblem(field=problem_field(error), message=error.message, code=error.code)
        for error in envelope.errors
    )


def problem_field(error: GatewayError) -> str:
    data = error.data
    if isinstance(data, str):
        return data
    if isinstance(data, Mapping):
        for key in ("field", "field_name", "param", "name"):
            if data.get(key):
                return str(data[key])
    return ""


# --- units ---------------------------------------------------------------------------------


def grams(kilograms: Decimal) -> int:
    """Whole grams, rounded up: 4PX bills on weight, so a declared weight never falls short."""
    return int((kilograms * 1000).to_integral_value(rounding=ROUND_CEILING))


def number(value: Decimal) -> int | float:
    """A JSON number: an integer when whole, else a float of two decimals at most."""
    if value == value.to_integral_value():
        return int(value)
    return float(value.quantize(Decimal("0.01")))


# --- create --------------------------------------------------------------------------------


def split_name(name: str) -> tuple[str, str]:
    """("Ann", "Lee") from "Ann Lee"; a single word is the first name."""
    first, _, last = name.strip().partition(" ")
    return first, last.strip()


def address_body(address: Address) -> dict[str, Any]:
    first_name, last_name = split_name(address.name)
    return {
        "first_name": first_name,
        "last_name": last_name,
        "company": address.company,
        "phone": address.phone,
        "email": address.email,
        "post_code": address.postcode,
        "country": address.country.upper(),
        "state": address.state,
        "city": address.suburb,
        "street": ", ".join(line for line in address.lines if line),
    }


def product_body(content: ParcelContent, currency: str) -> dict[str, Any]:
    return {
        "sku_code": content.sku,
        "product_name": content.description,
        "product_description": content.description,
        "product_unit_price": number(content.unit_value),
        "currency": currency,
        "qty": content.quantity,
    }


def declaration_body(content: ParcelContent, currency: str) -> dict[str, Any]:
    declared: dict[str, Any] = {
        "declare_product_name_cn": content.description,
        "declare_product_name_en": content.description,
        "declare_product_code_qty": content.quantity,
        "declare_unit_price_export": number(content.unit_value),
        "currency_export": currency,
        "declare_unit_price_import": number(content.unit_value),
        "currency_import": currency,
        "unit_net_weight": grams(content.unit_weight_kg),
    }
    if content.country_of_origin:
        declared["origin_country"] = content.country_of_origin
    if content.tariff_code:
        declared["hscode_export"] = content.tariff_code
        declared["hscode_import"] = content.tariff_code
    return declared


def parcel_contents(parcel: Parcel) -> tuple[ParcelContent, ...]:
    """The parcel's SKUs, or one line for the parcel itself when none were given: 4PX declares
    every parcel's goods."""
    if parcel.contents:
        return parcel.contents
    return (
        ParcelContent(
            sku="",
            description=parcel.description or "Goods",
            quantity=1,
            unit_value=parcel.value,
            unit_weight_kg=parcel.weight_kg,
        ),
    )


def parcel_body(parcel: Parcel, currency: str, dangerous_goods: bool) -> dict[str, Any]:
    contents = parcel_contents(parcel)
    body: dict[str, Any] = {"weight": grams(parcel.weight_kg)}
    for name, size in (
        ("length", parcel.length_cm),
        ("width", parcel.width_cm),
        ("height", parcel.height_cm),
    ):
        if size is not None:
            body[name] = number(size)
    body.update(
        {
            "parcel_value": number(parcel.value),
            "currency": currency,
            "include_battery": "Y" if dangerous_goods else "N",
            "product_list": [product_body(content, currency) for content in contents],
            "declare_product_info": [declaration_body(content, currency) for content in contents],
        }
    )
    return body


def deliver_type_body(options: Mapping[str, str], sender: Address) -> dict[str, Any]:
    """How the parcels reach 4PX: picked up from the sender (``1``, the default), by courier to
    a 4PX warehouse (``2``), self-sent (``3``) or dropped at a store (``5``)."""
    deliver_type = options.get("deliver_type") or DEFAULT_DELIVER_TYPE
    body: dict[str, Any] = {"deliver_type": deliver_type}
    if options.get("warehouse_code"):
        body["warehouse_code"] = options["warehouse_code"]
    if deliver_type == "1":
        body["pick_up_info"] = {"pick_up_address_info": address_body(sender)}
    return body


def label_size(shipment_size: str, options: Mapping[str, str]) -> str:
    return shipment_size or options.get("label_size") or DEFAULT_LABEL_SIZE


def create_body(shipment: ShipmentRequest, options: Mapping[str, str]) -> dict[str, Any]:
    """The ``ds.xms.order.create`` body (fourpx.md §6); ``ref_no`` is our reference."""
    currency = shipment.currency
    body: dict[str, Any] = {
        "ref_no": shipment.reference,
        "business_type": "BDS",
        "duty_type": options.get("duty_type") or DEFAULT_DUTY_TYPE,
        "cargo_type": "5",
        "logistics_service_info": {
            "logistics_product_code": shipment.service_code,
            "customs_service": "N",
            "signature_service": "Y" if shipment.options.signature else "N",
            "value_added_services": "",
        },
        "parcel_qty": len(shipment.parcels),
        "parcel_list": [
            parcel_body(parcel, currency, shipment.options.dangerous_goods)
            for parcel in shipment.parcels
        ],
        "is_insure": "N",
        "sender": address_body(shipment.sender),
        "recipient_info": address_body(shipment.receiver),
        "deliver_type_info": deliver_type_body(options, shipment.sender),
        "label_config_info": {
            "label_size": label_size(shipment.label_size, options),
            "response_label_format": "PDF",
            "create_logistics_label": "Y",
            "create_package_label": "N",
        },
    }
    insured = shipment.options.insurance_value
    if insured:
        body["is_insure"] = "Y"
        body["insurance_info"] = {"insure_value": number(insured), "currency": currency}
    return body


# --- created consignments --------------------------------------------------------------------


def last_mile(name: Any, number: Any) -> str:
    """ "DHL 900900010237": the destination carrier that delivers and its own number, either of
    which may still be empty."""
    return " ".join(str(part).strip() for part in (name, number) if part and str(part).strip())


def parcel_numbers(data: Mapping[str, Any], count: int) -> tuple[str, ...]:
    """One tracking number per parcel. A 4PX consignment has one ``4px_tracking_no`` for all its
    parcels; where an answer lists per-parcel numbers (``parcel_list[].4px_tracking_no`` or
    ``child_label_barcode``) those are used instead."""
    listed = [
        str(entry.get("4px_tracking_no") or entry.get("tracking_no") or "")
        for entry in data.get("parcel_list") or ()
        if isinstance(entry, Mapping)
    ]
    if len(listed) == count and all(listed):
        return tuple(listed)
    children = [str(child) for child in data.get("child_label_barcode") or () if child]
    if len(children) == count:
        return tuple(children)
    return (str(data.get("4px_tracking_no") or ""),) * count


def created_from_create(
    data: Mapping[str, Any], shipment: ShipmentRequest, currency: str
) -> CreatedShipment:
    """What ``ds.xms.order.create`` answered (fourpx.md §6)."""
    numbers = parcel_numbers(data, len(shipment.parcels))
    references = [parcel.reference for parcel in shipment.parcels]
    return created_shipment(
        data, str(data.get("ref_no") or shipment.reference), numbers, references, currency
    )


def created_shipment(
    info: Mapping[str, Any],
    reference: str,
    numbers: Sequence[str],
    parcel_references: Sequence[str],
    currency: str,
) -> CreatedShipment:
    tracking_number = str(info.get("4px_tracking_no") or "")
    return CreatedShipment(
        carrier=CARRIER_CODE,
        reference=reference,
        carrier_shipment_id=str(info.get("ds_consignment_no") or ""),
        tracking_numbers=tuple(numbers),
        parcels=tuple(
            CreatedParcel(
                reference=parcel_reference,
                carrier_parcel_id=str(index),
                tracking_number=parcel_number,
            )
            for index, (parcel_reference, parcel_number) in enumerate(
                zip(parcel_references, numbers, strict=True), start=1
            )
        ),
        consignment_number=tracking_number,
        label_ref=tracking_number or reference,
        currency=currency,
        last_mile_carrier=last_mile(
            info.get("logistics_channel_name"), info.get("logistics_channel_no")
        ),
    )


def with_parcel_numbers(created: CreatedShipment, entry: Mapping[str, Any]) -> CreatedShipment:
    """The created consignment with the per-parcel numbers (child barcodes) a lookup gave,
    when it gave one for each parcel; as it was otherwise."""
    info = entry.get("consignment_info") or {}
    count = len(created.tracking_numbers)
    numbers = parcel_numbers({**info, "parcel_list": entry.get("parcel_list") or ()}, count)
    if len(set(numbers)) != count:
        return created
    parcels = tuple(
        replace(parcel, tracking_number=parcel_number)
        for parcel, parcel_number in zip(created.parcels, numbers, strict=True)
    )
    return replace(created, tracking_numbers=numbers, parcels=parcels)


def order_entries(data: Any) -> list[Mapping[str, Any]]:
    """``ds.xms.order.get``'s ``data[]`` (a single object is taken as a list of one)."""
    if isinstance(data, Mapping):
        data = [data]
    return [entry for entry in data or () if isinstance(entry, Mapping)]


def parcel_count(entry: Mapping[str, Any]) -> int:
    confirmed = entry.get("parcel_confirm_info") or {}
    if not isinstance(confirmed, Mapping):
        return 1
    try:
        quantity = int(str(confirmed.get("confirm_parcel_qty") or "0"))
    except ValueError:
        quantity = 0
    listed = confirmed.get("parcel_list_confirm_info") or ()
    return max(quantity, len(listed), 1)


def created_from_order(entry: Mapping[str, Any], currency: str) -> CreatedShipment:
    """A consignment ``ds.xms.order.get`` found (fourpx.md §7). Our parcel references are not
    kept by 4PX: parcels are known by their index."""
    info = entry.get("consignment_info") or {}
    count = parcel_count(entry)
    listed = entry.get("parcel_list") or info.get("parcel_list")
    numbers = parcel_numbers({**info, "parcel_list": listed or ()}, count)
    return created_shipment(info, str(info.get("ref_no") or ""), numbers, [""] * count, currency)


def order_with_reference(data: Any, reference: str) -> Mapping[str, Any] | None:
    """The entry whose ``ref_no`` is ours: ``request_no`` also matches 4PX and last-mile
    numbers, which another consignment's reference could equal."""
    for entry in order_entries(data):
        info = entry.get("consignment_info") or {}
        if str(info.get("ref_no") or "") == reference:
            return entry
    return None


# --- services and quotes -----------------------------------------------------------------------


def product_list(data: Any) -> list[Mapping[str, Any]]:
    """The products of ``ds.xms.logistics_product.getlist`` (a list, or an object holding one)."""
    if isinstance(data, Mapping):
        data = next((value for value in data.values() if isinstance(value, list)), [])
    return [entry for entry in data or () if isinstance(entry, Mapping)]


def service_from_product(product: Mapping[str, Any]) -> ServiceInfo:
    code = str(product.get("logistics_product_code") or "")
    name = (
        product.get("logistics_product_name_en")
        or product.get("logistics_product_name")
        or product.get("logistics_product_name_cn")
        or code
    )
    return ServiceInfo(code=code, name=str(name))


def services_from_products(data: Any) -> tuple[ServiceInfo, ...]:
    found = (service_from_product(product) for product in product_list(data))
    return tuple(service for service in found if service.code)


def quote_body(shipment: ShipmentRequest) -> dict[str, Any]:
    """The ``ds.xms.estimated_cost.get`` body (fourpx.md §5, field names partly unverified):
    the whole shipment's weight; sizes only for a single parcel."""
    body: dict[str, Any] = {
        "country_code": shipment.receiver.country.upper(),
        "post_code": shipment.receiver.postcode,
        "weight": sum(grams(parcel.weight_kg) for parcel in shipment.parcels),
        "cargo_type": "5",
    }
    if len(shipment.parcels) == 1:
        [parcel] = shipment.parcels
        for name, size in (
            ("length", parcel.length_cm),
            ("width", parcel.width_cm),
            ("height", parcel.height_cm),
        ):
            if size is not None:
                body[name] = number(size)
    if shipment.service_code:
        body["logistics_product_code"] = [shipment.service_code]
    return body


FEE_FIELDS = ("lump_sum_fee", "total_fee", "total_amount", "estimated_fee")


def decimal_of(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def eta_days(value: Any) -> int | None:
    """Transit days from ``estimated_time`` ("5", "3-7", "7-12 days"): the longest."""
    figures = [int(found) for found in re.findall(r"\d+", str(value or ""))]
    return max(figures) if figures else None


def rate_from_estimate(entry: Mapping[str, Any], names: Mapping[str, str]) -> Rate | None:
    code = str(entry.get("logistics_product_code") or "")
    price = next(
        (found for found in (decimal_of(entry.get(name)) for name in FEE_FIELDS) if found),
        None,
    )
    if not code or price is None:
        return None
    name = entry.get("logistics_product_name_en") or entry.get("logistics_product_name")
    return Rate(
        service_code=code,
        service_name=str(name or names.get(code, code)),
        price_inc_tax=price,
        currency=str(entry.get("currency") or entry.get("currency_code") or QUOTE_CURRENCY),
        eta_days=eta_days(entry.get("estimated_time")),
    )


def rates_from_estimates(data: Any, names: Mapping[str, str]) -> list[Rate]:
    found = (rate_from_estimate(entry, names) for entry in product_list(data))
    return [rate for rate in found if rate is not None]


# --- labels ----------------------------------------------------------------------------------


def label_body(request_no: str, size: str) -> dict[str, Any]:
    """The ``ds.xms.label.get`` body (fourpx.md §8.1)."""
    return {
        "request_no": request_no,
        "label_size": size,
        "response_label_format": "PDF",
        "is_print_declaration_list": "N",
        "is_print_pick_info": "N",
        "is_print_merge": "N",
        "create_package_label": "N",
    }


def label_location(data: Any) -> str:
    """The logistics label's URL (or, from some products, the PDF itself in base64)."""
    if not isinstance(data, Mapping):
        return ""
    urls = data.get("label_url_info") or {}
    if not isinstance(urls, Mapping):
        return ""
    return str(urls.get("logistics_label") or "")


# --- tracking --------------------------------------------------------------------------------

# 4PX's event codes are not published (fourpx.md §8.2): the status is read from the words of
# each event, English or Chinese, the most specific first.
STATUS_WORDS: tuple[tuple[TrackingStatus, tuple[str, ...]], ...] = (
    (
        TrackingStatus.EXCEPTION,
        (
            "undeliverable",
            "not delivered",
            "delivery failed",
            "failed delivery",
            "delivery attempt",
            "attempted delivery",
            "exception",
            "held",
            "delay",
            "problem",
            "damaged",
            "lost",
            "refused",
            "异常",
            "扣关",
            "失败",
            "滞留",
        ),
    ),
    (TrackingStatus.RETURNED, ("return to sender", "returned", "退回", "退件", "退运")),
    (TrackingStatus.DELIVERED, ("delivered", "signed", "签收", "妥投", "已投递")),
    (
        TrackingStatus.OUT_FOR_DELIVERY,
        (
            "out for delivery",
            "with courier for delivery",
            "on vehicle for delivery",
            "派送",
            "派件",
        ),
    ),
    (
        TrackingStatus.INFO_RECEIVED,
        (
            "information received",
            "info received",
            "order created",
            "pre-alert",
            "shipment information",
            "electronic information",
            "预报",
            "已下单",
            "信息已收到",
        ),
    ),
    (
        TrackingStatus.IN_TRANSIT,
        (
            "picked up",
            "pick up",
            "collected",
            "received",
            "in transit",
            "transit",
            "arrived",
            "arrival",
            "depart",
            "customs",
            "processed",
            "processing",
            "sorting",
            "accepted",
            "handed over",
            "inbound",
            "outbound",
            "flight",
            "scan",
            "揽收",
            "到达",
            "离开",
            "转运",
            "清关",
            "运输",
            "入库",
            "出库",
            "发出",
        ),
    ),
)


def status_of_event(code: str, description: str) -> TrackingStatus:
    words = f"{code} {description}".lower()
    for status, keywords in STATUS_WORDS:
        if any(keyword in words for keyword in keywords):
            return status
    return TrackingStatus.UNKNOWN


def scan_zone(value: Any) -> tzinfo:
    """A scan's ``timeZone`` ("UTC+08:00", "+10:00") when 4PX names one, else China time."""
    found = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?", str(value or "").strip())
    if found is None:
        return TRACKING_TIME_ZONE
    sign, hours, minutes = found.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(-offset if sign == "-" else offset)


def event_time(value: Any, zone: tzinfo = TRACKING_TIME_ZONE) -> datetime:
    """``occurDatetime``: "2025-05-03 10:12:00" in ``zone`` (China time unless the scan names
    its own), an ISO time with its offset, or epoch milliseconds. ValueError when unreadable."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    text = str(value or "").strip()
    if text.endswith("Z"):
        text, zone = text.removesuffix("Z"), UTC
    parsed = datetime.fromisoformat(text.replace("T", " "))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def tracking_event(entry: Mapping[str, Any]) -> TrackingEvent:
    code = str(entry.get("businessLinkCode") or "")
    description = str(entry.get("trackingContent") or "")
    return TrackingEvent(
        at=event_time(entry.get("occurDatetime"), scan_zone(entry.get("timeZone"))),
        description=description or code,
        location=str(entry.get("occurLocation") or ""),
        raw_code=code,
        status=status_of_event(code, description),
    )


def overall_status(events: Sequence[TrackingEvent]) -> TrackingStatus:
    """The latest event's status that says something (events are oldest first)."""
    for event in reversed(events):
        if event.status != TrackingStatus.UNKNOWN:
            return event.status
    return TrackingStatus.UNKNOWN


def tracking_result(tracking_number: str, data: Any) -> TrackingResult:
    """``tr.order.tracking.get``'s ``data`` for one number, events oldest first."""
    entries = data.get("trackingList") if isinstance(data, Mapping) else None
    try:
        events = sorted(
            (tracking_event(entry) for entry in entries or () if isinstance(entry, Mapping)),
            key=lambda event: event.at,
        )
    except ValueError as unreadable:
        return tracking_refused(
            tracking_number, f"4PX sent a scan time not understood: {unreadable}"
        )
    return TrackingResult(
        tracking_number=tracking_number,
        status=overall_status(events),
        events=tuple(events),
    )


def tracking_refused(tracking_number: str, words: str) -> TrackingResult:
    return TrackingResult(tracking_number, TrackingStatus.UNKNOWN, error=words)


def epoch_milliseconds(moment: float) -> str:
    """The ``timestamp`` public parameter: epoch milliseconds of ``time.time()``."""
    return str(math.floor(moment * 1000))
