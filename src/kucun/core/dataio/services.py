"""Imports and exports as recorded runs: create, execute (in the worker or inline), purge."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kucun.core.audit import audit_record
from kucun.core.choices import JobStatus, TableFormat
from kucun.core.dataio import files
from kucun.core.dataio.exporting import Exporter
from kucun.core.dataio.importing import (
    Importer,
    ImportOptions,
    ImportResult,
    WriteCounts,
    import_file,
)
from kucun.core.dataio.registry import exporter_class, importer_class
from kucun.core.errors import FieldError, NotFound, ValidationFailed
from kucun.core.jobs import Heartbeat, job_confirm_running, job_start
from kucun.core.models import ExportRun, ImportRun, Job
from kucun.core.tabular import TabularError, check_size, sniff_format, write_table
from kucun.core.tabular.writers import open_writer

logger = logging.getLogger(__name__)

# Errors kept on the run for the console and API; the CSV report holds every one.
ERRORS_KEPT = 200
# Exports up to this many rows are written at once; bigger ones go to the worker.
INLINE_EXPORT_ROWS = 5000
ERROR_REPORT_HEADER = ("row", "column", "value", "message")


def refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(detail=message, errors=[FieldError(field, message)])


def clean_kind(kind: str) -> str:
    importer_class(kind)
    return kind


def clean_options(kind: str, options: ImportOptions) -> ImportOptions:
    """The kind's importer fills in its defaults, tidies and checks its own options."""
    importer = importer_class(kind)
    return importer.clean_options(options.with_defaults(importer.option_defaults()))


def import_run_create(
    *,
    user: Any,
    kind: str,
    upload: IO[bytes],
    original_name: str,
    size: int,
    options: ImportOptions,
) -> ImportRun:
    """Store the upload under MEDIA_ROOT/imports and queue its import for the worker.

    Oversized, empty, binary, corrupted and bomb files are refused here, before anything is
    stored or recorded.
    """
    import_kind = clean_kind(kind)
    options = clean_options(import_kind, options)
    check_size(size)
    relative = files.new_relative_path(files.IMPORTS_DIR, "upload")
    path = files.absolute(relative)
    with path.open("wb") as target:
        shutil.copyfileobj(upload, target, 1024 * 1024)
    try:
        file_format = sniff_format(path)
    except TabularError:
        path.unlink(missing_ok=True)
        raise
    final = f"{relative.rsplit('.', 1)[0]}.{file_format}"
    path.rename(files.absolute(final))
    with transaction.atomic():
        job = Job.objects.create(kind=f"import.{import_kind}", created_by=user_or_none(user))
        run = ImportRun.objects.create(
            kind=import_kind,
            job=job,
            original_name=Path(original_name).name[:255] or "upload",
            stored_file=final,
            file_format=file_format,
            options=options.as_dict(),
            valid_rows_only=options.valid_rows_only,
            created_by=user_or_none(user),
        )
        run_id = run.pk
        transaction.on_commit(lambda: enqueue_import(run_id))
    return run


def enqueue_import(import_run_id: int) -> None:
    from kucun.core.tasks import import_run_task

    import_run_task(import_run_id)


def user_or_none(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def import_run_execute(*, import_run_id: int) -> ImportRun:
    """Run a queued import: validate, write or refuse, and record the outcome."""
    run = ImportRun.objects.select_related("job", "created_by").filter(pk=import_run_id).first()
    if run is None:
        raise NotFound(detail=_("No import has id %(id)s.") % {"id": import_run_id})
    if run.is_finished:
        return run
    # The worker has no request: the outcome is written in the language of who started it.
    with translation.override(language_of(run.created_by)):
        execute_import(run)
    return run


def language_of(user: Any) -> str:
    """The language a user reads the console in; messages of their runs are kept in it."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def execute_import(run: ImportRun) -> None:
    mark_running(run)
    options = ImportOptions.from_dict(run.options)
    importer: Importer = importer_class(run.kind)(user=run.created_by, options=options)
    try:
        result = import_file(
            importer=importer,
            path=files.absolute(run.stored_file),
            progress=job_progress(run.job_id),
            on_written=lambda counts: confirm_and_audit(run, counts),
        )
    except Exception as error:
        logger.exception("import %s failed", run.pk)
        result = ImportResult(
            message=_("The import stopped on an unexpected error: %(error)s")
            % {"error": error.__class__.__name__}
        )
    record_result(run, result)


def import_path(
    *, user: Any, kind: str, path: Path, options: ImportOptions
) -> tuple[ImportRun, ImportResult]:
    """Import a file on this machine now (the command line), recorded in the history."""
    import_kind = clean_kind(kind)
    options = clean_options(import_kind, options)
    with transaction.atomic():
        job = Job.objects.create(kind=f"import.{import_kind}", created_by=user_or_none(user))
        run = ImportRun.objects.create(
            kind=import_kind,
            job=job,
            original_name=path.name[:255],
            options=options.as_dict(),
            valid_rows_only=options.valid_rows_only,
            created_by=user_or_none(user),
            status=JobStatus.RUNNING,
        )
    job_start(job_id=job.pk)
    importer: Importer = importer_class(import_kind)(user=user, options=options)
    result = import_file(
        importer=importer,
        path=path,
        progress=job_progress(job.pk),
        on_written=lambda counts: confirm_and_audit(run, counts),
    )
    record_result(run, result)
    return run, result


def import_run_retry(*, user: Any, import_run_id: int) -> ImportRun:
    """Start a new import of a failed run's stored file, with the same kind and options."""
    source = ImportRun.objects.filter(pk=import_run_id).first()
    if source is None:
        raise NotFound(detail=_("No import has id %(id)s.") % {"id": import_run_id})
    if source.status != JobStatus.FAILED:
        raise refuse("status", _("Only a failed import can be retried."))
    path = stored_path(source.stored_file)
    if path is None:
        raise refuse(
            "file",
            _("The file of import %(id)s is no longer kept: upload it again.") % {"id": source.pk},
        )
    relative = files.new_relative_path(files.IMPORTS_DIR, source.file_format or "csv")
    # A copy, so purging the old run's file leaves the new run's alone.
    shutil.copyfile(path, files.absolute(relative))
    with transaction.atomic():
        job = Job.objects.create(kind=f"import.{source.kind}", created_by=user_or_none(user))
        run = ImportRun.objects.create(
            kind=source.kind,
            job=job,
            original_name=source.original_name,
            stored_file=relative,
            file_format=source.file_format,
            options=source.options,
            valid_rows_only=source.valid_rows_only,
            created_by=user_or_none(user),
        )
        run_id = run.pk
        transaction.on_commit(lambda: enqueue_import(run_id))
    return run


def stored_path(relative: str) -> Path | None:
    if not relative:
        return None
    try:
        path = files.absolute(relative)
    except ValueError:
        return None
    return path if path.is_file() else None


def mark_running(run: ImportRun) -> None:
    run.status = JobStatus.RUNNING
    run.save(update_fields=["status"])
    if run.job_id:
        job_start(job_id=run.job_id)


def job_progress(job_id: int | None) -> Any:
    """Progress reports, which also renew the job's lease: a job that reports is alive."""
    heartbeat = Heartbeat(job_id)

    def progress(done: int, total: int) -> None:
        if job_id:
            Job.objects.filter(pk=job_id).update(
                progress_done=done, progress_total=total, **heartbeat.fields()
            )

    return progress


def confirm_and_audit(run: ImportRun, counts: WriteCounts) -> None:
    """In the write's transaction: refuse (rolling the write back) if the run was marked
    failed meanwhile, then record the audit row."""
    job_confirm_running(job_id=run.job_id)
    audit_import(run, counts)


def audit_import(run: ImportRun, counts: WriteCounts) -> None:
    audit_record(
        actor=run.created_by,
        action=f"import.{run.kind}",
        obj=run,
        summary=_("Imported %(kind)s from %(file)s: %(created)d created, %(updated)d updated")
        % {
            "kind": run.kind,
            "file": run.original_name,
            "created": counts.created,
            "updated": counts.updated,
        },
        data={"created": counts.created, "updated": counts.updated, "document": counts.document},
    )


def record_result(run: ImportRun, result: ImportResult) -> None:
    now = timezone.now()
    run.rows_total = result.rows_total
    run.created_count = result.created
    run.updated_count = result.updated
    # Rows with errors; when nothing was written the status and message say so.
    run.failed_count = result.failed_rows
    run.error_count = len(result.errors)
    run.errors = [error.as_dict() for error in result.errors[:ERRORS_KEPT]]
    run.message = result.message
    run.document = result.document
    run.source = result.source
    run.file_format = run.file_format or result.file_format
    run.status = JobStatus.SUCCEEDED if result.written else JobStatus.FAILED
    run.finished_at = now
    if result.errors:
        run.error_report = write_error_report(result)
    run.save()
    if run.job_id:
        total = max(result.rows_total, 1)
        Job.objects.filter(pk=run.job_id).update(
            status=run.status,
            progress_done=total,
            progress_total=total,
            message=result.message[:1000],
            finished_at=now,
        )


def write_error_report(result: ImportResult) -> str:
    relative = files.new_relative_path(files.IMPORTS_DIR, "csv")
    write_table(
        files.absolute(relative),
        "csv",
        ERROR_REPORT_HEADER,
        ((error.row, error.column, error.value, error.message) for error in result.errors),
    )
    return relative


# -- exports ---------------------------------------------------------------------------
def clean_export_kind(kind: str) -> str:
    exporter_class(kind)
    return kind


def clean_format(file_format: str) -> TableFormat:
    try:
        return TableFormat((file_format or "").strip().lower())
    except ValueError:
        raise refuse(
            "format",
            _("Unknown file format “%(format)s”: choose csv or xlsx.") % {"format": file_format},
        ) from None


def exporter_for(kind: str, filters: Mapping[str, Any]) -> Exporter:
    exporter: Exporter = exporter_class(clean_export_kind(kind))(filters=filters)
    return exporter


def export_run_create(
    *, user: Any, kind: str, file_format: str, filters: Mapping[str, Any]
) -> ExportRun:
    """Record an export; small ones are written now, bigger ones by the worker."""
    export_kind = clean_export_kind(kind)
    table_format = clean_format(file_format)
    exporter = exporter_for(export_kind, filters)
    rows = exporter.count()
    with transaction.atomic():
        job = Job.objects.create(
            kind=f"export.{export_kind}", created_by=user_or_none(user), progress_total=rows
        )
        run = ExportRun.objects.create(
            kind=export_kind,
            file_format=table_format,
            filters=exporter.filters,
            job=job,
            created_by=user_or_none(user),
        )
        if rows > INLINE_EXPORT_ROWS:
            run_id = run.pk
            transaction.on_commit(lambda: enqueue_export(run_id))
    if rows <= INLINE_EXPORT_ROWS:
        export_run_execute(export_run_id=run.pk)
        run.refresh_from_db()
    return run


def enqueue_export(export_run_id: int) -> None:
    from kucun.core.tasks import export_run_task

    export_run_task(export_run_id)


def export_run_execute(*, export_run_id: int) -> ExportRun:
    run = ExportRun.objects.select_related("job", "created_by").filter(pk=export_run_id).first()
    if run is None:
        raise NotFound(detail=_("No export has id %(id)s.") % {"id": export_run_id})
    if run.is_finished:
        return run
    with translation.override(language_of(run.created_by)):
        execute_export(run)
    return run


def execute_export(run: ExportRun) -> None:
    started = timezone.now()
    run.status = JobStatus.RUNNING
    run.save(update_fields=["status"])
    if run.job_id:
        job_start(job_id=run.job_id, now=started)
    relative = files.new_relative_path(files.EXPORTS_DIR, run.file_format)
    try:
        exporter = exporter_for(run.kind, run.filters)
        count = write_export(exporter, files.absolute(relative), run.file_format, run.job_id)
    except Exception as error:
        logger.exception("export %s failed", run.pk)
        files.delete_quietly(relative)
        finish_export(run, status=JobStatus.FAILED, message=str(error)[:1000])
        return
    run.stored_file = relative
    run.row_count = count
    run.file_size = files.absolute(relative).stat().st_size
    local = timezone.localtime(started)
    run.file_name = f"{run.kind}-{local:%Y%m%d-%H%M%S}.{run.file_format}"
    finish_export(
        run,
        status=JobStatus.SUCCEEDED,
        message=_("%(rows)d rows exported.") % {"rows": count},
    )


def write_export(exporter: Exporter, path: Path, file_format: str, job_id: int | None) -> int:
    progress = job_progress(job_id)
    count = 0
    with open_writer(path, file_format, exporter.header) as writer:
        for row in exporter.rows():
            writer.writerow(row)
            count += 1
            if count % 5000 == 0:
                progress(count, max(count, exporter_total(job_id)))
    return count


def exporter_total(job_id: int | None) -> int:
    if not job_id:
        return 0
    return Job.objects.filter(pk=job_id).values_list("progress_total", flat=True).first() or 0


def finish_export(run: ExportRun, *, status: str, message: str) -> None:
    now = timezone.now()
    run.status = status
    run.message = message
    run.finished_at = now
    run.save()
    if run.job_id:
        Job.objects.filter(pk=run.job_id).update(
            status=status,
            progress_done=run.row_count,
            progress_total=max(run.row_count, 1) if status == JobStatus.SUCCEEDED else 0,
            message=message,
            finished_at=now,
        )


def export_run_retry(*, user: Any, export_run_id: int) -> ExportRun:
    """Export again what a failed export was asked for: same kind, format and filters."""
    source = ExportRun.objects.filter(pk=export_run_id).first()
    if source is None:
        raise NotFound(detail=_("No export has id %(id)s.") % {"id": export_run_id})
    if source.status != JobStatus.FAILED:
        raise refuse("status", _("Only a failed export can be retried."))
    return export_run_create(
        user=user, kind=source.kind, file_format=source.file_format, filters=source.filters
    )


def export_to_path(*, user: Any, kind: str, path: Path, filters: Mapping[str, Any]) -> int:
    """Write an export straight to a file on this machine (the command line)."""
    table_format = clean_format(path.suffix.lstrip("."))
    exporter = exporter_for(kind, filters)
    return write_export(exporter, path, table_format, None)


def retention_days() -> int:
    return int(getattr(settings, "EXPORT_RETENTION_DAYS", 30))


def exports_purge_expired(*, now: Any = None) -> int:
    """Delete export files (and import uploads) older than the retention; history stays."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    purged = 0
    expired = ExportRun.objects.filter(created_at__lt=cutoff, file_deleted_at__isnull=True)
    for run in expired.exclude(stored_file=""):
        files.delete_quietly(run.stored_file)
        purged += 1
    expired.update(file_deleted_at=now)
    for upload in ImportRun.objects.filter(created_at__lt=cutoff).exclude(stored_file=""):
        files.delete_quietly(upload.stored_file)
        files.delete_quietly(upload.error_report)
        ImportRun.objects.filter(pk=upload.pk).update(stored_file="", error_report="")
    return purged
