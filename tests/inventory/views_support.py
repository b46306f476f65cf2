"""Shared setup for the console view tests: a warehouse with bins, items, stock received."""

from __future__ import annotations

from dataclasses import dataclass

from kucun.catalog.models import Item
from kucun.catalog.services import bundle_set_components, item_create
from kucun.inventory.models import BinStock, StockLevel
from kucun.inventory.services import DocumentLineInput, receipt_create
from kucun.warehouses.choices import ZoneKind
from kucun.warehouses.models import Location, Warehouse
from kucun.warehouses.services import bin_create, warehouse_create, zone_create


@dataclass
class Site:
    warehouse: Warehouse
    pick_1: Location
    pick_2: Location
    store_1: Location
    tea: Item
    mug: Item


def make_site(code: str = "MEL") -> Site:
    warehouse = warehouse_create(user=None, code=code, name=f"{code} warehouse")
    picking = zone_create(
        user=None, warehouse_id=warehouse.pk, code="PICK", name="Picking", kind=ZoneKind.PICKING
    )
    storage = zone_create(
        user=None, warehouse_id=warehouse.pk, code="STORE", name="Storage", kind=ZoneKind.STORAGE
    )
    return Site(
        warehouse=warehouse,
        pick_1=bin_create(user=None, zone_id=picking.pk, code="A-01-1"),
        pick_2=bin_create(user=None, zone_id=picking.pk, code="A-01-2"),
        store_1=bin_create(user=None, zone_id=storage.pk, code="S-01"),
        tea=Item.objects.filter(sku="TEA-GREEN").first()
        or item_create(
            user=None, sku="TEA-GREEN", name="Green tea", barcode="9300000000011", reorder_point=5
        ),
        mug=Item.objects.filter(sku="MUG-BLUE").first()
        or item_create(user=None, sku="MUG-BLUE", name="Blue mug", reorder_point=2),
    )


def receive(warehouse: str, *lines: tuple[str, int, str | None]) -> None:
    receipt_create(
        user=None,
        warehouse=warehouse,
        kind="purchase",
        lines=[DocumentLineInput(sku=sku, qty=qty, bin=bin) for sku, qty, bin in lines],
        post=True,
    )


def make_bundle(sku: str, components: list[tuple[str, int]]) -> Item:
    bundle = item_create(user=None, sku=sku, name=f"Bundle {sku}", is_bundle=True)
    return bundle_set_components(user=None, bundle_id=bundle.pk, components=components)


def on_hand(item: Item, location: Location) -> int:
    row = BinStock.objects.filter(item=item, location=location).first()
    return row.on_hand if row else 0


def level(item: Item, warehouse: Warehouse) -> tuple[int, int]:
    row = StockLevel.objects.filter(item=item, warehouse=warehouse).first()
    return (row.on_hand, row.allocated) if row else (0, 0)
