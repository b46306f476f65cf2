"""The demo's sandbox stores: bound to the emulators, and their first pull, match and push done
through the live server as the worker does it after `make run`."""

from __future__ import annotations

import pytest
from django.test import override_settings

from kucun.channels.choices import ListingStatus, PushStatus
from kucun.channels.models import Listing, StockSyncRecord, Store
from kucun.channels.quantities import listing_quantities
from kucun.demo.channels import DEMO_STORES, demo_first_sync, demo_stores
from kucun.demo.data import DemoSummary, demo_load, demo_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_binds_sandbox_stores_and_their_first_sync_links_and_pushes(
    live_server: object,
) -> None:
    summary = demo_load()
    user = demo_user(summary)
    store_ids = demo_stores(user, summary)
    assert sorted(Store.objects.values_list("name", flat=True)) == sorted(
        name for name, _code, _make in DEMO_STORES
    )
    assert all(store.sandbox and store.inventory_sync for store in Store.objects.all())
    assert demo_stores(user, DemoSummary()) == []  # bound once

    with override_settings(SANDBOX_SERVER_URL=str(live_server.url)):  # type: ignore[attr-defined]
        demo_first_sync(store_ids)

    shopify = Store.objects.get(platform="shopify")
    listings = Listing.objects.filter(store=shopify)
    statuses = {listing.sku: listing.status for listing in listings}
    assert statuses["GIFT-CARD-50"] == ListingStatus.UNLINKED
    assert statuses["BBQ-TONGS"] == ListingStatus.CONFLICT
    tomato = listings.get(sku="sb-tomato-500")
    assert tomato.status == ListingStatus.LINKED
    assert tomato.item is not None
    assert tomato.item.sku == "SAUCE-TOM-500"
    linked = list(Listing.objects.filter(status=ListingStatus.LINKED))
    assert len(linked) > 20
    pushes = StockSyncRecord.objects.filter(listing__in=linked)
    assert pushes.exists()
    assert set(pushes.values_list("status", flat=True)) == {PushStatus.SUCCEEDED}
    wanted = listing_quantities(linked)
    for listing in linked:
        listing.refresh_from_db()
        assert listing.platform_quantity == wanted[listing.pk], listing.sku
