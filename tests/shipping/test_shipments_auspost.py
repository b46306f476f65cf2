"""Shipments end to end over real HTTP: the services with the Australia Post adapter against its
emulator on the live server. Create with labels, a lost answer that still makes one shipment,
tracking along the emulator's clock, the day's manifest, cancelling."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from kucun.core.errors import ValidationFailed
from kucun.core.secrets import encrypt_mapping
from kucun.shipping import files
from kucun.shipping.choices import ShipmentStatus
from kucun.shipping.models import CarrierAccount, Shipment, TrackingEvent
from kucun.shipping.services.manifests import manifest_close
from kucun.shipping.services.shipments import (
    shipment_cancel,
    shipment_create,
    shipments_retry_due,
)
from kucun.shipping.services.tracking import shipments_track_due
from tests.factories import WarehouseFactory
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)
from tests.shipping.contract.setups import auspost as setup
from tests.shipping.fixtures_shipments import PARCEL, RECEIVER

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHIPMENT_RETRY_FIRST_SECONDS = 0


@pytest.fixture
def account(sandbox: Sandbox) -> CarrierAccount:  # noqa: F811
    config = setup.prepare(sandbox)
    return CarrierAccount.objects.create(
        name="AusPost eParcel",
        carrier="auspost",
        base_url=config.base_url,
        credentials_encrypted=encrypt_mapping(dict(config.credentials)),
        options=dict(config.options),
        sender_warehouse=WarehouseFactory(
            code="MEL",
            name="Melbourne dock",
            address_line1="12 Dock Road",
            city="Port Melbourne",
            state="VIC",
            postcode="3207",
            phone="0390001111",
        ),
        default_service="T28",
    )


def at_emulator(sandbox: Sandbox, account: CarrierAccount) -> list[dict[str, Any]]:  # noqa: F811
    from kucun.core.secrets import decrypt_mapping

    credentials = decrypt_mapping(account.credentials_encrypted)
    response = sandbox.control.get(
        sandbox.url(setup.SYSTEM, "__emu/state"),
        params={"account": credentials["account_number"]},
    )
    response.raise_for_status()
    shipments: list[dict[str, Any]] = response.json()["shipments"]
    return shipments


def create(account: CarrierAccount, parcels: int = 1) -> Shipment:
    return shipment_create(
        actor=None, carrier_account=account, receiver=RECEIVER, parcels=[PARCEL] * parcels
    )


def test_a_shipment_with_australia_post_from_label_to_delivery(
    sandbox: Sandbox,  # noqa: F811
    account: CarrierAccount,
) -> None:
    shipment = create(account, parcels=2)

    assert shipment.status == ShipmentStatus.LABEL_READY
    numbers = list(shipment.parcels.order_by("index").values_list("tracking_number", flat=True))
    assert len(set(numbers)) == 2
    assert all(numbers)
    assert shipment.cost is not None
    assert shipment.cost > 0
    path = files.stored_path(shipment.label_file)
    assert path is not None
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert all(number in text for number in numbers)
    [held] = at_emulator(sandbox, account)
    assert held["reference"] == shipment.reference
    assert held["status"] == "created"

    # Lodged at the end of the day.
    manifest = manifest_close(account, actor=None)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.MANIFESTED
    assert shipment.manifest == manifest
    assert manifest.carrier_manifest_id
    manifest_path = files.stored_path(manifest.pdf_file)
    assert manifest_path is not None
    assert manifest_path.read_bytes().startswith(b"%PDF-")
    assert [found["status"] for found in at_emulator(sandbox, account)] == ["manifested"]
    with pytest.raises(ValidationFailed):
        shipment_cancel(shipment, actor=None)

    # Tracking follows the emulator's clock; asking twice stores each event once.
    sandbox.emu(setup.SYSTEM, "clock", {"advance_seconds": 30 * 3600})
    first = shipments_track_due(all_active=True)
    assert first.shipments == 1
    assert first.new_events > 0
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    events = TrackingEvent.objects.filter(shipment=shipment).count()
    assert shipments_track_due(all_active=True).new_events == 0
    assert TrackingEvent.objects.filter(shipment=shipment).count() == events

    sandbox.emu(setup.SYSTEM, "clock", {"advance_seconds": 40 * 3600})
    shipments_track_due(all_active=True)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.next_track_at is None
    assert TrackingEvent.objects.filter(shipment=shipment).count() > events


def test_an_answer_lost_after_australia_post_created_it_makes_one_shipment(
    sandbox: Sandbox,  # noqa: F811
    account: CarrierAccount,
) -> None:
    sandbox.emu(
        setup.SYSTEM,
        "faults",
        {
            "match": setup.create_match(),
            "response": {"status": 502, "body": "{}"},
            "times": 1,
            "after_apply": True,
        },
    )
    shipment = create(account)
    assert shipment.status == ShipmentStatus.DRAFT
    assert shipment.details["outcome_unknown"] is True
    assert len(at_emulator(sandbox, account)) == 1

    assert shipments_retry_due() == 1

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_READY
    [held] = at_emulator(sandbox, account)
    assert held["reference"] == shipment.reference
    assert held["tracking_numbers"] == [shipment.parcels.get().tracking_number]


def test_a_created_shipment_is_cancelled_at_australia_post(
    sandbox: Sandbox,  # noqa: F811
    account: CarrierAccount,
) -> None:
    shipment = create(account)
    assert shipment_cancel(shipment, actor=None).status == ShipmentStatus.CANCELLED
    assert [found["status"] for found in at_emulator(sandbox, account)] == ["cancelled"]
