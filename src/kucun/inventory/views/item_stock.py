"""Stock on the catalogue's item page and list, through the catalogue's extension points.

``register_catalog_extensions()`` is called once from the inventory app's ``ready()``: it adds
the on hand / available columns (with the low-stock flag) to the item and bundle lists and the
stock section (per warehouse and bin, and the movement history) to the item page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kucun.catalog.models import Item
from kucun.core.pagination import paginate
from kucun.inventory.selectors import NO_STOCK, components_available, item_movements
from kucun.inventory.selectors_console import (
    fill_bundle_availability,
    item_stock_levels,
    items_with_stock,
)
from kucun.warehouses.models import Warehouse


def item_stock_context(item: Item) -> dict[str, Any]:
    """What ``inventory/includes/item_stock.html`` needs: stock per warehouse and bin."""
    return {
        "levels": item_stock_levels(item),
        "movements_url": reverse("inventory:item_movements", kwargs={"item_id": item.pk}),
    }


def item_movement_history(request: HttpRequest, item_id: int) -> HttpResponse:
    """The item's ledger lines, newest first, with the running balance; 50 a page."""
    item = get_object_or_404(Item, pk=item_id)
    page_obj = paginate(
        request,
        item_movements(item).select_related("from_location__warehouse", "to_location__warehouse"),
    )
    return render(
        request,
        "inventory/includes/item_movements.html",
        {"item": item, "page_obj": page_obj, "lines": page_obj.object_list},
    )


def bundle_availability_context(components: list[tuple[int, int]]) -> dict[str, Any]:
    """What ``inventory/includes/bundle_availability.html`` needs: per active warehouse, the
    bundles these components make, and the total."""
    figures = components_available(components) if components else {}
    rows = [
        {"code": warehouse.code, "available": figures.get(warehouse.pk, NO_STOCK).available}
        for warehouse in Warehouse.objects.filter(active=True).order_by("priority", "code")
        if warehouse.pk in figures
    ]
    return {"rows": rows, "total": sum(row["available"] for row in rows)}


def _with_on_hand(queryset: QuerySet[Item]) -> QuerySet[Item]:
    return items_with_stock(queryset)


def register_catalog_extensions() -> None:
    from kucun.catalog.extensions import (
        BundleFormSection,
        ItemSection,
        ListColumn,
        register_bundle_column,
        register_bundle_form_section,
        register_item_column,
        register_item_section,
    )

    register_item_column(
        ListColumn(key="on_hand", label=_("On hand"), annotate=_with_on_hand, sort_field="on_hand")
    )
    register_item_column(
        ListColumn(
            key="available",
            label=_("Available"),
            fill_page=fill_bundle_availability,
            sort_field="available",
            cell_template="inventory/includes/available_cell.html",
        )
    )
    register_bundle_column(
        ListColumn(
            key="available",
            label=_("Available (derived)"),
            fill_page=fill_bundle_availability,
            cell_template="inventory/includes/available_cell.html",
        )
    )
    register_item_section(
        ItemSection(
            key="stock",
            template_name="inventory/includes/item_stock.html",
            context=item_stock_context,
        )
    )
    register_bundle_form_section(
        BundleFormSection(
            key="availability",
            template_name="inventory/includes/bundle_availability.html",
            context=bundle_availability_context,
        )
    )
