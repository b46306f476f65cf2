"""Label requests (auspost.md §5): one-step (``wait_for_label_url: true``) answers AVAILABLE
with the URL at once; two-step answers PENDING, and ``GET labels/{request_id}`` keeps answering
PENDING for ``label_polls`` polls (a setting, default 1) before AVAILABLE. The URL is a file on
the emulator host: a PDF with a page per item, each holding its article id.

The doc leaves open whether the download needs the Basic auth header; the emulator serves it
without, the request id being the secret of a time-limited link. Any ``preferences`` are
accepted; the file is always a PDF."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction

from kucun.sandbox.auspost import errors
from kucun.sandbox.auspost.shipments import (
    MANIFESTED,
    Refused,
    live_shipment,
    not_found,
    shipments_labelled,
)
from kucun.sandbox.auspost.state import LABEL, SHIPMENT, aest, emulator, product, setting
from kucun.sandbox.models import EmulatorRecord
from kucun.sandbox.pdf import LabelPage, label_pdf

PENDING = "PENDING"
AVAILABLE = "AVAILABLE"

UrlFor = Callable[[str], str]  # request id → the label file's absolute URL


def requested_items(
    account_number: str, index: int, entry: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One ``shipments[]`` entry of a label request: the shipment id and its item ids
    (every item when ``items`` is left out), or the problems with it."""
    field = f"shipments[{index}]"
    shipment_id = str(entry.get("shipment_id", "")) if isinstance(entry, Mapping) else ""
    shipment = live_shipment(account_number, shipment_id) if shipment_id else None
    if shipment is None:
        return {}, [not_found(shipment_id, f"{field}.shipment_id")]
    if shipment["status"] == MANIFESTED:
        message = f"Shipment {shipment_id} is in an order: its labels can no longer be printed."
        return {}, [errors.entry(errors.SHIPMENT_IN_ORDER, message, f"{field}.shipment_id")]
    known = [item["item_id"] for item in shipment["items"]]
    asked = entry.get("items")
    if not asked:
        return {"shipment_id": shipment_id, "items": [{"item_id": i} for i in known]}, []
    problems, chosen = [], []
    for number, item in enumerate(asked if isinstance(asked, list) else [asked]):
        item_id = str(item.get("item_id", "")) if isinstance(item, Mapping) else ""
        if item_id not in known:
            message = f"Item {item_id} is not an item of shipment {shipment_id}."
            item_field = f"{field}.items[{number}].item_id"
            problems.append(errors.entry(errors.FIELD_INVALID, message, item_field))
        else:
            chosen.append({"item_id": item_id})
    return {"shipment_id": shipment_id, "items": chosen}, problems


def label_request_create(account_number: str, body: Any) -> dict[str, Any]:
    """Store a label request; refused when a shipment is unknown, sealed or not its items'."""
    listed = body.get("shipments") if isinstance(body, Mapping) else None
    if not isinstance(listed, list) or not listed:
        message = "shipments needs at least one {shipment_id}."
        raise Refused(400, [errors.entry(errors.FIELD_REQUIRED, message, "shipments")])
    chosen, problems = [], []
    for index, entry in enumerate(listed):
        shipment, found = requested_items(account_number, index, entry)
        problems += found
        if shipment:
            chosen.append(shipment)
    if problems:
        raise Refused(400, problems)
    waited = bool(body.get("wait_for_label_url", False))
    now = aest(emulator.now())
    request_id = secrets.token_hex(16)
    label: dict[str, Any] = {
        "request_id": request_id,
        "status": AVAILABLE if waited else PENDING,
        "polls_left": 0 if waited else setting("label_polls"),
        "request_date": now,
        "url_creation_date": now if waited else None,
        "preferences": body.get("preferences") or [],
        "shipments": chosen,
    }
    with transaction.atomic():
        emulator.put(account_number, LABEL, request_id, label)
        if waited:
            shipments_labelled(account_number, [entry["shipment_id"] for entry in chosen])
    return label


def label_poll(account_number: str, request_id: str) -> dict[str, Any] | None:
    """``GET labels/{request_id}``: one poll nearer to AVAILABLE."""
    with transaction.atomic():
        label = emulator.get(account_number, LABEL, request_id)
        if label is None or label["status"] == AVAILABLE:
            return label
        if label["polls_left"] > 0:
            label["polls_left"] -= 1
        else:
            label["status"] = AVAILABLE
            label["url_creation_date"] = aest(emulator.now())
            shipments_labelled(
                account_number, [entry["shipment_id"] for entry in label["shipments"]]
            )
        emulator.put(account_number, LABEL, request_id, label)
    return label


def label_view(label: Mapping[str, Any], url_for: UrlFor) -> dict[str, Any]:
    view: dict[str, Any] = {
        "request_id": label["request_id"],
        "status": label["status"],
        "request_date": label["request_date"],
        "shipments": [{**entry, "options": {}} for entry in label["shipments"]],
        "shipment_ids": [entry["shipment_id"] for entry in label["shipments"]],
    }
    if label["status"] == AVAILABLE:
        view["url"] = url_for(label["request_id"])
        view["url_creation_date"] = label["url_creation_date"]
    return view


def address_lines(address: Mapping[str, Any]) -> list[str]:
    lines = [str(address.get("name", ""))]
    if address.get("business_name"):
        lines.append(str(address["business_name"]))
    lines += [str(line) for line in address.get("lines") or []]
    lines.append(
        " ".join(str(address.get(name, "")) for name in ("suburb", "state", "postcode")).strip()
    )
    return lines


def label_file(request_id: str) -> bytes | None:
    """The PDF behind an AVAILABLE label's URL: a page per requested item."""
    record = EmulatorRecord.objects.filter(
        system=emulator.system, collection=LABEL, key=request_id
    ).first()
    if record is None or record.data["status"] != AVAILABLE:
        return None
    pages = []
    for entry in record.data["shipments"]:
        shipment = emulator.get(record.account, SHIPMENT, entry["shipment_id"]) or {}
        wanted = {item["item_id"] for item in entry["items"]}
        for item in shipment.get("items", []):
            if item["item_id"] in wanted:
                pages.append(label_page(shipment, item))
    return label_pdf(pages)


def label_page(shipment: Mapping[str, Any], item: Mapping[str, Any]) -> LabelPage:
    return LabelPage(
        carrier="Australia Post",
        tracking_number=item["tracking_details"]["article_id"],
        service=product(item["product_id"]).group,
        sender=address_lines(shipment.get("from") or {}),
        receiver=address_lines(shipment.get("to") or {}),
        reference=str(
            shipment.get("shipment_reference") or shipment.get("customer_reference_1") or ""
        ),
    )
