"""Tracking (auspost.md §7): a timeline from each shipment's creation on the emulator clock.

Information received at creation; received for processing after 6 h; in-transit scans after
24 h and 30 h; on board for delivery after 48 h; delivered after 60 h (left in a safe place
when the item had authority to leave). Events newest first, with ``+10:00`` offsets.
Cancelled (deleted) shipments are not trackable: ``ESB-10001``, as an unknown id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from kucun.sandbox.auspost import errors
from kucun.sandbox.auspost.shipments import live_shipment
from kucun.sandbox.auspost.state import ARTICLE, aest, emulator, product

# The state capitals where the network's facilities scan parcels in transit.
CAPITALS = {
    "ACT": "CANBERRA",
    "NSW": "SYDNEY",
    "NT": "DARWIN",
    "QLD": "BRISBANE",
    "SA": "ADELAIDE",
    "TAS": "HOBART",
    "VIC": "MELBOURNE",
    "WA": "PERTH",
}
CREATED = "Created"
IN_TRANSIT = "In transit"
ON_BOARD = "On Board for Delivery"
DELIVERED = "Delivered"


def place(address: Mapping[str, Any]) -> str:
    return f"{str(address.get('suburb', '')).upper()} {str(address.get('state', '')).upper()}"


def facility(address: Mapping[str, Any]) -> str:
    state = str(address.get("state", "")).upper()
    return f"{CAPITALS.get(state, state)} {state}".strip()


def timeline(
    shipment: Mapping[str, Any], item: Mapping[str, Any]
) -> list[tuple[float, str, str, str]]:
    """(hours after creation, status, description, location), oldest first."""
    sender, receiver = shipment.get("from") or {}, shipment.get("to") or {}
    delivered = (
        "Delivered - Left in a safe place" if item.get("authority_to_leave") else "Delivered"
    )
    return [
        (0, CREATED, "Shipment information received", place(sender)),
        (6, IN_TRANSIT, "Received and ready for processing", facility(sender)),
        (24, IN_TRANSIT, "In transit to next facility", facility(sender)),
        (30, IN_TRANSIT, "Processed through facility", facility(receiver)),
        (48, ON_BOARD, "On Board for Delivery", place(receiver)),
        (60, DELIVERED, delivered, place(receiver)),
    ]


def trackable_item(shipment: Mapping[str, Any], item: Mapping[str, Any], now: datetime) -> dict:
    created = datetime.fromisoformat(shipment["shipment_creation_date"])
    happened = [
        (created + timedelta(hours=hours), status, description, location)
        for hours, status, description, location in timeline(shipment, item)
        if created + timedelta(hours=hours) <= now
    ]
    status = happened[-1][1] if happened else CREATED
    return {
        "article_id": item["tracking_details"]["article_id"],
        "product_type": product(item["product_id"]).group,
        "events": [
            {"location": location, "description": description, "date": aest(moment)}
            for moment, _status, description, location in reversed(happened)
        ],
        "status": status,
    }


def tracking_results(account_number: str, tracking_ids: Sequence[str]) -> list[dict[str, Any]]:
    """One result per id, in the order asked (an article or a consignment id)."""
    keys = emulator.records(account_number, ARTICLE).filter(key__in=list(tracking_ids))
    index = {record.key: record.data for record in keys}
    now = emulator.now()
    return [
        tracking_result(account_number, tracking_id, index.get(tracking_id), now)
        for tracking_id in tracking_ids
    ]


def tracking_result(
    account_number: str, tracking_id: str, key: Mapping[str, Any] | None, now: datetime
) -> dict[str, Any]:
    shipment = live_shipment(account_number, key["shipment_id"]) if key else None
    if shipment is None or key is None:
        entry = errors.entry(
            errors.INVALID_TRACKING_ID, f"{tracking_id} is not a valid tracking ID."
        )
        return {"tracking_id": tracking_id, "errors": [{k: entry[k] for k in ("code", "name")}]}
    items = [
        trackable_item(shipment, item, now)
        for item in shipment["items"]
        if item["tracking_details"]["article_id"] in key["article_ids"]
    ]
    return {"tracking_id": tracking_id, "status": items[0]["status"], "trackable_items": items}
