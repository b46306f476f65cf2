"""Tracking against the memory carrier: events stored once, statuses moved along, the scheduled
refresh batched and paced per carrier account."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from kucun.shipping.carriers.base import TrackingStatus as Scan
from kucun.shipping.choices import ShipmentStatus, TrackingStatus
from kucun.shipping.models import CarrierAccount, Shipment, TrackingEvent
from kucun.shipping.services.shipments import shipment_cancel, shipment_create
from kucun.shipping.services.tracking import (
    aggregate_status,
    shipment_track,
    shipments_track_due,
)
from tests.shipping import fixtures_shipments as fixtures
from tests.shipping.fixtures_shipments import PARCEL, RECEIVER
from tests.shipping.memory_carrier import MemoryCarrierSide

pytestmark = pytest.mark.django_db
carrier_side = fixtures.carrier_side
dock = fixtures.dock
carrier_account = fixtures.carrier_account


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def create(account: CarrierAccount, parcels: int = 1) -> Shipment:
    return shipment_create(
        actor=None, carrier_account=account, receiver=RECEIVER, parcels=[PARCEL] * parcels
    )


def numbers(shipment: Shipment) -> list[str]:
    return list(shipment.parcels.order_by("index").values_list("tracking_number", flat=True))


def test_events_are_stored_once_and_the_status_moves(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account)
    [number] = numbers(shipment)

    assert shipment_track(shipment) == 1
    assert shipment_track(shipment) == 0
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_READY  # information received moves nothing
    assert shipment.tracking_status == TrackingStatus.INFO_RECEIVED

    carrier_side.scan(number, Scan.IN_TRANSIT, "Picked up", location="MELBOURNE VIC")
    carrier_side.scan(number, Scan.OUT_FOR_DELIVERY, "Onboard for delivery")
    before = timezone.now()
    assert shipment_track(shipment) == 2
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.OUT_FOR_DELIVERY
    assert shipment.parcels.get().tracking_status == TrackingStatus.OUT_FOR_DELIVERY
    assert shipment.last_tracked_at is not None
    assert shipment.next_track_at is not None
    # Out for delivery is asked again sooner than a parcel in transit would be.
    assert shipment.next_track_at - before <= datetime.timedelta(minutes=31)
    events = list(TrackingEvent.objects.filter(shipment=shipment).order_by("occurred_at"))
    assert [event.description for event in events] == [
        "Shipment information received",
        "Picked up",
        "Onboard for delivery",
    ]
    assert events[1].location == "MELBOURNE VIC"
    assert events[1].status == TrackingStatus.IN_TRANSIT

    carrier_side.scan(number, Scan.DELIVERED, "Delivered - left in a safe place")
    assert shipment_track(shipment) == 1
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.next_track_at is None
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 4


def test_a_shipment_is_delivered_only_when_every_parcel_is() -> None:
    assert aggregate_status(["delivered", "in_transit"]) == TrackingStatus.IN_TRANSIT
    assert aggregate_status(["delivered", "delivered"]) == TrackingStatus.DELIVERED
    assert aggregate_status(["delivered", "exception"]) == TrackingStatus.EXCEPTION
    assert aggregate_status(["returned", "delivered"]) == TrackingStatus.RETURNED
    assert aggregate_status(["out_for_delivery", "info_received"]) == (TrackingStatus.INFO_RECEIVED)
    assert aggregate_status(["unknown"]) == TrackingStatus.UNKNOWN


def test_an_exception_and_a_return_move_the_status(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account)
    [number] = numbers(shipment)
    carrier_side.scan(number, Scan.EXCEPTION, "Cannot be delivered")
    shipment_track(shipment)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.EXCEPTION
    assert shipment.next_track_at is not None
    carrier_side.scan(number, Scan.RETURNED, "Returned to sender")
    shipment_track(shipment)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.RETURNED
    assert shipment.next_track_at is None


def test_an_unknown_number_keeps_the_status_and_says_why(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account)
    carrier_side.statuses.clear()
    assert shipment_track(shipment) == 0
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_READY
    assert shipment.details["tracking_error"] == "Invalid tracking ID"


def test_the_refresh_takes_only_due_shipments_batched_within_the_carriers_limit(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipments = [create(carrier_account) for _ in range(5)] + [create(carrier_account, 2)]
    later = timezone.now() + datetime.timedelta(days=1)
    not_due = create(carrier_account)
    Shipment.objects.filter(pk=not_due.pk).update(next_track_at=later + datetime.timedelta(days=1))
    cancelled = shipment_cancel(create(carrier_account), actor=None)

    summary = shipments_track_due(now=later)

    assert summary.shipments == 6
    assert summary.new_events == 7
    assert all(len(request) <= 3 for request in carrier_side.track_requests)
    asked = [number for request in carrier_side.track_requests for number in request]
    assert sorted(asked) == sorted(number for s in shipments for number in numbers(s))
    assert summary.requests == len(carrier_side.track_requests) == 3
    assert not set(numbers(not_due)) & set(asked)
    assert not set(numbers(cancelled)) & set(asked)
    # Nothing is due now until the next refresh's time.
    carrier_side.track_requests.clear()
    assert shipments_track_due(now=later).shipments == 0
    assert carrier_side.track_requests == []
    # Every active shipment, due or not, on demand.
    assert shipments_track_due(all_active=True).shipments == 7


def test_the_refresh_keeps_to_the_requests_per_minute(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide, settings: Any
) -> None:
    settings.SHIPMENT_TRACK_REQUESTS_PER_MINUTE = 2
    for _ in range(9):
        create(carrier_account)
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    summary = shipments_track_due(
        all_active=True, clock=lambda: clock[0], sleep=sleep, deadline_seconds=90
    )
    # 3 requests of 3 numbers; 2 a minute: the third waits a minute, inside the deadline.
    assert summary.requests == 3
    assert waits == [60.0]
    assert summary.shipments == 9

    carrier_side.track_requests.clear()
    clock[0] = 0.0
    waits.clear()
    Shipment.objects.update(next_track_at=timezone.now())
    summary = shipments_track_due(clock=lambda: clock[0], sleep=sleep, deadline_seconds=30)
    # The deadline comes before the next minute: the rest stays due.
    assert summary.requests == 2
    assert summary.left_due == 3
    assert waits == []


def test_a_carrier_that_fails_is_asked_again_soon(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account)
    carrier_side.arm("track", "unavailable")
    summary = shipments_track_due(all_active=True)
    assert summary.failed == 1
    shipment.refresh_from_db()
    assert "503" in shipment.details["tracking_error"]
    assert shipment.next_track_at is not None
    assert shipment.next_track_at - timezone.now() <= datetime.timedelta(minutes=16)
    assert not TrackingEvent.objects.exists()
