"""Bin lookup (货位查询): what each bin holds, found by bin code, SKU, item name or barcode."""

from __future__ import annotations

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.core.pagination import apply_sort, paginate
from kucun.inventory.forms import BinLookupForm
from kucun.inventory.selectors_console import bin_lookup_contents, bin_lookup_rows
from kucun.inventory.views.common import can_edit

SORTS = {
    "bin": "code",
    "warehouse": "warehouse__code",
    "zone": "zone__code",
}


def bin_lookup(request: HttpRequest) -> HttpResponse:
    filters = BinLookupForm(request.GET or None)
    text = filters.value("q") or ""
    active = {"yes": True, "no": False}.get(filters.value("active") or "")
    queryset = bin_lookup_rows(
        text=text,
        warehouse=filters.value("warehouse") or "",
        zone_kind=filters.value("zone_kind") or "",
        active=active,
        occupancy=filters.value("occupancy") or "",
    )
    queryset, sort = apply_sort(queryset, request, SORTS, "bin")
    if text.strip():
        # The bin whose code is exactly what was typed comes first, whatever the sort.
        queryset = queryset.order_by(F("code_rank"), *queryset.query.order_by)
    page_obj = paginate(request, queryset)
    bins = list(page_obj.object_list)
    contents = bin_lookup_contents(bins, text=text)
    rows = [(location, contents.get(location.pk, [])) for location in bins]
    return render(
        request,
        "inventory/bin_lookup.html",
        {
            "filters": filters,
            "page_obj": page_obj,
            "rows": rows,
            "sort": sort,
            "can_edit": can_edit(request),
        },
    )
