"""Confirmed orders with stock allocated in bins, for the pick list and packing slip tests.

Warehouse MEL has a picking zone (bins B-01, C-02) and a storage zone (bin A-00, whose code
sorts first but which is walked last). Stock: TONGS 3 in C-02 and 10 in A-00; APRON 10 and
WRENCH (named in Chinese) 5 in B-01. BBQ-SET is a bundle of 1 TONGS and 2 APRON.

Orders of store "Harbour BBQ", allocated through the inventory services:
  1001: TONGS × 2, WRENCH × 1
  1002: TONGS × 2, BBQ-SET × 1
  1003: APRON × 1, whose stock issue is already posted (taken from B-01)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from kucun.catalog.models import Item
from kucun.catalog.services import bundle_set_components, item_create
from kucun.channels.models import Store
from kucun.inventory.services import (
    AllocationLineInput,
    DocumentLineInput,
    issue_create,
    receipt_create,
    stock_allocate_order,
)
from kucun.orders.choices import OrderStatus
from kucun.orders.models import Order, OrderLine
from kucun.warehouses.choices import ZoneKind
from kucun.warehouses.models import Warehouse
from kucun.warehouses.services import bin_create, warehouse_create, zone_create

PLACED = datetime(2026, 3, 14, 1, 30, tzinfo=UTC)


@dataclass
class DocumentsWorld:
    warehouse: Warehouse
    store: Store
    orders: dict[str, Order]


def make_warehouse() -> Warehouse:
    warehouse = warehouse_create(user=None, code="MEL", name="Melbourne DC")
    picking = zone_create(
        user=None, warehouse_id=warehouse.pk, code="PICK", name="Pick face", kind=ZoneKind.PICKING
    )
    storage = zone_create(
        user=None, warehouse_id=warehouse.pk, code="BULK", name="Bulk", kind=ZoneKind.STORAGE
    )
    for zone, code in ((picking, "B-01"), (picking, "C-02"), (storage, "A-00")):
        bin_create(user=None, zone_id=zone.pk, code=code)
    return warehouse


def make_items() -> None:
    item_create(user=None, sku="TONGS", name="BBQ tongs")
    item_create(user=None, sku="APRON", name="Apron")
    item_create(user=None, sku="WRENCH", name="扳手")
    bundle = item_create(user=None, sku="BBQ-SET", name="BBQ set", is_bundle=True)
    bundle_set_components(user=None, bundle_id=bundle.pk, components=[("TONGS", 1), ("APRON", 2)])


def receive_stock() -> None:
    receipt_create(
        user=None,
        warehouse="MEL",
        kind="purchase",
        lines=[
            DocumentLineInput(sku="TONGS", qty=3, bin="C-02"),
            DocumentLineInput(sku="TONGS", qty=10, bin="A-00"),
            DocumentLineInput(sku="APRON", qty=10, bin="B-01"),
            DocumentLineInput(sku="WRENCH", qty=5, bin="B-01"),
        ],
        post=True,
    )


def make_order(
    store: Store, number: str, lines: list[tuple[str, str, int]], warehouse: str = "MEL"
) -> Order:
    """A confirmed order whose lines (sku, title, quantity) are allocated in the warehouse."""
    order = Order.objects.create(
        store=store,
        external_id=f"EXT-{number}",
        number=number,
        status=OrderStatus.CONFIRMED,
        placed_at=PLACED,
        channel_updated_at=PLACED,
        currency="AUD",
        customer_name="Ann Lee",
        ship_name="Ann Lee",
        ship_company="Harbour Kitchens",
        ship_line1="1 George Street",
        ship_line2="Level 2",
        ship_city="Sydney",
        ship_state="NSW",
        ship_postcode="2000",
        ship_country="AU",
        ship_phone="0412 345 678",
    )
    inputs = []
    for position, (sku, title, quantity) in enumerate(lines, start=1):
        reference = f"{order.reference_prefix}:{position}"
        OrderLine.objects.create(
            order=order,
            line_ref=str(position),
            position=position,
            sku=sku,
            title=title,
            item=Item.objects.get(sku=sku),
            quantity=quantity,
            allocation_reference=reference,
            allocated=True,
        )
        inputs.append(AllocationLineInput(reference=reference, sku=sku, qty=quantity))
    stock_allocate_order(lines=inputs, warehouse=warehouse)
    return order


def ship_from_bin(order: Order, sku: str, quantity: int) -> None:
    """Post the stock issue of the order's first line, as confirming does."""
    issue_create(
        user=None,
        warehouse="MEL",
        kind="order_shipment",
        lines=[
            DocumentLineInput(
                sku=sku, qty=quantity, allocation_reference=f"{order.reference_prefix}:1"
            )
        ],
        post=True,
    )


@pytest.fixture
def documents_world(db: None) -> DocumentsWorld:
    warehouse = make_warehouse()
    make_items()
    receive_stock()
    store = Store.objects.create(name="Harbour BBQ", platform="shopify")
    orders = {
        "1001": make_order(store, "1001", [("TONGS", "Tongs", 2), ("WRENCH", "扳手 wrench", 1)]),
        "1002": make_order(store, "1002", [("TONGS", "Tongs", 2), ("BBQ-SET", "BBQ set", 1)]),
        "1003": make_order(store, "1003", [("APRON", "Apron", 1)]),
    }
    ship_from_bin(orders["1003"], "APRON", 1)
    return DocumentsWorld(warehouse=warehouse, store=store, orders=orders)
