"""The movements page: the ledger, one row per move line, filtered and sorted."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.core.pagination import apply_sort, paginate
from kucun.inventory.choices import MoveKind
from kucun.inventory.forms import MoveFilterForm
from kucun.inventory.selectors import moves_query

SORTS = {
    "time": "move__created_at",
    "kind": "move__kind",
    "item": "item__sku",
    "from": "from_location__code",
    "to": "to_location__code",
    "qty": "qty",
    "user": "move__user__username",
}


def move_list(request: HttpRequest) -> HttpResponse:
    filters = MoveFilterForm(request.GET or None, kinds=MoveKind.choices)
    queryset = moves_query(
        sku=filters.value("item") or "",
        bin_code=filters.value("bin") or "",
        warehouse=filters.value("warehouse") or "",
        kind=filters.value("move_kind") or "",
        document=filters.value("document") or "",
        user=filters.value("user") or "",
        date_from=filters.value("date_from"),
        date_to=filters.value("date_to"),
    )
    queryset, sort = apply_sort(queryset, request, SORTS, "-time")
    page_obj = paginate(request, queryset)
    return render(
        request,
        "inventory/move_list.html",
        {"filters": filters, "page_obj": page_obj, "lines": page_obj.object_list, "sort": sort},
    )
