"""Console pages: Settings → Warehouses, Warehouse → Zones and Bins, bins by pattern."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required
from kucun.core.bulk_actions import bulk_apply, bulk_report, selected_ids
from kucun.core.errors import DomainError, FieldError, NotFound
from kucun.core.forms import add_domain_error
from kucun.core.pagination import SortState, apply_sort, paginate
from kucun.warehouses import selectors, services
from kucun.warehouses.choices import ZoneKind
from kucun.warehouses.forms import BinForm, BinPatternForm, WarehouseForm, ZoneForm
from kucun.warehouses.models import Location, Warehouse, Zone
from kucun.warehouses.patterns import duplicated

# Each sort key orders by its column, then by the columns that make rows read naturally.
WAREHOUSE_SORTS = {
    "code": ("code",),
    "name": ("name", "code"),
    "city": ("city", "state", "code"),
    "bins": ("bins_count", "code"),
    "priority": ("priority", "code"),
    "active": ("active", "code"),
}
ZONE_SORTS = {
    "warehouse": ("warehouse__code", "code"),
    "code": ("code", "warehouse__code"),
    "name": ("name", "warehouse__code"),
    "kind": ("kind", "warehouse__code", "code"),
    "bins": ("bins_count", "warehouse__code", "code"),
}
BIN_SORTS = {
    "warehouse": ("warehouse__code", "code"),
    "zone": ("zone__code", "warehouse__code", "code"),
    "code": ("code", "warehouse__code"),
    "kind": ("zone__kind", "warehouse__code", "code"),
    "sellable": ("sellable", "warehouse__code", "code"),
    "active": ("active", "warehouse__code", "code"),
}
PREVIEW_CODES_SHOWN = 200
PATTERN_FIELDS = frozenset({"code_prefix", "aisles", "racks", "levels", "separator"})
MAX_ID = 2**63 - 1


# --- small helpers -----------------------------------------------------------------------------


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def id_param(value: str | None) -> int | None:
    if value and value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def get_or_refuse(queryset: Any, pk: int, message: str) -> Any:
    obj = queryset.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if obj is None:
        raise NotFound(detail=message)
    return obj


def on_form(error: DomainError, renames: dict[str, str]) -> DomainError:
    """The error with the service's field names changed to the form's."""
    fields = [FieldError(renames.get(e.field, e.field), e.message) for e in error.errors]
    return dataclasses.replace(error, errors=fields)


def sorted_by(
    queryset: QuerySet[Any], request: HttpRequest, sorts: dict[str, tuple[str, ...]], default: str
) -> tuple[QuerySet[Any], SortState]:
    """The list ordered by ?sort= (see apply_sort), with tie-breaking columns after the first."""
    queryset, sort = apply_sort(queryset, request, {k: v[0] for k, v in sorts.items()}, default)
    sign = "-" if sort.descending else ""
    return queryset.order_by(*(sign + field for field in sorts[sort.key]), sign + "pk"), sort


def warehouse_choices() -> list[tuple[int, str]]:
    return [(pk, code) for pk, code in Warehouse.objects.order_by("code").values_list("pk", "code")]


# --- warehouses --------------------------------------------------------------------------------


@require_GET
def warehouse_list(request: HttpRequest) -> HttpResponse:
    filters = {"q": request.GET.get("q", "").strip(), "active": request.GET.get("active", "")}
    warehouses = selectors.warehouse_list(q=filters["q"], active=yes_no(filters["active"]))
    warehouses, sort = sorted_by(warehouses, request, WAREHOUSE_SORTS, "code")
    page = paginate(request, warehouses)
    return render(
        request,
        "warehouses/warehouse_list.html",
        {
            "page_obj": page,
            "warehouses": page.object_list,
            "sort": sort,
            "filters": filters,
            "filtered": any(filters.values()),
        },
    )


@require_POST
@role_required(Role.STAFF)
def warehouse_bulk(request: HttpRequest) -> HttpResponse:
    """Activate or deactivate the selected warehouses, each through ``warehouse_update``."""
    back = safe_next(request, reverse("warehouses:warehouse_list"))
    action = request.POST.get("action", "")
    ids = selected_ids(request)
    if action not in {"activate", "deactivate"} or not ids:
        messages.error(request, _("Select at least one warehouse and an action."))
        return redirect(back)
    active = action == "activate"
    codes = dict(Warehouse.objects.filter(pk__in=ids).values_list("pk", "code"))
    outcome = bulk_apply(
        [(codes.get(pk, f"#{pk}"), pk) for pk in ids],
        lambda pk: services.warehouse_update(user=request.user, warehouse_id=pk, active=active),
    )
    count = len(outcome.done)
    if active:
        done = ngettext("%(count)d warehouse activated.", "%(count)d warehouses activated.", count)
    else:
        done = ngettext(
            "%(count)d warehouse deactivated.", "%(count)d warehouses deactivated.", count
        )
    bulk_report(request, outcome, done % {"count": count})
    return redirect(back)


WAREHOUSE_FORM_FIELDS = tuple(WarehouseForm.base_fields)


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def warehouse_create(request: HttpRequest) -> HttpResponse:
    form = WarehouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            warehouse = services.warehouse_create(user=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Warehouse %(code)s created with its receiving bin RECEIVING.")
                % {"code": warehouse.code},
            )
            return redirect("warehouses:warehouse_detail", pk=warehouse.pk)
    return render(request, "warehouses/warehouse_form.html", {"form": form, "warehouse": None})


@require_GET
def warehouse_detail(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = get_or_refuse(
        selectors.warehouse_list(), pk, _("No warehouse with id %(id)s.") % {"id": pk}
    )
    zones = selectors.zone_list(warehouse=warehouse.pk)
    receiving = Location.objects.filter(warehouse=warehouse, is_default_receiving=True).first()
    return render(
        request,
        "warehouses/warehouse_detail.html",
        {"warehouse": warehouse, "zones": zones, "receiving": receiving},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def warehouse_edit(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = get_or_refuse(
        Warehouse.objects.all(), pk, _("No warehouse with id %(id)s.") % {"id": pk}
    )
    initial = {name: getattr(warehouse, name) for name in WAREHOUSE_FORM_FIELDS}
    form = WarehouseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.warehouse_update(
                user=request.user, warehouse_id=warehouse.pk, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Warehouse saved."))
            return redirect("warehouses:warehouse_detail", pk=warehouse.pk)
    return render(request, "warehouses/warehouse_form.html", {"form": form, "warehouse": warehouse})


# --- zones -------------------------------------------------------------------------------------


@require_GET
def zone_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": request.GET.get("q", "").strip(),
        "warehouse": request.GET.get("warehouse", ""),
        "kind": request.GET.get("kind", ""),
    }
    kind = filters["kind"] if filters["kind"] in ZoneKind.values else ""
    zones = selectors.zone_list(warehouse=id_param(filters["warehouse"]), kind=kind, q=filters["q"])
    zones, sort = sorted_by(zones, request, ZONE_SORTS, "warehouse")
    page = paginate(request, zones)
    return render(
        request,
        "warehouses/zone_list.html",
        {
            "page_obj": page,
            "zones": page.object_list,
            "sort": sort,
            "filters": filters,
            "filtered": any(filters.values()),
            "warehouse_choices": warehouse_choices(),
            "kinds": ZoneKind.choices,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def zone_create(request: HttpRequest) -> HttpResponse:
    initial = {"warehouse": id_param(request.GET.get("warehouse"))}
    form = ZoneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            zone = services.zone_create(
                user=request.user,
                warehouse_id=data["warehouse"].pk,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
            )
        except DomainError as error:
            add_domain_error(form, on_form(error, {"warehouse_id": "warehouse"}))
        else:
            messages.success(
                request,
                _("Zone %(warehouse)s / %(code)s created.")
                % {"warehouse": zone.warehouse.code, "code": zone.code},
            )
            return redirect(f"{reverse('warehouses:zone_list')}?warehouse={zone.warehouse_id}")
    return render(request, "warehouses/zone_form.html", {"form": form, "zone": None})


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def zone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    zone = get_or_refuse(
        Zone.objects.select_related("warehouse"), pk, _("No zone with id %(id)s.") % {"id": pk}
    )
    initial = {"warehouse": zone.warehouse, "code": zone.code, "name": zone.name, "kind": zone.kind}
    form = ZoneForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.zone_update(
                user=request.user,
                zone_id=zone.pk,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Zone saved."))
            return redirect(f"{reverse('warehouses:zone_list')}?warehouse={zone.warehouse_id}")
    return render(request, "warehouses/zone_form.html", {"form": form, "zone": zone})


# --- bins --------------------------------------------------------------------------------------


@require_GET
def bin_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": request.GET.get("q", "").strip(),
        "warehouse": request.GET.get("warehouse", ""),
        "zone": request.GET.get("zone", ""),
        "kind": request.GET.get("kind", ""),
        "sellable": request.GET.get("sellable", ""),
        "active": request.GET.get("active", ""),
    }
    kind = filters["kind"] if filters["kind"] in ZoneKind.values else ""
    bins = selectors.bin_list(
        warehouse=id_param(filters["warehouse"]),
        zone=id_param(filters["zone"]),
        kind=kind,
        sellable=yes_no(filters["sellable"]),
        active=yes_no(filters["active"]),
        q=filters["q"],
    )
    bins, sort = sorted_by(bins, request, BIN_SORTS, "warehouse")
    page = paginate(request, bins)
    rows = list(page.object_list)
    holdings = selectors.bin_holdings([row.pk for row in rows])
    if holdings is not None:
        empty = selectors.BinHoldings(items=0, units=0)
        for row in rows:
            row.holdings = holdings.get(row.pk, empty)
    zone_choices = selectors.zones_for_choice()
    warehouse_id = id_param(filters["warehouse"])
    if warehouse_id is not None:
        zone_choices = zone_choices.filter(warehouse_id=warehouse_id)
    return render(
        request,
        "warehouses/bin_list.html",
        {
            "page_obj": page,
            "bins": rows,
            "show_holdings": holdings is not None,
            "sort": sort,
            "filters": filters,
            "filtered": any(filters.values()),
            "warehouse_choices": warehouse_choices(),
            "zone_choices": [
                (zone.pk, f"{zone.warehouse.code} / {zone.code}") for zone in zone_choices
            ],
            "kinds": ZoneKind.choices,
        },
    )


@require_POST
@role_required(Role.STAFF)
def bin_bulk(request: HttpRequest) -> HttpResponse:
    back = safe_next(request, reverse("warehouses:bin_list"))
    action = request.POST.get("action", "")
    ids = [pk for pk in (id_param(value) for value in request.POST.getlist("ids")) if pk]
    if action not in {"activate", "deactivate"} or not ids:
        messages.error(request, _("Select at least one bin and an action."))
        return redirect(back)
    try:
        changed = services.bins_set_active(
            user=request.user, bin_ids=ids, active=action == "activate"
        )
    except DomainError as error:
        messages.error(request, str(error.errors[0].message if error.errors else error))
    else:
        messages.success(
            request,
            ngettext("%(count)d bin changed.", "%(count)d bins changed.", changed)
            % {"count": changed},
        )
    return redirect(back)


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def bin_create(request: HttpRequest) -> HttpResponse:
    form = BinForm(request.POST or None, initial={"zone": id_param(request.GET.get("zone"))})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            location = services.bin_create(
                user=request.user,
                zone_id=data["zone"].pk,
                code=data["code"],
                sellable=data["sellable"],
                active=data["active"],
            )
        except DomainError as error:
            add_domain_error(form, on_form(error, {"zone_id": "zone"}))
        else:
            messages.success(request, _("Bin %(code)s created.") % {"code": location.code})
            return redirect(f"{reverse('warehouses:bin_list')}?zone={location.zone_id}")
    return render(request, "warehouses/bin_form.html", {"form": form, "bin": None})


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def bin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    location = get_or_refuse(selectors.bin_list(), pk, _("No bin with id %(id)s.") % {"id": pk})
    initial = {
        "zone": location.zone,
        "code": location.code,
        "sellable": location.sellable,
        "active": location.active,
    }
    form = BinForm(request.POST or None, initial=initial, warehouse_id=location.warehouse_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.bin_update(
                user=request.user,
                bin_id=location.pk,
                code=data["code"],
                active=data["active"],
                zone_id=data["zone"].pk,
                sellable=data["sellable"],
            )
        except DomainError as error:
            add_domain_error(form, on_form(error, {"zone_id": "zone"}))
        else:
            messages.success(request, _("Bin saved."))
            return redirect(f"{reverse('warehouses:bin_list')}?zone={data['zone'].pk}")
    return render(request, "warehouses/bin_form.html", {"form": form, "bin": location})


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def bin_pattern(request: HttpRequest) -> HttpResponse:
    form = BinPatternForm(request.POST or None, initial={"zone": id_param(request.GET.get("zone"))})
    if request.method == "POST" and form.is_valid():
        zone = form.cleaned_data["zone"]
        try:
            bins = services.bins_create_by_pattern(
                user=request.user,
                zone_id=zone.pk,
                sellable=form.cleaned_data["sellable"],
                **form.pattern(),
            )
        except DomainError as error:
            add_domain_error(form, on_form(error, {"prefix": "code_prefix", "zone_id": "zone"}))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d bin created in %(zone)s: %(first)s … %(last)s.",
                    "%(count)d bins created in %(zone)s: %(first)s … %(last)s.",
                    len(bins),
                )
                % {
                    "count": len(bins),
                    "zone": f"{zone.warehouse.code} / {zone.code}",
                    "first": bins[0].code,
                    "last": bins[-1].code,
                },
            )
            return redirect(f"{reverse('warehouses:bin_list')}?zone={zone.pk}")
    preview = pattern_preview(form) if form.is_bound else None
    return render(request, "warehouses/bin_pattern.html", {"form": form, "preview": preview})


def pattern_preview(form: BinPatternForm) -> dict[str, Any]:
    """The codes the form's pattern makes, with those that clash, or the reason it cannot."""
    form.is_valid()
    if any(name in PATTERN_FIELDS for name in form.errors):
        return {"error": _("Correct the fields marked in the form to see the codes.")}
    try:
        codes = services.bin_pattern_codes(**form.pattern())
    except DomainError as error:
        return {"error": error.errors[0].message if error.errors else error.detail}
    zone = form.cleaned_data.get("zone")
    existing = (
        set(services.existing_bin_codes(warehouse=zone.warehouse, codes=codes)) if zone else set()
    )
    repeated = set(duplicated(codes))
    shown = [
        {"code": code, "exists": code in existing, "repeated": code in repeated}
        for code in codes[:PREVIEW_CODES_SHOWN]
    ]
    return {
        "count": len(codes),
        "codes": shown,
        "hidden": max(0, len(codes) - PREVIEW_CODES_SHOWN),
        "existing": sorted(existing),
        "repeated": sorted(repeated),
        "zone": zone,
    }


@require_GET
@role_required(Role.STAFF)
def bin_pattern_preview(request: HttpRequest) -> HttpResponse:
    """The live preview (htmx): the form's fields come as query parameters."""
    form = BinPatternForm(request.GET)
    return render(
        request, "warehouses/includes/pattern_preview.html", {"preview": pattern_preview(form)}
    )
