"""Console: Shipping → Shipments (with manifests), and Settings → Packaging. Staff create,
cancel and track shipments and close manifests; owners and staff keep the box presets;
everyone may look and print labels."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required, user_has_role
from kucun.core.errors import DomainError, NotFound
from kucun.core.forms import add_domain_error
from kucun.core.pagination import paginate
from kucun.shipping import files
from kucun.shipping import selectors_shipments as selectors
from kucun.shipping.carrier_registry import carriers
from kucun.shipping.choices import ACTIVE_SHIPMENT_STATUSES, ShipmentStatus
from kucun.shipping.forms_shipments import BoxPresetForm, ShipmentForm
from kucun.shipping.models import BoxPreset, CarrierAccount, Manifest, Shipment
from kucun.shipping.services import labels as label_services
from kucun.shipping.services import manifests as manifest_services
from kucun.shipping.services import packaging as packaging_services
from kucun.shipping.services import shipments as shipment_services
from kucun.shipping.services import tracking as tracking_services

LODGEABLE = (ShipmentStatus.CREATED, ShipmentStatus.LABEL_READY)


def get_shipment(pk: int) -> Shipment:
    try:
        return selectors.shipment_by_id(pk)
    except NotFound as error:
        raise Http404(error.detail) from None


def pdf_response(relative: str, name: str, *, download: bool) -> FileResponse:
    path = files.stored_path(relative)
    if path is None:
        raise Http404(_("The file is no longer kept."))
    return FileResponse(
        path.open("rb"),
        as_attachment=download,
        filename=name,
        content_type="application/pdf",
    )


@require_GET
def shipment_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": request.GET.get("q", "").strip(),
        "status": request.GET.get("status", ""),
        "account": request.GET.get("account", ""),
    }
    shipments = selectors.shipments_query(
        status=filters["status"] if filters["status"] in ShipmentStatus.values else None,
        carrier_account=int(filters["account"]) if filters["account"].isdigit() else None,
        search=filters["q"],
    )
    return render(
        request,
        "shipping/shipments/shipment_list.html",
        {
            "page_obj": paginate(request, shipments),
            "filters": filters,
            "statuses": ShipmentStatus.choices,
            "accounts": CarrierAccount.objects.order_by("name"),
            "can_work": user_has_role(request.user, Role.STAFF),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def shipment_create(request: HttpRequest) -> HttpResponse:
    form = ShipmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shipment = shipment_services.shipment_create(
                actor=request.user, **form.service_arguments()
            )
        except DomainError as error:
            on_shipment_form(form, error)
        else:
            if shipment.status == ShipmentStatus.DRAFT:
                messages.warning(
                    request,
                    _(
                        "Shipment %(reference)s is saved, but the carrier has not taken it yet: "
                        "%(error)s Kucun tries again by itself."
                    )
                    % {"reference": shipment.reference, "error": shipment.last_error},
                )
            else:
                messages.success(
                    request,
                    _("Shipment %(reference)s created.") % {"reference": shipment.reference},
                )
            return redirect("shipping:shipment_detail", pk=shipment.pk)
    return render(request, "shipping/shipments/shipment_form.html", {"form": form})


def on_shipment_form(form: ShipmentForm, error: DomainError) -> None:
    """Each problem the service named on the form's own field (the whole form otherwise)."""
    if not error.errors:
        form.add_error(None, error.detail)
    for problem in error.errors:
        form.add_error(form.form_field(problem.field), problem.message)


@require_GET
def shipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment(pk)
    spec = carriers().get(shipment.carrier_account.carrier)
    can_cancel = spec is None or spec.capabilities.cancel
    return render(
        request,
        "shipping/shipments/shipment_detail.html",
        {
            "shipment": shipment,
            "parcels": shipment.parcels.order_by("index"),
            "events": shipment.tracking_events.order_by("-occurred_at", "-pk"),
            "can_work": user_has_role(request.user, Role.STAFF),
            "tracked": shipment.status in ACTIVE_SHIPMENT_STATUSES,
            "cancellable": can_cancel and shipment.status in (ShipmentStatus.DRAFT, *LODGEABLE),
        },
    )


@require_GET
def shipment_label(request: HttpRequest, pk: int) -> FileResponse:
    """The label PDF: shown in the browser to print, or downloaded (``?download=1``)."""
    shipment = get_shipment(pk)
    return pdf_response(
        shipment.label_file,
        f"label-{shipment.reference}.pdf",
        download=request.GET.get("download") == "1",
    )


def shipment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    shipment = get_shipment(pk)
    try:
        if action == "cancel":
            shipment_services.shipment_cancel(shipment, actor=request.user)
            messages.success(
                request, _("Shipment %(reference)s cancelled.") % {"reference": shipment.reference}
            )
        elif action == "track":
            added = tracking_services.shipment_track(shipment)
            messages.success(
                request,
                _("Tracking refreshed: %(count)s new event(s).") % {"count": added},
            )
        elif shipment.status == ShipmentStatus.DRAFT:
            shipment_services.shipment_submit(shipment, actor=request.user)
        else:
            label_services.shipment_fetch_label(shipment, actor=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
    return redirect("shipping:shipment_detail", pk=shipment.pk)


@require_POST
@role_required(Role.STAFF)
def shipment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return shipment_action(request, pk, "cancel")


@require_POST
@role_required(Role.STAFF)
def shipment_track(request: HttpRequest, pk: int) -> HttpResponse:
    return shipment_action(request, pk, "track")


@require_POST
@role_required(Role.STAFF)
def shipment_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return shipment_action(request, pk, "retry")


# --- manifests ----------------------------------------------------------------------------------


@require_GET
def manifest_list(request: HttpRequest) -> HttpResponse:
    manifest_codes = [code for code, spec in carriers().items() if spec.capabilities.manifest]
    accounts = (
        CarrierAccount.objects.filter(active=True, carrier__in=manifest_codes)
        .annotate(
            open_shipments=Count(
                "shipments", filter=Q(shipments__status__in=LODGEABLE, shipments__manifest=None)
            )
        )
        .order_by("name")
    )
    return render(
        request,
        "shipping/shipments/manifest_list.html",
        {
            "manifests": selectors.manifests_query()[:200],
            "manifest_accounts": accounts,
            "can_work": user_has_role(request.user, Role.STAFF),
        },
    )


@require_POST
@role_required(Role.STAFF)
def manifest_close(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("carrier_account", "")
    account = CarrierAccount.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if account is None:
        messages.error(request, _("Choose the carrier account whose manifest to close."))
        return redirect("shipping:manifest_list")
    try:
        manifest = manifest_services.manifest_close(account, actor=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("Manifest %(reference)s closed: %(count)s shipment(s) lodged.")
            % {"reference": manifest.reference, "count": manifest.shipment_count},
        )
    return redirect("shipping:manifest_list")


@require_GET
def manifest_pdf(request: HttpRequest, pk: int) -> FileResponse:
    manifest = Manifest.objects.filter(pk=pk).first()
    if manifest is None:
        raise Http404(_("No manifest has id %(id)s.") % {"id": pk})
    return pdf_response(manifest.pdf_file, f"manifest-{manifest.reference}.pdf", download=True)


# --- packaging ----------------------------------------------------------------------------------


@require_GET
def box_preset_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "shipping/packaging/box_preset_list.html",
        {
            "presets": BoxPreset.objects.order_by("-active", "name"),
            "can_manage": user_has_role(request.user, Role.STAFF),
        },
    )


def box_preset_form(request: HttpRequest, preset: BoxPreset | None) -> HttpResponse:
    form = BoxPresetForm(request.POST or None, instance=preset)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if preset is None:
                saved = packaging_services.box_preset_create(actor=request.user, **values)
            else:
                saved = packaging_services.box_preset_update(preset, actor=request.user, **values)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Box %(name)s saved.") % {"name": saved.name})
            return redirect("shipping:box_preset_list")
    return render(
        request, "shipping/packaging/box_preset_form.html", {"form": form, "preset": preset}
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def box_preset_create(request: HttpRequest) -> HttpResponse:
    return box_preset_form(request, None)


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def box_preset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    preset = BoxPreset.objects.filter(pk=pk).first()
    if preset is None:
        raise Http404(_("No box has id %(id)s.") % {"id": pk})
    return box_preset_form(request, preset)


@require_POST
@role_required(Role.STAFF)
def box_preset_delete(request: HttpRequest, pk: int) -> HttpResponse:
    preset = BoxPreset.objects.filter(pk=pk).first()
    if preset is None:
        raise Http404(_("No box has id %(id)s.") % {"id": pk})
    try:
        packaging_services.box_preset_delete(preset, actor=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("shipping:box_preset_edit", pk=pk)
    messages.success(request, _("Box %(name)s deleted.") % {"name": preset.name})
    return redirect("shipping:box_preset_list")
