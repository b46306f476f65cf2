"""``kucun shipments track`` and ``kucun manifest close``."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kucun.shipping.carriers.base import TrackingStatus
from kucun.shipping.choices import ShipmentStatus
from kucun.shipping.models import CarrierAccount, Manifest, Shipment
from kucun.shipping.services.shipments import shipment_create
from tests.shipping import fixtures_shipments as fixtures
from tests.shipping.fixtures_shipments import PARCEL, RECEIVER
from tests.shipping.memory_carrier import MemoryCarrierSide

pytestmark = pytest.mark.django_db
carrier_side = fixtures.carrier_side
dock = fixtures.dock
carrier_account = fixtures.carrier_account
lite_account = fixtures.lite_account


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def create(account: CarrierAccount) -> Shipment:
    return shipment_create(actor=None, carrier_account=account, receiver=RECEIVER, parcels=[PARCEL])


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_track_asks_only_due_shipments_unless_all_active(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account)
    assert run("shipments", "track") == "No shipment is due for tracking.\n"
    number = shipment.parcels.get().tracking_number
    carrier_side.scan(number, TrackingStatus.IN_TRANSIT, "Picked up")

    output = run("shipments", "track", "--all-active")

    assert "Memory post: 1 shipment(s)" in output
    assert "Tracked 1 shipment(s) in 1 request(s): 2 new event(s)." in output
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    Shipment.objects.update(next_track_at=timezone.now() - datetime.timedelta(minutes=1))
    assert "0 new event(s)" in run("shipments", "track")


def test_track_fails_when_the_carrier_does_not_answer(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    create(carrier_account)
    carrier_side.arm("track", "unavailable")
    with pytest.raises(CommandError, match="did not answer for 1"):
        run("shipments", "track", "--all-active")


def test_manifest_close_by_name_or_id(
    carrier_account: CarrierAccount,
    lite_account: CarrierAccount,
    carrier_side: MemoryCarrierSide,
) -> None:
    create(carrier_account)
    output = run("manifest", "close", "memory post", "--reference", "EOD-X")
    assert "Manifest EOD-X closed with Memory post: 1 shipment(s)" in output
    assert "PDF: " in output
    with pytest.raises(CommandError, match="waiting to be lodged"):
        run("manifest", "close", str(carrier_account.pk))
    with pytest.raises(CommandError, match="has no manifests"):
        run("manifest", "close", "Memory lite")
    with pytest.raises(CommandError, match="No carrier account"):
        run("manifest", "close", "Nobody")
    assert Manifest.objects.count() == 1
