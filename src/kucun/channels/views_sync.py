"""Console: Channels → Sync log (库存同步): every push of every listing, and retries."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required, user_has_role
from kucun.catalog.models import Item
from kucun.channels.choices import PushStatus, PushTrigger
from kucun.channels.models import StockSyncRecord, Store
from kucun.channels.selectors_sync import stock_push_query
from kucun.channels.services import sync_manual, sync_push
from kucun.core.bulk_actions import selected_ids
from kucun.core.errors import DomainError
from kucun.core.pagination import paginate
from kucun.inventory.selectors import stock_query


def parsed_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def sync_log_filters(request: HttpRequest) -> tuple[dict[str, Any], dict[str, str]]:
    """The log's filters as the selector takes them (the API's and the export's too), and
    as typed, for the form."""
    raw = {
        name: request.GET.get(name, "").strip()[:100]
        for name in ("store", "status", "trigger", "sku", "date_from", "date_to")
    }
    return (
        {
            "store_id": int(raw["store"]) if raw["store"].isdigit() else None,
            "status": raw["status"] if raw["status"] in PushStatus.values else None,
            "trigger": raw["trigger"] if raw["trigger"] in PushTrigger.values else None,
            "sku": raw["sku"] or None,
            "date_from": parsed_day(raw["date_from"]),
            "date_to": parsed_day(raw["date_to"]),
        },
        raw,
    )


@require_GET
def sync_log_view(request: HttpRequest) -> HttpResponse:
    filters, raw = sync_log_filters(request)
    page = paginate(request, stock_push_query(**filters))
    return render(
        request,
        "channels/sync_log.html",
        {
            "page_obj": page,
            "records": page.object_list,
            "filters": raw,
            "filtered": any(value is not None for value in filters.values()),
            "stores": Store.objects.order_by("name"),
            "statuses": PushStatus.choices,
            "triggers": PushTrigger.choices,
            "can_work": user_has_role(request.user, Role.STAFF),
        },
    )


@require_POST
@role_required(Role.STAFF)
def sync_retry(request: HttpRequest) -> HttpResponse:
    """Retry the selected failed pushes, or every failed push in the filter."""
    if request.POST.get("scope") == "all_failed":
        ids = list(
            StockSyncRecord.objects.filter(status=PushStatus.FAILED).values_list("pk", flat=True)
        )
    else:
        ids = selected_ids(request)
    if not ids:
        messages.error(request, _("Select at least one failed push."))
    else:
        try:
            count = len(sync_push.sync_record_retry(record_ids=ids, actor=request.user))
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, _("%(count)s pushes queued again.") % {"count": count})
    back = request.POST.get("next") or ""
    if not (back.startswith("/") and not back.startswith("//")):
        back = reverse("channels:sync_log")
    return redirect(back)


@require_POST
@role_required(Role.STAFF)
def stock_push(request: HttpRequest) -> HttpResponse:
    """批量同步 from the stock query: push the ticked items, or every item the filter matches,
    to all their linked listings now."""
    if request.POST.get("scope") == "filter":
        skus = filtered_stock_skus(QueryDict(request.POST.get("filter_query", "")))
    else:
        skus = list(
            Item.objects.filter(pk__in=selected_ids(request))
            .order_by("sku")
            .values_list("sku", flat=True)
        )
    back = reverse("inventory:stock") + "?" + request.POST.get("filter_query", "")
    if not skus:
        messages.error(request, _("Select at least one item to push."))
        return redirect(back)
    try:
        sync_manual.stock_push_manual(items=skus, actor=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect(back)
    messages.success(
        request,
        _("Pushing %(count)d items to every store they are listed in; follow it in the sync log.")
        % {"count": len(skus)},
    )
    return redirect(reverse("channels:sync_log") + "?trigger=manual")


def filtered_stock_skus(query: QueryDict) -> list[str]:
    """The SKUs of every item the stock query's filters match (all pages)."""
    items = stock_query(
        warehouse=query.get("warehouse") or None,
        zone_kind=query.get("zone_kind") or None,
        low_stock=bool(query.get("low_stock")),
        bundles={"yes": True, "no": False}.get(query.get("bundles", "")),
        text=query.get("q", ""),
    )
    return list(items.order_by().values_list("sku", flat=True).distinct())
