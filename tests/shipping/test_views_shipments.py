"""The shipments console: create from items or by hand, see the label and tracking, cancel,
close a manifest, keep box presets; errors name the field; viewers only look."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kucun.shipping.models import BoxPreset, CarrierAccount, Manifest, Shipment
from kucun.shipping.services.shipments import shipment_create
from tests.factories import ItemFactory, UserFactory
from tests.shipping import fixtures_shipments as fixtures
from tests.shipping.fixtures_shipments import PARCEL, RECEIVER
from tests.shipping.memory_carrier import MemoryCarrierSide, TrackingStatus

pytestmark = pytest.mark.django_db
carrier_side = fixtures.carrier_side
dock = fixtures.dock
carrier_account = fixtures.carrier_account


def console(role: str = "staff") -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def form_data(account: CarrierAccount, **more: Any) -> dict[str, Any]:
    data = {
        "carrier_account": account.pk,
        "service_code": "",
        **{f"receiver_{name}": value for name, value in RECEIVER.items()},
    }
    data.update(more)
    return data


def test_a_shipment_of_items_is_created_with_its_label(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    ItemFactory(sku="TONGS", weight_g=500)
    box = BoxPreset.objects.create(
        name="Carton", length_cm=30, width_cm=20, height_cm=10, tare_kg=Decimal("0.250")
    )
    client = console()
    page = client.get(reverse("shipping:shipment_create"))
    assert b'name="item_sku_1"' in page.content
    saved = client.post(
        reverse("shipping:shipment_create"),
        form_data(carrier_account, box_preset=box.pk, item_sku_1="TONGS", item_qty_1=3),
    )
    shipment = Shipment.objects.get()
    assert saved.status_code == 302
    assert saved["Location"] == reverse("shipping:shipment_detail", args=[shipment.pk])
    assert shipment.status == "label_ready"
    parcel = shipment.parcels.get()
    assert parcel.weight_kg == Decimal("1.750")  # 3 × 0.5 kg + the carton's 0.25 kg
    detail = client.get(saved["Location"]).content.decode()
    assert parcel.tracking_number in detail
    assert 'id="label-download"' in detail
    label = client.get(reverse("shipping:shipment_label", args=[shipment.pk]) + "?download=1")
    assert label["Content-Type"] == "application/pdf"
    assert "attachment" in label["Content-Disposition"]
    assert b"".join(label.streaming_content).startswith(b"%PDF")
    listing = client.get(reverse("shipping:shipment_list") + "?q=" + parcel.tracking_number)
    assert f'data-shipment="{shipment.reference}"' in listing.content.decode()


def test_errors_name_the_field_and_nothing_is_written(carrier_account: CarrierAccount) -> None:
    ItemFactory(sku="NOWEIGHT")
    client = console()
    wrong_state = client.post(
        reverse("shipping:shipment_create"),
        form_data(carrier_account, receiver_state="VIC", weight_kg="1"),
    )
    assert wrong_state.status_code == 200
    assert b'data-error-for="receiver_postcode"' in wrong_state.content
    no_weight = client.post(
        reverse("shipping:shipment_create"),
        form_data(carrier_account, item_sku_1="NOWEIGHT", item_qty_1=1),
    )
    assert "NOWEIGHT" in no_weight.content.decode()
    nothing = client.post(reverse("shipping:shipment_create"), form_data(carrier_account))
    assert b"Enter the items to send" in nothing.content
    assert not Shipment.objects.exists()


def test_tracking_is_refreshed_and_a_shipment_cancelled(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = shipment_create(
        actor=None, carrier_account=carrier_account, receiver=RECEIVER, parcels=[PARCEL]
    )
    number = shipment.parcels.get().tracking_number
    carrier_side.scan(number, TrackingStatus.IN_TRANSIT, "Arrived at the sort centre")
    client = console()
    client.post(reverse("shipping:shipment_track", args=[shipment.pk]))
    detail = client.get(reverse("shipping:shipment_detail", args=[shipment.pk])).content.decode()
    assert "Arrived at the sort centre" in detail
    assert 'id="shipment-cancel"' not in detail  # on its way: too late to cancel
    fresh = shipment_create(
        actor=None, carrier_account=carrier_account, receiver=RECEIVER, parcels=[PARCEL]
    )
    page = client.get(reverse("shipping:shipment_detail", args=[fresh.pk])).content.decode()
    assert 'id="shipment-cancel"' in page
    client.post(reverse("shipping:shipment_cancel", args=[fresh.pk]))
    fresh.refresh_from_db()
    assert fresh.status == "cancelled"


def test_the_days_manifest_is_closed_and_kept(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment_create(
        actor=None, carrier_account=carrier_account, receiver=RECEIVER, parcels=[PARCEL]
    )
    client = console()
    page = client.get(reverse("shipping:manifest_list")).content.decode()
    assert 'id="manifest-close"' in page
    client.post(reverse("shipping:manifest_close"), {"carrier_account": carrier_account.pk})
    manifest = Manifest.objects.get()
    assert manifest.shipment_count == 1
    pdf = client.get(reverse("shipping:manifest_pdf", args=[manifest.pk]))
    assert pdf["Content-Type"] == "application/pdf"


def test_box_presets_are_kept_in_settings() -> None:
    client = console()
    saved = client.post(
        reverse("shipping:box_preset_create"),
        {
            "name": "Satchel",
            "length_cm": "35",
            "width_cm": "25",
            "height_cm": "5",
            "tare_kg": "0.05",
            "active": "on",
        },
    )
    assert saved.status_code == 302
    box = BoxPreset.objects.get()
    page = client.get(reverse("shipping:box_preset_list")).content.decode()
    assert 'data-box="Satchel"' in page
    client.post(reverse("shipping:box_preset_delete", args=[box.pk]))
    assert not BoxPreset.objects.exists()


def test_viewers_look_but_do_not_write(carrier_account: CarrierAccount) -> None:
    viewer = console("viewer")
    assert viewer.get(reverse("shipping:shipment_list")).status_code == 200
    assert b'id="shipment-new"' not in viewer.get(reverse("shipping:shipment_list")).content
    assert viewer.get(reverse("shipping:shipment_create")).status_code == 403
    assert viewer.post(reverse("shipping:box_preset_create"), {}).status_code == 403
