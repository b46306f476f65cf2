"""Stock checks: every balance recomputed from the ledger; the runs and what they found."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required
from kucun.core.pagination import paginate
from kucun.inventory.models import StockCheck
from kucun.inventory.tasks import stock_reconcile
from kucun.inventory.views.common import can_edit

# The balance a disagreement is about, as ``ledger_drift`` names it.
BALANCES = {
    "bin on hand": gettext_lazy("On hand in the bin"),
    "on hand": gettext_lazy("On hand in the warehouse"),
    "sellable on hand": gettext_lazy("Sellable on hand in the warehouse"),
    "allocated": gettext_lazy("Allocated in the warehouse"),
}


def stock_check_list(request: HttpRequest) -> HttpResponse:
    page_obj = paginate(request, StockCheck.objects.all(), per_page=20)
    latest = StockCheck.objects.first()
    drifts = [
        {**drift, "balance": BALANCES.get(str(drift["what"]), drift["what"])}
        for drift in (latest.drifts if latest is not None else [])
    ]
    return render(
        request,
        "inventory/stock_check_list.html",
        {
            "page_obj": page_obj,
            "checks": page_obj.object_list,
            "latest": latest,
            "drifts": drifts,
            "can_run": can_edit(request),
        },
    )


@require_POST
@role_required(Role.STAFF)
def stock_check_start(request: HttpRequest) -> HttpResponse:
    """Queue a check in the worker (it reads the whole ledger, so not in the request)."""
    stock_reconcile()
    messages.success(
        request, _("The stock check is running in the background: its result appears here.")
    )
    return redirect("inventory:stock_check_list")
