"""Stock (库存查询): per item on hand, allocated and available, per warehouse and bin."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from kucun.catalog.models import Item
from kucun.core.pagination import SortState, paginate
from kucun.inventory.forms import StockFilterForm
from kucun.inventory.selectors import STOCK_SORTS, WarehouseStock, stock_query, stock_rows
from kucun.inventory.selectors_console import item_stock_levels, stock_totals, warehouse_columns


def stock_list(request: HttpRequest) -> HttpResponse:
    filters = StockFilterForm(request.GET or None)
    warehouse = filters.value("warehouse") or ""
    zone_kind = filters.value("zone_kind") or ""
    sort_param = request.GET.get("sort", "sku")
    queryset = stock_query(
        warehouse=warehouse or None,
        zone_kind=zone_kind or None,
        low_stock=bool(filters.value("low_stock")),
        bundles={"yes": True, "no": False}.get(filters.value("bundles") or ""),
        text=filters.value("q") or "",
        sort=sort_param,
    )
    key = sort_param.lstrip("-")
    sort = (
        SortState(key, sort_param.startswith("-"))
        if key in STOCK_SORTS
        else SortState("sku", False)
    )
    unfiltered = not (
        zone_kind
        or filters.value("low_stock")
        or filters.value("bundles")
        or (filters.value("q") or "").strip()
    )
    totals = stock_totals(queryset, warehouse=warehouse, zone_kind=zone_kind, unfiltered=unfiltered)
    page_obj = paginate(request, queryset)
    items: list[Item] = list(page_obj.object_list)
    columns = [] if warehouse else warehouse_columns()
    rows = stock_rows(items, warehouse=warehouse or None, zone_kind=zone_kind or None)
    for row in rows:
        row.columns = [  # type: ignore[attr-defined]
            row.warehouses.get(column.pk, WarehouseStock(column.pk)) for column in columns
        ]
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
            "column_count": 8 + len(columns),
            "totals_colspan": 4 + len(columns),
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
