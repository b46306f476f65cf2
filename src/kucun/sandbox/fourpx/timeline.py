"""A consignment's life on the emulator clock, from its creation: its status (fourpx.md §7,
P forecast → V handed over → H in the 4PX warehouse → C outbound → F completed; X once
cancelled) and the scans ``tr.order.tracking.get`` answers with (§8.2), in 4PX's own
``businessLinkCode`` words. A cancelled consignment has no scans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

HOUR = 3600

# occurDatetime is written as 4PX writes it, local time without a zone; the emulator writes
# China Standard Time, 4PX's own, and says so in each scan's ``timeZone``.
SCAN_ZONE = timezone(timedelta(hours=8))
SCAN_ZONE_NAME = "UTC+08:00"


@dataclass(frozen=True)
class Milestone:
    after_seconds: int
    code: str  # businessLinkCode
    content: str  # trackingContent
    at_destination: bool  # where it happens: the receiver's city, else the sender's
    status: str  # the consignment's status from then on


MILESTONES = (
    Milestone(0, "FPX_L_RPIF", "Parcel information received", False, "P"),
    Milestone(6 * HOUR, "FPX_C_SPLS", "Shipment picked up", False, "V"),
    Milestone(24 * HOUR, "FPX_C_AAF", "Arrived at 4PX sorting facility", False, "H"),
    Milestone(26 * HOUR, "FPX_C_ADFF", "Departed from 4PX sorting facility", False, "C"),
    Milestone(36 * HOUR, "FPX_C_AAF", "Arrived at destination delivery facility", True, "C"),
    Milestone(48 * HOUR, "FPX_D_SD", "Out for delivery", True, "C"),
    Milestone(60 * HOUR, "FPX_S_OK", "Delivered", True, "F"),
)
INBOUND_AFTER = 24 * HOUR  # 4px_inbound_date
OUTBOUND_AFTER = 26 * HOUR  # 4px_outbound_date
CANCELLED = "X"
FORECAST = "P"
STATUSES = ("P", "V", "H", "C", "F", "R", "X")


def elapsed(consignment: dict[str, Any], now: float) -> float:
    return now - float(consignment["created_ts"])


def status_at(consignment: dict[str, Any], now: float) -> str:
    if consignment.get("cancelled_ts") is not None:
        return CANCELLED
    status = FORECAST
    for milestone in MILESTONES:
        if elapsed(consignment, now) >= milestone.after_seconds:
            status = milestone.status
    return status


def epoch_ms(moment: float) -> int:
    return round(moment * 1000)


def milestone_ms(consignment: dict[str, Any], now: float, after_seconds: int) -> int | None:
    """When the consignment passed a point of its life, or None while it has not (or never
    will, being cancelled)."""
    if consignment.get("cancelled_ts") is not None or elapsed(consignment, now) < after_seconds:
        return None
    return epoch_ms(float(consignment["created_ts"]) + after_seconds)


def scan_time(moment: float) -> str:
    return (
        datetime.fromtimestamp(moment, tz=UTC).astimezone(SCAN_ZONE).strftime("%Y-%m-%d %H:%M:%S")
    )


def scans(consignment: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """The scans so far, oldest first."""
    if consignment.get("cancelled_ts") is not None:
        return []
    created = float(consignment["created_ts"])
    origin, destination = consignment["origin"], consignment["destination"]
    return [
        {
            "businessLinkCode": milestone.code,
            "occurDatetime": scan_time(created + milestone.after_seconds),
            "timeZone": SCAN_ZONE_NAME,
            "occurLocation": (destination if milestone.at_destination else origin)["city"],
            "country": (destination if milestone.at_destination else origin)["country"],
            "trackingContent": milestone.content,
        }
        for milestone in MILESTONES
        if elapsed(consignment, now) >= milestone.after_seconds
    ]
