"""Console: Channels → Sync log (库存同步): every push of every listing, and retries."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required, user_has_role
from kucun.catalog.models import Item
from kucun.channels.choices import PushStatus, PushTrigger
from kucun.channels.models import StockSyncRecord, Store
from kucun.channels.selectors_console import SyncLogFilters, sync_log
from kucun.channels.services import sync_manual, sync_push
from kucun.core.bulk_actions import selected_ids
from kucun.core.errors import DomainError
from kucun.core.pagination import paginate
from kucun.inventory.selectors import stock_query


def day_start(value: str) -> datetime | None:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007  (made aware below)
    except ValueError:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def sync_log_filters(request: HttpRequest) -> tuple[SyncLogFilters, dict[str, str]]:
    raw = {
        name: request.GET.get(name, "").strip()[:100]
        for name in ("store", "status", "trigger", "sku", "date_from", "date_to")
    }
    until = day_start(raw["date_to"])
    return (
        SyncLogFilters(
            store=int(raw["store"]) if raw["store"].isdigit() else None,
            status=raw["status"] if raw["status"] in PushStatus.values else "",
            trigger=raw["trigger"] if raw["trigger"] in PushTrigger.values else "",
            sku=raw["sku"],
            since=day_start(raw["date_from"]),
            until=until + timedelta(days=1) if until else None,
        ),
        raw,
    )


@require_GET
def sync_log_view(request: HttpRequest) -> HttpResponse:
    filters, raw = sync_log_filters(request)
    page = paginate(request, sync_log(filters))
    return render(
        request,
        "channels/sync_log.html",
        {
            "page_obj": page,
            "records": page.object_list,
            "filters": raw,
            "filtered": filters.any(),
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
