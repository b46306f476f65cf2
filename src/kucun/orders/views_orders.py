"""Console: Orders (订单). The list with its status tabs, filters and bulk confirm, and each
order's page: lines, allocations, customer, carrier choice, timeline and shipments. Everyone
may look; staff act; owners also see the payload the store sent."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kucun.accounts.choices import Role
from kucun.accounts.permissions import user_has_role
from kucun.channels.models import Store
from kucun.core.errors import NotFound
from kucun.core.pagination import apply_sort, paginate
from kucun.orders.forms_orders import OrderFilterForm
from kucun.orders.selectors_console import (
    ORDER_TABS,
    TAB_KEYS,
    OrderDetail,
    order_detail,
    order_tab_counts,
    orders_query,
)

SORTS = {
    "placed": "placed_at",
    "number": "number",
    "store": "store__name",
    "customer": "customer_name",
    "total": "total",
    "status": "status",
}


def get_order_detail(pk: int) -> OrderDetail:
    try:
        return order_detail(pk)
    except NotFound as error:
        raise Http404(error.detail) from None


@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    filters = form.order_filters()
    tab = request.GET.get("tab", "")
    if tab not in TAB_KEYS:
        tab = ""
    counts = order_tab_counts(filters)
    rows, sort = apply_sort(orders_query(filters, tab=tab), request, SORTS, "-placed")
    page_obj = paginate(request, rows)
    return render(
        request,
        "orders/order_list.html",
        {
            "filters": form,
            "filtered": filters.any,
            "tab": tab,
            "tabs": [(entry, counts[entry.key]) for entry in ORDER_TABS],
            "all_count": counts["all"],
            "page_obj": page_obj,
            "orders": page_obj.object_list,
            "sort": sort,
            "stores": Store.objects.filter(active=True, order_download=True).order_by("name"),
            "can_work": user_has_role(request.user, Role.STAFF),
        },
    )


@require_GET
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    detail = get_order_detail(pk)
    show_payload = user_has_role(request.user, Role.OWNER)
    return render(
        request,
        "orders/order_detail.html",
        {
            "detail": detail,
            "order": detail.order,
            "can_work": user_has_role(request.user, Role.STAFF),
            "show_payload": show_payload,
            "payload": json.dumps(detail.order.raw, indent=2, ensure_ascii=False)
            if show_payload
            else "",
        },
    )
