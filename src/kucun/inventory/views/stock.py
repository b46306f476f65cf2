"""Stock (库存查询): per item on hand, allocated and available, per warehouse and bin."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from kucun.catalog.models import Item
from kucun.core.pagination import apply_sort, paginate
from kucun.inventory.forms import StockFilterForm
from kucun.inventory.selectors_console import (
    WarehouseFigures,
    item_stock_levels,
    stock_figures_for_items,
    stock_items,
    stock_totals,
    warehouse_columns,
)

SORTS = {
    "sku": "sku",
    "name": "name",
    "on_hand": "on_hand",
    "allocated": "allocated",
    "available": "available",
}


@dataclass
class StockRow:
    item_id: int
    sku: str
    name: str
    is_bundle: bool
    reorder_point: int
    on_hand: int
    allocated: int
    available: int
    low_stock: bool
    per_warehouse: list[WarehouseFigures] = field(default_factory=list)


def stock_list(request: HttpRequest) -> HttpResponse:
    filters = StockFilterForm(request.GET or None)
    warehouse = filters.value("warehouse") or ""
    queryset = stock_items(
        warehouse=warehouse,
        zone_kind=filters.value("zone_kind") or "",
        low_stock=bool(filters.value("low_stock")),
        bundles={"yes": True, "no": False}.get(filters.value("bundles") or ""),
        text=filters.value("q") or "",
    )
    totals = stock_totals(queryset)
    queryset, sort = apply_sort(queryset, request, SORTS, "sku")
    page_obj = paginate(request, queryset)
    items: list[Item] = list(page_obj.object_list)
    columns = [] if warehouse else warehouse_columns()
    figures = stock_figures_for_items(items, columns or None)
    rows = []
    for item in items:
        per_warehouse = figures[item.pk]
        available = (
            sum(f.available for f in per_warehouse.values())
            if item.is_bundle and not warehouse
            else item.available  # type: ignore[attr-defined]
        )
        if item.is_bundle and warehouse:
            available = sum(
                f.available
                for f in per_warehouse.values()
                if f.warehouse.code.upper() == warehouse.upper()
            )
        rows.append(
            StockRow(
                item_id=item.pk,
                sku=item.sku,
                name=item.name,
                is_bundle=item.is_bundle,
                reorder_point=item.reorder_point,
                on_hand=item.on_hand,  # type: ignore[attr-defined]
                allocated=item.allocated,  # type: ignore[attr-defined]
                available=available,
                low_stock=available <= item.reorder_point,
                per_warehouse=[per_warehouse[w.pk] for w in columns],
            )
        )
    return render(
        request,
        "inventory/stock_list.html",
        {
            "filters": filters,
            "page_obj": page_obj,
            "rows": rows,
            "sort": sort,
            "totals": totals,
            "warehouse_columns": columns,
            "column_count": 7 + len(columns),
            "totals_colspan": 3 + len(columns),
        },
    )


def stock_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    """One item's stock per warehouse and bin (the expanded row of the stock screen)."""
    item = get_object_or_404(Item, pk=item_id)
    levels = item_stock_levels(item, request.GET.get("warehouse", ""))
    return render(
        request,
        "inventory/stock_detail.html",
        {"item": item, "levels": levels, "bundle_levels": levels},
    )
