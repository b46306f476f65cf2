"""The scan endpoint and the SKU search used by the document editors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kucun.inventory.selectors_console import (
    bin_suggestions,
    bundle_components,
    item_search,
    scan_lookup,
)

SUGGESTIONS = 10


@require_GET
def scan(request: HttpRequest) -> JsonResponse:
    """What a scanned code is: {type: item|bin|unknown, ...}. Changes nothing."""
    code = request.GET.get("code", "")
    warehouse = request.GET.get("warehouse", "")
    result = scan_lookup(code, warehouse_code=warehouse)
    data = result.as_json()
    if result.item is not None and result.item.is_bundle:
        # The editors replace a bundle by its components: what a receipt, issue or transfer
        # moves.
        parts = bundle_components([result.item.sku]).get(result.item.sku.upper(), [])
        data["components"] = [
            {"sku": part.sku, "name": part.name, "qty": part.per_bundle} for part in parts
        ]
    if result.other_warehouses:
        data["message"] = _(
            "Bin %(code)s is in warehouse %(other)s, not %(warehouse)s. Nothing changed."
        ) % {
            "code": result.code,
            "other": ", ".join(result.other_warehouses),
            "warehouse": warehouse.strip().upper() or "—",
        }
    elif result.type == "unknown":
        data["message"] = _(
            "Unknown code %(code)s: no item barcode, SKU or bin of this warehouse. Nothing changed."
        ) % {"code": code.strip()}
    return JsonResponse(data)


@require_GET
def item_search_results(request: HttpRequest) -> HttpResponse:
    """Items matching the typed text, each a button that adds a line (htmx fragment)."""
    text = request.GET.get("sku_query", "") or request.GET.get("q", "")
    items = item_search(text, stock_only=request.GET.get("stock_only") == "1")
    return render(
        request, "inventory/includes/item_search_results.html", {"items": items, "text": text}
    )


@require_GET
def item_suggestions(request: HttpRequest) -> JsonResponse:
    """Items whose SKU or name contains the typed text, or whose barcode it is: for a line's
    SKU cell, exact SKU first. One query."""
    items = item_search(request.GET.get("q", ""), limit=SUGGESTIONS)
    return JsonResponse(
        {
            "items": [
                {
                    "sku": item.sku,
                    "name": item.name,
                    "barcode": item.barcode or "",
                    "is_bundle": item.is_bundle,
                }
                for item in items
            ]
        }
    )


@require_GET
def bin_suggestions_view(request: HttpRequest) -> JsonResponse:
    """Active bins of the editor's warehouse whose code contains the typed text. One query."""
    bins = bin_suggestions(
        request.GET.get("q", ""), warehouse_code=request.GET.get("warehouse", ""), limit=SUGGESTIONS
    )
    return JsonResponse({"bins": bins})
