"""Items and bundle components under /api/v1/items. Viewers read; staff and owners write."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.catalog.models import Item
from kucun.catalog.selectors import bundle_components, item_by_id, item_by_sku, item_list
from kucun.catalog.services import bundle_set_components, item_create, item_update
from kucun.core.pagination import FiftyPerPage

router = Router(tags=["items"])


class ItemOut(Schema):
    id: int
    sku: str
    name: str
    barcode: str | None
    unit: str
    weight_g: int | None
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    cost_price: Decimal
    safety_stock: int
    reorder_point: int
    is_bundle: bool
    active: bool
    notes: str
    created_at: datetime
    updated_at: datetime


class ItemCreateIn(Schema):
    sku: str = Field(..., description="Unique ignoring case; trimmed; at most 64 characters.")
    name: str
    barcode: str | None = Field(None, description="Unique when given; blank means none.")
    unit: str = "each"
    weight_g: int | None = None
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    cost_price: Decimal = Decimal("0")
    safety_stock: int = 0
    reorder_point: int = 0
    is_bundle: bool = False
    active: bool = True
    notes: str = ""


class ItemPatchIn(Schema):
    """Only the fields sent are changed."""

    sku: str | None = None
    name: str | None = None
    barcode: str | None = None
    unit: str | None = None
    weight_g: int | None = None
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    cost_price: Decimal | None = None
    safety_stock: int | None = None
    reorder_point: int | None = None
    is_bundle: bool | None = Field(
        None, description="Changes only while the item has no components and holds no stock."
    )
    active: bool | None = None
    notes: str | None = None


class ItemFilters(Schema):
    q: str = Field("", description="Text in the SKU, name or barcode.")
    active: bool | None = None
    is_bundle: bool | None = None
    sku: str | None = Field(None, description="Exact SKU, ignoring case.")


class ComponentIn(Schema):
    sku: str
    quantity: int


class ComponentOut(Schema):
    sku: str
    quantity: int
    item_id: int
    name: str
    is_bundle: bool


def _components_out(bundle: Item) -> list[dict[str, Any]]:
    return [
        {
            "sku": row.component.sku,
            "quantity": row.quantity,
            "item_id": row.component_id,
            "name": row.component.name,
            "is_bundle": row.component.is_bundle,
        }
        for row in bundle_components(bundle)
    ]


def _patch(request: HttpRequest, item: Item, payload: ItemPatchIn) -> Item:
    require_role(request, Role.STAFF)
    fields = payload.dict(exclude_unset=True)
    return item_update(user=request.user, item_id=item.pk, **fields)


def _put_components(request: HttpRequest, item: Item, payload: list[ComponentIn]) -> Item:
    require_role(request, Role.STAFF)
    return bundle_set_components(
        user=request.user,
        bundle_id=item.pk,
        components=[(row.sku, row.quantity) for row in payload],
    )


@router.get("/items", response=list[ItemOut], summary="List items")
@paginate(FiftyPerPage)
def items_list(request: HttpRequest, filters: Query[ItemFilters]) -> Any:
    return item_list(
        text=filters.q, active=filters.active, is_bundle=filters.is_bundle, sku=filters.sku
    )


@router.post("/items", response={201: ItemOut}, summary="Create an item")
def items_create(request: HttpRequest, payload: ItemCreateIn) -> Any:
    require_role(request, Role.STAFF)
    item = item_create(user=request.user, **payload.dict())
    return Status(201, item)


# A SKU may contain "/" (sent as %2F), so by-sku paths take the rest of the path; the
# components paths come first so that ".../components" is never read as part of a SKU.
@router.get(
    "/items/by-sku/{path:sku}/components",
    response=list[ComponentOut],
    summary="A bundle's components, by the bundle's SKU",
)
def components_get_by_sku(request: HttpRequest, sku: str) -> Any:
    return _components_out(item_by_sku(sku))


@router.put(
    "/items/by-sku/{path:sku}/components",
    response=list[ComponentOut],
    summary="Replace a bundle's components, by the bundle's SKU",
)
def components_put_by_sku(request: HttpRequest, sku: str, payload: list[ComponentIn]) -> Any:
    require_role(request, Role.STAFF)
    return _components_out(_put_components(request, item_by_sku(sku), payload))


@router.get("/items/by-sku/{path:sku}", response=ItemOut, summary="Get an item by SKU")
def items_get_by_sku(request: HttpRequest, sku: str) -> Item:
    return item_by_sku(sku)


@router.patch("/items/by-sku/{path:sku}", response=ItemOut, summary="Change an item by SKU")
def items_patch_by_sku(request: HttpRequest, sku: str, payload: ItemPatchIn) -> Item:
    require_role(request, Role.STAFF)
    return _patch(request, item_by_sku(sku), payload)


@router.get("/items/{item_id}", response=ItemOut, summary="Get an item")
def items_get(request: HttpRequest, item_id: int) -> Item:
    return item_by_id(item_id)


@router.patch("/items/{item_id}", response=ItemOut, summary="Change an item")
def items_patch(request: HttpRequest, item_id: int, payload: ItemPatchIn) -> Item:
    require_role(request, Role.STAFF)
    return _patch(request, item_by_id(item_id), payload)


@router.get(
    "/items/{item_id}/components", response=list[ComponentOut], summary="A bundle's components"
)
def components_get(request: HttpRequest, item_id: int) -> Any:
    return _components_out(item_by_id(item_id))


@router.put(
    "/items/{item_id}/components",
    response=list[ComponentOut],
    summary="Replace a bundle's components",
    description='Body: [{"sku": "BOTTLE", "quantity": 12}, ...]. All or nothing; a loop '
    "(a bundle inside itself, directly or through other bundles) is refused with its path.",
)
def components_put(request: HttpRequest, item_id: int, payload: list[ComponentIn]) -> Any:
    require_role(request, Role.STAFF)
    return _components_out(_put_components(request, item_by_id(item_id), payload))
