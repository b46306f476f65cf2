"""Resolve the codes people type (warehouse, SKU, bin) to rows, in bulk, naming bad input."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from kucun.catalog.models import Item
from kucun.core.errors import FieldError, NotFound, ValidationFailed
from kucun.inventory.errors import UnknownBin, UnknownSku
from kucun.inventory.services.bulk import column_name, fetch_first_row, fetch_in
from kucun.inventory.services.ledger import CHUNK, chunks
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location, Warehouse

# Quantities are whole units, at most this many on one line (a receipt, issue, transfer or
# allocation line, or a count); balances are 64-bit, so any number of full lines add up safely.
MAX_LINE_QTY = 1_000_000_000


def find_warehouse(code: Any, *, field: str = "warehouse") -> Warehouse:
    value = str(code or "").strip()
    # The code ignoring (ASCII) case, as ``code__iexact``; a plain statement: every document
    # starts here.
    warehouse = (
        fetch_first_row(Warehouse, f"UPPER({column_name(Warehouse, 'code')}) = UPPER(%s)", [value])
        if value
        else None
    )
    if warehouse is None:
        message = _("Unknown warehouse %(code)s.") % {"code": value or "''"}
        raise NotFound(detail=message, errors=[FieldError(field, message)])
    return warehouse


@dataclass(frozen=True)
class ItemRef:
    pk: int
    sku: str
    is_bundle: bool


def items_by_sku(skus: Iterable[str]) -> dict[str, ItemRef]:
    """{sku as given (stripped): item}; case-insensitive like the SKU's unique constraint."""
    wanted = sorted({sku.strip() for sku in skus if sku and sku.strip()})
    found: dict[str, ItemRef] = {}
    for pk, sku, is_bundle in fetch_in(Item, ["id", "sku", "is_bundle"], "sku", wanted):
        found[sku] = ItemRef(pk, sku, bool(is_bundle))
    missing = [sku for sku in wanted if sku not in found]
    for part in chunks(missing, 200):
        lowered = {}
        for pk, sku, is_bundle in (
            Item.objects.alias(sku_lower=Lower("sku"))
            .filter(sku_lower__in=[Lower(Value(sku)) for sku in part])
            .values_list("pk", "sku", "is_bundle")
        ):
            lowered[sku.lower()] = ItemRef(pk, sku, is_bundle)
        for sku in part:
            match = lowered.get(sku.lower())
            if match is not None:
                found[sku] = match
    return found


def bins_by_code(warehouse: Warehouse, codes: Iterable[str]) -> dict[str, Location]:
    """{code as normalised (trimmed, upper-case): bin} for the bins of one warehouse."""
    wanted = sorted({normal_bin_code(code) for code in codes if code and code.strip()})
    found: dict[str, Location] = {}
    for part in chunks(wanted, CHUNK):
        for location in Location.objects.filter(
            kind=LocationKind.INTERNAL, warehouse=warehouse, code__in=part
        ):
            found[location.code] = location
    missing = [code for code in wanted if code not in found]
    for code in missing:
        match = Location.objects.filter(
            kind=LocationKind.INTERNAL, warehouse=warehouse, code__iexact=code
        ).first()
        if match is not None:
            found[code] = match
    return found


def normal_bin_code(code: str) -> str:
    return code.strip().upper()


def virtual_location(kind: str) -> Location:
    """The one supplier / customer / adjustment / transit location (created on first use).

    Read with a plain statement: every posting needs one, and building the ORM query costs
    more than running it.
    """
    table = connection.ops.quote_name(Location._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, code, sellable, active FROM {table} WHERE kind = %s",  # noqa: S608
            [kind],
        )
        row = cursor.fetchone()
    if row is not None:
        pk, code, sellable, active = row
        return Location(pk=pk, kind=kind, code=code, sellable=bool(sellable), active=bool(active))
    location, _created = Location.objects.get_or_create(
        kind=kind, defaults={"code": kind.upper(), "sellable": False}
    )
    return location


LOCATION_FIELDS = ["id", "kind", "code", "sellable", "active", "warehouse", "zone"]


def locations_by_id(ids: Iterable[int]) -> dict[int, Location]:
    """Locations by primary key, read with one plain statement (see ``virtual_location``)."""
    rows = fetch_in(Location, LOCATION_FIELDS, "id", sorted(set(ids)))
    return {
        pk: Location(
            pk=pk,
            kind=kind,
            code=code,
            sellable=bool(sellable),
            active=bool(active),
            warehouse_id=warehouse_id,
            zone_id=zone_id,
        )
        for pk, kind, code, sellable, active, warehouse_id, zone_id in rows
    }


def default_receiving_bin(warehouse: Warehouse) -> Location:
    location = fetch_first_row(
        Location,
        " AND ".join(
            f"{column_name(Location, name)} = %s"
            for name in ("kind", "warehouse", "is_default_receiving")
        ),
        [LocationKind.INTERNAL.value, warehouse.pk, True],
    )
    if location is None:
        raise ValidationFailed.for_field(
            "bin",
            _("Warehouse %(code)s has no default receiving bin; choose a bin for each line.")
            % {"code": warehouse.code},
        )
    return location


def component_skus(expansions: dict[int, dict[int, int]]) -> dict[int, str]:
    """{component id: SKU} for every leaf component of the given expansions, in one query."""
    ids = {component for leaves in expansions.values() for component in leaves}
    return dict(Item.objects.filter(pk__in=ids).values_list("pk", "sku")) if ids else {}


def bundle_refusal(sku: str, components: Iterable[tuple[str, int]]) -> str:
    """Why a document line may not name a bundle, listing what to enter instead.

    A bundle holds no stock: what is received or shipped is its components, and a document
    must show what moved, so its lines name the components themselves.
    """
    listed = ", ".join(f"{qty} × {component}" for component, qty in sorted(components))
    if not listed:
        return _("%(sku)s is a bundle with no components, which holds no stock.") % {"sku": sku}
    return _(
        "%(sku)s is a bundle, which holds no stock: enter its components instead "
        "(per bundle: %(components)s)."
    ) % {"sku": sku, "components": listed}


def clean_qty(value: Any, *, field: str, allow_zero: bool = False) -> tuple[int, str | None]:
    """(quantity, None) or (0, message) for a whole number of units."""
    smallest = 0 if allow_zero else 1
    if isinstance(value, bool):
        ok = False
    elif isinstance(value, int):
        ok = True
    elif isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
        ok = True
    else:
        ok = False
    if ok and value > MAX_LINE_QTY:
        return 0, _("must be at most %(limit)s units on one line") % {"limit": f"{MAX_LINE_QTY:,}"}
    if not ok or not smallest <= value:
        if allow_zero:
            return 0, _("must be a whole number, 0 or more")
        return 0, _("must be a positive whole number")
    return int(value), None


class LineErrors:
    """Problems with the lines of one request, all reported together."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.unknown_sku = False
        self.unknown_bin = False

    def add(self, field: str, message: str, *, kind: str = "") -> None:
        self.errors.append(FieldError(field, message))
        self.unknown_sku = self.unknown_sku or kind == "sku"
        self.unknown_bin = self.unknown_bin or kind == "bin"

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        detail = "; ".join(f"{error.field}: {error.message}" for error in self.errors)
        if self.unknown_sku:
            raise UnknownSku(detail=detail, errors=list(self.errors))
        if self.unknown_bin:
            raise UnknownBin(detail=detail, errors=list(self.errors))
        raise ValidationFailed(detail=detail, errors=list(self.errors))
