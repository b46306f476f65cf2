"""Figures for the home page, each from real data; a part not built yet reports None."""

from __future__ import annotations

from dataclasses import dataclass

from kucun.catalog.models import Item
from kucun.warehouses.models import Warehouse


@dataclass(frozen=True)
class HomeSummary:
    warehouses: int
    items: int
    bundles: int
    low_stock_items: int | None


def home_summary() -> HomeSummary:
    return HomeSummary(
        warehouses=Warehouse.objects.filter(active=True).count(),
        items=Item.objects.filter(active=True, is_bundle=False).count(),
        bundles=Item.objects.filter(active=True, is_bundle=True).count(),
        low_stock_items=low_stock_items(),
    )


def low_stock_items() -> int:
    """Active stock items whose available is at or under their reorder point (the stock
    screen's low-stock filter counts the same items)."""
    from kucun.inventory.selectors import low_stock_count

    return low_stock_count()
