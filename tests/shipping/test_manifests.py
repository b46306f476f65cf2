"""Closing the day's manifest against the memory carrier."""

from __future__ import annotations

from typing import Any

import pytest

from kucun.core.errors import ValidationFailed
from kucun.shipping import files
from kucun.shipping.choices import ShipmentStatus
from kucun.shipping.models import CarrierAccount, Manifest, Shipment
from kucun.shipping.services.manifests import manifest_close
from kucun.shipping.services.shipments import CarrierUnreachable, shipment_cancel, shipment_create
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


def create(account: CarrierAccount, **more: Any) -> Shipment:
    return shipment_create(
        actor=None, carrier_account=account, receiver=RECEIVER, parcels=[PARCEL], **more
    )


def test_the_days_shipments_are_lodged_and_the_summary_kept(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    ready = [create(carrier_account) for _ in range(2)]
    carrier_side.label_not_ready_polls = 1
    no_label_yet = create(carrier_account)
    draft = create(carrier_account, submit=False)
    cancelled = shipment_cancel(create(carrier_account), actor=None)

    manifest = manifest_close(carrier_account, actor=None)

    assert manifest.carrier_manifest_id == "order-1"
    assert manifest.reference.startswith("EOD-")
    assert manifest.shipment_count == 3
    path = files.stored_path(manifest.pdf_file)
    assert path is not None
    assert path.read_bytes().startswith(b"%PDF-")
    lodged = Shipment.objects.filter(manifest=manifest)
    assert set(lodged.values_list("pk", flat=True)) == {s.pk for s in [*ready, no_label_yet]}
    assert set(lodged.values_list("status", flat=True)) == {ShipmentStatus.MANIFESTED}
    assert Shipment.objects.get(pk=draft.pk).manifest is None
    assert Shipment.objects.get(pk=cancelled.pk).status == ShipmentStatus.CANCELLED
    assert carrier_side.manifests[0].reference == manifest.reference
    # A lodged shipment can no longer be cancelled.
    with pytest.raises(ValidationFailed):
        shipment_cancel(ready[0], actor=None)
    # Nothing is left to lodge.
    with pytest.raises(ValidationFailed) as nothing:
        manifest_close(carrier_account, actor=None)
    assert nothing.value.errors[0].field == "carrier_account"
    assert Manifest.objects.count() == 1


def test_a_second_close_the_same_day_gets_its_own_reference(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    create(carrier_account)
    first = manifest_close(carrier_account, actor=None)
    create(carrier_account)
    second = manifest_close(carrier_account.name, actor=None)
    assert second.reference == f"{first.reference}-2"


def test_a_carrier_without_manifests_is_refused_with_a_clear_message(
    lite_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    create(lite_account)
    with pytest.raises(ValidationFailed) as refused:
        manifest_close(lite_account, actor=None)
    assert "has no manifests" in refused.value.detail
    assert not Manifest.objects.exists()


def test_a_carrier_that_does_not_answer_leaves_the_shipments_open(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account)
    carrier_side.arm("manifest", "unavailable")
    with pytest.raises(CarrierUnreachable):
        manifest_close(carrier_account, actor=None, reference="EOD-A")
    shipment.refresh_from_db()
    assert shipment.manifest is None
    assert shipment.status == ShipmentStatus.LABEL_READY
    assert not Manifest.objects.exists()
    again = manifest_close(carrier_account, actor=None, reference="EOD-A")
    assert again.shipment_count == 1
