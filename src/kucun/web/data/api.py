"""Imports and exports under /api/v1/imports and /api/v1/exports.

POST /imports takes multipart form data: ``kind``, ``file`` and ``options`` (a JSON object:
valid_rows_only, warehouse, post, receipt_kind, reference, stocktake_id). The import runs in
the worker; GET /imports/{id} reports its status, progress, counts and errors.
"""

import json
from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.core.choices import JobStatus
from kucun.core.dataio import selectors, services
from kucun.core.dataio.importing import ImportOptions
from kucun.core.dataio.registry import export_kinds, import_kinds, importer_class
from kucun.core.dataio.templates import template_bytes
from kucun.core.errors import FieldError, NotFound, ValidationFailed
from kucun.core.models import ExportRun, ImportRun
from kucun.core.pagination import FiftyPerPage
from kucun.web.data.views import CONTENT_TYPES, file_response

router = Router(tags=["data"])


class RowErrorOut(Schema):
    row: int
    column: str
    message: str
    value: str = ""


class ImportOut(Schema):
    id: int
    kind: str
    status: str
    progress: int
    file: str
    file_format: str
    source: str
    valid_rows_only: bool
    rows: int
    created: int
    updated: int
    failed: int
    error_count: int
    errors: list[RowErrorOut]
    error_report_url: str | None
    message: str
    document: str
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None


class ExportOut(Schema):
    id: int
    kind: str
    format: str
    filters: dict[str, str]
    status: str
    progress: int
    rows: int
    file_name: str
    file_size: int
    download_url: str | None
    message: str
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None


class ExportIn(Schema):
    kind: str
    format: str = "csv"
    filters: dict[str, str] = {}


class RunFilters(Schema):
    kind: str = ""
    status: str = ""


def progress_of(run: ImportRun | ExportRun) -> int:
    if run.is_finished:
        return 100
    return run.job.percent if run.job is not None else 0


def import_out(run: ImportRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "kind": run.kind,
        "status": run.status,
        "progress": progress_of(run),
        "file": run.original_name,
        "file_format": run.file_format,
        "source": run.source,
        "valid_rows_only": run.valid_rows_only,
        "rows": run.rows_total,
        "created": run.created_count,
        "updated": run.updated_count,
        "failed": run.failed_count,
        "error_count": run.error_count,
        "errors": run.errors,
        "error_report_url": (
            reverse("api:imports_errors", args=[run.pk]) if run.error_report else None
        ),
        "message": run.message,
        "document": run.document,
        "created_by": run.created_by.get_username() if run.created_by else None,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def export_out(run: ExportRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "kind": run.kind,
        "format": run.file_format,
        "filters": run.filters,
        "status": run.status,
        "progress": progress_of(run),
        "rows": run.row_count,
        "file_name": run.file_name,
        "file_size": run.file_size,
        "download_url": (
            reverse("api:exports_download", args=[run.pk]) if run.file_available else None
        ),
        "message": run.message,
        "created_by": run.created_by.get_username() if run.created_by else None,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def option_types() -> dict[str, type]:
    """Every option some kind of import declares, with its type."""
    types: dict[str, type] = {"valid_rows_only": bool}
    for kind in import_kinds():
        for name, (kind_type, _default) in importer_class(kind).option_types.items():
            types.setdefault(name, kind_type)
    return types


def refuse_option_value(name: str, expected: type) -> ValidationFailed:
    if expected is bool:
        message = _("%(name)s must be true or false.") % {"name": name}
    elif expected is int:
        message = _("%(name)s must be a whole number.") % {"name": name}
    else:
        message = _("%(name)s must be text.") % {"name": name}
    return ValidationFailed(detail=message, errors=[FieldError(f"options.{name}", message)])


def parse_options(text: str) -> ImportOptions:
    if not text.strip():
        return ImportOptions()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        message = _('options must be a JSON object, e.g. {"warehouse": "MEL", "post": true}.')
        raise ValidationFailed(detail=message, errors=[FieldError("options", message)])
    types = option_types()
    unknown = sorted(set(data) - set(types))
    if unknown:
        message = _("Unknown option(s): %(names)s.") % {"names": ", ".join(unknown)}
        raise ValidationFailed(detail=message, errors=[FieldError("options", message)])
    for name, value in data.items():
        expected = types[name]
        if value is None and expected is int:
            continue
        if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
            raise refuse_option_value(name, expected)
    return ImportOptions.from_dict(data)


def get_import(import_id: int) -> ImportRun:
    run = selectors.import_run_get(import_id)
    if run is None:
        raise NotFound(detail=_("No import has id %(id)s.") % {"id": import_id})
    return run


def get_export(export_id: int) -> ExportRun:
    run = selectors.export_run_get(export_id)
    if run is None:
        raise NotFound(detail=_("No export has id %(id)s.") % {"id": export_id})
    return run


@router.post("/imports", response={202: ImportOut}, summary="Upload a file to import")
def imports_create(
    request: HttpRequest,
    kind: Form[str],
    file: File[UploadedFile],
    options: Form[str] = "",
) -> Any:
    require_role(request, Role.STAFF)
    run = services.import_run_create(
        user=request.user,
        kind=kind,
        upload=file,
        original_name=file.name or "upload",
        size=file.size or 0,
        options=parse_options(options),
    )
    run = get_import(run.pk)
    return Status(202, import_out(run))


@router.post(
    "/imports/{import_id}/retry", response={202: ImportOut}, summary="Retry a failed import"
)
def imports_retry(request: HttpRequest, import_id: int) -> Any:
    require_role(request, Role.STAFF)
    run = services.import_run_retry(user=request.user, import_run_id=import_id)
    return Status(202, import_out(get_import(run.pk)))


@router.get("/imports", response=list[ImportOut], summary="Import history")
@paginate(FiftyPerPage)
def imports_list(request: HttpRequest, filters: Query[RunFilters]) -> Any:
    runs = selectors.import_run_list(
        kind=filters.kind if filters.kind in import_kinds() else "",
        status=filters.status if filters.status in JobStatus.values else "",
    )
    return LazyRuns(runs, import_out)


@router.get("/imports/templates/{kind}", summary="A kind's template (header and example row)")
def imports_template(request: HttpRequest, kind: str, format: str = "csv") -> HttpResponse:
    if kind not in import_kinds():
        raise NotFound(detail=_("No template for “%(kind)s”.") % {"kind": kind})
    file_format = services.clean_format(format)
    response = HttpResponse(
        template_bytes(kind, file_format), content_type=CONTENT_TYPES[file_format]
    )
    response["Content-Disposition"] = f'attachment; filename="kucun-{kind}-template.{file_format}"'
    return response


@router.get("/imports/{import_id}", response=ImportOut, summary="An import's status")
def imports_get(request: HttpRequest, import_id: int) -> Any:
    return import_out(get_import(import_id))


@router.get(
    "/imports/{import_id}/errors", summary="The error report (CSV)", url_name="imports_errors"
)
def imports_errors(request: HttpRequest, import_id: int) -> FileResponse:
    run = get_import(import_id)
    if not run.error_report:
        raise NotFound(detail=_("Import %(id)s has no error report.") % {"id": import_id})
    return file_response(run.error_report, f"import-{run.pk}-errors.csv")


@router.get("/exports", response=list[ExportOut], summary="Export history")
@paginate(FiftyPerPage)
def exports_list(request: HttpRequest, filters: Query[RunFilters]) -> Any:
    runs = selectors.export_run_list(
        kind=filters.kind if filters.kind in export_kinds() else "",
        status=filters.status if filters.status in JobStatus.values else "",
    )
    return LazyRuns(runs, export_out)


@router.post("/exports", response={201: ExportOut, 202: ExportOut}, summary="Export")
def exports_create(request: HttpRequest, payload: ExportIn) -> Any:
    run = services.export_run_create(
        user=request.user, kind=payload.kind, file_format=payload.format, filters=payload.filters
    )
    run = get_export(run.pk)
    return Status(201 if run.is_finished else 202, export_out(run))


@router.post(
    "/exports/{export_id}/retry",
    response={201: ExportOut, 202: ExportOut},
    summary="Retry a failed export",
)
def exports_retry(request: HttpRequest, export_id: int) -> Any:
    run = get_export(services.export_run_retry(user=request.user, export_run_id=export_id).pk)
    return Status(201 if run.is_finished else 202, export_out(run))


@router.get("/exports/{export_id}", response=ExportOut, summary="An export's status")
def exports_get(request: HttpRequest, export_id: int) -> Any:
    return export_out(get_export(export_id))


@router.get(
    "/exports/{export_id}/download", summary="The export's file", url_name="exports_download"
)
def exports_download(request: HttpRequest, export_id: int) -> FileResponse:
    run = get_export(export_id)
    if not run.file_available:
        raise NotFound(
            detail=_("Export %(id)s has no file (not finished, or deleted).") % {"id": export_id}
        )
    return file_response(run.stored_file, run.file_name)


class LazyRuns:
    """A queryset that the paginator slices and counts, turned into dicts page by page."""

    def __init__(self, queryset: Any, convert: Any) -> None:
        self.queryset = queryset
        self.convert = convert

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        return [self.convert(run) for run in self.queryset[key]]

    def count(self) -> int:
        return int(self.queryset.count())
