"""Creating and sending shipments against the memory carrier: drafts, parcels, submission,
labels, cancellation."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from kucun.accounts.choices import Role
from kucun.core.errors import PermissionDenied, ValidationFailed
from kucun.core.models import AuditEntry
from kucun.shipping import files
from kucun.shipping.choices import ShipmentStatus
from kucun.shipping.models import CarrierAccount, Shipment, ShipmentParcel
from kucun.shipping.services.shipments import shipment_cancel, shipment_create
from tests.factories import BundleComponentFactory, ItemFactory, UserFactory
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
    arguments: dict[str, Any] = {
        "actor": None,
        "carrier_account": account,
        "receiver": RECEIVER,
        "parcels": [PARCEL],
    }
    arguments.update(more)
    return shipment_create(**arguments)


def pdf_text(path: Any) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_a_shipment_is_created_with_a_tracking_number_per_parcel_and_its_label_kept(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account, parcels=[PARCEL, {**PARCEL, "weight_kg": 2}])

    assert shipment.status == ShipmentStatus.LABEL_READY
    assert shipment.reference == f"SHP-{shipment.pk:06d}"
    assert shipment.carrier_shipment_id == "ship-1"
    assert shipment.cost == Decimal("25.00")
    assert shipment.service_code == "STD"
    assert shipment.next_track_at is not None
    parcels = list(shipment.parcels.order_by("index"))
    assert [p.tracking_number for p in parcels] == ["ME0000101", "ME0000102"]
    assert [p.weight_kg for p in parcels] == [Decimal("1.250"), Decimal("2.000")]
    path = files.stored_path(shipment.label_file)
    assert path is not None
    assert "ME0000101" in pdf_text(path)
    assert "ME0000102" in pdf_text(path)
    assert carrier_side.creates() == 1
    assert list(
        AuditEntry.objects.filter(object_type="shipping.shipment", object_id=str(shipment.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["shipment.draft", "shipment.created", "shipment.label"]


def test_the_carrier_is_sent_the_receiver_sender_and_parcels(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account, options={"authority_to_leave": True}, service_code="EXP")
    sent = carrier_side.with_reference(shipment.reference)[0].request
    assert sent.service_code == "EXP"
    assert sent.receiver.lines == ("1 George Street", "Level 2")
    assert sent.receiver.suburb == "SYDNEY"
    assert sent.sender.postcode == "3207"
    assert sent.sender.suburb == "PORT MELBOURNE"
    assert sent.options.authority_to_leave is True
    assert sent.parcels[0].reference == f"{shipment.reference}-1"
    assert sent.parcels[0].length_cm == Decimal("30.0")


def test_parcels_from_items_weigh_items_bundles_and_the_box(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    from kucun.shipping.services.packaging import box_preset_create

    box = box_preset_create(
        actor=None, name="Small", length_cm=30, width_cm=20, height_cm=10, tare_kg="0.150"
    )
    tongs = ItemFactory(sku="TONGS", weight_g=400)
    bundle = BundleComponentFactory(component=ItemFactory(sku="CUP", weight_g=250), quantity=4)
    bundle.bundle.sku = "CUPS4"
    bundle.bundle.save()

    shipment = create(
        carrier_account,
        parcels=None,
        items=[{"sku": "tongs", "quantity": 2}, {"item_id": bundle.bundle.pk, "quantity": 1}],
        box_preset=box,
    )

    parcel = shipment.parcels.get()
    assert parcel.weight_kg == Decimal("1.950")  # 2 × 0.4 + 4 × 0.25 + 0.15
    assert (parcel.length_cm, parcel.width_cm, parcel.height_cm) == (
        Decimal("30.0"),
        Decimal("20.0"),
        Decimal("10.0"),
    )
    assert parcel.box_preset == box
    assert [(line["sku"], line["quantity"]) for line in parcel.contents] == [
        ("TONGS", 2),
        ("CUPS4", 1),
    ]
    del tongs


def test_an_item_without_a_weight_is_refused_naming_its_sku(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    ItemFactory(sku="FEATHER", weight_g=None)
    with pytest.raises(ValidationFailed) as refused:
        create(carrier_account, parcels=None, items=[{"sku": "FEATHER", "quantity": 1}])
    assert refused.value.errors[0].field == "items[0].sku"
    assert "FEATHER" in refused.value.errors[0].message
    assert not Shipment.objects.exists()
    assert carrier_side.creates() == 0


def test_a_wrong_receiver_is_refused_before_the_carrier_is_asked(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(carrier_account, receiver={**RECEIVER, "state": "VIC", "email": "nope"})
    fields = {error.field for error in refused.value.errors}
    assert fields == {"receiver.postcode", "receiver.email"}
    assert not Shipment.objects.exists()
    assert not ShipmentParcel.objects.exists()
    assert carrier_side.calls == []


def test_a_draft_is_kept_without_submitting(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account, submit=False, reference="ORDER-1042")
    assert shipment.status == ShipmentStatus.DRAFT
    assert shipment.reference == "ORDER-1042"
    assert carrier_side.calls == []
    with pytest.raises(ValidationFailed) as again:
        create(carrier_account, submit=False, reference="ORDER-1042")
    assert again.value.errors[0].field == "reference"


def test_a_refusal_of_the_first_sending_leaves_nothing_and_names_the_field(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    carrier_side.arm("create", "refuse")
    with pytest.raises(ValidationFailed) as refused:
        create(carrier_account)
    assert [error.field for error in refused.value.errors] == ["receiver.postcode"]
    assert "Postcode not found" in refused.value.errors[0].message
    assert not Shipment.objects.exists()


def test_viewers_cannot_create_shipments(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    viewer = UserFactory(role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        create(carrier_account, actor=viewer)
    assert not Shipment.objects.exists()


def test_the_same_idempotency_key_answers_the_same_shipment(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    staff = UserFactory(role=Role.STAFF)
    first = create(carrier_account, actor=staff, idempotency_key="k-1")
    second = create(carrier_account, actor=staff, idempotency_key="k-1")
    assert first.pk == second.pk
    assert Shipment.objects.count() == 1
    assert carrier_side.creates() == 1


# --- cancelling ----------------------------------------------------------------------------------


def test_a_created_shipment_is_cancelled_at_the_carrier_and_here(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account)
    cancelled = shipment_cancel(shipment, actor=None)
    assert cancelled.status == ShipmentStatus.CANCELLED
    assert cancelled.next_track_at is None
    assert carrier_side.with_reference(shipment.reference)[0].status == "cancelled"
    # Again: nothing more happens.
    assert shipment_cancel(shipment, actor=None).status == ShipmentStatus.CANCELLED
    assert carrier_side.calls.count("cancel") == 1


def test_a_plain_draft_is_cancelled_without_the_carrier(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account, submit=False)
    assert shipment_cancel(shipment, actor=None).status == ShipmentStatus.CANCELLED
    assert carrier_side.calls == []


def test_a_carrier_that_does_not_cancel_is_refused(
    lite_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(lite_account)
    with pytest.raises(ValidationFailed):
        shipment_cancel(shipment, actor=None)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_READY


def test_the_carriers_refusal_to_cancel_changes_nothing(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = create(carrier_account)
    carrier_side.with_reference(shipment.reference)[0].status = "manifested"
    with pytest.raises(ValidationFailed) as refused:
        shipment_cancel(shipment, actor=None)
    assert "cannot be cancelled" in refused.value.detail
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_READY
