"""The scan endpoint and the SKU search used by the document editors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kucun.inventory.selectors_console import item_search, scan_lookup


@require_GET
def scan(request: HttpRequest) -> JsonResponse:
    """What a scanned code is: {type: item|bin|unknown, ...}. Changes nothing."""
    code = request.GET.get("code", "")
    warehouse = request.GET.get("warehouse", "")
    result = scan_lookup(code, warehouse_code=warehouse)
    data = result.as_json()
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
