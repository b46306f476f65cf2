"""`kucun demo`: demo data through the real services, loaded once however often it runs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client

from kucun.accounts.choices import Role
from kucun.accounts.models import User
from kucun.catalog.models import BundleComponent, Item
from kucun.catalog.services import item_create
from kucun.core.models import AuditEntry
from kucun.demo.data import DEMO_PASSWORD, DEMO_USERNAME, ITEMS, demo_load, ean13
from kucun.inventory.choices import TransferStatus
from kucun.inventory.models import (
    BinStock,
    Receipt,
    StockCheck,
    StockLevel,
    StockMove,
    Transfer,
)
from kucun.warehouses.choices import LocationKind, ZoneKind
from kucun.warehouses.models import Location, Warehouse, Zone

pytestmark = pytest.mark.django_db

MODELS = [
    User,
    Warehouse,
    Zone,
    Location,
    Item,
    BundleComponent,
    Receipt,
    Transfer,
    StockMove,
    StockCheck,
    BinStock,
    StockLevel,
    AuditEntry,
]


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def run_demo(*args: str) -> str:
    """The command, its stores bound but their first sync left undone (it needs a server;
    tests/demo/test_demo_stores.py runs it against the live server)."""
    out = StringIO()
    call_command("demo", "--no-first-sync", *args, stdout=out)
    return out.getvalue()


def on_hand(warehouse: str, sku: str, bin_code: str | None = None) -> int:
    if bin_code is None:
        level = StockLevel.objects.get(warehouse__code=warehouse, item__sku=sku)
        return level.on_hand
    rows = BinStock.objects.filter(
        location__warehouse__code=warehouse, location__code=bin_code, item__sku=sku
    )
    return int(rows.aggregate(total=Sum("on_hand"))["total"] or 0)


def test_loads_warehouses_zones_bins_items_bundles_stock_and_login() -> None:
    output = run_demo()
    assert output.splitlines() == [
        "Demo data loaded: 1 user, 2 warehouses, 4 zones, 100 bins, 20 items, 3 bundles, "
        "2 receipts, 2 transfers, 1 stock check, 4 stores, 2 carrier accounts, 3 boxes, "
        "6 shipping rules.",
        "Log in as demo / kucun-demo (owner).",
    ]
    # The demo's stock agrees with its ledger, and the first check says so.
    check = StockCheck.objects.get()
    assert (check.drift_count, check.drifts) == (0, [])
    sydney = Warehouse.objects.get(code="SYD")
    assert (sydney.name, sydney.city, sydney.state, sydney.postcode) == (
        "Sydney",
        "Alexandria",
        "NSW",
        "2015",
    )
    assert sydney.latitude is not None
    assert sydney.longitude is not None
    assert list(Warehouse.objects.order_by("code").values_list("code", flat=True)) == ["MEL", "SYD"]
    zones = set(Zone.objects.values_list("warehouse__code", "code", "kind"))
    assert zones == {
        ("SYD", "RECEIVING", ZoneKind.STORAGE),
        ("SYD", "PICK", ZoneKind.PICKING),
        ("SYD", "BULK", ZoneKind.STORAGE),
        ("MEL", "RECEIVING", ZoneKind.STORAGE),
        ("MEL", "PICK", ZoneKind.PICKING),
        ("MEL", "BULK", ZoneKind.STORAGE),
    }
    bins = Location.objects.filter(kind=LocationKind.INTERNAL)
    assert bins.filter(warehouse=sydney, zone__code="PICK").count() == 60
    assert bins.filter(warehouse=sydney, zone__code="BULK").count() == 10
    assert bins.filter(warehouse__code="MEL", zone__code="PICK").count() == 24
    assert bins.filter(warehouse__code="MEL", zone__code="BULK").count() == 6
    assert bins.filter(warehouse=sydney, code="P-B-10-3").exists()

    pack = Item.objects.get(sku="SAU-ORIG-500")
    assert pack.name == "Original sausage pack"
    assert pack.barcode == ean13("930000100001")
    assert pack.weight_g == 520
    assert Item.objects.filter(is_bundle=False).count() == len(ITEMS) == 20
    assert Item.objects.exclude(barcode=None).count() == 23
    case = Item.objects.get(sku="BEER-CASE-48")
    assert case.is_bundle
    assert case.name == "Beer case"
    assert list(case.components.values_list("component__sku", "quantity")) == [("BEER-LAG-12", 4)]
    box = Item.objects.get(sku="SAU-BOX-10")
    assert list(box.components.values_list("component__sku", "quantity")) == [("SAU-ORIG-500", 10)]

    # Opening stock, a replenishment inside Sydney and a received transfer to Melbourne.
    assert Receipt.objects.filter(reference__startswith="DEMO-OPENING-").count() == 2
    assert on_hand("SYD", "SAU-ORIG-500") == 300
    assert on_hand("SYD", "SAU-ORIG-500", "S-A-01-1") == 180
    assert on_hand("SYD", "SAU-ORIG-500", "P-A-01-1") == 120
    assert on_hand("SYD", "BEER-LAG-12") == 184
    assert on_hand("SYD", "BEER-LAG-12", "S-A-03-1") == 136
    assert on_hand("SYD", "BEER-LAG-12", "P-B-01-1") == 48
    assert on_hand("MEL", "BEER-LAG-12") == 160
    assert on_hand("MEL", "BEER-LAG-12", "S-A-01-1") == 160
    assert on_hand("SYD", "SAU-SNAG-1KG") == 120
    assert on_hand("MEL", "SAU-SNAG-1KG", "P-A-02-1") == 100
    assert set(Transfer.objects.values_list("reference", "status")) == {
        ("DEMO-REPLENISH-SYD", TransferStatus.POSTED),
        ("DEMO-SYD-TO-MEL", TransferStatus.POSTED),
    }
    # Nothing is left in transit.
    assert not BinStock.objects.filter(location__kind=LocationKind.TRANSIT, on_hand__gt=0).exists()

    demo = User.objects.get(username=DEMO_USERNAME)
    assert demo.role == Role.OWNER
    assert demo.is_active
    assert authenticate(username=DEMO_USERNAME, password=DEMO_PASSWORD) == demo
    # Every change went through the services, which audit what they do.
    assert AuditEntry.objects.filter(action="warehouse.create").count() == 2
    assert AuditEntry.objects.filter(actor=demo).count() > 0


def test_running_twice_creates_nothing_new() -> None:
    run_demo()
    before = row_counts()
    output = run_demo()
    assert output.splitlines() == [
        "Demo data is already loaded: nothing to add.",
        "Log in as demo / kucun-demo (owner).",
    ]
    assert row_counts() == before
    assert not demo_load().anything_created
    assert row_counts() == before


def test_if_empty_does_nothing_when_any_item_exists(owner: User) -> None:
    item_create(user=owner, sku="MINE-1", name="My own item")
    before = row_counts()
    output = run_demo("--if-empty")
    assert output == "The catalogue already has items: demo data not loaded.\n"
    assert row_counts() == before
    assert not Warehouse.objects.exists()
    assert not User.objects.filter(username=DEMO_USERNAME).exists()


def test_if_empty_loads_into_an_empty_catalogue() -> None:
    output = run_demo("--if-empty")
    assert output.startswith("Demo data loaded: 1 user, 2 warehouses,")
    assert Item.objects.count() == 23


def test_completes_a_partly_loaded_demo(owner: User) -> None:
    # As if an earlier run stopped after the first item and one bin.
    item_create(user=owner, sku="sau-orig-500", name="Renamed by the merchant")
    run_demo()
    assert Item.objects.filter(sku__iexact="SAU-ORIG-500").count() == 1
    assert Item.objects.get(sku__iexact="SAU-ORIG-500").name == "Renamed by the merchant"
    assert Item.objects.count() == 23
    Location.objects.filter(warehouse__code="MEL", code="P-A-08-3").delete()
    output = run_demo()
    assert output.startswith("Demo data loaded: 1 bin.")
    assert Location.objects.filter(warehouse__code="MEL", code="P-A-08-3").exists()


def test_demo_login_opens_the_console() -> None:
    run_demo()
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_ean13_check_digit() -> None:
    assert ean13("400638133393") == "4006381333931"
    assert ean13("930000100001") == "9300001000018"
