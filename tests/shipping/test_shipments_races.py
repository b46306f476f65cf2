"""Senders at once, on real threads with committed transactions: a draft is created at the
carrier once whoever sends it, and a tracking refresh racing another stores each event once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from kucun.core.errors import Conflict
from kucun.shipping.carriers.base import TrackingStatus
from kucun.shipping.choices import ShipmentStatus
from kucun.shipping.models import CarrierAccount, Shipment, TrackingEvent
from kucun.shipping.services.shipments import shipment_create, shipment_submit
from kucun.shipping.services.tracking import shipment_track
from tests.shipping import fixtures_shipments as fixtures
from tests.shipping.fixtures_shipments import PARCEL, RECEIVER
from tests.shipping.memory_carrier import MemoryCarrierSide

pytestmark = pytest.mark.django_db(transaction=True)
carrier_side = fixtures.carrier_side
dock = fixtures.dock
carrier_account = fixtures.carrier_account


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def at_once(work: Callable[[], Any], threads: int) -> list[Any]:
    """Run ``work`` on several threads started together; answers each result or error."""
    results: list[Any] = []
    start = threading.Barrier(threads)

    def run() -> None:
        try:
            start.wait()
            results.append(work())
        except Exception as error:
            results.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results


def test_a_draft_sent_by_several_at_once_is_created_once(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    draft = shipment_create(
        actor=None,
        carrier_account=carrier_account,
        receiver=RECEIVER,
        parcels=[PARCEL],
        submit=False,
    )
    carrier_side.create_seconds = 0.3

    results = at_once(lambda: shipment_submit(Shipment.objects.get(pk=draft.pk)), threads=4)

    assert carrier_side.creates() == 1
    assert len(carrier_side.with_reference(draft.reference)) == 1
    sent = [result for result in results if isinstance(result, Shipment)]
    refused = [result for result in results if isinstance(result, Conflict)]
    assert len(sent) + len(refused) == 4
    assert sent
    draft.refresh_from_db()
    assert draft.status == ShipmentStatus.LABEL_READY


def test_two_refreshes_at_once_store_each_event_once(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = shipment_create(
        actor=None, carrier_account=carrier_account, receiver=RECEIVER, parcels=[PARCEL]
    )
    number = shipment.parcels.get().tracking_number
    for scan in range(5):
        carrier_side.scan(number, TrackingStatus.IN_TRANSIT, f"Scan {scan}")

    results = at_once(lambda: shipment_track(Shipment.objects.get(pk=shipment.pk)), threads=3)

    assert sorted(results) == [0, 0, 6]
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 6
