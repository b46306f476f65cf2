"""Data → Imports and Exports: upload, follow progress, read the errors, download files."""

from __future__ import annotations

from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required, user_has_role
from kucun.core.choices import JobStatus, TableFormat
from kucun.core.dataio import files, selectors, services
from kucun.core.dataio.registry import (
    export_kind_choices,
    export_kind_label,
    export_kinds,
    import_kind_choices,
    import_kinds,
)
from kucun.core.dataio.templates import template_bytes
from kucun.core.errors import DomainError, NotFound
from kucun.core.forms import add_domain_error
from kucun.core.middleware import without_nul
from kucun.core.models import ExportRun, ImportRun
from kucun.core.pagination import apply_sort, paginate
from kucun.core.tabular import check_size
from kucun.core.tabular.readers import max_import_bytes
from kucun.web.data.forms import ImportForm

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
IMPORT_SORTS = {"when": "created_at", "kind": "kind", "file": "original_name", "rows": "rows_total"}
EXPORT_SORTS = {"when": "created_at", "kind": "kind", "rows": "row_count"}


def file_response(relative: str, download_name: str) -> FileResponse:
    try:
        path = files.absolute(relative)
    except ValueError:
        raise Http404 from None
    if not relative or not path.is_file():
        raise Http404(_("The file is no longer kept."))
    extension = path.suffix.lstrip(".")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=download_name)
    response["Content-Type"] = CONTENT_TYPES.get(extension, "application/octet-stream")
    return response


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    runs = selectors.import_run_list(
        text=request.GET.get("q", ""),
        kind=kind if kind in import_kinds() else "",
        status=status if status in JobStatus.values else "",
    )
    runs, sort = apply_sort(runs, request, IMPORT_SORTS, "-when")
    page_obj = paginate(request, runs)
    return render(
        request,
        "data/import_list.html",
        {
            "page_obj": page_obj,
            "runs": page_obj.object_list,
            "sort": sort,
            "kinds": import_kind_choices(),
            "statuses": JobStatus.choices,
            "can_import": user_has_role(request.user, Role.STAFF),
        },
    )


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    """Stops storing an upload once it passes IMPORT_MAX_BYTES, so an oversized file never
    fills the disk; the view then says how large the file may be."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > max_import_bytes():
            self.request.upload_too_large = self.received  # type: ignore[union-attr]
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def import_create(request: HttpRequest) -> HttpResponse:
    # Upload handlers must be set before the body is read, so CSRF is checked after this.
    request.upload_handlers = [SizeLimitedUploadHandler(request)]
    return import_create_protected(request)


@csrf_protect
def import_create_protected(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # A multipart body is read here, after the upload handlers were chosen: its text fields
        # are cleaned of NUL here too (plain forms are cleaned by RefuseNulMiddleware).
        form = ImportForm(without_nul(request.POST), request.FILES)
        too_large = getattr(request, "upload_too_large", 0)
        if too_large:
            form.is_valid()
            form.errors.pop("file", None)
            try:
                check_size(max(int(request.META.get("CONTENT_LENGTH") or 0), too_large))
            except DomainError as error:
                add_domain_error(form, error)
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                run = services.import_run_create(
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    upload=upload,
                    original_name=(upload.name or "").replace("\x00", ""),
                    size=upload.size,
                    options=form.options(),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return HttpResponseRedirect(reverse("data:import_detail", args=[run.pk]))
        status = 200
    else:
        kind = request.GET.get("kind", "")
        form = ImportForm(initial={"kind": kind if kind in import_kinds() else import_kinds()[0]})
        status = 200
    return render(
        request,
        "data/import_form.html",
        {"form": form, "kinds": import_kind_choices(), "option_kinds": form.option_kinds},
        status=status,
    )


def get_import(pk: int) -> ImportRun:
    run = selectors.import_run_get(pk)
    if run is None:
        raise Http404(_("No import has id %(id)s.") % {"id": pk})
    return run


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "data/import_detail.html", import_context(request, pk))


@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "data/includes/import_status.html", import_context(request, pk))


def import_context(request: HttpRequest, pk: int) -> dict[str, object]:
    return {"run": get_import(pk), "can_retry": user_has_role(request.user, Role.STAFF)}


@require_POST
@role_required(Role.STAFF)
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """A new run of a failed import, from the same stored file and options."""
    try:
        run = services.import_run_retry(user=request.user, import_run_id=pk)
    except NotFound:
        raise Http404(_("No import has id %(id)s.") % {"id": pk}) from None
    except DomainError as error:
        context = {**import_context(request, pk), "retry_error": error.detail}
        return render(request, "data/import_detail.html", context, status=error.status_code)
    return HttpResponseRedirect(reverse("data:import_detail", args=[run.pk]))


@require_GET
def import_errors(request: HttpRequest, pk: int) -> FileResponse:
    run = get_import(pk)
    stem = run.original_name.rsplit(".", 1)[0] or "import"
    return file_response(run.error_report, f"{stem}-errors.csv")


@require_GET
def import_file(request: HttpRequest, pk: int) -> FileResponse:
    run = get_import(pk)
    return file_response(run.stored_file, run.original_name)


@require_GET
def import_template(request: HttpRequest, kind: str, file_format: str) -> HttpResponse:
    if kind not in import_kinds() or file_format not in TableFormat.values:
        raise Http404
    response = HttpResponse(
        template_bytes(kind, file_format), content_type=CONTENT_TYPES[file_format]
    )
    response["Content-Disposition"] = f'attachment; filename="kucun-{kind}-template.{file_format}"'
    return response


@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    runs = selectors.export_run_list(
        kind=kind if kind in export_kinds() else "",
        status=status if status in JobStatus.values else "",
        user=request.GET.get("user", ""),
    )
    runs, sort = apply_sort(runs, request, EXPORT_SORTS, "-when")
    page_obj = paginate(request, runs)
    return render(
        request,
        "data/export_list.html",
        {
            "page_obj": page_obj,
            "runs": page_obj.object_list,
            "sort": sort,
            "kinds": export_kind_choices(),
            "statuses": JobStatus.choices,
            "retention_days": services.retention_days(),
        },
    )


# Form fields of an export request that are not filters (the page of the list it came from
# is not one either: an export takes every matching row).
NOT_FILTERS = frozenset({"kind", "format", "page", "csrfmiddlewaretoken", "next", "action"})


def export_parameters(request: HttpRequest) -> tuple[QueryDict, dict[str, str]]:
    """The query (GET) or form (POST) and the filters in it; a repeated field such as a list's
    ticked ``ids`` is joined with commas."""
    query = request.POST if request.method == "POST" else request.GET
    filters = {name: ",".join(values) for name, values in query.lists() if name not in NOT_FILTERS}
    return query, filters


@require_http_methods(["GET", "POST"])
def export_create(request: HttpRequest) -> HttpResponse | FileResponse:
    """kind=items&format=csv&<the list's filters> (a list's "export selected" adds the ticked
    rows as ``ids``). Only a POST (with its CSRF token) starts an export: a GET, as a crawler
    or a link prefetcher sends, shows the choice and creates nothing."""
    query, filters = export_parameters(request)
    kind = query.get("kind", "")
    if kind not in export_kinds():
        return render(
            request, "data/export_choose.html", {"kinds": export_kind_choices()}, status=200
        )
    context = {"kind": kind, "kind_label": export_kind_label(kind), "filters": filters}
    file_format = query.get("format", "") if request.method == "POST" else ""
    if not file_format:
        return render(request, "data/export_choose.html", context)
    try:
        run = services.export_run_create(
            user=request.user, kind=kind, file_format=file_format, filters=filters
        )
    except DomainError as error:
        return render(
            request,
            "data/export_choose.html",
            {**context, "error": error.detail},
            status=error.status_code,
        )
    if run.file_available:
        return file_response(run.stored_file, run.file_name)
    return HttpResponseRedirect(reverse("data:export_detail", args=[run.pk]))


def get_export(pk: int) -> ExportRun:
    run = selectors.export_run_get(pk)
    if run is None:
        raise Http404(_("No export has id %(id)s.") % {"id": pk})
    return run


@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "data/export_detail.html", {"run": get_export(pk)})


@require_GET
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "data/includes/export_status.html", {"run": get_export(pk)})


@require_POST
def export_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """A new export of what a failed export was asked for."""
    try:
        run = services.export_run_retry(user=request.user, export_run_id=pk)
    except NotFound:
        raise Http404(_("No export has id %(id)s.") % {"id": pk}) from None
    except DomainError as error:
        context = {"run": get_export(pk), "retry_error": error.detail}
        return render(request, "data/export_detail.html", context, status=error.status_code)
    return HttpResponseRedirect(reverse("data:export_detail", args=[run.pk]))


@require_GET
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    run = get_export(pk)
    if not run.file_available:
        raise Http404(_("This export's file is no longer kept."))
    return file_response(run.stored_file, run.file_name)
