"""Console: Orders (订单). The list with its status tabs, filters and bulk confirm, and each
order's page: lines, allocations, customer, carrier choice, timeline and shipments. Everyone
may look; staff act; owners also see the payload the store sent."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required, user_has_role
from kucun.channels.models import Store
from kucun.core.bulk_actions import ID_MAX, error_text, selected_ids
from kucun.core.errors import DomainError, NotFound
from kucun.core.pagination import apply_sort, paginate
from kucun.orders.choices import ConfirmStep, DownloadTrigger, OrderStatus
from kucun.orders.documents import packing_slip_pdf, pick_list_pdf
from kucun.orders.forms_orders import (
    CancelForm,
    CarrierChoiceForm,
    LineQuantitiesForm,
    OrderFilterForm,
    ReshipForm,
    ReturnForm,
)
from kucun.orders.models import Order, OrderLine, OrderShipment
from kucun.orders.selectors_console import (
    ORDER_TABS,
    TAB_KEYS,
    OrderDetail,
    order_detail,
    order_get,
    order_tab_counts,
    orders_query,
    tracking_numbers,
)
from kucun.orders.services import confirm as confirm_services
from kucun.orders.services import ingest as ingest_services
from kucun.orders.services import reship as reship_services
from kucun.orders.services.changes import order_cancel

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


# Before confirming, a person may still cancel; the carrier may be chosen until it is asked.
CANCELLABLE = (OrderStatus.TO_CONFIRM, OrderStatus.AWAITING_STOCK, OrderStatus.NEEDS_ATTENTION)


@dataclass(frozen=True)
class OrderActions:
    """What a person of staff may do with the order now (the services still have the last
    word, and say why when they refuse)."""

    confirm: bool
    retry: bool
    cancel: bool
    choose_carrier: bool
    reship: bool


def order_actions(order: Order, lines: list[OrderLine]) -> OrderActions:
    stopped = bool(order.confirm_error) and order.confirm_step not in ("", ConfirmStep.DONE)
    shipped_any = any(line.quantity_shipped for line in lines)
    return OrderActions(
        confirm=order.status == OrderStatus.TO_CONFIRM,
        retry=stopped,
        cancel=order.status in CANCELLABLE,
        choose_carrier=order.status in CANCELLABLE
        or (stopped and order.confirm_step in (ConfirmStep.RULE, ConfirmStep.SHIPMENT)),
        reship=shipped_any,
    )


@require_GET
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    detail = get_order_detail(pk)
    order = detail.order
    show_payload = user_has_role(request.user, Role.OWNER)
    can_work = user_has_role(request.user, Role.STAFF)
    actions = order_actions(order, [row.line for row in detail.lines])
    return render(
        request,
        "orders/order_detail.html",
        {
            "detail": detail,
            "order": order,
            "can_work": can_work,
            "actions": actions,
            "carrier_form": CarrierChoiceForm(order=order)
            if can_work and actions.choose_carrier
            else None,
            "cancel_form": CancelForm() if can_work and actions.cancel else None,
            "show_payload": show_payload,
            "payload": json.dumps(order.raw, indent=2, ensure_ascii=False) if show_payload else "",
        },
    )


# --- actions ------------------------------------------------------------------------------------


def get_order(pk: int) -> Order:
    try:
        return order_get(pk)
    except NotFound as error:
        raise Http404(error.detail) from None


def back_to(request: HttpRequest, fallback: str) -> str:
    """The page the action came from (``next``), when it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def report_outcome(request: HttpRequest, order: Order) -> None:
    """Say where confirming (or retrying) left the order: shipped, stopped at a step with the
    vendor's message, held for a person, or still on its way."""
    names = {"number": order.number}
    if order.confirm_error:
        messages.error(
            request,
            _("Order %(number)s stopped at “%(step)s”: %(error)s")
            % {**names, "step": order.get_confirm_step_display(), "error": order.confirm_error},
        )
    elif order.status == OrderStatus.SHIPPED:
        messages.success(request, _("Order %(number)s is confirmed and shipped.") % names)
    elif order.status == OrderStatus.CONFIRMING:
        messages.info(
            request,
            _("Order %(number)s is being confirmed: its page shows each step as it is done.")
            % names,
        )
    elif order.attention:
        messages.warning(
            request,
            _("Order %(number)s needs attention: %(reason)s")
            % {**names, "reason": order.attention},
        )
    else:
        messages.info(
            request,
            _("Order %(number)s is %(status)s.") % {**names, "status": order.get_status_display()},
        )


@require_POST
@role_required(Role.STAFF)
def order_bulk_confirm(request: HttpRequest) -> HttpResponse:
    """Confirm the ticked orders, each as its own job in the worker."""
    back = back_to(request, reverse("orders:order_list"))
    ids = selected_ids(request)
    if not ids:
        messages.error(request, _("Select at least one order to confirm."))
        return redirect(back)
    try:
        queued = confirm_services.orders_confirm_enqueue(
            orders=Order.objects.filter(pk__in=ids).order_by("pk"), user=request.user
        )
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect(back)
    if queued:
        messages.success(
            request,
            ngettext(
                "%(count)d order is being confirmed.",
                "%(count)d orders are being confirmed.",
                queued,
            )
            % {"count": queued},
        )
    left = len(ids) - queued
    if left > 0:
        messages.warning(
            request,
            ngettext(
                "%(count)d selected order was left as it is: only orders to confirm, or "
                "stopped at a step, are confirmed.",
                "%(count)d selected orders were left as they are: only orders to confirm, or "
                "stopped at a step, are confirmed.",
                left,
            )
            % {"count": left},
        )
    return redirect(back)


@require_POST
@role_required(Role.STAFF)
def order_download_now(request: HttpRequest) -> HttpResponse:
    """Download now the orders of one store (``store``), or of every store that downloads."""
    back = back_to(request, reverse("orders:download_list"))
    raw = request.POST.get("store", "")
    stores = None
    if raw:
        store = Store.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if store is None:
            messages.error(request, _("Choose the store whose orders to download."))
            return redirect(back)
        stores = [store]
    queued = ingest_services.orders_download_enqueue(
        stores=stores, trigger=DownloadTrigger.MANUAL, user=request.user
    )
    if queued:
        messages.success(
            request,
            ngettext(
                "Downloading the orders of %(count)d store; its run shows under Order downloads.",
                "Downloading the orders of %(count)d stores; their runs show under Order "
                "downloads.",
                queued,
            )
            % {"count": queued},
        )
    else:
        messages.info(request, _("Those downloads are waiting to run already."))
    return redirect(back)


@require_POST
@role_required(Role.STAFF)
def order_set_carrier_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_order(pk)
    form = CarrierChoiceForm(request.POST, order=order)
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(problem) for problem in form.errors.get("carrier", []))
        )
        return redirect("orders:order_detail", pk=pk)
    account, service_code = form.chosen()
    try:
        confirm_services.order_set_carrier(
            order=order, user=request.user, carrier_account=account, service_code=service_code
        )
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Carrier choice saved."))
    return redirect("orders:order_detail", pk=pk)


@require_POST
@role_required(Role.STAFF)
def order_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm the order: refused at once with the reason, or marked and run as its job."""
    order = get_order(pk)
    try:
        done = confirm_services.order_confirm(order=order, user=request.user)
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        report_outcome(request, done)
    return redirect("orders:order_detail", pk=pk)


@require_POST
@role_required(Role.STAFF)
def order_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_order(pk)
    try:
        done = confirm_services.order_retry(order=order, user=request.user)
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        report_outcome(request, done)
    return redirect("orders:order_detail", pk=pk)


@require_POST
@role_required(Role.STAFF)
def order_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_order(pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        order_cancel(order=order, user=request.user, reason=reason)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request, _("Order %(number)s is cancelled; its stock is free.") % {"number": order}
        )
    return redirect("orders:order_detail", pk=pk)


def order_lines(order: Order) -> list[OrderLine]:
    return list(order.lines.order_by("position", "id"))


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def order_reship_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Send chosen lines of a shipped order again (a parcel lost, an item broken)."""
    order = get_order(pk)
    form = ReshipForm(request.POST or None, lines=order_lines(order))
    if request.method == "POST" and form.is_valid():
        account, service_code = form.chosen_carrier()
        try:
            reshipment = reship_services.order_reship(
                order=order,
                lines=form.chosen_lines(),
                user=request.user,
                carrier_account=account,
                service_code=service_code,
            )
        except DomainError as error:
            add_line_errors(form, error)
        else:
            messages.success(
                request,
                _("Reshipment of order %(number)s made: %(what)s.")
                % {"number": order.number, "what": reshipment_summary(reshipment)},
            )
            return redirect("orders:order_detail", pk=pk)
    return render(
        request, "orders/order_lines_form.html", {"order": order, "form": form, "kind": "reship"}
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def order_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Take back chosen lines of a shipped order into a bin (a sales-return receipt)."""
    order = get_order(pk)
    form = ReturnForm(request.POST or None, lines=order_lines(order), warehouse=order.warehouse)
    if request.method == "POST" and form.is_valid():
        try:
            receipt = reship_services.order_return(
                order=order,
                lines=form.chosen_lines(),
                bin=form.cleaned_data["bin"],
                user=request.user,
            )
        except DomainError as error:
            add_line_errors(form, error)
        else:
            messages.success(
                request,
                _("Return of order %(number)s received: receipt %(receipt)s.")
                % {"number": order.number, "receipt": receipt.number},
            )
            return redirect("orders:order_detail", pk=pk)
    return render(
        request, "orders/order_lines_form.html", {"order": order, "form": form, "kind": "return"}
    )


def add_line_errors(form: LineQuantitiesForm, error: DomainError) -> None:
    """A service's problems on the form: ``lines[i].…`` on the i-th line asked for, ``bin``
    and ``carrier_account`` on their fields, the rest on the form."""
    asked = [line for line, _quantity in form.chosen_lines()]
    placed = False
    for problem in error.errors:
        field = problem.field
        if field.startswith("lines[") and "]" in field:
            index = field[len("lines[") : field.index("]")]
            if index.isdigit() and int(index) < len(asked):
                form.add_error(form.field_name(asked[int(index)]), problem.message)
                placed = True
                continue
        target = {"bin": "bin", "carrier_account": "carrier", "service_code": "carrier"}.get(field)
        form.add_error(target if target in form.fields else None, problem.message)
        placed = True
    if not placed:
        form.add_error(None, error.detail)


def reshipment_summary(reshipment: OrderShipment) -> str:
    numbers = tracking_numbers([reshipment])
    if numbers:
        return _("tracking %(numbers)s") % {"numbers": ", ".join(numbers)}
    return ", ".join(reshipment.issue_numbers or []) or reshipment.key


# --- documents ----------------------------------------------------------------------------------


def pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
def pick_list(request: HttpRequest) -> HttpResponse:
    """The pick list of the ticked orders (POST from the list) or of ``?ids=`` (GET)."""
    source = request.POST if request.method == "POST" else request.GET
    ids = sorted({int(v) for v in source.getlist("ids") if v.isdigit() and int(v) <= ID_MAX})
    orders = list(Order.objects.filter(pk__in=ids).select_related("store").order_by("pk"))
    if not orders:
        messages.error(request, _("Select at least one order to pick."))
        return redirect(reverse("orders:order_list"))
    content = pick_list_pdf(orders, language=get_language() or "en")
    return pdf(content, "pick-list.pdf")


@require_GET
def order_pick_list(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_order(pk)
    content = pick_list_pdf([order], language=get_language() or "en")
    return pdf(content, f"pick-list-{order.number}.pdf")


@require_GET
def order_packing_slip(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_order(pk)
    content = packing_slip_pdf(order, language=get_language() or "en")
    return pdf(content, f"packing-slip-{order.number}.pdf")
