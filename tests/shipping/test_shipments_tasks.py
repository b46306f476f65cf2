"""The worker's shipment tasks: run twice, they do the work once."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from kucun.shipping.carriers.base import TrackingStatus
from kucun.shipping.choices import ShipmentStatus
from kucun.shipping.models import CarrierAccount, Shipment, TrackingEvent
from kucun.shipping.services.shipments import shipment_create
from kucun.shipping.tasks import (
    shipment_submit_task,
    shipments_retry_periodic,
    shipments_track_periodic,
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


def create(account: CarrierAccount, **more: Any) -> Shipment:
    return shipment_create(
        actor=None, carrier_account=account, receiver=RECEIVER, parcels=[PARCEL], **more
    )


def test_the_retry_task_sends_a_lost_draft_once_however_often_it_runs(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide, settings: Any
) -> None:
    settings.SHIPMENT_RETRY_FIRST_SECONDS = 0
    carrier_side.arm("create", "lost")
    shipment = create(carrier_account)
    shipments_retry_periodic.call_local()
    shipments_retry_periodic.call_local()
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_READY
    assert len(carrier_side.with_reference(shipment.reference)) == 1
    assert carrier_side.calls.count("label") == 1


def test_the_track_task_stores_events_once(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account)
    carrier_side.scan(shipment.parcels.get().tracking_number, TrackingStatus.IN_TRANSIT, "Scan")
    Shipment.objects.update(next_track_at=timezone.now() - datetime.timedelta(minutes=1))
    assert shipments_track_periodic.call_local() == 1
    Shipment.objects.update(next_track_at=timezone.now() - datetime.timedelta(minutes=1))
    assert shipments_track_periodic.call_local() == 1
    assert TrackingEvent.objects.count() == 2


def test_the_submit_task_sends_a_draft_and_answers_a_refusal(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    draft = create(carrier_account, submit=False)
    assert shipment_submit_task.call_local(draft.pk) == ShipmentStatus.LABEL_READY
    assert shipment_submit_task.call_local(draft.pk) == ShipmentStatus.LABEL_READY
    assert carrier_side.creates() == 1
    refused = create(carrier_account, submit=False)
    carrier_side.arm("create", "refuse")
    assert "refused" in shipment_submit_task.call_local(refused.pk)
    assert shipment_submit_task.call_local(0) == ""
