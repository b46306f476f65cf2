"""Console: Orders → Downloads: the recent order download runs of every store, with what
each brought in and what went wrong."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kucun.accounts.choices import Role
from kucun.accounts.permissions import user_has_role
from kucun.channels.models import Store
from kucun.core.pagination import paginate
from kucun.orders.choices import DownloadStatus, DownloadTrigger
from kucun.orders.selectors_console import order_downloads_query


@require_GET
def download_list(request: HttpRequest) -> HttpResponse:
    raw = {name: request.GET.get(name, "").strip()[:100] for name in ("store", "status", "trigger")}
    store = int(raw["store"]) if raw["store"].isdigit() else None
    status = raw["status"] if raw["status"] in DownloadStatus.values else ""
    trigger = raw["trigger"] if raw["trigger"] in DownloadTrigger.values else ""
    page_obj = paginate(request, order_downloads_query(store=store, status=status, trigger=trigger))
    return render(
        request,
        "orders/download_list.html",
        {
            "page_obj": page_obj,
            "downloads": page_obj.object_list,
            "filters": raw,
            "filtered": bool(store or status or trigger),
            "stores": Store.objects.order_by("name"),
            "statuses": DownloadStatus.choices,
            "triggers": DownloadTrigger.choices,
            "download_stores": Store.objects.filter(active=True, order_download=True).order_by(
                "name"
            ),
            "can_work": user_has_role(request.user, Role.STAFF),
        },
    )
