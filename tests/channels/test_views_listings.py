"""Console: Catalogue → Listings, the item page's listings, and the sync log."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kucun.channels.choices import ListingStatus
from kucun.channels.models import Listing, Store, SyncRun
from kucun.channels.services.listings import listings_pull
from kucun.core.models import Job
from tests.channels.memory_channel import MemoryPlatform
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pulled(store: Store, memory: MemoryPlatform) -> Store:
    memory.add("TEA-1", quantity=4, barcode="9300000000011", title="Green tea")
    memory.add("NEW-1", quantity=1, title="Unknown thing")
    listings_pull(store=store, mode="full", trigger="manual")
    return store


def test_listings_are_filtered_by_store_status_and_text(
    staff_client: Client, pulled: Store
) -> None:
    page = staff_client.get(f"/channels/listings/?store={pulled.pk}&q=tea").content.decode()
    assert 'data-listing="TEA-1"' in page
    assert 'data-listing="NEW-1"' not in page
    unlinked = staff_client.get("/channels/listings/?status=unlinked").content.decode()
    assert 'data-listing="TEA-1"' in unlinked


def test_a_listing_is_linked_by_hand_and_shown_on_the_item_page(
    staff_client: Client, pulled: Store
) -> None:
    item = ItemFactory(sku="GREEN-TEA")
    listing = Listing.objects.get(sku="TEA-1")
    search = staff_client.get("/channels/listings/items/?item=green").content
    assert b'data-sku="GREEN-TEA"' in search

    response = staff_client.post(f"/channels/listings/{listing.pk}/link/", {"item": "green-tea"})

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.item == item
    assert listing.status == ListingStatus.LINKED
    item_page = staff_client.get(f"/catalog/items/{item.pk}/").content.decode()
    assert 'data-listing-store="Memory shop"' in item_page


def test_linking_to_an_unknown_sku_says_so(staff_client: Client, pulled: Store) -> None:
    listing = Listing.objects.get(sku="TEA-1")
    response = staff_client.post(f"/channels/listings/{listing.pk}/link/", {"item": "NOPE"})
    assert response.status_code == 200
    assert b'id="link-error"' in response.content
    listing.refresh_from_db()
    assert listing.item is None


def test_items_are_created_from_selected_listings(staff_client: Client, pulled: Store) -> None:
    listing = Listing.objects.get(sku="NEW-1")
    response = staff_client.post(
        "/channels/listings/bulk/", {"ids": [listing.pk], "action": "create_items"}
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.item is not None
    assert listing.item.sku == "NEW-1"


def test_viewers_see_listings_without_actions(viewer_client: Client, pulled: Store) -> None:
    page = viewer_client.get("/channels/listings/").content
    assert b'id="listing-bulk"' not in page
    assert viewer_client.post("/channels/listings/bulk/", {"action": "unlink"}).status_code == 403


def test_pushing_selected_listings_queues_a_manual_push(
    staff_client: Client, pulled: Store
) -> None:
    item = ItemFactory(sku="TEA-1")
    listing = Listing.objects.get(sku="TEA-1")
    staff_client.post(f"/channels/listings/{listing.pk}/link/", {"item": item.sku})
    response = staff_client.post(
        "/channels/listings/bulk/", {"ids": [listing.pk], "action": "push"}
    )
    assert response.status_code == 302
    assert Job.objects.filter(kind="channels.stock_push").exists()


def test_sync_log_and_home_page_show_pushes(staff_client: Client, pulled: Store) -> None:
    page = staff_client.get("/channels/sync-log/?status=failed").content
    assert b'data-empty="sync-log"' in page
    home = staff_client.get("/").content
    assert b'data-figure="failed-pushes"' in home


def test_reconcile_from_the_store_page_lists_what_differed(
    staff_client: Client,
    pulled: Store,
    memory: MemoryPlatform,
    django_capture_on_commit_callbacks: Any,
) -> None:
    item = ItemFactory(sku="TEA-1")
    listing = Listing.objects.get(sku="TEA-1")
    staff_client.post(f"/channels/listings/{listing.pk}/link/", {"item": item.sku})
    memory.sell(listing.inventory_ref, 1)  # the platform now holds something Kucun did not say

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/channels/stores/{pulled.pk}/reconcile/")

    assert response.status_code == 302
    run = SyncRun.objects.filter(store=pulled, kind="reconcile").get()
    assert run.difference_count == 1
    page = staff_client.get(f"/channels/runs/{run.pk}/").content.decode()
    assert 'id="reconcile-differences"' in page
    assert 'data-sku="TEA-1"' in page


def test_the_sync_log_exports_with_its_filters(staff_client: Client, pulled: Store) -> None:
    page = staff_client.get(f"/channels/sync-log/?store={pulled.pk}&status=failed").content
    assert b'id="sync-log-export"' in page
    assert b'name="kind" value="stock_pushes"' in page
    assert f'name="store" value="{pulled.pk}"'.encode() in page


def test_the_item_page_pushes_the_item_to_its_listings(staff_client: Client, pulled: Store) -> None:
    item = ItemFactory(sku="TEA-1")
    listing = Listing.objects.get(sku="TEA-1")
    staff_client.post(f"/channels/listings/{listing.pk}/link/", {"item": item.sku})
    page = staff_client.get(f"/catalog/items/{item.pk}/").content
    assert b'id="item-push"' in page
    response = staff_client.post("/channels/stock-push/", {"ids": [item.pk]})
    assert response.status_code == 302
    assert Job.objects.filter(kind="channels.stock_push").exists()
