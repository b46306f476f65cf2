"""Reads for warehouses, zones and bins; one filter definition serves the console and the API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from kucun.core.errors import FieldError, NotFound, ValidationFailed
from kucun.warehouses.choices import VIRTUAL_LOCATION_KINDS, LocationKind, ZoneKind
from kucun.warehouses.extensions import BinHoldings, bin_holdings_reader
from kucun.warehouses.models import Location, Warehouse, Zone

# --- single objects ----------------------------------------------------------------------------


def virtual_location(kind: LocationKind | str) -> Location:
    """The one supplier / customer / adjustment / transit location, created on first use."""
    if kind not in VIRTUAL_LOCATION_KINDS:
        message = _("%(kind)s is not a virtual location kind.") % {"kind": kind}
        raise ValidationFailed(detail=message, errors=[FieldError("kind", message)])
    kind = LocationKind(kind)
    existing = Location.objects.filter(kind=kind).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Location.objects.create(kind=kind, code=kind.value.upper(), sellable=False)
    except IntegrityError:
        # Another process created it first.
        return Location.objects.get(kind=kind)


def default_receiving_bin(warehouse: Warehouse) -> Location:
    location = (
        Location.objects.select_related("warehouse", "zone")
        .filter(warehouse=warehouse, kind=LocationKind.INTERNAL, is_default_receiving=True)
        .first()
    )
    if location is None:
        raise NotFound.for_field(
            "warehouse",
            _("Warehouse %(code)s has no default receiving bin.") % {"code": warehouse.code},
        )
    return location


def normalised_code(code: Any) -> str:
    return code.strip().upper() if isinstance(code, str) else ""


def warehouse_by_code(code: str) -> Warehouse:
    warehouse = Warehouse.objects.filter(code=normalised_code(code)).first()
    if warehouse is None:
        raise NotFound.for_field(
            "warehouse", _("No warehouse with code %(code)s.") % {"code": code}
        )
    return warehouse


def zone_by_code(*, warehouse: Warehouse, code: str) -> Zone:
    zone = (
        Zone.objects.select_related("warehouse")
        .filter(warehouse=warehouse, code=normalised_code(code))
        .first()
    )
    if zone is None:
        raise NotFound.for_field(
            "zone",
            _("Warehouse %(warehouse)s has no zone %(code)s.")
            % {"warehouse": warehouse.code, "code": code},
        )
    return zone


def bin_by_code(*, warehouse: Warehouse, code: str) -> Location:
    location = (
        Location.objects.select_related("warehouse", "zone")
        .filter(warehouse=warehouse, kind=LocationKind.INTERNAL, code=normalised_code(code))
        .first()
    )
    if location is None:
        raise NotFound.for_field(
            "bin",
            _("Warehouse %(warehouse)s has no bin %(code)s.")
            % {"warehouse": warehouse.code, "code": code},
        )
    return location


# --- lists -------------------------------------------------------------------------------------


def bins_count_filter(prefix: str = "") -> Q:
    return Q(**{f"{prefix}kind": LocationKind.INTERNAL})


def warehouse_list(*, q: str = "", active: bool | None = None) -> QuerySet[Warehouse]:
    """Warehouses with `bins_count`, filtered by text (code, name, city, state) and status."""
    queryset = Warehouse.objects.annotate(
        bins_count=Count("locations", filter=bins_count_filter("locations__"))
    )
    text = q.strip() if isinstance(q, str) else ""
    if text:
        queryset = queryset.filter(
            Q(code__icontains=text)
            | Q(name__icontains=text)
            | Q(city__icontains=text)
            | Q(state__icontains=text)
            | Q(postcode__icontains=text)
        )
    if active is not None:
        queryset = queryset.filter(active=active)
    return queryset.order_by("priority", "code")


def warehouse_filter(queryset: QuerySet[Any], warehouse: int | str | None, path: str) -> Any:
    """Filter by a warehouse id (int) or code (str, any case)."""
    if warehouse is None or warehouse == "":
        return queryset
    if isinstance(warehouse, int):
        return queryset.filter(**{f"{path}_id": warehouse})
    return queryset.filter(**{f"{path}__code": normalised_code(warehouse)})


def zone_list(*, warehouse: int | str | None = None, kind: str = "", q: str = "") -> QuerySet[Zone]:
    """Zones with their warehouse and `bins_count`."""
    queryset = Zone.objects.select_related("warehouse").annotate(bins_count=Count("bins"))
    queryset = warehouse_filter(queryset, warehouse, "warehouse")
    if kind:
        queryset = queryset.filter(kind=kind)
    text = q.strip() if isinstance(q, str) else ""
    if text:
        queryset = queryset.filter(Q(code__icontains=text) | Q(name__icontains=text))
    return queryset.order_by("warehouse__code", "code")


def bin_list(
    *,
    warehouse: int | str | None = None,
    zone: int | None = None,
    kind: str = "",
    sellable: bool | None = None,
    active: bool | None = None,
    q: str = "",
) -> QuerySet[Location]:
    """Bins (internal locations) with warehouse and zone; kind is the zone's kind."""
    queryset = Location.objects.filter(kind=LocationKind.INTERNAL).select_related(
        "warehouse", "zone"
    )
    queryset = warehouse_filter(queryset, warehouse, "warehouse")
    if zone is not None:
        queryset = queryset.filter(zone_id=zone)
    if kind:
        queryset = queryset.filter(zone__kind=kind)
    if sellable is not None:
        queryset = queryset.filter(sellable=sellable)
    if active is not None:
        queryset = queryset.filter(active=active)
    text = q.strip() if isinstance(q, str) else ""
    if text:
        queryset = queryset.filter(code__icontains=text)
    return queryset.order_by("warehouse__code", "code")


def zones_for_choice() -> QuerySet[Zone]:
    return Zone.objects.select_related("warehouse").order_by("warehouse__code", "code")


def zone_kinds() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in ZoneKind.choices]


# --- stock held in bins ------------------------------------------------------------------------


def stock_ledger_ready() -> bool:
    """True once the stock ledger has registered its reader of bin holdings."""
    return bin_holdings_reader() is not None


def bin_holdings(bin_ids: Sequence[int]) -> dict[int, BinHoldings] | None:
    """Items held and units held per bin, in one aggregate query; None without a stock ledger.

    Bins holding nothing are absent from the result (read them as 0 / 0).
    """
    reader = bin_holdings_reader()
    if reader is None:
        return None
    if not bin_ids:
        return {}
    return reader(list(bin_ids))
