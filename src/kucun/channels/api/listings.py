"""/api/v1/listings: a store's variants, linked to items by hand or made into items."""

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.catalog.selectors import item_by_sku
from kucun.channels import selectors
from kucun.channels.models import Listing
from kucun.channels.services import listings as services
from kucun.core.pagination import FiftyPerPage

router = Router(tags=["listings"])


class ListingOut(Schema):
    id: int
    store_id: int
    store: str
    inventory_ref: str
    product_ref: str
    variant_ref: str
    sku: str
    barcode: str
    title: str
    variant_title: str
    weight_kg: float | None
    status: str
    link_method: str
    conflict_reason: str
    item_id: int | None
    item_sku: str | None
    platform_quantity: int | None
    platform_quantity_at: datetime.datetime | None
    platform_updated_at: datetime.datetime | None
    active_on_platform: bool
    last_pulled_at: datetime.datetime | None
    last_pushed_at: datetime.datetime | None
    last_pushed_quantity: int | None


class ListingFilters(Schema):
    store: int | None = Field(None, description="The store's id.")
    status: str | None = Field(None, description="linked, unlinked, conflict or gone.")
    sku: str | None = Field(None, description="Exact SKU, ignoring case.")
    q: str = Field("", description="Text in the SKU, title or barcode.")
    item: str | None = Field(None, description="The linked item's SKU.")


class LinkIn(Schema):
    item: str = Field(..., description="The item's (or bundle's) SKU.")


class CreateItemsIn(Schema):
    listings: list[int]


class CreatedItemOut(Schema):
    id: int
    sku: str
    name: str


def listing_out(listing: Listing) -> dict[str, Any]:
    return {
        "id": listing.pk,
        "store_id": listing.store_id,
        "store": listing.store.name,
        "inventory_ref": listing.inventory_ref,
        "product_ref": listing.product_ref,
        "variant_ref": listing.variant_ref,
        "sku": listing.sku,
        "barcode": listing.barcode,
        "title": listing.title,
        "variant_title": listing.variant_title,
        "weight_kg": float(listing.weight_kg) if listing.weight_kg is not None else None,
        "status": listing.status,
        "link_method": listing.link_method,
        "conflict_reason": listing.conflict_reason,
        "item_id": listing.item_id,
        "item_sku": listing.item.sku if listing.item is not None else None,
        "platform_quantity": listing.platform_quantity,
        "platform_quantity_at": listing.platform_quantity_at,
        "platform_updated_at": listing.platform_updated_at,
        "active_on_platform": listing.active_on_platform,
        "last_pulled_at": listing.last_pulled_at,
        "last_pushed_at": listing.last_pushed_at,
        "last_pushed_quantity": listing.last_pushed_quantity,
    }


class ShapedRows:
    """A queryset whose page is shaped row by row (the paginator slices and counts it)."""

    def __init__(self, queryset: Any) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [listing_out(listing) for listing in self.queryset[window]]


@router.get("/listings", response=list[ListingOut], summary="List listings")
@paginate(FiftyPerPage)
def listings_list(request: HttpRequest, filters: Query[ListingFilters]) -> Any:
    item = item_by_sku(filters.item) if filters.item else None
    return ShapedRows(
        selectors.listings_query(
            store=filters.store,
            status=filters.status,
            sku=filters.sku,
            search=filters.q,
            item=item,
        )
    )


# Before the paths with an id, which would take "create-items" for one.
@router.post(
    "/listings/create-items",
    response={201: list[CreatedItemOut]},
    summary="Create items from unlinked listings, and link them",
    description="SKU, name, barcode and weight come from the platform. All or nothing: a "
    "listing without a SKU, or whose SKU or barcode an item already has, is named and "
    "nothing is created.",
)
def listings_create_items(request: HttpRequest, payload: CreateItemsIn) -> Any:
    require_role(request, Role.STAFF)
    items = services.items_create_from_listings(listing_ids=payload.listings, actor=request.user)
    return Status(201, [{"id": item.pk, "sku": item.sku, "name": item.name} for item in items])


@router.get("/listings/{listing_id}", response=ListingOut, summary="Get a listing")
def listings_get(request: HttpRequest, listing_id: int) -> Any:
    return listing_out(selectors.listing_by_id(listing_id))


@router.post("/listings/{listing_id}/link", response=ListingOut, summary="Link to an item")
def listings_link(request: HttpRequest, listing_id: int, payload: LinkIn) -> Any:
    require_role(request, Role.STAFF)
    listing = selectors.listing_by_id(listing_id)
    services.listing_link(listing=listing, item=item_by_sku(payload.item), actor=request.user)
    return listing_out(selectors.listing_by_id(listing_id))


@router.post("/listings/{listing_id}/unlink", response=ListingOut, summary="Unlink")
def listings_unlink(request: HttpRequest, listing_id: int) -> Any:
    require_role(request, Role.STAFF)
    services.listing_unlink(listing=selectors.listing_by_id(listing_id), actor=request.user)
    return listing_out(selectors.listing_by_id(listing_id))
