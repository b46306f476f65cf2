"""Console screens: Items (库存货品) and Bundles (组合货品)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required, user_has_role
from kucun.catalog.extensions import (
    BUNDLE_COLUMNS,
    ITEM_COLUMNS,
    bundle_form_sections,
    columns_applied,
    columns_fill_page,
    item_sections,
)
from kucun.catalog.forms import (
    BundleForm,
    ComponentRow,
    ItemForm,
    component_rows_from_post,
)
from kucun.catalog.models import Item
from kucun.catalog.selectors import (
    ID_MAX,
    bundle_components,
    bundle_list,
    bundles_using,
    item_by_id,
    item_list,
    items_matching_skus,
    searchable,
)
from kucun.catalog.services import bundle_create, bundle_update, item_create, item_update
from kucun.catalog.services import items_set_active as set_active
from kucun.catalog.validation import INTEGER_MAX
from kucun.core.errors import DomainError, FieldError
from kucun.core.forms import add_domain_error
from kucun.core.pagination import apply_sort, paginate

ITEM_SORTS = {
    "sku": "sku",
    "name": "name",
    "barcode": "barcode",
    "weight": "weight_g",
    "reorder_point": "reorder_point",
    "active": "active",
}
BUNDLE_SORTS = {"sku": "sku", "name": "name", "active": "active"}
COMPONENT_FIELD = re.compile(r"^components\.(\d+)(?:\.(\w+))?$")
SEARCH_RESULTS = 10
# The preview reads this many component rows at most (a bundle has a handful).
MAX_PREVIEW_COMPONENTS = 200


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _can_write(request: HttpRequest) -> bool:
    return user_has_role(request.user, Role.STAFF)


# Items ---------------------------------------------------------------------------------


@require_GET
def item_list_view(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": searchable(request.GET.get("q", ""))[:200],
        "active": request.GET.get("active", ""),
        "bundle": request.GET.get("bundle", ""),
    }
    queryset = item_list(
        text=filters["q"],
        active=_yes_no(filters["active"]),
        is_bundle=_yes_no(filters["bundle"]),
    )
    queryset, extra_sorts = columns_applied(queryset, ITEM_COLUMNS)
    queryset, sort = apply_sort(queryset, request, {**ITEM_SORTS, **extra_sorts}, "sku")
    page_obj = paginate(request, queryset)
    rows = list(page_obj.object_list)
    columns_fill_page(rows, ITEM_COLUMNS)
    return render(
        request,
        "catalog/item_list.html",
        {
            "page_obj": page_obj,
            "items": rows,
            "sort": sort,
            "filters": filters,
            "filtered": any(filters.values()),
            "can_write": _can_write(request),
            "columns": ITEM_COLUMNS,
        },
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
@role_required(Role.STAFF)
def item_bulk(request: HttpRequest) -> HttpResponseRedirect:
    """Activate or deactivate the selected items."""
    back = _safe_next(request, reverse("catalog:item_list"))
    action = request.POST.get("action", "")
    ids = [int(v) for v in request.POST.getlist("selected") if v.isdigit() and int(v) <= ID_MAX]
    if action not in {"activate", "deactivate"}:
        messages.error(request, _("Choose an action: activate or deactivate."))
        return redirect(back)
    if not ids:
        messages.error(request, _("Select at least one item first."))
        return redirect(back)
    try:
        changed = set_active(user=request.user, item_ids=ids, active=action == "activate")
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(back)
    if action == "activate":
        text = ngettext("%(count)d item activated.", "%(count)d items activated.", changed)
    else:
        text = ngettext("%(count)d item deactivated.", "%(count)d items deactivated.", changed)
    messages.success(request, text % {"count": changed})
    return redirect(back)


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def item_create_view(request: HttpRequest) -> HttpResponse:
    form = ItemForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            item = item_create(user=request.user, **form.service_fields())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Item %(sku)s created.") % {"sku": item.sku})
            if item.is_bundle:
                return redirect("catalog:bundle_edit", pk=item.pk)
            return redirect("catalog:item_detail", pk=item.pk)
    return render(request, "catalog/item_form.html", {"form": form, "item": None})


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_by_id(pk)
    form = ItemForm(
        request.POST if request.method == "POST" else None, initial=ItemForm.initial_for(item)
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = item_update(user=request.user, item_id=item.pk, **form.service_fields())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Item %(sku)s saved.") % {"sku": item.sku})
            return redirect("catalog:item_detail", pk=item.pk)
    return render(request, "catalog/item_form.html", {"form": form, "item": item})


@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_by_id(pk)
    return render(
        request,
        "catalog/item_detail.html",
        {
            "item": item,
            "components": bundle_components(item) if item.is_bundle else [],
            "used_in": bundles_using(item),
            "sections": item_sections(item),
            "can_write": _can_write(request),
        },
    )


# Bundles -------------------------------------------------------------------------------


def components_label(bundle: Item) -> str:
    """'4 × Beer dozen, 1 × Opener' from the prefetched components."""
    return ", ".join(f"{row.quantity} × {row.component.name}" for row in bundle.components.all())


@require_GET
def bundle_list_view(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": searchable(request.GET.get("q", ""))[:200],
        "active": request.GET.get("active", ""),
    }
    queryset = bundle_list(text=filters["q"], active=_yes_no(filters["active"]))
    queryset, extra_sorts = columns_applied(queryset, BUNDLE_COLUMNS)
    queryset, sort = apply_sort(queryset, request, {**BUNDLE_SORTS, **extra_sorts}, "sku")
    page_obj = paginate(request, queryset)
    rows = list(page_obj.object_list)
    columns_fill_page(rows, BUNDLE_COLUMNS)
    return render(
        request,
        "catalog/bundle_list.html",
        {
            "page_obj": page_obj,
            "bundles": [(bundle, components_label(bundle)) for bundle in rows],
            "sort": sort,
            "filters": filters,
            "filtered": any(filters.values()),
            "can_write": _can_write(request),
            "columns": BUNDLE_COLUMNS,
        },
    )


def _place_component_errors(
    form: BundleForm, rows: list[ComponentRow], error: DomainError
) -> list[str]:
    """Put each error next to its row or field; return the ones that belong to neither."""
    general: list[str] = []
    field_errors: list[FieldError] = []
    for field_error in error.errors:
        match = COMPONENT_FIELD.match(field_error.field)
        if match and int(match.group(1)) < len(rows):
            rows[int(match.group(1))].errors.append(field_error.message)
        elif field_error.field in form.fields:
            field_errors.append(field_error)
        else:
            general.append(field_error.message)
    if field_errors:
        add_domain_error(form, DomainError(detail=error.detail, errors=field_errors))
    if not error.errors:
        general.append(error.detail)
    return general


def _rows_with_names(rows: list[ComponentRow]) -> list[ComponentRow]:
    names = {
        item.sku.casefold(): item.name
        for item in items_matching_skus([row.sku.strip() for row in rows if row.sku.strip()])
    }
    for row in rows:
        row.name = names.get(row.sku.strip().casefold(), "")
    return rows


def _bundle_form_page(
    request: HttpRequest,
    bundle: Item | None,
    form: BundleForm,
    rows: list[ComponentRow],
    component_errors: list[str],
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "catalog/bundle_form.html",
        {
            "form": form,
            "bundle": bundle,
            "rows": _rows_with_names(rows),
            "component_errors": component_errors,
            "blank_row": ComponentRow(),
        },
        status=status,
    )


def _save_bundle(
    request: HttpRequest, bundle: Item | None, form: BundleForm
) -> tuple[Item | None, list[ComponentRow], list[str]]:
    rows = component_rows_from_post(request.POST)
    if not form.is_valid():
        return None, rows, []
    components = [(row.sku, row.quantity) for row in rows]
    try:
        if bundle is None:
            saved = bundle_create(user=request.user, components=components, **form.service_fields())
        else:
            saved = bundle_update(
                user=request.user,
                bundle_id=bundle.pk,
                components=components,
                **form.service_fields(),
            )
    except DomainError as error:
        return None, rows, _place_component_errors(form, rows, error)
    return saved, rows, []


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def bundle_create_view(request: HttpRequest) -> HttpResponse:
    form = BundleForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _bundle_form_page(request, None, form, [], [])
    saved, rows, general = _save_bundle(request, None, form)
    if saved is not None:
        messages.success(request, _("Bundle %(sku)s created.") % {"sku": saved.sku})
        return redirect("catalog:item_detail", pk=saved.pk)
    return _bundle_form_page(request, None, form, rows, general)


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def bundle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = item_by_id(pk)
    if not bundle.is_bundle:
        messages.info(
            request,
            _("%(sku)s is not a bundle. Tick 'Bundle' on the item first.") % {"sku": bundle.sku},
        )
        return redirect("catalog:item_edit", pk=bundle.pk)
    form = BundleForm(
        request.POST if request.method == "POST" else None, initial=BundleForm.initial_for(bundle)
    )
    if request.method != "POST":
        rows = [
            ComponentRow(sku=row.component.sku, quantity=str(row.quantity))
            for row in bundle_components(bundle)
        ]
        return _bundle_form_page(request, bundle, form, rows, [])
    saved, rows, general = _save_bundle(request, bundle, form)
    if saved is not None:
        messages.success(request, _("Bundle %(sku)s saved.") % {"sku": saved.sku})
        return redirect("catalog:item_detail", pk=saved.pk)
    return _bundle_form_page(request, bundle, form, rows, general)


@require_GET
def item_search(request: HttpRequest) -> HttpResponse:
    """htmx: items matching the text, each with a button that adds it as a component row."""
    text = searchable(request.GET.get("q") or request.GET.get("component_search", ""))[:200]
    exclude = request.GET.get("exclude", "")
    results: list[Item] = []
    if text:
        queryset = item_list(text=text)
        if exclude.isdigit() and int(exclude) <= ID_MAX:
            queryset = queryset.exclude(pk=int(exclude))
        results = list(queryset[:SEARCH_RESULTS])
    return render(
        request, "catalog/includes/item_search_results.html", {"results": results, "text": text}
    )


@require_GET
def component_row(request: HttpRequest) -> HttpResponse:
    """htmx: one component table row, filled with the chosen item (or blank)."""
    sku = searchable(request.GET.get("sku", ""))[:200]
    row = _rows_with_names([ComponentRow(sku=sku, quantity="1" if sku else "")])[0]
    return render(request, "catalog/includes/component_row.html", {"row": row})


def _typed_components(rows: list[ComponentRow]) -> list[tuple[int, int]]:
    """(item id, quantity) of the rows whose SKU exists and whose quantity is valid."""
    found = {
        item.sku.casefold(): item.pk
        for item in items_matching_skus([row.sku.strip() for row in rows if row.sku.strip()])
    }
    components = []
    for row in rows:
        item_id = found.get(row.sku.strip().casefold())
        quantity = row.quantity.strip()
        if item_id is not None and quantity.isdigit() and 0 < int(quantity) <= INTEGER_MAX:
            components.append((item_id, int(quantity)))
    return components


@require_GET
def bundle_preview(request: HttpRequest) -> HttpResponse:
    """htmx: what the components as typed would make (the derived availability per warehouse),
    before the bundle is saved. Rows with an unknown SKU or a bad quantity are left out; saving
    the form names them."""
    rows = component_rows_from_post(request.GET)[:MAX_PREVIEW_COMPONENTS]
    return render(
        request,
        "catalog/includes/bundle_preview.html",
        {"sections": bundle_form_sections(_typed_components(rows))},
    )
