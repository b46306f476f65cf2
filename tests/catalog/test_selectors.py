from typing import Any

import pytest

from kucun.catalog.models import Item
from kucun.catalog.selectors import (
    bundle_components,
    bundle_expansion,
    bundle_list,
    bundles_using,
    item_by_sku,
    item_list,
)
from kucun.core.errors import NotFound
from tests.factories import BundleComponentFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_item_by_sku_ignores_case_and_spaces() -> None:
    item = ItemFactory(sku="Beer-Dozen")
    assert item_by_sku(" beer-DOZEN ") == item


def test_item_by_sku_names_a_missing_sku() -> None:
    with pytest.raises(NotFound) as caught:
        item_by_sku("NOPE-1")
    assert caught.value.detail == "No item has SKU 'NOPE-1'."
    assert caught.value.errors[0].field == "sku"


def test_item_list_filters() -> None:
    ale = ItemFactory(sku="ALE-1", name="Pale ale", barcode="930001")
    lager = ItemFactory(sku="LAGER-1", name="Lager", active=False)
    case = ItemFactory(sku="CASE", name="Ale case", is_bundle=True)
    assert list(item_list()) == [ale, case, lager]
    assert list(item_list(text="ale")) == [ale, case]
    assert list(item_list(text="93000")) == [ale]
    assert list(item_list(active=False)) == [lager]
    assert list(item_list(is_bundle=True)) == [case]
    assert list(item_list(is_bundle=False, active=True)) == [ale]
    assert list(item_list(sku="lager-1")) == [lager]


def test_bundle_list_fetches_components_in_constant_queries(
    django_assert_num_queries: Any,
) -> None:
    for n in range(5):
        bundle = ItemFactory(sku=f"B{n}", is_bundle=True)
        BundleComponentFactory.create_batch(3, bundle=bundle)
    with django_assert_num_queries(2):
        rows = [[(c.quantity, c.component.name) for c in b.components.all()] for b in bundle_list()]
    assert len(rows) == 5
    assert all(len(row) == 3 for row in rows)


def test_bundle_components_and_bundles_using() -> None:
    bottle = ItemFactory(sku="BOTTLE")
    dozen = ItemFactory(sku="DOZEN", is_bundle=True)
    six = ItemFactory(sku="SIX", is_bundle=True)
    BundleComponentFactory(bundle=dozen, component=bottle, quantity=12)
    BundleComponentFactory(bundle=six, component=bottle, quantity=6)
    assert [(c.component.sku, c.quantity) for c in bundle_components(dozen)] == [("BOTTLE", 12)]
    assert [(c.bundle.sku, c.quantity) for c in bundles_using(bottle)] == [
        ("DOZEN", 12),
        ("SIX", 6),
    ]


def test_expansion_of_a_plain_item_is_itself() -> None:
    item = ItemFactory()
    assert bundle_expansion(item) == {item.pk: 1}


def test_expansion_of_an_empty_bundle_is_empty() -> None:
    assert bundle_expansion(ItemFactory(is_bundle=True)) == {}


def test_expansion_multiplies_nested_bundles_and_sums_repeats(
    django_assert_num_queries: Any,
) -> None:
    bottle = ItemFactory(sku="BOTTLE")
    opener = ItemFactory(sku="OPENER")
    glass = ItemFactory(sku="GLASS")
    dozen: Item = ItemFactory(sku="DOZEN", is_bundle=True)
    case: Item = ItemFactory(sku="CASE", is_bundle=True)
    party: Item = ItemFactory(sku="PARTY", is_bundle=True)
    BundleComponentFactory(bundle=dozen, component=bottle, quantity=12)
    BundleComponentFactory(bundle=dozen, component=opener, quantity=1)
    BundleComponentFactory(bundle=case, component=dozen, quantity=4)
    BundleComponentFactory(bundle=case, component=opener, quantity=2)
    # party: 2 cases, 1 dozen directly, 6 glasses, so openers come from three paths.
    BundleComponentFactory(bundle=party, component=case, quantity=2)
    BundleComponentFactory(bundle=party, component=dozen, quantity=1)
    BundleComponentFactory(bundle=party, component=glass, quantity=6)
    assert bundle_expansion(dozen) == {bottle.pk: 12, opener.pk: 1}
    assert bundle_expansion(case) == {bottle.pk: 48, opener.pk: 6}
    # One query per level: party, then case and dozen, then the dozen inside the case.
    with django_assert_num_queries(3):
        expansion = bundle_expansion(party)
    # bottles: 2 × 4 × 12 + 1 × 12 = 108; openers: 2 × (4 × 1 + 2) + 1 × 1 = 13.
    assert expansion == {bottle.pk: 108, opener.pk: 13, glass.pk: 6}
