"""The allocations page: stock promised to order lines, by reference, searched by prefix."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.core.pagination import paginate
from kucun.inventory.selectors import allocation_line_qty, allocation_query


def allocation_list(request: HttpRequest) -> HttpResponse:
    """``q``: a reference prefix (``order:shop1:1001:`` lists every line of that order)."""
    prefix = request.GET.get("q", "").strip()[:255]
    page_obj = paginate(request, allocation_query(reference_prefix=prefix))
    rows = [
        {
            "allocation": allocation,
            "line_sku": (allocation.line_item or allocation.item).sku,
            "line_qty": allocation_line_qty(allocation),
        }
        for allocation in page_obj.object_list
    ]
    return render(
        request,
        "inventory/allocation_list.html",
        {"page_obj": page_obj, "rows": rows, "q": prefix},
    )
