from decimal import Decimal
from typing import Any

import pytest

from kucun.accounts.models import User
from kucun.core.errors import Conflict, NotFound, ValidationFailed
from kucun.core.models import AuditEntry
from kucun.warehouses import services
from kucun.warehouses.choices import LocationKind, ZoneKind
from kucun.warehouses.models import Location, Warehouse, Zone
from tests.factories import BinFactory, WarehouseFactory, ZoneFactory

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (
        Warehouse.objects.count(),
        Zone.objects.count(),
        Location.objects.count(),
        AuditEntry.objects.count(),
    )


# --- warehouses --------------------------------------------------------------------------------


def test_warehouse_create_makes_receiving_zone_and_default_bin(owner: User) -> None:
    warehouse = services.warehouse_create(
        user=owner,
        code="  syd ",
        name=" Sydney ",
        city="Sydney",
        state="NSW",
        email="syd@example.com",
        latitude="-33.8688",
        longitude=151.2093,
        priority=10,
    )

    warehouse.refresh_from_db()
    assert warehouse.code == "SYD"
    assert warehouse.name == "Sydney"
    assert warehouse.latitude == Decimal("-33.868800")
    assert warehouse.longitude == Decimal("151.209300")
    zone = Zone.objects.get(warehouse=warehouse)
    assert (zone.code, zone.kind) == ("RECEIVING", ZoneKind.STORAGE)
    receiving = Location.objects.get(warehouse=warehouse)
    assert receiving.kind == LocationKind.INTERNAL
    assert receiving.zone == zone
    assert receiving.code == "RECEIVING"
    assert receiving.sellable is True
    assert receiving.is_default_receiving is True
    entry = AuditEntry.objects.get(action="warehouse.create")
    assert entry.actor == owner
    assert entry.object_id == str(warehouse.pk)


def test_duplicate_warehouse_code_is_refused_leaving_nothing(owner: User) -> None:
    services.warehouse_create(user=owner, code="SYD", name="Sydney")
    before = counts()

    with pytest.raises(Conflict) as caught:
        services.warehouse_create(user=owner, code="syd", name="Another")

    assert caught.value.detail == "A warehouse with code SYD already exists."
    assert [e.field for e in caught.value.errors] == ["code"]
    assert counts() == before


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({"latitude": "91"}, "latitude", "between -90 and 90"),
        ({"latitude": "-90.5"}, "latitude", "between -90 and 90"),
        ({"longitude": 181}, "longitude", "between -180 and 180"),
        ({"longitude": "east"}, "longitude", "number of degrees"),
        ({"latitude": "NaN"}, "latitude", "between -90 and 90"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"code": "SYD 1"}, "code", "no spaces"),
        ({"code": "悉尼"}, "code", "letters A–Z"),
        ({"code": ""}, "code", "Enter a code"),
        ({"code": "X" * 33}, "code", "at most 32"),
        ({"name": "  "}, "name", "required"),
        ({"name": "a\x00b"}, "name", "control characters"),
        ({"city": "c" * 101}, "city", "at most 100"),
        ({"country": "Australia"}, "country", "at most 2"),
        ({"country": "1A"}, "country", "two-letter"),
        ({"priority": 10**12}, "priority", "between"),
        ({"priority": "high"}, "priority", "whole number"),
        ({"active": "yes"}, "active", "true or false"),
    ],
)
def test_warehouse_validation_names_the_field(
    owner: User, kwargs: dict[str, Any], field: str, fragment: str
) -> None:
    data: dict[str, Any] = {"code": "MEL", "name": "Melbourne", **kwargs}

    with pytest.raises(ValidationFailed) as caught:
        services.warehouse_create(user=owner, **data)

    assert [e.field for e in caught.value.errors] == [field]
    assert fragment in caught.value.errors[0].message
    assert counts() == (0, 0, 0, 0)


def test_warehouse_update_changes_fields_and_audits(owner: User) -> None:
    warehouse = WarehouseFactory(code="SYD", name="Sydney")

    updated = services.warehouse_update(
        user=owner, warehouse_id=warehouse.pk, name="Sydney DC", latitude=None, priority=5
    )

    assert (updated.name, updated.priority) == ("Sydney DC", 5)
    warehouse.refresh_from_db()
    assert warehouse.name == "Sydney DC"
    entry = AuditEntry.objects.get(action="warehouse.update")
    assert entry.data["changes"] == {"name": ["Sydney", "Sydney DC"], "priority": [100, 5]}


def test_warehouse_update_refuses_a_taken_code_and_unknown_fields(owner: User) -> None:
    WarehouseFactory(code="SYD")
    melbourne = WarehouseFactory(code="MEL", name="Melbourne")

    with pytest.raises(Conflict) as caught:
        services.warehouse_update(user=owner, warehouse_id=melbourne.pk, code="syd", name="X")
    assert caught.value.detail == "A warehouse with code SYD already exists."

    with pytest.raises(ValidationFailed) as unknown:
        services.warehouse_update(user=owner, warehouse_id=melbourne.pk, colour="red")
    assert [e.field for e in unknown.value.errors] == ["colour"]

    melbourne.refresh_from_db()
    assert (melbourne.code, melbourne.name) == ("MEL", "Melbourne")
    assert not AuditEntry.objects.filter(action="warehouse.update").exists()


def test_warehouse_update_of_a_missing_warehouse_is_not_found(owner: User) -> None:
    with pytest.raises(NotFound):
        services.warehouse_update(user=owner, warehouse_id=999999, name="X")


# --- zones -------------------------------------------------------------------------------------


def test_zone_create_and_duplicate(owner: User) -> None:
    warehouse = WarehouseFactory(code="SYD")

    zone = services.zone_create(
        user=owner, warehouse_id=warehouse.pk, code="pick-a", name="Pick A", kind="picking"
    )

    assert (zone.code, zone.kind) == ("PICK-A", ZoneKind.PICKING)
    assert AuditEntry.objects.filter(action="zone.create", object_id=str(zone.pk)).count() == 1
    before = counts()
    with pytest.raises(Conflict) as caught:
        services.zone_create(
            user=owner, warehouse_id=warehouse.pk, code="PICK-A", name="Again", kind="storage"
        )
    assert caught.value.detail == "Warehouse SYD already has a zone with code PICK-A."
    assert counts() == before


def test_same_zone_code_is_allowed_in_another_warehouse(owner: User) -> None:
    WarehouseFactory(code="SYD")
    melbourne = WarehouseFactory(code="MEL")

    zone = services.zone_create(
        user=owner, warehouse_id=melbourne.pk, code="RECEIVING2", name="R", kind="storage"
    )

    assert zone.warehouse == melbourne


def test_zone_create_refuses_bad_kind_and_missing_warehouse(owner: User) -> None:
    warehouse = WarehouseFactory()

    with pytest.raises(ValidationFailed) as kind:
        services.zone_create(user=owner, warehouse_id=warehouse.pk, code="A", name="A", kind="x")
    assert [e.field for e in kind.value.errors] == ["kind"]

    with pytest.raises(ValidationFailed) as missing:
        services.zone_create(user=owner, warehouse_id=424242, code="A", name="A", kind="picking")
    assert [e.field for e in missing.value.errors] == ["warehouse_id"]
    assert Zone.objects.filter(code="A").count() == 0


def test_zone_update(owner: User) -> None:
    zone = ZoneFactory(code="A", name="Aisle A", kind=ZoneKind.PICKING)
    ZoneFactory(warehouse=zone.warehouse, code="B")

    updated = services.zone_update(user=owner, zone_id=zone.pk, name="Front", kind="storage")
    assert (updated.name, updated.kind) == ("Front", ZoneKind.STORAGE)

    with pytest.raises(Conflict):
        services.zone_update(user=owner, zone_id=zone.pk, code="b")
    zone.refresh_from_db()
    assert zone.code == "A"


# --- bins --------------------------------------------------------------------------------------


def test_bin_create_upper_cases_and_refuses_duplicates_in_the_warehouse(owner: User) -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"))
    other_zone = ZoneFactory(warehouse=zone.warehouse)

    location = services.bin_create(user=owner, zone_id=zone.pk, code=" a-01-1 ", sellable=False)

    assert (location.code, location.sellable, location.warehouse) == (
        "A-01-1",
        False,
        zone.warehouse,
    )
    before = counts()
    with pytest.raises(Conflict) as caught:
        services.bin_create(user=owner, zone_id=other_zone.pk, code="A-01-1")
    assert caught.value.detail == "Warehouse SYD already has a bin with code A-01-1."
    assert counts() == before


def test_bin_create_in_a_missing_zone_is_not_found(owner: User) -> None:
    with pytest.raises(NotFound) as caught:
        services.bin_create(user=owner, zone_id=987654, code="A")
    assert [e.field for e in caught.value.errors] == ["zone_id"]


def test_bin_update_renames_moves_and_deactivates(owner: User) -> None:
    location = BinFactory(code="A-1")
    other_zone = ZoneFactory(warehouse=location.warehouse)

    updated = services.bin_update(
        user=owner, bin_id=location.pk, code="a-2", active=False, zone_id=other_zone.pk
    )

    assert (updated.code, updated.active, updated.zone) == ("A-2", False, other_zone)
    entry = AuditEntry.objects.get(action="bin.update")
    assert entry.data["changes"]["code"] == ["A-1", "A-2"]


def test_bin_update_refuses_a_zone_of_another_warehouse(owner: User) -> None:
    location = BinFactory(code="A-1")
    foreign_zone = ZoneFactory()

    with pytest.raises(ValidationFailed) as caught:
        services.bin_update(user=owner, bin_id=location.pk, zone_id=foreign_zone.pk, code="A-9")

    assert [e.field for e in caught.value.errors] == ["zone_id"]
    location.refresh_from_db()
    assert location.code == "A-1"


def test_default_receiving_bin_stays_active(owner: User) -> None:
    warehouse = WarehouseFactory()
    receiving = Location.objects.get(warehouse=warehouse, is_default_receiving=True)

    with pytest.raises(ValidationFailed):
        services.bin_update(user=owner, bin_id=receiving.pk, active=False)
    with pytest.raises(ValidationFailed):
        services.bins_set_active(user=owner, bin_ids=[receiving.pk], active=False)

    receiving.refresh_from_db()
    assert receiving.active is True


def test_bin_update_sends_sellable_changes_to_the_stock_ledger(owner: User) -> None:
    location = BinFactory(code="A-1", sellable=True)

    updated = services.bin_update(user=owner, bin_id=location.pk, sellable=False, code="A-2")

    assert (updated.sellable, updated.code) == (False, "A-2")
    location.refresh_from_db()
    assert (location.sellable, location.code) == (False, "A-2")
    # The ledger's own service made the change and recorded it.
    assert AuditEntry.objects.filter(action="bin.set_sellable", object_id=str(location.pk)).exists()
    assert AuditEntry.objects.get(action="bin.update").data["changes"] == {"code": ["A-1", "A-2"]}


def test_bins_set_active_counts_changes(owner: User) -> None:
    first = BinFactory(active=True)
    second = BinFactory(zone=first.zone, active=False)

    changed = services.bins_set_active(user=owner, bin_ids=[first.pk, second.pk], active=False)

    assert changed == 1
    assert set(
        Location.objects.filter(pk__in=[first.pk, second.pk]).values_list("active", flat=True)
    ) == {False}
    assert AuditEntry.objects.filter(action="bin.deactivate").count() == 1


# --- bins by pattern ---------------------------------------------------------------------------


def test_pattern_creates_eighty_bins(owner: User) -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"))

    bins = services.bins_create_by_pattern(
        user=owner, zone_id=zone.pk, aisles="A", racks="01-20", levels="1-4"
    )

    assert len(bins) == 80
    stored = list(
        Location.objects.filter(zone=zone).order_by("code").values_list("code", flat=True)
    )
    assert len(stored) == 80
    assert stored[0] == "A-01-1"
    assert stored[-1] == "A-20-4"
    assert all(b.pk is not None for b in bins)
    assert AuditEntry.objects.get(action="bins.create_by_pattern").data["count"] == 80


def test_pattern_clashing_with_existing_bins_creates_none(owner: User) -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"))
    BinFactory(zone=zone, code="A-05-2")
    BinFactory(zone=zone, code="A-07-1")
    before = counts()

    with pytest.raises(Conflict) as caught:
        services.bins_create_by_pattern(
            user=owner, zone_id=zone.pk, aisles="A", racks="01-20", levels="1-4"
        )

    assert caught.value.detail == (
        "Nothing was created: 2 of these bins already exist in SYD: A-05-2, A-07-1."
    )
    assert counts() == before


def test_pattern_lists_only_the_first_clashes(owner: User) -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"))
    services.bins_create_by_pattern(
        user=owner, zone_id=zone.pk, aisles="A", racks="1-12", levels=""
    )

    with pytest.raises(Conflict) as caught:
        services.bins_create_by_pattern(
            user=owner, zone_id=zone.pk, aisles="A", racks="1-13", levels=""
        )

    assert caught.value.detail.endswith(
        "A-1, A-2, A-3, A-4, A-5, A-6, A-7, A-8, A-9, A-10 and 2 more."
    )
    assert Location.objects.filter(zone=zone).count() == 12


def test_pattern_repeating_codes_creates_none(owner: User) -> None:
    zone = ZoneFactory()

    with pytest.raises(ValidationFailed) as caught:
        services.bins_create_by_pattern(
            user=owner, zone_id=zone.pk, aisles="A,B,A", racks="1", levels=""
        )

    assert "A-1" in caught.value.detail
    assert Location.objects.filter(zone=zone).count() == 0


def test_pattern_over_the_cap_creates_none(owner: User) -> None:
    zone = ZoneFactory()

    with pytest.raises(ValidationFailed):
        services.bins_create_by_pattern(
            user=owner, zone_id=zone.pk, aisles="A-Z", racks="001-200", levels=""
        )

    assert Location.objects.filter(zone=zone).count() == 0
