"""Warehouses with picking, storage and unsellable bins, items and bundles for stock tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from kucun.catalog.models import BundleComponent, Item
from kucun.warehouses.choices import LocationKind, ZoneKind
from kucun.warehouses.models import Location, Warehouse, Zone


@dataclass
class Site:
    warehouse: Warehouse
    bins: dict[str, Location]

    @property
    def code(self) -> str:
        return self.warehouse.code


def build_site(code: str, priority: int = 100) -> Site:
    """RECEIVING (storage, default receiving), P-01/P-02 (picking), S-01/S-02 (storage),
    Q-01 (storage, not sellable)."""
    warehouse = Warehouse.objects.create(code=code, name=f"Warehouse {code}", priority=priority)
    receiving = Zone.objects.create(
        warehouse=warehouse, code="RECEIVING", name="Receiving", kind=ZoneKind.STORAGE
    )
    picking = Zone.objects.create(
        warehouse=warehouse, code="PICK", name="Picking", kind=ZoneKind.PICKING
    )
    storage = Zone.objects.create(
        warehouse=warehouse, code="STORE", name="Storage", kind=ZoneKind.STORAGE
    )
    bins: dict[str, Location] = {}
    for zone, bin_code, sellable, default in (
        (receiving, "RECEIVING", True, True),
        (picking, "P-01", True, False),
        (picking, "P-02", True, False),
        (storage, "S-01", True, False),
        (storage, "S-02", True, False),
        (storage, "Q-01", False, False),
    ):
        bins[bin_code] = Location.objects.create(
            kind=LocationKind.INTERNAL,
            warehouse=warehouse,
            zone=zone,
            code=bin_code,
            sellable=sellable,
            is_default_receiving=default,
        )
    return Site(warehouse=warehouse, bins=bins)


def build_item(sku: str, **fields: object) -> Item:
    values: dict[str, Any] = {"name": f"Item {sku}", **fields}
    return Item.objects.create(sku=sku, **values)


def receive(site: Site, sku: str, qty: int, bin_code: str | None = None) -> None:
    """Post a purchase receipt of one line (no bin: the default receiving bin)."""
    from kucun.inventory.services import DocumentLineInput, receipt_create

    receipt_create(
        user=None,
        warehouse=site.code,
        kind="purchase",
        lines=[DocumentLineInput(sku, qty, bin_code)],
        post=True,
    )


def build_bundle(sku: str, components: list[tuple[Item, int]]) -> Item:
    bundle = Item.objects.create(sku=sku, name=f"Bundle {sku}", is_bundle=True)
    for component, quantity in components:
        BundleComponent.objects.create(bundle=bundle, component=component, quantity=quantity)
    return bundle


@pytest.fixture
def site(db: None) -> Site:
    return build_site("MEL", priority=10)


@pytest.fixture
def other_site(db: None) -> Site:
    return build_site("SYD", priority=20)


@pytest.fixture
def item_factory(db: None) -> Callable[..., Item]:
    return build_item
