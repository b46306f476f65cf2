"""The quantity each listing should hold: available in the store's warehouses − buffer, at
least 0; a bundle's derived availability; one set of queries for any number of listings."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kucun.channels.models import Listing, Store
from kucun.channels.quantities import listing_quantities, listing_quantity
from kucun.inventory.services import stock_allocate
from tests.channels.conftest import add_listing
from tests.inventory.conftest import Site, build_bundle, build_item, receive

pytestmark = pytest.mark.django_db


def loaded(listings: list[Listing]) -> list[Listing]:
    return list(
        Listing.objects.filter(pk__in=[listing.pk for listing in listings])
        .select_related("store", "item")
        .order_by("pk")
    )


def test_available_in_the_source_warehouses_less_the_buffer(
    site: Site, site_two: Site, store_factory: Callable[..., Store]
) -> None:
    # Given 10 in MEL (2 of them allocated) and 7 in SYD
    item = build_item("MUG")
    receive(site, "MUG", 10)
    receive(site_two, "MUG", 7)
    stock_allocate(user=None, reference="order:1", sku="MUG", warehouse="MEL", qty=2)
    both = store_factory("Both", [site.warehouse, site_two.warehouse], buffer=3)
    only_sydney = store_factory("Sydney", [site_two.warehouse])
    big_buffer = store_factory("Careful", [site.warehouse], buffer=50)
    nothing = store_factory("Nowhere", [])
    listings = [add_listing(store, item) for store in (both, only_sydney, big_buffer, nothing)]

    # When
    quantities = listing_quantities(loaded(listings))

    # Then 8 + 7 − 3, 7, never below 0, and 0 without warehouses
    assert quantities == {
        listings[0].pk: 12,
        listings[1].pk: 7,
        listings[2].pk: 0,
        listings[3].pk: 0,
    }


def test_a_bundle_listing_holds_what_its_components_make(
    site: Site, site_two: Site, store_factory: Callable[..., Store]
) -> None:
    # Given a box of 4 mugs and a lid, and a gift set of 2 boxes
    mug = build_item("MUG")
    lid = build_item("LID")
    box = build_bundle("BOX", [(mug, 4), (lid, 1)])
    gift = build_bundle("GIFT", [(box, 2)])
    receive(site, "MUG", 17)
    receive(site, "LID", 3)
    receive(site_two, "MUG", 8)
    receive(site_two, "LID", 5)
    store = store_factory("Both", [site.warehouse, site_two.warehouse], buffer=1)
    box_listing = add_listing(store, box)
    gift_listing = add_listing(store, gift)

    # When / Then: MEL makes 3 boxes, SYD 2 (a bundle ships whole from one warehouse): 5 − 1;
    # gift sets: MEL 1, SYD 1: 2 − 1
    assert listing_quantities(loaded([box_listing, gift_listing])) == {
        box_listing.pk: 4,
        gift_listing.pk: 1,
    }


def test_unlinked_listings_have_no_quantity(
    site: Site, store_factory: Callable[..., Store]
) -> None:
    store = store_factory("Shop", [site.warehouse])
    listing = add_listing(store, None, sku="STRANGER")

    assert listing_quantities(loaded([listing])) == {}
    assert listing_quantity(loaded([listing])[0]) == 0


def test_many_listings_cost_a_fixed_number_of_queries(
    site: Site, site_two: Site, store_factory: Callable[..., Store]
) -> None:
    # Given 3 stores × 20 items and 5 bundles
    items = [build_item(f"I-{number:02d}") for number in range(20)]
    for item in items:
        receive(site, item.sku, 5)
    bundles = [build_bundle(f"B-{number}", [(items[number], 2)]) for number in range(5)]
    stores = [
        store_factory(f"S{number}", [site.warehouse, site_two.warehouse]) for number in range(3)
    ]
    listings = loaded([add_listing(store, item) for store in stores for item in items + bundles])

    # When
    with CaptureQueriesContext(connection) as queries:
        quantities = listing_quantities(listings)

    # Then: store warehouses, the levels, one per bundle nesting level (+ the final empty one)
    assert len(queries) <= 4
    assert len(quantities) == 75
    assert {quantities[listing.pk] for listing in listings if listing.item_id == items[0].pk} == {5}
    assert {quantities[listing.pk] for listing in listings if listing.item_id == bundles[0].pk} == {
        2
    }
