"""Direct-shipment consignments (fourpx.md §6, §7): ``ds.xms.order.create``, ``.get`` and
``.cancel``. A consignment's numbers are allocated at creation; a product whose last-mile
number comes late has an empty ``logistics_channel_no`` until the emulator clock reaches it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kucun.sandbox.fourpx import timeline
from kucun.sandbox.fourpx.state import (
    CONSIGNMENT,
    App,
    consignment_add,
    consignment_by_number,
    consignment_change,
    emulator,
    next_sequence,
    number_index,
    setting,
)
from kucun.sandbox.fourpx.validation import order_problems
from kucun.sandbox.fourpx.wire import Problem, Refused

WINDOW_LIMIT_MS = 7 * 24 * 3600 * 1000  # fourpx.md §7: a creation window of at most 7 days


def now_ts() -> float:
    return emulator.now().timestamp()


def address_lines(address: Mapping[str, Any]) -> list[str]:
    name = " ".join(str(address.get(part) or "") for part in ("first_name", "last_name")).strip()
    street = " ".join(str(address.get(part) or "") for part in ("house_number", "street")).strip()
    place = " ".join(
        str(address.get(part) or "") for part in ("city", "state", "post_code", "country")
    ).strip()
    return [line for line in (name, str(address.get("company") or ""), street, place) if line]


def place_of(address: Mapping[str, Any]) -> dict[str, str]:
    return {"city": str(address.get("city") or ""), "country": str(address.get("country") or "")}


def parcel_record(parcel: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "weight": int(parcel["weight"]),
        "length": str(parcel.get("length") or 0),
        "width": str(parcel.get("width") or 0),
        "height": str(parcel.get("height") or 0),
        "value": str(parcel.get("parcel_value") or 0),
        "currency": str(parcel.get("currency") or "USD"),
        "include_battery": str(parcel.get("include_battery") or "N"),
        "declarations": [
            {
                "name": str(line.get("declare_product_name_en") or ""),
                "qty": int(line.get("declare_product_code_qty") or 0),
                "unit_price": str(line.get("declare_unit_price_export") or 0),
                "currency": str(line.get("currency_export") or parcel.get("currency") or "USD"),
            }
            for line in parcel.get("declare_product_info") or []
        ],
    }


# -- ds.xms.order.create -------------------------------------------------------------------
def order_create(app: App, body: Mapping[str, Any]) -> dict[str, Any]:
    problems = order_problems(body, set(app.products))
    if problems:
        raise Refused(problems)
    ref_no = str(body["ref_no"])
    if emulator.get(app.app_key, CONSIGNMENT, ref_no) is not None:
        raise Refused.one("DS000007", f"Ref_no: {ref_no} already exists", ref_no)
    given_tracking_no = str(body.get("4px_tracking_no") or "")
    if given_tracking_no and number_index(app.app_key, given_tracking_no) is not None:
        raise Refused.one("DS000004", f"4px_tracking_no {given_tracking_no} is in use", ref_no)
    document = new_consignment(app, body, next_sequence())
    if not consignment_add(app.app_key, document, numbers_of(document)):
        raise Refused.one("DS000007", f"Ref_no: {ref_no} in processing", ref_no)
    return create_answer(document, now_ts())


def new_consignment(app: App, body: Mapping[str, Any], sequence: int) -> dict[str, Any]:
    """A consignment as the emulator keeps it (plain names; the wire names are made when it
    is answered)."""
    product = app.products[body["logistics_service_info"]["logistics_product_code"]]
    tracking_no = str(body.get("4px_tracking_no") or f"8009{sequence:08d}")
    parcels = [parcel_record(parcel) for parcel in body["parcel_list"]]
    created = now_ts()
    late = not product["channel_no_at_create"]
    return {
        "ref_no": str(body["ref_no"]),
        "ds_consignment_no": f"DS8009{sequence:08d}",
        "tracking_no": tracking_no,
        "label_barcode": str(body.get("label_barcode") or ""),
        "children": [f"{tracking_no}{index:02d}" for index in range(1, len(parcels) + 1)]
        if len(parcels) > 1
        else [],
        "channel_no": f"9009{sequence:08d}",
        "channel_name": product["logistics_channel_name"],
        "channel_visible_ts": created + setting("channel_no_after_seconds") if late else created,
        "product_code": product["logistics_product_code"],
        "product_name": product["logistics_product_name_en"],
        "duty_type": str(body.get("duty_type") or ""),
        "created_ts": created,
        "cancelled_ts": None,
        "cancel_reason": "",
        "origin": place_of(body["sender"]),
        "destination": place_of(body["recipient_info"]),
        "sender_lines": address_lines(body["sender"]),
        "receiver_lines": address_lines(body["recipient_info"]),
        "parcels": parcels,
        "label_calls": 0,
        "label_token": "",
    }


def numbers_of(document: Mapping[str, Any]) -> dict[str, float]:
    """Every number the consignment answers to, and from when."""
    created = float(document["created_ts"])
    numbers = {document["ds_consignment_no"]: created, document["tracking_no"]: created}
    numbers.update(dict.fromkeys(document["children"], created))
    numbers[document["channel_no"]] = float(document["channel_visible_ts"])
    return numbers


def channel_no(document: Mapping[str, Any], now: float) -> tuple[str, str]:
    """(number, carrier) of the last mile, both empty until 4PX has them."""
    if now < float(document["channel_visible_ts"]):
        return "", ""
    return document["channel_no"], document["channel_name"]


def create_answer(document: Mapping[str, Any], now: float) -> dict[str, Any]:
    number, name = channel_no(document, now)
    return {
        "ds_consignment_no": document["ds_consignment_no"],
        "4px_tracking_no": document["tracking_no"],
        "label_barcode": document["label_barcode"],
        "ref_no": document["ref_no"],
        "logistics_channel_name": name,
        "logistics_channel_no": number,
        "oda_result_sign": "N",
    }


# -- ds.xms.order.get ----------------------------------------------------------------------
def order_get(app: App, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    now = now_ts()
    request_no = body.get("request_no")
    if request_no not in (None, ""):
        found = consignment_by_number(app.app_key, str(request_no), at=now)
        if found is None:
            raise Refused.one("DS000017", str(request_no), str(request_no))
        return [order_answer(found, now)]
    start, end = window(body)
    status = str(body.get("consignment_status") or "ALL").upper()
    if status != "ALL" and status not in timeline.STATUSES:
        raise Refused.one("DS000004", f"consignment_status {status!r}")
    created_within = [
        record.data
        for record in emulator.records(app.app_key, CONSIGNMENT).order_by("created_at", "id")
        if start <= timeline.epoch_ms(float(record.data["created_ts"])) <= end
    ]
    return [
        order_answer(document, now)
        for document in created_within
        if status == "ALL" or timeline.status_at(document, now) == status
    ]


def epoch_ms_param(body: Mapping[str, Any], name: str, missing_code: str) -> int:
    value = body.get(name)
    if value is None or value == "":
        raise Refused.one(missing_code, name)
    if isinstance(value, bool) or not (
        isinstance(value, int) or (isinstance(value, str) and value.isdigit())
    ):
        raise Refused.one("DS000004", f"{name} must be epoch milliseconds, not {value!r}")
    return int(value)


def window(body: Mapping[str, Any]) -> tuple[int, int]:
    """The creation window in epoch ms, both ends inclusive, at most 7 days wide."""
    start = epoch_ms_param(body, "start_time_of_create_consignment", "DS000021")
    end = epoch_ms_param(body, "end_time_of_create_consignment", "DS000022")
    if end < start:
        raise Refused.one("DS000004", "end_time_of_create_consignment is before the start")
    if end - start > WINDOW_LIMIT_MS:
        raise Refused.one("DS000023")
    return start, end


def order_answer(document: Mapping[str, Any], now: float) -> dict[str, Any]:
    number, name = channel_no(document, now)
    weighed = timeline.milestone_ms(dict(document), now, timeline.INBOUND_AFTER) is not None
    parcels = document["parcels"]
    return {
        "consignment_info": {
            "ds_consignment_no": document["ds_consignment_no"],
            "4px_tracking_no": document["tracking_no"],
            "ref_no": document["ref_no"],
            "consignment_status": timeline.status_at(dict(document), now),
            "consignment_create_date": timeline.epoch_ms(float(document["created_ts"])),
            "4px_inbound_date": timeline.milestone_ms(dict(document), now, timeline.INBOUND_AFTER),
            "4px_outbound_date": timeline.milestone_ms(
                dict(document), now, timeline.OUTBOUND_AFTER
            ),
            "logistics_product_code": document["product_code"],
            "logistics_product_name": document["product_name"],
            "logistics_channel_name": name,
            "logistics_channel_no": number,
            "label_barcode": document["label_barcode"],
            "child_label_barcode": list(document["children"]),
            "oda_result_sign": "N",
            "has_check_oda": "N",
            "insure_status": "N",
            "insure_type": "",
            "is_hold_sign": "N",
        },
        "parcel_confirm_info": {
            "confirm_parcel_qty": str(len(parcels)),
            "confirm_parcel_weight": sum(parcel["weight"] for parcel in parcels) if weighed else 0,
            "parcel_list_confirm_info": [
                {
                    "confirm_weight": str(parcel["weight"]) if weighed else "0",
                    "confirm_length": parcel["length"] if weighed else "0",
                    "confirm_width": parcel["width"] if weighed else "0",
                    "confirm_high": parcel["height"] if weighed else "0",
                    "confirm_include_battery": parcel["include_battery"],
                    "confirm_battery_type": "",
                    "confirm_charge_weight": parcel["weight"] if weighed else 0,
                    "confirm_volume_weight": 0,
                    "currency_code": parcel["currency"],
                    "parcel_total_value_confirm": parcel["value"],
                }
                for parcel in parcels
            ],
        },
    }


# -- ds.xms.order.cancel -------------------------------------------------------------------
def order_cancel(app: App, body: Mapping[str, Any]) -> None:
    request_no = str(body.get("request_no") or "")
    if not request_no:
        raise Refused.one("DS000005", "request_no")
    if not str(body.get("cancel_reason") or ""):
        raise Refused.one("DS000016", "cancel_reason", request_no)
    now = now_ts()
    found = consignment_by_number(app.app_key, request_no, at=now)
    if found is None:
        raise Refused.one("DS000017", request_no, request_no)

    def cancel(document: dict[str, Any]) -> Problem | None:
        status = timeline.status_at(document, now)
        if status != timeline.FORECAST:
            return Problem("DS000014", f"{request_no} is in status {status}", request_no)
        document["cancelled_ts"] = now
        document["cancel_reason"] = str(body["cancel_reason"])[:128]
        return None

    problem = consignment_change(app.app_key, found["ref_no"], cancel)
    if problem is not None:
        raise Refused([problem])


# -- the control plane's view --------------------------------------------------------------
CONTRACT_STATUS = {"P": "created", "X": "cancelled"}  # handed over or later: "manifested"


def shipment_state(document: Mapping[str, Any], now: float) -> dict[str, Any]:
    status = timeline.status_at(dict(document), now)
    number, _name = channel_no(document, now)
    return {
        "reference": document["ref_no"],
        "id": document["ds_consignment_no"],
        "status": CONTRACT_STATUS.get(status, "manifested"),
        "tracking_numbers": list(document["children"]) or [document["tracking_no"]],
        "4px_tracking_no": document["tracking_no"],
        "logistics_channel_no": number,
        "consignment_status": status,
        "logistics_product_code": document["product_code"],
        "parcels": len(document["parcels"]),
        "label_calls": document["label_calls"],
        "created_ms": timeline.epoch_ms(float(document["created_ts"])),
    }


def shipments_state(app_key: str) -> list[dict[str, Any]]:
    now = now_ts()
    return [
        shipment_state(record.data, now)
        for record in emulator.records(app_key, CONSIGNMENT).order_by("created_at", "id")
    ]
