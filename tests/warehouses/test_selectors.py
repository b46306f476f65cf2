from typing import Any

import pytest

from kucun.core.errors import NotFound, ValidationFailed
from kucun.inventory.services import DocumentLineInput, receipt_create
from kucun.warehouses import selectors
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location
from tests.factories import BinFactory, ItemFactory, WarehouseFactory, ZoneFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "kind",
    [LocationKind.SUPPLIER, LocationKind.CUSTOMER, LocationKind.ADJUSTMENT, LocationKind.TRANSIT],
)
def test_virtual_location_is_created_once_per_kind(kind: LocationKind) -> None:
    first = selectors.virtual_location(kind)
    again = selectors.virtual_location(kind.value)

    assert first.pk == again.pk
    assert (first.kind, first.code, first.warehouse, first.zone) == (
        kind,
        kind.value.upper(),
        None,
        None,
    )
    assert Location.objects.filter(kind=kind).count() == 1


def test_virtual_location_refuses_bins() -> None:
    with pytest.raises(ValidationFailed) as caught:
        selectors.virtual_location("internal")

    assert caught.value.errors[0].field == "kind"
    assert Location.objects.count() == 0


def test_default_receiving_bin() -> None:
    warehouse = WarehouseFactory(code="SYD")

    receiving = selectors.default_receiving_bin(warehouse)

    assert (receiving.code, receiving.is_default_receiving, receiving.warehouse) == (
        "RECEIVING",
        True,
        warehouse,
    )


def test_warehouse_by_code_ignores_case_and_spaces() -> None:
    warehouse = WarehouseFactory(code="SYD")

    assert selectors.warehouse_by_code(" syd ") == warehouse
    with pytest.raises(NotFound) as caught:
        selectors.warehouse_by_code("mel")
    assert caught.value.detail == "No warehouse with code mel."
    assert caught.value.errors[0].field == "warehouse"


def test_bin_by_code_ignores_case_and_names_warehouse_and_code() -> None:
    location = BinFactory(zone=ZoneFactory(warehouse=WarehouseFactory(code="SYD")), code="A-01-1")
    other = WarehouseFactory(code="MEL")

    assert selectors.bin_by_code(warehouse=location.warehouse, code="a-01-1") == location
    with pytest.raises(NotFound) as caught:
        selectors.bin_by_code(warehouse=other, code="a-01-1")
    assert caught.value.detail == "Warehouse MEL has no bin a-01-1."


def test_bin_by_code_never_returns_a_virtual_location() -> None:
    warehouse = WarehouseFactory(code="SYD")
    selectors.virtual_location(LocationKind.SUPPLIER)

    with pytest.raises(NotFound):
        selectors.bin_by_code(warehouse=warehouse, code="SUPPLIER")


def test_warehouse_list_counts_bins_and_filters() -> None:
    sydney = WarehouseFactory(code="SYD", city="Sydney")
    BinFactory.create_batch(3, zone=ZoneFactory(warehouse=sydney))
    WarehouseFactory(code="MEL", city="Melbourne", active=False)
    selectors.virtual_location(LocationKind.CUSTOMER)

    rows = {w.code: w.bins_count for w in selectors.warehouse_list()}
    inactive = [w.code for w in selectors.warehouse_list(active=False)]
    searched = [w.code for w in selectors.warehouse_list(q="sydn")]

    assert rows == {"SYD": 4, "MEL": 1}
    assert inactive == ["MEL"]
    assert searched == ["SYD"]


def test_zone_list_filters_by_warehouse_id_or_code_and_kind() -> None:
    sydney = WarehouseFactory(code="SYD")
    pick = ZoneFactory(warehouse=sydney, code="PICK", kind="picking")
    BinFactory.create_batch(2, zone=pick)
    WarehouseFactory(code="MEL")

    by_code = {z.code: z.bins_count for z in selectors.zone_list(warehouse="syd")}
    by_id = [z.code for z in selectors.zone_list(warehouse=sydney.pk, kind="picking")]

    assert by_code == {"PICK": 2, "RECEIVING": 1}
    assert by_id == ["PICK"]
    assert [z.code for z in selectors.zone_list(q="rec")] == ["RECEIVING", "RECEIVING"]


def test_bin_list_filters() -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"), kind="picking")
    BinFactory(zone=zone, code="A-1", sellable=False)
    BinFactory(zone=zone, code="A-2", active=False)
    selectors.virtual_location(LocationKind.TRANSIT)

    def codes(**filters: Any) -> list[str]:
        return [b.code for b in selectors.bin_list(**filters)]

    assert codes() == ["A-1", "A-2", "RECEIVING"]
    assert codes(kind="picking", sellable=False) == ["A-1"]
    assert codes(active=False) == ["A-2"]
    assert codes(zone=zone.pk, q="2") == ["A-2"]
    assert codes(warehouse="MEL") == []


def test_bin_holdings_sums_items_and_units_in_one_query(
    django_assert_num_queries: Any,
) -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"))
    full = BinFactory(zone=zone, code="A-1")
    empty = BinFactory(zone=zone, code="A-2")
    tea, cup = ItemFactory(sku="TEA"), ItemFactory(sku="CUP")
    receipt_create(
        user=None,
        warehouse="SYD",
        kind="purchase",
        lines=[
            DocumentLineInput(sku=tea.sku, qty=3, bin="A-1"),
            DocumentLineInput(sku=cup.sku, qty=4, bin="A-1"),
        ],
        post=True,
    )

    with django_assert_num_queries(1):
        holdings = selectors.bin_holdings([full.pk, empty.pk])

    assert holdings == {full.pk: selectors.BinHoldings(items=2, units=7)}
    assert selectors.bin_holdings([]) == {}
