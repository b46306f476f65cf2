"""/api/v1/warehouses, /zones, /bins and /bins/pattern. Viewers read; staff and owners write."""

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.core.errors import NotFound
from kucun.core.pagination import FiftyPerPage
from kucun.warehouses import selectors, services
from kucun.warehouses.models import Location, Warehouse, Zone
from kucun.warehouses.patterns import duplicated
from kucun.warehouses.validation import refuse

router = Router(tags=["warehouses"])

MAX_ID = 2**63 - 1


def found(queryset: QuerySet[Any], pk: int, message: str, field: str = "id") -> Any:
    obj = queryset.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if obj is None:
        raise NotFound.for_field(field, message)
    return obj


# --- schemas -----------------------------------------------------------------------------------


class WarehouseOut(Schema):
    id: int
    code: str
    name: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postcode: str
    country: str
    email: str
    phone: str
    latitude: float | None
    longitude: float | None
    priority: int
    active: bool
    bins_count: int = 0


class WarehouseCreate(Schema):
    code: str
    name: str
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country: str = "AU"
    email: str = ""
    phone: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    priority: int = 100
    active: bool = True


class WarehousePatch(Schema):
    code: str | None = None
    name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    priority: int | None = None
    active: bool | None = None


class WarehouseFilters(Schema):
    q: str = ""
    active: bool | None = None


class ZoneOut(Schema):
    id: int
    warehouse_id: int
    warehouse: str = Field(..., alias="warehouse.code")
    code: str
    name: str
    kind: str
    bins_count: int = 0


class ZoneCreate(Schema):
    warehouse_id: int | None = Field(None, ge=1, le=MAX_ID)
    warehouse: str | None = Field(None, description="Warehouse code, instead of warehouse_id.")
    code: str
    name: str
    kind: str


class ZonePatch(Schema):
    code: str | None = None
    name: str | None = None
    kind: str | None = None


class ZoneFilters(Schema):
    warehouse: str | None = Field(None, description="Warehouse code.")
    warehouse_id: int | None = Field(None, ge=1, le=MAX_ID)
    kind: str = ""
    q: str = ""


class BinOut(Schema):
    id: int
    warehouse_id: int
    warehouse: str = Field(..., alias="warehouse.code")
    zone_id: int
    zone: str = Field(..., alias="zone.code")
    zone_kind: str = Field(..., alias="zone.kind")
    code: str
    sellable: bool
    active: bool
    is_default_receiving: bool


class ZoneReference(Schema):
    """A zone by id, or by warehouse code and zone code."""

    zone_id: int | None = Field(None, ge=1, le=MAX_ID)
    warehouse: str | None = Field(None, description="Warehouse code (with zone).")
    zone: str | None = Field(None, description="Zone code (with warehouse).")


class BinCreate(ZoneReference):
    code: str
    sellable: bool = True
    active: bool = True


class BinPatch(Schema):
    code: str | None = None
    active: bool | None = None
    sellable: bool | None = None
    zone_id: int | None = Field(None, ge=1, le=MAX_ID)


class BinFilters(Schema):
    warehouse: str | None = Field(None, description="Warehouse code.")
    warehouse_id: int | None = Field(None, ge=1, le=MAX_ID)
    zone: int | None = Field(None, ge=1, le=MAX_ID, description="Zone id.")
    kind: str = Field("", description="Zone kind: picking or storage.")
    sellable: bool | None = None
    active: bool | None = None
    q: str = ""


class BinPatternIn(ZoneReference):
    prefix: str = ""
    aisles: str = ""
    racks: str = ""
    levels: str = ""
    separator: str = "-"
    sellable: bool = True
    preview: bool = False


class BinPatternPreview(Schema):
    count: int
    codes: list[str]
    existing: list[str]
    repeated: list[str]


class BinPatternCreated(Schema):
    count: int
    codes: list[str]


# --- warehouses --------------------------------------------------------------------------------


@router.get("/warehouses", response=list[WarehouseOut])
@paginate(FiftyPerPage)
def warehouse_list(request: HttpRequest, filters: Query[WarehouseFilters]) -> QuerySet[Warehouse]:
    return selectors.warehouse_list(q=filters.q, active=filters.active)


@router.post("/warehouses", response={201: WarehouseOut})
def warehouse_create(request: HttpRequest, payload: WarehouseCreate) -> Status[Any]:
    require_role(request, Role.STAFF)
    warehouse = services.warehouse_create(user=request.user, **payload.dict())
    return Status(201, warehouse_out(warehouse.pk))


def warehouse_out(pk: int) -> Warehouse:
    return found(selectors.warehouse_list(), pk, _("No warehouse with id %(id)s.") % {"id": pk})


@router.get("/warehouses/by-code/{code}", response=WarehouseOut)
def warehouse_get_by_code(request: HttpRequest, code: str) -> Warehouse:
    warehouse = selectors.warehouse_by_code(code)
    return warehouse_out(warehouse.pk)


@router.get("/warehouses/{warehouse_id}", response=WarehouseOut)
def warehouse_get(request: HttpRequest, warehouse_id: int) -> Warehouse:
    return warehouse_out(warehouse_id)


@router.patch("/warehouses/{warehouse_id}", response=WarehouseOut)
def warehouse_patch(request: HttpRequest, warehouse_id: int, payload: WarehousePatch) -> Warehouse:
    require_role(request, Role.STAFF)
    warehouse = warehouse_out(warehouse_id)
    services.warehouse_update(
        user=request.user, warehouse_id=warehouse.pk, **payload.dict(exclude_unset=True)
    )
    return warehouse_out(warehouse.pk)


# --- zones -------------------------------------------------------------------------------------


def zone_out(pk: int) -> Zone:
    return found(selectors.zone_list(), pk, _("No zone with id %(id)s.") % {"id": pk})


def warehouse_id_from(warehouse_id: int | None, code: str | None) -> int:
    if warehouse_id is not None:
        return warehouse_id
    if code:
        return selectors.warehouse_by_code(code).pk
    raise refuse("warehouse", _("Give the warehouse: warehouse (its code) or warehouse_id."))


@router.get("/zones", response=list[ZoneOut])
@paginate(FiftyPerPage)
def zone_list(request: HttpRequest, filters: Query[ZoneFilters]) -> QuerySet[Zone]:
    warehouse: int | str | None = filters.warehouse_id or filters.warehouse
    return selectors.zone_list(warehouse=warehouse, kind=filters.kind, q=filters.q)


@router.post("/zones", response={201: ZoneOut})
def zone_create(request: HttpRequest, payload: ZoneCreate) -> Status[Any]:
    require_role(request, Role.STAFF)
    try:
        warehouse_id = warehouse_id_from(payload.warehouse_id, payload.warehouse)
    except NotFound as error:
        raise refuse("warehouse", error.detail) from None
    zone = services.zone_create(
        user=request.user,
        warehouse_id=warehouse_id,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
    )
    return Status(201, zone_out(zone.pk))


@router.get("/zones/{zone_id}", response=ZoneOut)
def zone_get(request: HttpRequest, zone_id: int) -> Zone:
    return zone_out(zone_id)


@router.patch("/zones/{zone_id}", response=ZoneOut)
def zone_patch(request: HttpRequest, zone_id: int, payload: ZonePatch) -> Zone:
    require_role(request, Role.STAFF)
    zone = zone_out(zone_id)
    services.zone_update(user=request.user, zone_id=zone.pk, **payload.dict(exclude_unset=True))
    return zone_out(zone.pk)


# --- bins --------------------------------------------------------------------------------------


def bin_out(pk: int) -> Location:
    return found(selectors.bin_list(), pk, _("No bin with id %(id)s.") % {"id": pk})


def zone_id_from(reference: ZoneReference) -> int:
    """The zone a payload names, as a 422 naming the field when it names none."""
    if reference.zone_id is not None:
        return reference.zone_id
    if reference.warehouse and reference.zone:
        try:
            warehouse = selectors.warehouse_by_code(reference.warehouse)
            return selectors.zone_by_code(warehouse=warehouse, code=reference.zone).pk
        except NotFound as error:
            field = error.errors[0].field if error.errors else "zone"
            raise refuse(field, error.detail) from None
    raise refuse("zone_id", _("Give the zone: zone_id, or warehouse and zone codes."))


@router.get("/bins", response=list[BinOut])
@paginate(FiftyPerPage)
def bin_list(request: HttpRequest, filters: Query[BinFilters]) -> QuerySet[Location]:
    warehouse: int | str | None = filters.warehouse_id or filters.warehouse
    return selectors.bin_list(
        warehouse=warehouse,
        zone=filters.zone,
        kind=filters.kind,
        sellable=filters.sellable,
        active=filters.active,
        q=filters.q,
    )


@router.post("/bins", response={201: BinOut})
def bin_create(request: HttpRequest, payload: BinCreate) -> Status[Any]:
    require_role(request, Role.STAFF)
    zone_id = zone_id_from(payload)
    location = services.bin_create(
        user=request.user,
        zone_id=zone_id,
        code=payload.code,
        sellable=payload.sellable,
        active=payload.active,
    )
    return Status(201, bin_out(location.pk))


@router.post("/bins/pattern", response={200: BinPatternPreview, 201: BinPatternCreated})
def bin_pattern(request: HttpRequest, payload: BinPatternIn) -> Any:
    """Create bins aisle x rack x level; with "preview": true only list the codes."""
    require_role(request, Role.STAFF)
    zone_id = zone_id_from(payload)
    pattern = {
        "prefix": payload.prefix,
        "aisles": payload.aisles,
        "racks": payload.racks,
        "levels": payload.levels,
        "separator": payload.separator,
    }
    if payload.preview:
        codes = services.bin_pattern_codes(**pattern)
        zone = found(Zone.objects.select_related("warehouse"), zone_id, zone_missing(zone_id))
        existing = services.existing_bin_codes(warehouse=zone.warehouse, codes=codes)
        return BinPatternPreview(
            count=len(codes), codes=codes, existing=existing, repeated=duplicated(codes)
        )
    bins = services.bins_create_by_pattern(
        user=request.user, zone_id=zone_id, sellable=payload.sellable, **pattern
    )
    return Status(201, BinPatternCreated(count=len(bins), codes=[b.code for b in bins]))


def zone_missing(zone_id: int) -> str:
    return _("No zone with id %(id)s.") % {"id": zone_id}


@router.get("/bins/{bin_id}", response=BinOut)
def bin_get(request: HttpRequest, bin_id: int) -> Location:
    return bin_out(bin_id)


@router.patch("/bins/{bin_id}", response=BinOut)
def bin_patch(request: HttpRequest, bin_id: int, payload: BinPatch) -> Location:
    require_role(request, Role.STAFF)
    location = bin_out(bin_id)
    changes = payload.dict(exclude_unset=True)
    for name in ("code", "active", "sellable", "zone_id"):
        if name in changes and changes[name] is None:
            raise refuse(name, _("Give a value or leave the field out."))
    services.bin_update(user=request.user, bin_id=location.pk, **changes)
    return bin_out(location.pk)
