"""Figures for the home page, each from real data."""

from __future__ import annotations

from dataclasses import dataclass

from kucun.catalog.models import Item
from kucun.inventory.models import StockCheck
from kucun.inventory.selectors import WarehouseValue, low_stock_count, stock_value_by_warehouse
from kucun.warehouses.models import Warehouse


@dataclass(frozen=True)
class HomeSummary:
    warehouses: int
    items: int
    bundles: int
    # Active stock items whose available is at or under their reorder point (the stock
    # screen's low-stock filter counts the same items).
    low_stock_items: int
    stock_value: list[WarehouseValue]
    last_check: StockCheck | None

    @property
    def largest_value(self) -> float:
        """The largest warehouse value, which the bars of the others are drawn against."""
        return float(max((row.value for row in self.stock_value), default=0))


def home_summary() -> HomeSummary:
    return HomeSummary(
        warehouses=Warehouse.objects.filter(active=True).count(),
        items=Item.objects.filter(active=True, is_bundle=False).count(),
        bundles=Item.objects.filter(active=True, is_bundle=True).count(),
        low_stock_items=low_stock_count(),
        stock_value=stock_value_by_warehouse(),
        last_check=StockCheck.objects.first(),
    )
