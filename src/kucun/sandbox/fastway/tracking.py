"""Scans of a label (fastway.md §8), oldest first: a timeline from the consignment's creation on
the emulator clock, and scans the control plane adds (``__emu/scans``). A label never scanned
answers ``data: []``, and so does a deleted consignment's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kucun.sandbox.fastway import state
from kucun.sandbox.fastway.store import local_stamp
from kucun.sandbox.models import EmulatorRecord


@dataclass(frozen=True)
class Step:
    after: timedelta
    scan_type: str
    type_description: str
    description: str  # may name {origin} or {destination}
    at_destination: bool
    status: str
    courier_no: str = ""


# The doc's letters are P (pickup), T (transit/depot) and D (delivered); it says others exist.
# "O" for a parcel on board for delivery is the emulator's guess at one of them: its
# description carries the words an adapter maps by when it does not know the letter.
TIMELINE = (
    Step(timedelta(hours=6), "P", "Pickup", "Parcel picked up", False, "Picked up", "123"),
    Step(
        timedelta(hours=24),
        "T",
        "Transit",
        "In transit - departed {origin} depot",
        False,
        "In transit",
    ),
    Step(
        timedelta(hours=30),
        "T",
        "Transit",
        "In transit - arrived at {destination} depot",
        True,
        "In transit",
    ),
    Step(
        timedelta(hours=48),
        "O",
        "On board for delivery",
        "Out for delivery - on board with courier",
        True,
        "Out for delivery",
        "456",
    ),
    Step(timedelta(hours=60), "D", "Delivered", "Delivered", True, "Delivered", "456"),
)
DELIVERED_WORDS = {"ATL": "Delivered - Authority to leave", "SGR": "Delivered - Signature obtained"}


def timeline_scans(
    label: str, record: EmulatorRecord, now: datetime
) -> list[tuple[datetime, dict[str, Any]]]:
    stored = record.data
    origin_code, origin_name = stored["origin"]
    destination_code, destination_name = stored["destination"]
    scans = []
    for step in TIMELINE:
        at = record.created_at + step.after
        if at > now:
            break
        description = step.description.format(origin=origin_name, destination=destination_name)
        if step.scan_type == "D":
            description = DELIVERED_WORDS.get(stored.get("deliveryOption", ""), description)
        code, name = (
            (destination_code, destination_name)
            if step.at_destination
            else (origin_code, origin_name)
        )
        scans.append(
            (
                at,
                {
                    "labelNo": label,
                    "scanType": step.scan_type,
                    "scanTypeDescription": step.type_description,
                    "description": description,
                    "scannedDateTime": local_stamp(at),
                    "franchiseCode": code,
                    "franchiseName": name,
                    "courierNo": step.courier_no,
                    "status": step.status,
                },
            )
        )
    return scans


def added_scans(label: str, now: datetime) -> list[tuple[datetime, dict[str, Any]]]:
    found = EmulatorRecord.objects.filter(
        system=state.emulator.system, collection=state.SCAN, key__startswith=f"{label}:"
    )
    scans = []
    for record in found:
        at = datetime.fromisoformat(record.data["at"])
        if at <= now:
            scans.append((at, {**record.data["scan"], "scannedDateTime": local_stamp(at)}))
    return scans


def label_scans(label: str, record: EmulatorRecord) -> list[dict[str, Any]]:
    """The label's scans up to now on the emulator clock, oldest first."""
    if record.data["deleted"]:
        return []
    now = state.emulator.now()
    scans = timeline_scans(label, record, now) + added_scans(label, now)
    return [scan for _at, scan in sorted(scans, key=lambda pair: pair[0])]


def scan_add(owner: str, label: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """A scan the control plane adds (a card left, a return…): ``scanType``,
    ``scanTypeDescription``, ``description``, optional ``franchiseCode``/``franchiseName``/
    ``courierNo``/``status`` and ``at`` (ISO time; default now on the emulator clock)."""
    now = state.emulator.now()
    at = datetime.fromisoformat(str(spec["at"])) if spec.get("at") else now
    if at.tzinfo is None:
        raise ValueError("at needs an offset (e.g. +10:00 or Z)")
    scan = {
        "labelNo": label,
        "scanType": str(spec["scanType"]),
        "scanTypeDescription": str(spec.get("scanTypeDescription") or ""),
        "description": str(spec.get("description") or ""),
        "franchiseCode": str(spec.get("franchiseCode") or ""),
        "franchiseName": str(spec.get("franchiseName") or ""),
        "courierNo": str(spec.get("courierNo") or ""),
        "status": str(spec.get("status") or spec.get("scanTypeDescription") or ""),
    }
    count = state.emulator.records(owner, state.SCAN).filter(key__startswith=f"{label}:").count()
    state.emulator.put(
        owner, state.SCAN, f"{label}:{count + 1:04d}", {"scan": scan, "at": at.isoformat()}
    )
    return {**scan, "scannedDateTime": local_stamp(at)}
