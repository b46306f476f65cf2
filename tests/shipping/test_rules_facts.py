"""A parcel's facts from its items: weights through bundles, the box's tare, SKUs, refusals."""

# The fixtures imported from rules_support are named again as test arguments.
# ruff: noqa: F811

from __future__ import annotations

from decimal import Decimal

import pytest

from kucun.catalog.models import Item
from kucun.channels.models import Store
from kucun.core.errors import ValidationFailed
from kucun.shipping.carriers.base import Address
from kucun.shipping.models import BoxPreset
from kucun.shipping.selectors_rules import facts_for_items
from kucun.warehouses.models import Warehouse
from tests.factories import BundleComponentFactory, ItemFactory
from tests.shipping.rules_support import shop, warehouse  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea() -> Item:
    return ItemFactory(sku="TEA-GREEN", weight_g=250)


@pytest.fixture
def gift_box(tea: Item) -> Item:
    """A bundle of 4 teas and a mug, which is itself a bundle of a cup and a saucer."""
    mug = ItemFactory(sku="MUG-SET", is_bundle=True)
    BundleComponentFactory(bundle=mug, component=ItemFactory(sku="CUP", weight_g=300), quantity=1)
    BundleComponentFactory(
        bundle=mug, component=ItemFactory(sku="SAUCER", weight_g=120), quantity=1
    )
    gift = ItemFactory(sku="GIFT-BOX", is_bundle=True, weight_g=99999)
    BundleComponentFactory(bundle=gift, component=tea, quantity=4)
    BundleComponentFactory(bundle=gift, component=mug, quantity=1)
    return gift


def test_weight_is_items_times_quantities_plus_the_box(
    tea: Item, shop: Store, warehouse: Warehouse
) -> None:
    box = BoxPreset.objects.create(
        name="Satchel", length_cm=30, width_cm=20, height_cm=5, tare_kg=Decimal("0.050")
    )
    facts = facts_for_items(
        items=[("tea-green", 3), (ItemFactory(sku="SPOON", weight_g=40), 2)],
        destination=Address(
            name="Ann", lines=("1 Main St",), suburb="Carlton", state="vic", postcode="3053"
        ),
        store=shop,
        warehouse=warehouse,
        value="59.90",
        shipping_method="Express",
        box_preset=box,
    )

    assert facts.weight_kg == Decimal("0.880")  # 3 × 250 g + 2 × 40 g + 50 g
    assert facts.skus == frozenset({"TEA-GREEN", "SPOON"})
    assert (facts.store_id, facts.warehouse_id) == (shop.pk, warehouse.pk)
    assert (facts.country_key, facts.state_key, facts.postcode_number) == ("AU", "VIC", 3053)
    assert (facts.value, facts.shipping_method) == (Decimal("59.90"), "Express")


def test_bundles_weigh_and_count_through_their_components(gift_box: Item) -> None:
    facts = facts_for_items(items=[("GIFT-BOX", 2)])

    # 2 × (4 × 250 g + 300 g + 120 g); the bundle's own weight is not counted
    assert facts.weight_kg == Decimal("2.840")
    assert facts.skus == frozenset({"GIFT-BOX", "TEA-GREEN", "CUP", "SAUCER"})


def test_an_item_without_a_weight_is_refused_by_its_sku(gift_box: Item) -> None:
    ItemFactory(sku="MYSTERY")
    Item.objects.filter(sku="SAUCER").update(weight_g=None)

    with pytest.raises(ValidationFailed) as refused:
        facts_for_items(items=[("TEA-GREEN", 1), ("MYSTERY", 1), ("GIFT-BOX", 1)])

    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("items.1.sku", "MYSTERY has no weight: enter its weight on the item's page."),
        (
            "items.2.sku",
            "SAUCER has no weight (in the bundle GIFT-BOX): enter its weight on the item's page.",
        ),
    ]


def test_unknown_skus_and_bad_quantities_are_named(tea: Item) -> None:
    with pytest.raises(ValidationFailed) as refused:
        facts_for_items(items=[("NOPE", 1), ("TEA-GREEN", 0), ("TEA-GREEN", "two")])

    assert [e.field for e in refused.value.errors] == [
        "items.0.sku",
        "items.1.quantity",
        "items.2.quantity",
    ]
    assert refused.value.errors[0].message == "Line 1: no item has SKU 'NOPE'."


def test_a_weighed_parcel_keeps_its_weight(tea: Item) -> None:
    facts = facts_for_items(items=[("TEA-GREEN", 1)], weight_kg=Decimal("4.2"))

    assert facts.weight_kg == Decimal("4.2")
    assert facts.skus == frozenset({"TEA-GREEN"})
