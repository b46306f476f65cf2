"""Console: Shipping → Carriers (物流配置). Owners add carrier accounts and manage their
credentials; staff test the connection; everyone may look."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required, user_has_role
from kucun.core.errors import DomainError, FieldError, NotFound
from kucun.core.forms import add_domain_error, translated
from kucun.core.vendor.fields import FieldSpec
from kucun.shipping import selectors_accounts as selectors
from kucun.shipping.carrier_registry import carriers
from kucun.shipping.carriers.base import CarrierSpec
from kucun.shipping.forms_carriers import CarrierAccountForm, carrier_account_initial
from kucun.shipping.models import CarrierAccount
from kucun.shipping.services import accounts as services


def get_account(pk: int) -> CarrierAccount:
    try:
        return selectors.carrier_account_by_id(pk)
    except NotFound as error:
        raise Http404(error.detail) from None


def carrier_or_404(code: str) -> CarrierSpec:
    found = carriers().get(code)
    if found is None:
        raise Http404(_("Kucun does not know the carrier %(code)s.") % {"code": code})
    return found


def on_account_form(form: CarrierAccountForm, error: DomainError) -> None:
    """A service error placed on the form's own field names."""
    renamed = []
    for field_error in error.errors:
        name = "sender_warehouse" if field_error.field == "sender_warehouse" else None
        for candidate in form.fields:
            if CarrierAccountForm.service_field(candidate) == field_error.field:
                name = candidate
                break
        renamed.append(FieldError(name or field_error.field, field_error.message))
    error.errors = renamed
    add_domain_error(form, error)


@require_GET
def carrier_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "shipping/carriers/carrier_list.html",
        {
            "accounts": selectors.carrier_accounts_query(),
            "carriers": carriers(),
            "can_manage": user_has_role(request.user, Role.OWNER),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.OWNER)
def carrier_create(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("carrier") or request.POST.get("carrier") or ""
    if code not in carriers():
        return render(request, "shipping/carriers/carrier_choose.html", {"carriers": carriers()})
    spec = carriers()[code]
    form = CarrierAccountForm(request.POST or None, carrier=spec)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.carrier_account_create(
                actor=request.user, carrier=code, **form.service_arguments()
            )
        except DomainError as error:
            on_account_form(form, error)
        else:
            messages.success(
                request,
                _("Carrier account %(name)s added. Test the connection.") % {"name": account.name},
            )
            return redirect("shipping:carrier_detail", pk=account.pk)
    return render(
        request,
        "shipping/carriers/carrier_form.html",
        {"form": form, "carrier": spec, "account": None},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.OWNER)
def carrier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_account(pk)
    spec = carrier_or_404(account.carrier)
    form = CarrierAccountForm(
        request.POST or None,
        carrier=spec,
        account=account,
        initial=carrier_account_initial(account),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.carrier_account_update(
                actor=request.user, account=account, **form.service_arguments()
            )
        except DomainError as error:
            on_account_form(form, error)
        else:
            messages.success(request, _("Carrier account %(name)s saved.") % {"name": account.name})
            return redirect("shipping:carrier_detail", pk=account.pk)
    return render(
        request,
        "shipping/carriers/carrier_form.html",
        {"form": form, "carrier": spec, "account": account},
    )


@require_GET
def carrier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_account(pk)
    spec = carriers().get(account.carrier)
    return render(
        request,
        "shipping/carriers/carrier_detail.html",
        {
            "account": account,
            "carrier": spec,
            "credentials": shown_fields(
                spec.credential_fields if spec else (), account.credential_masks
            ),
            "options": shown_fields(spec.option_fields if spec else (), account.options),
            "can_manage": user_has_role(request.user, Role.OWNER),
            "can_work": user_has_role(request.user, Role.STAFF),
        },
    )


def shown_fields(
    specs: tuple[FieldSpec, ...], values: Mapping[str, Any] | None
) -> list[tuple[str, str]]:
    """(label in the reader's language, value or mask) of each declared field that is set."""
    values = values or {}
    shown = []
    for spec in specs:
        value = str(values.get(spec.name, ""))
        if value:
            labels = dict(spec.choices)
            shown.append((translated(spec.label), translated(labels.get(value, value))))
    return shown


@require_POST
@role_required(Role.STAFF)
def carrier_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Call the carrier and show what it answered (htmx swaps the answer in place)."""
    account = get_account(pk)
    try:
        info = services.carrier_account_test(account=account)
    except DomainError as error:
        context = {"account": account, "error": error.detail}
    else:
        context = {"account": account, "info": info}
    if getattr(request, "htmx", False):
        return render(request, "shipping/carriers/connection_answer.html", context)
    if "error" in context:
        messages.error(request, str(context["error"]))
    else:
        messages.success(request, _("Connected: %(name)s") % {"name": info.account_name})
    return redirect("shipping:carrier_detail", pk=account.pk)


@require_POST
@role_required(Role.OWNER)
def carrier_delete(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_account(pk)
    try:
        services.carrier_account_delete(actor=request.user, account=account)
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("shipping:carrier_detail", pk=account.pk)
    messages.success(request, _("Carrier account %(name)s deleted.") % {"name": account.name})
    return redirect("shipping:carrier_list")
