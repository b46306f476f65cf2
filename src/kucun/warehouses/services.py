"""Writes for warehouses, zones and bins. Each call is one transaction with its audit row."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kucun.core.audit import audit_record
from kucun.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kucun.warehouses.choices import (
    DEFAULT_RECEIVING_BIN_CODE,
    DEFAULT_RECEIVING_ZONE_CODE,
    LocationKind,
    ZoneKind,
)
from kucun.warehouses.extensions import sellable_set
from kucun.warehouses.models import DEFAULT_RECEIVING_ZONE_NAME, Location, Warehouse, Zone
from kucun.warehouses.patterns import duplicated, pattern_codes
from kucun.warehouses.validation import (
    clean_code,
    clean_coordinate,
    clean_country,
    clean_email,
    clean_flag,
    clean_priority,
    clean_text,
    refuse,
)

WAREHOUSE_CODE_MAX_LENGTH = 32
ZONE_CODE_MAX_LENGTH = 32
BIN_CODE_MAX_LENGTH = 64
CLASHES_SHOWN = 10

WAREHOUSE_TEXT_FIELDS = {
    "address_line1": 200,
    "address_line2": 200,
    "city": 100,
    "state": 100,
    "postcode": 20,
    "phone": 40,
}
WAREHOUSE_FIELDS = frozenset(
    {
        "code",
        "name",
        "country",
        "email",
        "latitude",
        "longitude",
        "priority",
        "active",
        *WAREHOUSE_TEXT_FIELDS,
    }
)
ZONE_FIELDS = frozenset({"code", "name", "kind"})


# --- helpers -----------------------------------------------------------------------------------


def unknown_fields_error(fields: Iterable[str], allowed: Iterable[str]) -> ValidationFailed:
    names = sorted(fields)
    message = _("Unknown field; allowed fields are: %(allowed)s.") % {
        "allowed": ", ".join(sorted(allowed))
    }
    return ValidationFailed(
        detail=_("Unknown fields: %(names)s.") % {"names": ", ".join(names)},
        errors=[FieldError(name, message) for name in names],
    )


def clean_warehouse_field(name: str, value: Any) -> Any:
    if name == "code":
        return clean_code(value, max_length=WAREHOUSE_CODE_MAX_LENGTH)
    if name == "name":
        return clean_text(value, field="name", max_length=200, required=True)
    if name in WAREHOUSE_TEXT_FIELDS:
        return clean_text(value, field=name, max_length=WAREHOUSE_TEXT_FIELDS[name])
    if name == "country":
        return clean_country(value)
    if name == "email":
        return clean_email(value)
    if name == "latitude":
        return clean_coordinate(value, field="latitude", limit=90)
    if name == "longitude":
        return clean_coordinate(value, field="longitude", limit=180)
    if name == "priority":
        return clean_priority(value)
    if name == "active":
        return clean_flag(value, field="active")
    raise unknown_fields_error([name], WAREHOUSE_FIELDS)


def clean_zone_kind(value: Any) -> str:
    if value not in ZoneKind.values:
        raise refuse(
            "kind",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(ZoneKind.values)},
        )
    return str(value)


def conflict_on(field: str, message: str) -> Conflict:
    return Conflict(detail=message, errors=[FieldError(field, message)])


def warehouse_code_taken(code: str) -> Conflict:
    return conflict_on("code", _("A warehouse with code %(code)s already exists.") % {"code": code})


def zone_code_taken(warehouse: Warehouse, code: str) -> Conflict:
    return conflict_on(
        "code",
        _("Warehouse %(warehouse)s already has a zone with code %(code)s.")
        % {"warehouse": warehouse.code, "code": code},
    )


def bin_code_taken(warehouse: Warehouse, code: str) -> Conflict:
    return conflict_on(
        "code",
        _("Warehouse %(warehouse)s already has a bin with code %(code)s.")
        % {"warehouse": warehouse.code, "code": code},
    )


def get_warehouse_for_update(warehouse_id: Any) -> Warehouse:
    warehouse = Warehouse.objects.select_for_update().filter(pk=clean_id(warehouse_id)).first()
    if warehouse is None:
        raise NotFound.for_field(
            "warehouse_id", _("No warehouse with id %(id)s.") % {"id": warehouse_id}
        )
    return warehouse


def get_zone(zone_id: Any, *, for_update: bool = False) -> Zone:
    queryset = Zone.objects.select_related("warehouse")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    zone = queryset.filter(pk=clean_id(zone_id)).first()
    if zone is None:
        raise NotFound.for_field("zone_id", _("No zone with id %(id)s.") % {"id": zone_id})
    return zone


def get_bin_for_update(bin_id: Any) -> Location:
    location = (
        Location.objects.select_related("warehouse", "zone")
        .select_for_update(of=("self",))
        .filter(pk=clean_id(bin_id), kind=LocationKind.INTERNAL)
        .first()
    )
    if location is None:
        raise NotFound.for_field("bin_id", _("No bin with id %(id)s.") % {"id": bin_id})
    return location


def clean_id(value: Any) -> int:
    """A database id; anything else (or out of range) matches nothing."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        return 0
    return value


def changes_of(obj: Any, cleaned: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that change, JSON-friendly for the audit row."""

    def plain(value: Any) -> Any:
        return str(value) if isinstance(value, Decimal) else value

    return {
        name: [plain(getattr(obj, name)), plain(value)]
        for name, value in cleaned.items()
        if getattr(obj, name) != value
    }


# --- warehouses --------------------------------------------------------------------------------


def warehouse_create(
    *,
    user: Any,
    code: str,
    name: str,
    address_line1: str = "",
    address_line2: str = "",
    city: str = "",
    state: str = "",
    postcode: str = "",
    country: str = "AU",
    email: str = "",
    phone: str = "",
    latitude: Decimal | float | str | None = None,
    longitude: Decimal | float | str | None = None,
    priority: int = 100,
    active: bool = True,
) -> Warehouse:
    """A warehouse with its RECEIVING zone and default receiving bin."""
    raw = {
        "code": code,
        "name": name,
        "address_line1": address_line1,
        "address_line2": address_line2,
        "city": city,
        "state": state,
        "postcode": postcode,
        "country": country,
        "email": email,
        "phone": phone,
        "latitude": latitude,
        "longitude": longitude,
        "priority": priority,
        "active": active,
    }
    cleaned = {field: clean_warehouse_field(field, value) for field, value in raw.items()}
    try:
        with transaction.atomic():
            if Warehouse.objects.filter(code=cleaned["code"]).exists():
                raise warehouse_code_taken(cleaned["code"])
            warehouse = Warehouse.objects.create(**cleaned)
            zone = Zone.objects.create(
                warehouse=warehouse,
                code=DEFAULT_RECEIVING_ZONE_CODE,
                name=DEFAULT_RECEIVING_ZONE_NAME,
                kind=ZoneKind.STORAGE,
            )
            Location.objects.create(
                kind=LocationKind.INTERNAL,
                warehouse=warehouse,
                zone=zone,
                code=DEFAULT_RECEIVING_BIN_CODE,
                sellable=True,
                active=True,
                is_default_receiving=True,
            )
            audit_record(
                actor=user,
                action="warehouse.create",
                obj=warehouse,
                summary=f"Created warehouse {warehouse.code}",
                data={"code": warehouse.code, "name": warehouse.name},
            )
    except IntegrityError:
        # A concurrent create took the code between the check and the insert.
        raise warehouse_code_taken(cleaned["code"]) from None
    return warehouse


def warehouse_update(*, user: Any, warehouse_id: int, **fields: Any) -> Warehouse:
    unknown = set(fields) - WAREHOUSE_FIELDS
    if unknown:
        raise unknown_fields_error(unknown, WAREHOUSE_FIELDS)
    cleaned = {field: clean_warehouse_field(field, value) for field, value in fields.items()}
    try:
        with transaction.atomic():
            warehouse = get_warehouse_for_update(warehouse_id)
            new_code = cleaned.get("code", warehouse.code)
            if (
                new_code != warehouse.code
                and Warehouse.objects.filter(code=new_code).exclude(pk=warehouse.pk).exists()
            ):
                raise warehouse_code_taken(new_code)
            changes = changes_of(warehouse, cleaned)
            if changes:
                for field, value in cleaned.items():
                    setattr(warehouse, field, value)
                warehouse.save(update_fields=[*changes, "updated_at"])
                audit_record(
                    actor=user,
                    action="warehouse.update",
                    obj=warehouse,
                    summary=f"Changed warehouse {warehouse.code}: {', '.join(sorted(changes))}",
                    data={"changes": changes},
                )
    except IntegrityError:
        raise warehouse_code_taken(cleaned.get("code", "")) from None
    return warehouse


# --- zones -------------------------------------------------------------------------------------


def zone_create(*, user: Any, warehouse_id: int, code: str, name: str, kind: str) -> Zone:
    clean = {
        "code": clean_code(code, max_length=ZONE_CODE_MAX_LENGTH),
        "name": clean_text(name, field="name", max_length=200, required=True),
        "kind": clean_zone_kind(kind),
    }
    warehouse = Warehouse.objects.filter(pk=clean_id(warehouse_id)).first()
    if warehouse is None:
        raise refuse("warehouse_id", _("No warehouse with id %(id)s.") % {"id": warehouse_id})
    try:
        with transaction.atomic():
            if Zone.objects.filter(warehouse=warehouse, code=clean["code"]).exists():
                raise zone_code_taken(warehouse, clean["code"])
            zone = Zone.objects.create(warehouse=warehouse, **clean)
            audit_record(
                actor=user,
                action="zone.create",
                obj=zone,
                summary=f"Created zone {warehouse.code}/{zone.code}",
                data=clean,
            )
    except IntegrityError:
        raise zone_code_taken(warehouse, clean["code"]) from None
    return zone


def zone_update(*, user: Any, zone_id: int, **fields: Any) -> Zone:
    unknown = set(fields) - ZONE_FIELDS
    if unknown:
        raise unknown_fields_error(unknown, ZONE_FIELDS)
    cleaned: dict[str, Any] = {}
    if "code" in fields:
        cleaned["code"] = clean_code(fields["code"], max_length=ZONE_CODE_MAX_LENGTH)
    if "name" in fields:
        cleaned["name"] = clean_text(fields["name"], field="name", max_length=200, required=True)
    if "kind" in fields:
        cleaned["kind"] = clean_zone_kind(fields["kind"])
    try:
        with transaction.atomic():
            zone = get_zone(zone_id, for_update=True)
            new_code = cleaned.get("code", zone.code)
            if (
                new_code != zone.code
                and Zone.objects.filter(warehouse=zone.warehouse, code=new_code).exists()
            ):
                raise zone_code_taken(zone.warehouse, new_code)
            changes = changes_of(zone, cleaned)
            if changes:
                for field, value in cleaned.items():
                    setattr(zone, field, value)
                zone.save(update_fields=[*changes, "updated_at"])
                audit_record(
                    actor=user,
                    action="zone.update",
                    obj=zone,
                    summary=f"Changed zone {zone.warehouse.code}/{zone.code}",
                    data={"changes": changes},
                )
    except IntegrityError:
        raise zone_code_taken(zone.warehouse, cleaned.get("code", "")) from None
    return zone


# --- bins --------------------------------------------------------------------------------------


def bin_create(
    *, user: Any, zone_id: int, code: str, sellable: bool = True, active: bool = True
) -> Location:
    clean: dict[str, Any] = {
        "code": clean_code(code, max_length=BIN_CODE_MAX_LENGTH),
        "sellable": clean_flag(sellable, field="sellable"),
        "active": clean_flag(active, field="active"),
    }
    zone = get_zone(zone_id)
    try:
        with transaction.atomic():
            if Location.objects.filter(
                kind=LocationKind.INTERNAL, warehouse=zone.warehouse, code=clean["code"]
            ).exists():
                raise bin_code_taken(zone.warehouse, clean["code"])
            location = Location.objects.create(
                kind=LocationKind.INTERNAL, warehouse=zone.warehouse, zone=zone, **clean
            )
            audit_record(
                actor=user,
                action="bin.create",
                obj=location,
                summary=f"Created bin {zone.warehouse.code}:{location.code}",
                data={"zone": zone.code, **clean},
            )
    except IntegrityError:
        raise bin_code_taken(zone.warehouse, clean["code"]) from None
    return location


def bin_update(
    *,
    user: Any,
    bin_id: int,
    code: str | None = None,
    active: bool | None = None,
    zone_id: int | None = None,
    sellable: bool | None = None,
) -> Location:
    """Rename, move to another zone of the same warehouse, (de)activate.

    A change of `sellable` changes available stock, so it goes through the stock ledger's
    service (registered in `warehouses.extensions`) in the same transaction.
    """
    cleaned: dict[str, Any] = {}
    if code is not None:
        cleaned["code"] = clean_code(code, max_length=BIN_CODE_MAX_LENGTH)
    if active is not None:
        cleaned["active"] = clean_flag(active, field="active")
    if sellable is not None:
        sellable = clean_flag(sellable, field="sellable")
    current = (
        Location.objects.select_related("warehouse")
        .filter(pk=clean_id(bin_id), kind=LocationKind.INTERNAL)
        .first()
    )
    if current is None or current.warehouse is None:
        raise NotFound.for_field("bin_id", _("No bin with id %(id)s.") % {"id": bin_id})
    warehouse = current.warehouse
    changes: dict[str, list[Any]] = {}
    try:
        with transaction.atomic():
            location = get_bin_for_update(bin_id)
            if zone_id is not None and zone_id != location.zone_id:
                zone = Zone.objects.filter(pk=clean_id(zone_id), warehouse=warehouse).first()
                if zone is None:
                    raise refuse(
                        "zone_id",
                        _("Choose a zone of warehouse %(warehouse)s.")
                        % {"warehouse": warehouse.code},
                    )
                cleaned["zone_id"] = zone.pk
            if location.is_default_receiving and cleaned.get("active") is False:
                raise refuse(
                    "active",
                    _("The default receiving bin %(code)s must stay active.")
                    % {"code": location.code},
                )
            new_code = cleaned.get("code", location.code)
            if (
                new_code != location.code
                and Location.objects.filter(
                    kind=LocationKind.INTERNAL, warehouse=warehouse, code=new_code
                ).exists()
            ):
                raise bin_code_taken(warehouse, new_code)
            changes = changes_of(location, cleaned)
            if changes:
                for field, value in cleaned.items():
                    setattr(location, field, value)
                location.save(update_fields=[*changes, "updated_at"])
                audit_record(
                    actor=user,
                    action="bin.update",
                    obj=location,
                    summary=f"Changed bin {warehouse.code}:{location.code}",
                    data={"changes": changes},
                )
            if sellable is not None and sellable != location.sellable:
                location = sellable_set(user=user, location=location, sellable=sellable)
    except IntegrityError:
        raise bin_code_taken(warehouse, cleaned.get("code", "")) from None
    if "zone_id" in changes:
        location.refresh_from_db()
    return location


def bins_set_active(*, user: Any, bin_ids: Iterable[int], active: bool) -> int:
    """(De)activate many bins at once; the default receiving bins always stay active."""
    active = clean_flag(active, field="active")
    ids = sorted({clean_id(pk) for pk in bin_ids} - {0})
    if not ids:
        raise refuse("bin_ids", _("Select at least one bin."))
    with transaction.atomic():
        bins = list(
            Location.objects.select_for_update()
            .filter(pk__in=ids, kind=LocationKind.INTERNAL)
            .order_by("pk")
        )
        if not active:
            receiving = [location.code for location in bins if location.is_default_receiving]
            if receiving:
                raise refuse(
                    "bin_ids",
                    _("Default receiving bins must stay active: %(codes)s.")
                    % {"codes": ", ".join(receiving)},
                )
        changing = [location for location in bins if location.active != active]
        for location in changing:
            audit_record(
                actor=user,
                action="bin.activate" if active else "bin.deactivate",
                obj=location,
                summary=f"{'Activated' if active else 'Deactivated'} bin {location.code}",
            )
        Location.objects.filter(pk__in=[location.pk for location in changing]).update(active=active)
    return len(changing)


def bin_pattern_codes(
    *,
    prefix: str = "",
    aisles: str = "A",
    racks: str = "01-20",
    levels: str = "1-4",
    separator: str = "-",
) -> list[str]:
    """The codes a pattern makes, in order; "A-C" or "A,B" for letters, "01-20" keeps padding."""
    return pattern_codes(
        prefix=prefix, aisles=aisles, racks=racks, levels=levels, separator=separator
    )


def existing_bin_codes(*, warehouse: Warehouse, codes: list[str]) -> list[str]:
    """Which of these codes the warehouse already uses, in the order given."""
    taken: set[str] = set()
    chunk = 900  # stays under SQLite's bound-parameter limit
    for start in range(0, len(codes), chunk):
        taken.update(
            Location.objects.filter(
                kind=LocationKind.INTERNAL,
                warehouse=warehouse,
                code__in=codes[start : start + chunk],
            ).values_list("code", flat=True)
        )
    return [code for code in codes if code in taken]


def clash_message(codes: list[str]) -> str:
    shown = ", ".join(codes[:CLASHES_SHOWN])
    more = len(codes) - CLASHES_SHOWN
    if more > 0:
        return _("%(codes)s and %(more)d more") % {"codes": shown, "more": more}
    return shown


def bins_create_by_pattern(
    *,
    user: Any,
    zone_id: int,
    prefix: str = "",
    aisles: str,
    racks: str,
    levels: str,
    separator: str = "-",
    sellable: bool = True,
) -> list[Location]:
    """Create every bin of the pattern in the zone, or none when any code clashes."""
    codes = bin_pattern_codes(
        prefix=prefix, aisles=aisles, racks=racks, levels=levels, separator=separator
    )
    sellable = clean_flag(sellable, field="sellable")
    repeated = duplicated(codes)
    if repeated:
        message = _("The pattern repeats codes: %(codes)s. Remove the repeated values.") % {
            "codes": clash_message(repeated)
        }
        raise ValidationFailed(detail=message, errors=[FieldError("pattern", message)])
    zone = get_zone(zone_id)
    warehouse = zone.warehouse
    try:
        with transaction.atomic():
            # Lock the warehouse so two pattern runs for it cannot interleave.
            Warehouse.objects.select_for_update().filter(pk=warehouse.pk).first()
            clashes = existing_bin_codes(warehouse=warehouse, codes=codes)
            if clashes:
                raise pattern_clash(warehouse, clashes)
            bins = Location.objects.bulk_create(
                [
                    Location(
                        kind=LocationKind.INTERNAL,
                        warehouse=warehouse,
                        zone=zone,
                        code=code,
                        sellable=sellable,
                        active=True,
                    )
                    for code in codes
                ],
                batch_size=500,
            )
            audit_record(
                actor=user,
                action="bins.create_by_pattern",
                obj=zone,
                summary=f"Created {len(bins)} bins {codes[0]}…{codes[-1]} in "
                f"{warehouse.code}/{zone.code}",
                data={
                    "prefix": prefix,
                    "aisles": aisles,
                    "racks": racks,
                    "levels": levels,
                    "separator": separator,
                    "sellable": sellable,
                    "count": len(bins),
                },
            )
    except IntegrityError:
        raise pattern_clash(
            warehouse, existing_bin_codes(warehouse=warehouse, codes=codes)
        ) from None
    return bins


def pattern_clash(warehouse: Warehouse, clashes: list[str]) -> Conflict:
    message = _(
        "Nothing was created: %(count)d of these bins already exist in %(warehouse)s: %(codes)s."
    ) % {"count": len(clashes), "warehouse": warehouse.code, "codes": clash_message(clashes)}
    return Conflict(detail=message, errors=[FieldError("pattern", message)])
