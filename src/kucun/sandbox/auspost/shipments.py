"""Shipments and orders (manifests) of an account (auspost.md §4, §6): creation with the
duplicate-reference rule, the vendor's view of a shipment, cancellation, and orders that seal
their shipments for good.

A stored shipment is the vendor's JSON plus three fields of the emulator's own
(``INTERNAL``): ``status`` (``created`` | ``cancelled`` | ``manifested``, as the control plane
reports it), ``consignment_id`` and ``order_id``."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from kucun.sandbox.auspost import errors, pricing
from kucun.sandbox.auspost.state import (
    ARTICLE,
    ORDER,
    SHIPMENT,
    aest,
    emulator,
    next_number,
)
from kucun.sandbox.models import EmulatorRecord

CREATED = "created"
CANCELLED = "cancelled"
MANIFESTED = "manifested"
INTERNAL = ("status", "consignment_id", "order_id")

# The vendor's own item statuses as a shipment moves on (auspost.md §7's seen values).
VENDOR_CREATED = "Created"
VENDOR_LABELLED = "Initiated"
VENDOR_SEALED = "Sealed"

ITEM_FIELDS = (
    "item_reference",
    "item_description",
    "length",
    "width",
    "height",
    "weight",
    "authority_to_leave",
    "allow_partial_delivery",
    "contains_dangerous_goods",
    "features",
)
SHIPMENT_FIELDS = (
    "shipment_reference",
    "customer_reference_1",
    "customer_reference_2",
    "sender_references",
    "email_tracking_enabled",
    "from",
    "to",
)


class Refused(Exception):
    """A request the vendor refuses: the status and the envelope's entries."""

    def __init__(self, status: int, entries: list[dict[str, Any]]) -> None:
        super().__init__(entries[0]["message"] if entries else "refused")
        self.status = status
        self.entries = entries


def opaque_id() -> str:
    """24 characters like ``9lesEAOvOm4AAAFI3swaDRYB``."""
    return secrets.token_urlsafe(18)


def live_shipments(account_number: str) -> QuerySet[EmulatorRecord]:
    return emulator.records(account_number, SHIPMENT).exclude(data__status=CANCELLED)


# -- creation -----------------------------------------------------------------------------
def duplicate_problems(account_number: str, shipments: Sequence[Any]) -> list[dict[str, Any]]:
    """A ``shipment_reference`` already used by a live shipment of the account, or twice in
    this request, is refused (unique per merchant, auspost.md §4)."""
    problems, seen = [], set()
    for index, shipment in enumerate(shipments):
        reference = shipment.get("shipment_reference")
        if not reference:
            continue
        taken = live_shipments(account_number).filter(data__shipment_reference=reference)
        if reference in seen or taken.exists():
            message = f"A shipment with shipment_reference {reference} already exists."
            field = f"shipments[{index}].shipment_reference"
            problems.append(errors.entry(errors.DUPLICATE_REFERENCE, message, field))
        seen.add(reference)
    return problems


def consignment_id(account: Mapping[str, Any]) -> str:
    """The account's prefix and a 7-digit sequence, like ``ABC000128``."""
    number = next_number(account["account_number"], "consignment")
    return f"{account['consignment_prefix']}{number:07d}"


def article_id(consignment: str, item_number: int) -> str:
    """``<consignment><item number><check>``, like ``ABC000128B4C5``."""
    base = f"{consignment}{item_number:02d}"
    check = hashlib.sha256(base.encode()).hexdigest()[:2].upper()
    return f"{base}{check}"


def new_item(spec: Mapping[str, Any], consignment: str, item_number: int, postcode: str) -> dict:
    article = article_id(consignment, item_number)
    item = {name: spec[name] for name in ITEM_FIELDS if name in spec}
    item.update(
        {
            "item_id": opaque_id(),
            "product_id": spec["product_id"],
            "tracking_details": {
                "article_id": article,
                "consignment_id": consignment,
                "barcode_id": f"019931265099999891{article}|4200{postcode}",
            },
        }
    )
    item["item_summary"] = pricing.item_summary(item, VENDOR_CREATED)
    return item


def new_shipment(account: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    consignment = consignment_id(account)
    created = aest(emulator.now())
    postcode = str(spec["to"].get("postcode", ""))
    items = [
        new_item(item, consignment, number, postcode)
        for number, item in enumerate(spec["items"], start=1)
    ]
    shipment = {name: spec[name] for name in SHIPMENT_FIELDS if name in spec}
    shipment.update(
        {
            "shipment_id": opaque_id(),
            "shipment_creation_date": created,
            "shipment_modified_date": created,
            "items": items,
            "shipment_summary": pricing.shipment_summary(items, VENDOR_CREATED),
            "movement_type": spec.get("movement_type") or "DESPATCH",
            "charge_to_account": account["account_number"],
            "status": CREATED,
            "consignment_id": consignment,
            "order_id": None,
        }
    )
    return shipment


def shipments_create(account: Mapping[str, Any], specs: Sequence[Mapping[str, Any]]) -> list:
    """Store the (validated) shipments; all or none, and none when a reference is taken."""
    number = account["account_number"]
    with transaction.atomic():
        duplicates = duplicate_problems(number, specs)
        if duplicates:
            raise Refused(400, duplicates)
        created = [new_shipment(account, spec) for spec in specs]
        for shipment in created:
            emulator.put(number, SHIPMENT, shipment["shipment_id"], shipment)
            emulator.put_many(number, ARTICLE, tracking_keys(shipment))
    return created


def tracking_keys(shipment: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """What ``track`` looks ids up by: each article id, and the consignment id (all of the
    shipment's articles)."""
    articles = [item["tracking_details"]["article_id"] for item in shipment["items"]]
    found = {"shipment_id": shipment["shipment_id"]}
    keys = [(article, {**found, "article_ids": [article]}) for article in articles]
    keys.append((shipment["consignment_id"], {**found, "article_ids": articles}))
    return keys


def shipment_quote(spec: Mapping[str, Any]) -> dict[str, Any]:
    """``prices/shipments``: the shipment as it would be billed, nothing stored."""
    items = [
        {
            **{name: item[name] for name in ITEM_FIELDS if name in item},
            "product_id": item["product_id"],
            "item_summary": pricing.item_summary(item, VENDOR_CREATED),
        }
        for item in spec["items"]
    ]
    quoted = {name: spec[name] for name in SHIPMENT_FIELDS if name in spec}
    quoted.update(
        {"items": items, "shipment_summary": pricing.shipment_summary(items, VENDOR_CREATED)}
    )
    quoted["shipment_summary"].pop("tracking_summary")
    quoted["shipment_summary"].pop("status")
    return quoted


# -- the vendor's view ----------------------------------------------------------------------
def vendor_view(shipment: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in shipment.items() if name not in INTERNAL}


def live_shipment(account_number: str, shipment_id: str) -> dict[str, Any] | None:
    found = emulator.get(account_number, SHIPMENT, shipment_id)
    return None if found is None or found["status"] == CANCELLED else found


def vendor_status_set(shipment: dict[str, Any], vendor_status: str) -> None:
    for item in shipment["items"]:
        item["item_summary"]["status"] = vendor_status
    summary = shipment["shipment_summary"]
    summary["status"] = vendor_status
    summary["tracking_summary"] = {vendor_status: len(shipment["items"])}
    shipment["shipment_modified_date"] = aest(emulator.now())


def shipments_labelled(account_number: str, shipment_ids: Sequence[str]) -> None:
    """A label was printed: Created items become Initiated."""
    for shipment_id in shipment_ids:
        shipment = live_shipment(account_number, shipment_id)
        if shipment is not None and shipment["status"] == CREATED:
            vendor_status_set(shipment, VENDOR_LABELLED)
            emulator.put(account_number, SHIPMENT, shipment_id, shipment)


def shipments_page(
    account_number: str, *, reference: str | None, offset: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    found = live_shipments(account_number).order_by("id")
    if reference is not None:
        found = found.filter(data__shipment_reference=reference)
    total = found.count()
    rows = found.values_list("data", flat=True)[offset : offset + size]
    return [vendor_view(data) for data in rows], total


# -- items update -------------------------------------------------------------------------
def item_updated(item: dict[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """The item with the given fields replaced; its ids and tracking details stay."""
    kept = {name: item[name] for name in ("item_id", "tracking_details")}
    status = item["item_summary"]["status"]
    updated = {name: spec[name] for name in ITEM_FIELDS if name in spec}
    updated.update({**kept, "product_id": spec["product_id"]})
    updated["item_summary"] = pricing.item_summary(updated, status)
    return updated


def shipment_items_put(
    account_number: str, shipment_id: str, specs: Sequence[Mapping[str, Any]], *, max_items: int
) -> dict[str, Any]:
    """``PUT shipments/{id}/items``: items naming an ``item_id`` are updated, the others added
    with new article ids; refused once the shipment is in an order."""
    with transaction.atomic():
        shipment = live_shipment(account_number, shipment_id)
        if shipment is None:
            raise Refused(404, [not_found(shipment_id)])
        if shipment["status"] == MANIFESTED:
            message = (
                f"Shipment {shipment_id} is in order {shipment['order_id']} and can no longer "
                "be changed or deleted."
            )
            raise Refused(400, [errors.entry(errors.SHIPMENT_IN_ORDER, message, "shipment_id")])
        by_id = {item["item_id"]: index for index, item in enumerate(shipment["items"])}
        problems = [
            errors.entry(
                errors.FIELD_INVALID,
                f"Item {spec['item_id']} is not an item of shipment {shipment_id}.",
                f"items[{index}].item_id",
            )
            for index, spec in enumerate(specs)
            if spec.get("item_id") and spec["item_id"] not in by_id
        ]
        if problems:
            raise Refused(400, problems)
        items = list(shipment["items"])
        postcode = str((shipment.get("to") or {}).get("postcode", ""))
        for spec in specs:
            if spec.get("item_id"):
                position = by_id[spec["item_id"]]
                items[position] = item_updated(items[position], spec)
            else:
                items.append(new_item(spec, shipment["consignment_id"], len(items) + 1, postcode))
        if len(items) > max_items:
            message = (
                f"A shipment holds at most {max_items} items; this one would have {len(items)}."
            )
            raise Refused(400, [errors.entry(errors.TOO_MANY_ITEMS, message, "items")])
        status = shipment["shipment_summary"]["status"]
        shipment["items"] = items
        shipment["shipment_summary"] = pricing.shipment_summary(items, status)
        statuses = [item["item_summary"]["status"] for item in items]
        shipment["shipment_summary"]["tracking_summary"] = {
            found: statuses.count(found) for found in dict.fromkeys(statuses)
        }
        shipment["shipment_modified_date"] = aest(emulator.now())
        emulator.put(account_number, SHIPMENT, shipment_id, shipment)
        for key, data in tracking_keys(shipment):
            emulator.put(account_number, ARTICLE, key, data)
    return shipment


# -- cancellation -------------------------------------------------------------------------
def shipment_cancel(account_number: str, shipment_id: str) -> None:
    """``DELETE shipments/{id}``: gone for the vendor; kept here as ``cancelled``."""
    with transaction.atomic():
        shipment = live_shipment(account_number, shipment_id)
        if shipment is None:
            raise Refused(404, [not_found(shipment_id)])
        if shipment["status"] == MANIFESTED:
            message = (
                f"Shipment {shipment_id} is in order {shipment['order_id']} and can no longer "
                "be changed or deleted."
            )
            raise Refused(400, [errors.entry(errors.SHIPMENT_IN_ORDER, message, "shipment_id")])
        shipment["status"] = CANCELLED
        emulator.put(account_number, SHIPMENT, shipment_id, shipment)


def not_found(shipment_id: str, field: str = "shipment_id") -> dict[str, Any]:
    message = f"Shipment {shipment_id} was not found."
    return errors.entry(errors.SHIPMENT_NOT_FOUND, message, field)


# -- orders -------------------------------------------------------------------------------
def order_reference_problems(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    reference = body.get("order_reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 50):
        message = "order_reference must be text of at most 50 characters."
        return [errors.entry(errors.FIELD_TOO_LONG, message, "order_reference")]
    return []


def shipments_for_order(account_number: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The live, unsealed shipments a ``PUT orders`` body names; refused otherwise."""
    listed = body.get("shipments")
    if not isinstance(listed, list) or not listed:
        message = "shipments needs at least one {shipment_id}."
        raise Refused(400, [errors.entry(errors.FIELD_REQUIRED, message, "shipments")])
    problems, found = order_reference_problems(body), []
    for index, entry in enumerate(listed):
        field = f"shipments[{index}].shipment_id"
        shipment_id = str(entry.get("shipment_id", "")) if isinstance(entry, Mapping) else ""
        shipment = live_shipment(account_number, shipment_id) if shipment_id else None
        if shipment is None:
            problems.append(not_found(shipment_id, field))
        elif shipment["status"] == MANIFESTED:
            message = f"Shipment {shipment_id} is already in order {shipment['order_id']}."
            problems.append(errors.entry(errors.SHIPMENT_IN_ORDER, message, field))
        else:
            found.append(shipment)
    if problems:
        raise Refused(400, problems)
    return found


def order_create(
    account_number: str, body: Mapping[str, Any], shipments: list[dict[str, Any]]
) -> dict[str, Any]:
    """Seal the shipments into a new order; they can no longer change."""
    order_id = f"AP{next_number(account_number, 'order'):010d}"
    for shipment in shipments:
        shipment["status"] = MANIFESTED
        shipment["order_id"] = order_id
        vendor_status_set(shipment, VENDOR_SEALED)
        emulator.put(account_number, SHIPMENT, shipment["shipment_id"], shipment)
    order = {
        "order_id": order_id,
        "order_reference": body.get("order_reference") or order_id,
        "order_creation_date": aest(emulator.now()),
        "payment_method": body.get("payment_method") or "CHARGE_TO_ACCOUNT",
        "shipment_ids": [shipment["shipment_id"] for shipment in shipments],
    }
    emulator.put(account_number, ORDER, order_id, order)
    return order


def order_view(account_number: str, order: Mapping[str, Any]) -> dict[str, Any]:
    """An order as the vendor answers it: its summary and its (sealed) shipments."""
    shipments = [
        emulator.get(account_number, SHIPMENT, shipment_id) or {}
        for shipment_id in order["shipment_ids"]
    ]
    items = [item for shipment in shipments for item in shipment.get("items", [])]
    summaries = [shipment["shipment_summary"] for shipment in shipments]
    ex_gst = sum((Decimal(str(summary["total_cost_ex_gst"])) for summary in summaries), Decimal(0))
    methods: dict[str, int] = {}
    for item in items:
        methods[item["product_id"]] = methods.get(item["product_id"], 0) + 1
    summary = {
        **pricing.costs(ex_gst),
        "status": VENDOR_LABELLED,
        "tracking_summary": {VENDOR_SEALED: len(items)},
        "number_of_shipments": len(shipments),
        "number_of_items": len(items),
        "dangerous_goods_included": any(item.get("contains_dangerous_goods") for item in items),
        "total_weight": round(sum(float(item.get("weight") or 0) for item in items), 3),
        "shipping_methods": methods,
    }
    return {
        "order": {
            "order_id": order["order_id"],
            "order_reference": order["order_reference"],
            "order_creation_date": order["order_creation_date"],
            "order_summary": summary,
            "shipments": [vendor_view(shipment) for shipment in shipments],
            "payment_method": order["payment_method"],
        }
    }
