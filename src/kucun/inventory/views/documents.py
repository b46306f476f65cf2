"""Receipts, issues, transfers and stocktakes: lists, editors, detail pages and their actions.

One set of views serves the four document types; a DocumentSpec says what differs. Every write
goes through ``kucun.inventory.services``; a refused write re-renders the whole form with the
error next to the line it names, and nothing is written.
"""

from __future__ import annotations

import builtins
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required
from kucun.core.errors import DomainError
from kucun.core.pagination import apply_sort, paginate
from kucun.inventory import services
from kucun.inventory.choices import (
    DocumentStatus,
    DocumentType,
    IssueKind,
    ReceiptKind,
    StocktakeStatus,
    TransferStatus,
)
from kucun.inventory.errors import DocumentNotEditable
from kucun.inventory.forms import (
    DocumentFilterForm,
    DocumentHeaderForm,
    LineRow,
    StocktakeHeaderForm,
    TransferHeaderForm,
    expand_bundle_rows,
    place_domain_error,
    rows_from_post,
    validate_document_rows,
)
from kucun.inventory.models import Document, Issue, Receipt, Stocktake, Transfer
from kucun.inventory.selectors_console import (
    bundle_components,
    document_lines,
    document_list,
    inactive_bin_codes,
    item_names,
    stocktake_expected,
    unknown_codes,
)
from kucun.inventory.views.common import acting_user, can_edit


@dataclass(frozen=True)
class DocumentSpec:
    type: str
    model: builtins.type[Document]
    title: str | Promise
    title_plural: str | Promise
    chinese: str
    kinds: tuple[tuple[str, Any], ...]
    statuses: tuple[tuple[str, Any], ...]

    def url(self, action: str, pk: int | None = None) -> str:
        name = f"inventory:{self.type}_{action}"
        return reverse(name, kwargs={"pk": pk}) if pk is not None else reverse(name)


SPECS: dict[str, DocumentSpec] = {
    DocumentType.RECEIPT: DocumentSpec(
        DocumentType.RECEIPT,
        Receipt,
        gettext_lazy("Receipt"),
        gettext_lazy("Receipts"),
        "入库",
        tuple(ReceiptKind.choices),
        tuple(DocumentStatus.choices),
    ),
    DocumentType.ISSUE: DocumentSpec(
        DocumentType.ISSUE,
        Issue,
        gettext_lazy("Issue"),
        gettext_lazy("Issues"),
        "出库",
        tuple(IssueKind.choices),
        tuple(DocumentStatus.choices),
    ),
    DocumentType.TRANSFER: DocumentSpec(
        DocumentType.TRANSFER,
        Transfer,
        gettext_lazy("Transfer"),
        gettext_lazy("Transfers"),
        "库存转移",
        (),
        tuple(TransferStatus.choices),
    ),
    DocumentType.STOCKTAKE: DocumentSpec(
        DocumentType.STOCKTAKE,
        Stocktake,
        gettext_lazy("Stocktake"),
        gettext_lazy("Stocktakes"),
        "盘点",
        (),
        tuple(StocktakeStatus.choices),
    ),
}

SORTS = {
    "number": "pk",
    "kind": "kind",
    "warehouse": "warehouse__code",
    "lines": "line_count",
    "units": "units",
    "status": "status",
    "who": "created_by__username",
    "created": "created_at",
    "posted": "posted_at",
}


# --- lists ---------------------------------------------------------------------------------------


def document_list_view(request: HttpRequest, document_type: str) -> HttpResponse:
    spec = SPECS[document_type]
    filters = DocumentFilterForm(request.GET or None, kinds=spec.kinds, statuses=spec.statuses)
    queryset = document_list(
        spec.model,
        text=filters.value("q") or "",
        warehouse=filters.value("warehouse") or "",
        kind=(filters.value("kind") or "") if spec.kinds else "",
        status=filters.value("status") or "",
    )
    allowed = {key: value for key, value in SORTS.items() if spec.kinds or key != "kind"}
    queryset, sort = apply_sort(queryset, request, allowed, "-created")
    page_obj = paginate(request, queryset)
    return render(
        request,
        "inventory/document_list.html",
        {
            "spec": spec,
            "filters": filters,
            "page_obj": page_obj,
            "documents": page_obj.object_list,
            "sort": sort,
            "can_edit": can_edit(request),
            "create_url": spec.url("create"),
        },
    )


# --- editors -------------------------------------------------------------------------------------


def _blank_rows(count: int = 3) -> list[LineRow]:
    return [LineRow() for _ in range(count)]


def _check_codes(
    rows: list[LineRow], *, warehouse: str, to_warehouse: str = "", transfer: bool = False
) -> bool:
    """Put 'unknown SKU / bin' or 'inactive bin' next to each line that names one; True when
    all are known. Without a warehouse (its own error is on the form) only SKUs are checked."""
    sources = [row.from_bin if transfer else row.bin for row in rows] if warehouse else []
    missing_skus, missing_bins = unknown_codes(
        warehouse_code=warehouse, skus=[row.sku for row in rows], bins=sources
    )
    inactive = inactive_bin_codes(warehouse_code=warehouse, bins=sources)
    missing_to_bins: set[str] = set()
    if transfer and warehouse:
        _skus, missing_to_bins = unknown_codes(
            warehouse_code=to_warehouse or warehouse, skus=[], bins=[row.to_bin for row in rows]
        )
    clean = True
    for row in rows:
        if row.sku and row.sku.upper() in missing_skus:
            row.errors.append(_("Unknown SKU %(sku)s.") % {"sku": row.sku})
        source = row.from_bin if transfer else row.bin
        if source and source.upper() in missing_bins:
            row.errors.append(
                _("Unknown bin %(code)s in warehouse %(warehouse)s.")
                % {"code": source, "warehouse": warehouse}
            )
        elif source and source.upper() in inactive:
            row.errors.append(_("Bin %(code)s is inactive.") % {"code": source})
        if transfer and row.to_bin and row.to_bin.upper() in missing_to_bins:
            row.errors.append(
                _("Unknown bin %(code)s in warehouse %(warehouse)s.")
                % {"code": row.to_bin, "warehouse": to_warehouse or warehouse}
            )
        clean = clean and not row.errors
    return clean


def _with_names(rows: list[LineRow]) -> list[LineRow]:
    names = item_names(row.sku for row in rows)
    for row in rows:
        row.item_name = names.get(row.sku.upper(), "")
    return rows


def _render_editor(
    request: HttpRequest,
    spec: DocumentSpec,
    form: Any,
    rows: list[LineRow],
    *,
    status: int = 200,
    document: Document | None = None,
    notices: list[str] | None = None,
) -> HttpResponse:
    """The editor for a new document, or for changing ``document`` (a draft)."""
    if rows and any(not row.item_name for row in rows):
        rows = _with_names(rows)
    return render(
        request,
        "inventory/document_editor.html",
        {
            "spec": spec,
            "form": form,
            "rows": rows or _blank_rows(),
            "document": document,
            "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
            "prefill_bin": request.GET.get("bin", ""),
            "notices": notices or [],
        },
        status=status,
    )


def _submit(
    request: HttpRequest,
    spec: DocumentSpec,
    form: Any,
    rows: list[LineRow],
    create: Callable[[], Model],
    *,
    editing: Document | None = None,
) -> HttpResponse:
    try:
        document = create()
    except DomainError as error:
        if editing is not None and not _still_draft(spec, editing.pk):
            # Posted (or discarded) since the editor was opened: the edit cannot apply.
            messages.error(request, str(error))
            return HttpResponseRedirect(spec.url("detail", editing.pk))
        place_domain_error(error, form, rows)
        return _render_editor(request, spec, form, rows, status=422, document=editing)
    posted = request.POST.get("action") == "post"
    if posted:
        messages.success(
            request,
            _("%(number)s posted.") % {"number": document.number},  # type: ignore[attr-defined]
        )
    else:
        messages.success(
            request,
            _("%(number)s saved as a draft.") % {"number": document.number},  # type: ignore[attr-defined]
        )
    return HttpResponseRedirect(spec.url("detail", document.pk))


def _validated(
    request: HttpRequest,
    form: Any,
    rows: list[LineRow],
    kind: str,
    *,
    warehouse: str | None = None,
) -> bool:
    """Check the header and every line at once (each line's fields, SKUs, bins), so every bad
    line is reported together. ``warehouse``: a fixed one (an existing document's)."""
    valid = form.is_valid()
    if not rows:
        form.add_error(None, _("Add at least one line: scan an item or search for a SKU."))
        return False
    lines_valid = validate_document_rows(rows, kind=kind)
    data = form.cleaned_data if valid else getattr(form, "cleaned_data", {})
    codes_valid = _check_codes(
        rows,
        warehouse=warehouse or data.get("warehouse") or "",
        to_warehouse=data.get("to_warehouse") or "",
        transfer=kind == "transfer",
    )
    return valid and lines_valid and codes_valid


def _expand_bundles(rows: list[LineRow]) -> tuple[list[LineRow], list[str]]:
    """A receipt, issue or transfer lists what moves: bundle lines become their component
    lines (a transfer's keep the line's from-bin and to-bin)."""
    components = bundle_components(row.sku for row in rows)
    if not components:
        return rows, []
    return expand_bundle_rows(rows, components)


@role_required(Role.STAFF)
def receipt_or_issue_create(request: HttpRequest, document_type: str) -> HttpResponse:
    spec = SPECS[document_type]
    if request.method != "POST":
        initial = {"kind": spec.kinds[0][0]}
        return _render_editor(
            request, spec, DocumentHeaderForm(kinds=spec.kinds, initial=initial), []
        )
    form = DocumentHeaderForm(request.POST, kinds=spec.kinds)
    rows, notices = _expand_bundles(rows_from_post(request.POST))
    if not _validated(request, form, rows, document_type):
        return _render_editor(request, spec, form, rows, status=422, notices=notices)
    if notices:
        return _render_editor(request, spec, form, rows, notices=notices)
    data = form.cleaned_data
    create = (
        services.receipt_create if document_type == DocumentType.RECEIPT else services.issue_create
    )
    lines = [
        services.DocumentLineInput(sku=row.sku, qty=int(row.qty), bin=row.bin or None)
        for row in rows
    ]
    return _submit(
        request,
        spec,
        form,
        rows,
        lambda: create(
            user=acting_user(request),
            warehouse=data["warehouse"],
            kind=data["kind"],
            lines=lines,
            reference=data["reference"],
            note=data["note"],
            post=request.POST.get("action") == "post",
            idempotency_key=_idempotency_key(request),
        ),
    )


@role_required(Role.STAFF)
def transfer_create(request: HttpRequest) -> HttpResponse:
    spec = SPECS[DocumentType.TRANSFER]
    if request.method != "POST":
        initial = {"warehouse": request.GET.get("warehouse", "")}
        rows: list[LineRow] = []
        if request.GET.get("bin"):
            rows = [
                LineRow(
                    from_bin=request.GET["bin"],
                    sku=request.GET.get("sku", ""),
                    qty=request.GET.get("qty", ""),
                )
            ]
        return _render_editor(request, spec, TransferHeaderForm(initial=initial), rows)
    form = TransferHeaderForm(request.POST)
    rows, notices = _expand_bundles(rows_from_post(request.POST))
    if not _validated(request, form, rows, "transfer"):
        return _render_editor(request, spec, form, rows, status=422, notices=notices)
    if notices:
        return _render_editor(request, spec, form, rows, notices=notices)
    data = form.cleaned_data
    lines = [
        services.TransferLineInput(
            sku=row.sku, qty=int(row.qty), from_bin=row.from_bin, to_bin=row.to_bin
        )
        for row in rows
    ]
    return _submit(
        request,
        spec,
        form,
        rows,
        lambda: services.transfer_create(
            user=acting_user(request),
            warehouse=data["warehouse"],
            to_warehouse=data.get("to_warehouse") or None,
            lines=lines,
            reference=data["reference"],
            note=data["note"],
            post=request.POST.get("action") == "post",
            idempotency_key=_idempotency_key(request),
        ),
    )


@role_required(Role.STAFF)
def stocktake_create(request: HttpRequest) -> HttpResponse:
    spec = SPECS[DocumentType.STOCKTAKE]
    if request.method != "POST":
        initial = {
            "warehouse": request.GET.get("warehouse", ""),
            "bins": request.GET.get("bin", ""),
        }
        return render(
            request,
            "inventory/stocktake_start.html",
            {"spec": spec, "form": StocktakeHeaderForm(initial=initial)},
        )
    form = StocktakeHeaderForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            stocktake = services.stocktake_create(
                user=acting_user(request),
                warehouse=data["warehouse"],
                bins=data["bins"],
                skus=data["skus"],
                reference=data["reference"],
                note=data["note"],
            )
        except DomainError as error:
            _place_on_header(error, form)
        else:
            messages.success(
                request,
                _("%(number)s started: enter the counted quantities.")
                % {"number": stocktake.number},
            )
            return HttpResponseRedirect(spec.url("detail", stocktake.pk))
    return render(
        request, "inventory/stocktake_start.html", {"spec": spec, "form": form}, status=422
    )


def _place_on_header(error: DomainError, form: Any) -> None:
    """A stocktake's unknown bin or SKU belongs to the bins / items box."""
    placed = False
    for field_error in error.errors:
        name = field_error.field.split(".")[0].split("[")[0]
        target = {"bin": "bins", "bins": "bins", "sku": "skus", "skus": "skus"}.get(name)
        if target is None and name in form.fields:
            target = name
        if target is not None:
            form.add_error(target, field_error.message)
            placed = True
    if not placed:
        form.add_error(None, str(error))


def _idempotency_key(request: HttpRequest) -> str | None:
    """The editor's one-time key, so a double click or a resent form posts once."""
    key = request.POST.get("idempotency_key", "").strip()
    action = request.POST.get("action", "save")
    return f"console:{request.user.pk}:{key}:{action}"[:200] if key else None


# --- detail and actions --------------------------------------------------------------------------


def _document(spec: DocumentSpec, pk: int) -> Document:
    queryset = spec.model.objects.select_related(  # type: ignore[attr-defined]
        "warehouse", "created_by", "posted_by", "reversed_by", "move", "reversal_move"
    )
    if spec.type == DocumentType.TRANSFER:
        queryset = queryset.select_related("to_warehouse", "received_by", "receive_move")
    return get_object_or_404(queryset, pk=pk)


def document_detail(
    request: HttpRequest,
    document_type: str,
    pk: int,
    *,
    error: DomainError | None = None,
    rows: list[LineRow] | None = None,
) -> HttpResponse:
    spec = SPECS[document_type]
    document = _document(spec, pk)
    lines = document_lines(document)
    line_errors: dict[int, list[str]] = {}
    general_error = ""
    if error is not None:
        general_error = _line_errors_for(error, lines, line_errors)
    for line in lines:
        line.errors = line_errors.get(line.pk, [])
    context: dict[str, Any] = {
        "spec": spec,
        "document": document,
        "lines": lines,
        "line_errors": line_errors,
        "general_error": general_error,
        "can_edit": can_edit(request),
    }
    if document_type == DocumentType.STOCKTAKE:
        context.update(_stocktake_context(document, lines, rows))  # type: ignore[arg-type]
    template = (
        "inventory/stocktake_detail.html"
        if document_type == DocumentType.STOCKTAKE
        else "inventory/document_detail.html"
    )
    return render(request, template, context, status=422 if error is not None else 200)


def _line_errors_for(error: DomainError, lines: list[Any], found: dict[int, list[str]]) -> str:
    """Attach a posting error to the line(s) it names; what names none is returned."""
    for field_error in error.errors:
        match = re.search(r"lines?\W*(\d+)", field_error.field or "")
        if match and int(match.group(1)) < len(lines):
            found.setdefault(lines[int(match.group(1))].pk, []).append(field_error.message)
    sku = getattr(error, "sku", "")
    if not found and sku:
        for line in lines:
            if line.item.sku.upper() == str(sku).upper():
                found.setdefault(line.pk, []).append(str(error))
    return "" if found else str(error)


def _stocktake_context(
    stocktake: Stocktake, lines: list[Any], posted_rows: list[LineRow] | None
) -> dict[str, Any]:
    editable = stocktake.status in {StocktakeStatus.DRAFT, StocktakeStatus.COUNTING}
    now = stocktake_expected(stocktake) if editable else {}
    rows = []
    typed = {(r.bin.upper(), r.sku.upper()): r for r in posted_rows or []}
    for line in lines:
        expected = now.get((line.bin_id, line.item_id), 0) if editable else line.expected_at_count
        row = typed.pop(
            (line.bin.code.upper(), line.item.sku.upper()),
            LineRow(
                bin=line.bin.code,
                sku=line.item.sku,
                counted="" if line.counted is None else str(line.counted),
            ),
        )
        row.expected = expected
        row.item_name = line.item.name
        rows.append(row)
    # Lines typed or scanned that the stocktake did not list yet are kept, not dropped.
    rows.extend(_with_names(list(typed.values())))
    return {"rows": rows, "editable": editable}


@require_POST
@role_required(Role.STAFF)
def document_post(request: HttpRequest, document_type: str, pk: int) -> HttpResponse:
    spec = SPECS[document_type]
    document = _document(spec, pk)
    user = acting_user(request)
    try:
        if document_type == DocumentType.RECEIPT:
            services.receipt_post(user=user, receipt_id=document.pk)
        elif document_type == DocumentType.ISSUE:
            services.issue_post(user=user, issue_id=document.pk)
        elif document_type == DocumentType.TRANSFER:
            services.transfer_post(user=user, transfer_id=document.pk)
        else:
            raise Http404
    except DomainError as error:
        return document_detail(request, document_type, pk, error=error)
    messages.success(request, _("%(number)s posted.") % {"number": document.number})
    return HttpResponseRedirect(spec.url("detail", pk))


@require_POST
@role_required(Role.STAFF)
def document_reverse(request: HttpRequest, document_type: str, pk: int) -> HttpResponse:
    spec = SPECS[document_type]
    document = _document(spec, pk)
    try:
        services.document_reverse(
            user=acting_user(request), kind=document_type, document_id=document.pk
        )
    except DomainError as error:
        return document_detail(request, document_type, pk, error=error)
    messages.success(
        request,
        _("%(number)s reversed: a reversing move put the stock back.")
        % {"number": document.number},
    )
    return HttpResponseRedirect(spec.url("detail", pk))


@require_POST
@role_required(Role.STAFF)
def transfer_receive(request: HttpRequest, pk: int) -> HttpResponse:
    spec = SPECS[DocumentType.TRANSFER]
    document = _document(spec, pk)
    try:
        services.transfer_receive(user=acting_user(request), transfer_id=document.pk)
    except DomainError as error:
        return document_detail(request, DocumentType.TRANSFER, pk, error=error)
    messages.success(request, _("%(number)s received.") % {"number": document.number})
    return HttpResponseRedirect(spec.url("detail", pk))


@require_POST
@role_required(Role.STAFF)
def stocktake_count(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the counted quantities; with action=post, post the stocktake too."""
    spec = SPECS[DocumentType.STOCKTAKE]
    stocktake = _document(spec, pk)
    rows = rows_from_post(request.POST)
    counted_rows = [row for row in rows if row.counted != ""]
    validate_document_rows(counted_rows, kind="stocktake")
    _check_codes(counted_rows, warehouse=stocktake.warehouse.code)
    if any(row.errors for row in counted_rows):
        return _stocktake_refused(request, pk, rows)
    counts = [
        services.StocktakeCountInput(bin=row.bin, sku=row.sku, counted=int(row.counted))
        for row in counted_rows
    ]
    try:
        if counts:
            services.stocktake_count(
                user=acting_user(request), stocktake_id=stocktake.pk, counts=counts
            )
        if request.POST.get("action") == "post":
            services.stocktake_post(user=acting_user(request), stocktake_id=stocktake.pk)
    except DomainError as error:
        place_domain_error(error, _NoFields(), counted_rows)
        if not any(row.errors for row in counted_rows):
            return document_detail(request, DocumentType.STOCKTAKE, pk, error=error, rows=rows)
        return _stocktake_refused(request, pk, rows)
    if request.POST.get("action") == "post":
        messages.success(request, _("%(number)s posted.") % {"number": stocktake.number})
    else:
        messages.success(request, _("Counts saved."))
    return HttpResponseRedirect(spec.url("detail", pk))


def _stocktake_refused(request: HttpRequest, pk: int, rows: list[LineRow]) -> HttpResponse:
    response = document_detail(request, DocumentType.STOCKTAKE, pk, rows=rows)
    response.status_code = 422
    return response


class _NoFields:
    """A stand-in form for place_domain_error when only the rows can take the message."""

    fields: dict[str, Any] = {}

    def add_error(self, field: str | None, message: str) -> None:
        self.message = message


# --- changing and discarding drafts --------------------------------------------------------------

CHANGEABLE = (DocumentType.RECEIPT, DocumentType.ISSUE, DocumentType.TRANSFER)


def _still_draft(spec: DocumentSpec, pk: int) -> bool:
    return spec.model.objects.filter(pk=pk, status=DocumentStatus.DRAFT).exists()  # type: ignore[attr-defined]


def _not_changeable(document: Document) -> str:
    return _("%(number)s is %(status)s; only drafts can be changed.") % {
        "number": document.number,
        "status": document.get_status_display().lower(),  # type: ignore[attr-defined]
    }


def _rows_of(document: Document) -> list[LineRow]:
    return [
        LineRow(
            sku=line.item.sku,
            qty=str(line.qty),
            bin=line.bin.code if getattr(line, "bin", None) else "",
            from_bin=line.from_bin.code if hasattr(line, "from_bin") else "",
            to_bin=line.to_bin.code if hasattr(line, "to_bin") else "",
            item_name=line.item.name,
        )
        for line in document_lines(document)
    ]


def _header_form(spec: DocumentSpec, document: Document, data: Any = None) -> Any:
    fixed = document.warehouse
    if spec.type == DocumentType.TRANSFER:
        to_warehouse = document.to_warehouse.code if document.to_warehouse_id else ""  # type: ignore[attr-defined]
        initial = {
            "to_warehouse": to_warehouse,
            "reference": document.reference,
            "note": document.note,
        }
        return TransferHeaderForm(data, initial=initial, fixed_warehouse=fixed)
    initial = {
        "kind": document.kind,  # type: ignore[attr-defined]
        "reference": document.reference,
        "note": document.note,
    }
    return DocumentHeaderForm(data, kinds=spec.kinds, initial=initial, fixed_warehouse=fixed)


@role_required(Role.STAFF)
def document_edit(request: HttpRequest, document_type: str, pk: int) -> HttpResponse:
    """The editor, filled with a draft's header and lines; saves it, or saves and posts it."""
    if document_type not in CHANGEABLE:
        raise Http404
    spec = SPECS[document_type]
    document = _document(spec, pk)
    if document.status != DocumentStatus.DRAFT:  # type: ignore[attr-defined]
        messages.error(request, _not_changeable(document))
        return HttpResponseRedirect(spec.url("detail", pk))
    if request.method != "POST":
        form = _header_form(spec, document)
        # A draft saved with a bundle line before they were refused: shown expanded.
        rows, notices = _expand_bundles(_rows_of(document))
        return _render_editor(request, spec, form, rows, document=document, notices=notices)
    form = _header_form(spec, document, request.POST)
    rows, notices = _expand_bundles(rows_from_post(request.POST))
    if not _validated(request, form, rows, document_type, warehouse=document.warehouse.code):
        return _render_editor(
            request, spec, form, rows, status=422, document=document, notices=notices
        )
    if notices:
        return _render_editor(request, spec, form, rows, document=document, notices=notices)
    return _submit(
        request,
        spec,
        form,
        rows,
        lambda: _update(request, document_type, document, form.cleaned_data, rows),
        editing=document,
    )


def _update(
    request: HttpRequest,
    document_type: str,
    document: Document,
    data: dict[str, Any],
    rows: list[LineRow],
) -> Model:
    common: dict[str, Any] = {
        "user": acting_user(request),
        "reference": data["reference"],
        "note": data["note"],
        "post": request.POST.get("action") == "post",
        "idempotency_key": _idempotency_key(request),
    }
    if document_type == DocumentType.TRANSFER:
        return services.transfer_update(
            transfer_id=document.pk,
            to_warehouse=data.get("to_warehouse") or "",
            lines=[
                services.TransferLineInput(
                    sku=row.sku, qty=int(row.qty), from_bin=row.from_bin, to_bin=row.to_bin
                )
                for row in rows
            ],
            **common,
        )
    lines = [
        services.DocumentLineInput(sku=row.sku, qty=int(row.qty), bin=row.bin or None)
        for row in rows
    ]
    if document_type == DocumentType.RECEIPT:
        return services.receipt_update(
            receipt_id=document.pk, kind=data["kind"], lines=lines, **common
        )
    return services.issue_update(issue_id=document.pk, kind=data["kind"], lines=lines, **common)


@require_POST
@role_required(Role.STAFF)
def document_discard(request: HttpRequest, document_type: str, pk: int) -> HttpResponse:
    if document_type not in CHANGEABLE:
        raise Http404
    spec = SPECS[document_type]
    document = _document(spec, pk)
    try:
        services.document_discard(
            user=acting_user(request), kind=document_type, document_id=document.pk
        )
    except DocumentNotEditable as error:
        return document_detail(request, document_type, pk, error=error)
    messages.success(request, _("%(number)s discarded.") % {"number": document.number})
    return HttpResponseRedirect(spec.url("list"))
