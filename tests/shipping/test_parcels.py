"""Parcels from items (weights, bundles, the box) and by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kucun.core.errors import ValidationFailed
from kucun.shipping.models import BoxPreset
from kucun.shipping.parcels import parcels_from_items, parcels_given
from tests.factories import BundleComponentFactory, ItemFactory

pytestmark = pytest.mark.django_db


def box(**more: object) -> BoxPreset:
    values: dict[str, object] = {
        "name": "Small",
        "length_cm": Decimal("30"),
        "width_cm": Decimal("20"),
        "height_cm": Decimal("10"),
        "tare_kg": Decimal("0.2"),
    }
    values.update(more)
    return BoxPreset.objects.create(**values)


def test_items_weigh_their_quantity_plus_the_boxs_tare() -> None:
    ItemFactory(sku="A", weight_g=300, name="Apple peeler")
    [parcel] = parcels_from_items([{"sku": "A", "quantity": 3}], box_preset=box())
    assert parcel.weight_kg == Decimal("1.100")
    assert parcel.length_cm == Decimal("30")
    assert parcel.contents[0]["unit_weight_kg"] == "0.300"
    assert parcel.description == "3 × A"


def test_a_bundle_weighs_its_components() -> None:
    row = BundleComponentFactory(component=ItemFactory(weight_g=125), quantity=8)
    BundleComponentFactory(bundle=row.bundle, component=ItemFactory(weight_g=500), quantity=1)
    [parcel] = parcels_from_items([{"item_id": row.bundle.pk, "quantity": 2}], box_preset=None)
    assert parcel.weight_kg == Decimal("3.000")
    assert parcel.length_cm is None


def test_a_bundle_component_without_weight_is_named() -> None:
    row = BundleComponentFactory(component=ItemFactory(sku="NOWT", weight_g=None), quantity=1)
    with pytest.raises(ValidationFailed) as refused:
        parcels_from_items([{"item_id": row.bundle.pk, "quantity": 1}], box_preset=None)
    assert "NOWT" in refused.value.errors[0].message


def test_unknown_skus_and_bad_quantities_are_named() -> None:
    ItemFactory(sku="A", weight_g=1)
    with pytest.raises(ValidationFailed) as refused:
        parcels_from_items(
            [{"sku": "ZZZ", "quantity": 1}, {"sku": "A", "quantity": 0}], box_preset=None
        )
    assert {e.field for e in refused.value.errors} == {"items[0].sku", "items[1].quantity"}


def test_a_box_too_heavy_is_refused() -> None:
    ItemFactory(sku="BRICK", weight_g=5000)
    with pytest.raises(ValidationFailed) as refused:
        parcels_from_items(
            [{"sku": "BRICK", "quantity": 1}], box_preset=box(max_weight_kg=Decimal("3"))
        )
    assert refused.value.errors[0].field == "box_preset"


def test_parcels_by_hand_take_the_boxs_size_when_not_given() -> None:
    drafts = parcels_given(
        [{"weight_kg": "2.5"}, {"weight_kg": 1, "length_cm": 50, "width_cm": 40, "height_cm": 30}],
        box_preset=box(),
        max_parcels=5,
    )
    assert [d.weight_kg for d in drafts] == [Decimal("2.500"), Decimal("1.000")]
    assert drafts[0].length_cm == Decimal("30")
    assert drafts[1].length_cm == Decimal("50.0")


def test_parcels_by_hand_are_checked_field_by_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parcels_given(
            [{"weight_kg": 0}, {"weight_kg": 1, "width_cm": "wide", "value": -1}],
            box_preset=None,
            max_parcels=5,
        )
    assert {e.field for e in refused.value.errors} == {
        "parcels[0].weight_kg",
        "parcels[1].width_cm",
        "parcels[1].value",
    }
    with pytest.raises(ValidationFailed) as too_many:
        parcels_given([{"weight_kg": 1}] * 3, box_preset=None, max_parcels=2)
    assert too_many.value.errors[0].field == "parcels"


def test_items_in_no_box_take_the_size_measured_by_hand() -> None:
    ItemFactory(sku="HAND-SIZED", weight_g=300)
    (parcel,) = parcels_from_items(
        [{"sku": "HAND-SIZED", "quantity": 2}],
        box_preset=None,
        dimensions={"length_cm": "30", "width_cm": 20, "height_cm": "10.5"},
    )
    assert (parcel.length_cm, parcel.width_cm, parcel.height_cm) == (
        Decimal("30.0"),
        Decimal("20.0"),
        Decimal("10.5"),
    )
    assert parcel.weight_kg == Decimal("0.600")
    with pytest.raises(ValidationFailed) as refused:
        parcels_from_items(
            [{"sku": "HAND-SIZED", "quantity": 1}], box_preset=None, dimensions={"width_cm": -1}
        )
    assert [error.field for error in refused.value.errors] == ["dimensions.width_cm"]
