"""/api/v1/listings: filters and pages, links by SKU, items made from listings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kucun.accounts.choices import Role
from kucun.catalog.models import Item
from kucun.channels.choices import ListingStatus
from kucun.channels.models import Listing, ListingChange, Store
from tests.conftest import ApiClient
from tests.factories import ItemFactory
from tests.permissions import STAFF_AND_OWNER, assert_role_matrix

pytestmark = pytest.mark.django_db

Factory = Callable[[Any], Any]


def listing(store: Store, sku: str, **fields: Any) -> Listing:
    return Listing.objects.create(store=store, inventory_ref=f"ref-{sku}", sku=sku, **fields)


def test_every_role_reads_listings(
    store: Store, api_client_for: Factory, user_for_role: Factory
) -> None:
    row = listing(store, "R-1")
    assert_role_matrix(api_client_for, user_for_role, "GET", "/api/v1/listings", allowed_status=200)
    assert_role_matrix(
        api_client_for, user_for_role, "GET", f"/api/v1/listings/{row.pk}", allowed_status=200
    )


def test_staff_and_owners_link_unlink_and_create_items(
    store: Store, api_client_for: Factory, user_for_role: Factory
) -> None:
    item = ItemFactory(sku="LINK-ME")
    row = listing(store, "platform")
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        f"/api/v1/listings/{row.pk}/link",
        data={"item": "link-me"},
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=200,
    )
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        f"/api/v1/listings/{row.pk}/unlink",
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=200,
    )
    made = {role: listing(store, f"MADE-{role}") for role in (None, "viewer", "staff", "owner")}
    responses = assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        "/api/v1/listings/create-items",
        data=lambda role: {"listings": [made[role].pk]},
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=201,
    )
    assert [entry["sku"] for entry in responses[Role.OWNER].json()] == ["MADE-owner"]
    assert sorted(Item.objects.exclude(pk=item.pk).values_list("sku", flat=True)) == [
        "MADE-owner",
        "MADE-staff",
    ]


def test_listings_filter_by_store_status_and_sku_in_pages(
    store: Store, viewer_api: ApiClient
) -> None:
    linked_item = ItemFactory(sku="L-1")
    rows = [listing(store, f"S-{number:02d}") for number in range(5)]
    linked = listing(store, "L-1", status=ListingStatus.LINKED, item=linked_item, title="Mug")

    with CaptureQueriesContext(connection) as queries:
        page = viewer_api.get("/api/v1/listings", {"store": store.pk, "page_size": 2, "page": 2})
    assert page.status_code == 200
    assert page.json()["count"] == 6
    assert [row["sku"] for row in page.json()["items"]] == ["S-01", "S-02"]  # after L-1, S-00
    # Token, user, count and page: the rows' store and item come with the page.
    assert len(queries) <= 6

    only_linked = viewer_api.get("/api/v1/listings", {"status": "linked"}).json()
    assert [(row["id"], row["item_sku"], row["store"]) for row in only_linked["items"]] == [
        (linked.pk, "L-1", "Memory shop")
    ]
    assert viewer_api.get("/api/v1/listings", {"sku": "s-03"}).json()["items"][0]["id"] == (
        rows[3].pk
    )
    assert viewer_api.get("/api/v1/listings", {"q": "mug"}).json()["count"] == 1
    assert viewer_api.get("/api/v1/listings", {"item": "l-1"}).json()["count"] == 1
    assert viewer_api.get("/api/v1/listings", {"status": "lost"}).status_code == 422
    assert viewer_api.get("/api/v1/listings", {"page_size": 501}).status_code == 422


def test_a_link_by_sku_answers_the_listing_and_queues_its_push(
    store: Store, staff_api: ApiClient
) -> None:
    ItemFactory(sku="BEER-12")
    row = listing(store, "beer-dozen")

    response = staff_api.post(f"/api/v1/listings/{row.pk}/link", {"item": " beer-12 "})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["item_sku"]) == ("linked", "BEER-12")
    assert response.json()["link_method"] == "manual"
    assert list(ListingChange.objects.values_list("listing_id", flat=True)) == [row.pk]


def test_linking_to_an_unknown_sku_or_a_taken_item_is_refused(
    store: Store, staff_api: ApiClient
) -> None:
    item = ItemFactory(sku="TAKEN")
    listing(store, "first", status=ListingStatus.LINKED, item=item)
    row = listing(store, "second")

    unknown = staff_api.post(f"/api/v1/listings/{row.pk}/link", {"item": "NOPE"})
    taken = staff_api.post(f"/api/v1/listings/{row.pk}/link", {"item": "TAKEN"})
    missing = staff_api.post("/api/v1/listings/999999/link", {"item": "TAKEN"})

    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "No item has SKU 'NOPE'."
    assert taken.status_code == 409
    assert taken.json()["errors"] == [
        {
            "field": "item",
            "message": "Item TAKEN is already linked to listing 'first' of this store: "
            "unlink it first.",
        }
    ]
    assert missing.status_code == 404
    row.refresh_from_db()
    assert row.status == ListingStatus.UNLINKED


def test_items_from_listings_refuse_a_listing_without_sku_naming_it(
    store: Store, staff_api: ApiClient
) -> None:
    fine = listing(store, "FINE")
    nameless = Listing.objects.create(store=store, inventory_ref="x", title="Loose part")

    response = staff_api.post("/api/v1/listings/create-items", {"listings": [fine.pk, nameless.pk]})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "listings",
            "message": f"Listing 'Loose part' (id {nameless.pk}) has no SKU: give it one on the "
            "platform and pull again, or link it to an item by hand.",
        }
    ]
    assert not Item.objects.exists()
