"""Retention: the periodic task deletes export files (and uploads) older than the setting."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kucun.core.dataio import files
from kucun.core.models import ExportRun, ImportRun
from kucun.core.tasks import exports_purge_task

pytestmark = pytest.mark.django_db


def stored(folder: str, extension: str) -> str:
    relative = files.new_relative_path(folder, extension)
    files.absolute(relative).write_text("data")
    return relative


def test_old_export_files_are_deleted_and_history_kept(settings: Any) -> None:
    settings.EXPORT_RETENTION_DAYS = 7
    old = ExportRun.objects.create(
        kind="items",
        file_format="csv",
        status="succeeded",
        stored_file=stored(files.EXPORTS_DIR, "csv"),
        file_name="old.csv",
    )
    recent = ExportRun.objects.create(
        kind="items",
        file_format="csv",
        status="succeeded",
        stored_file=stored(files.EXPORTS_DIR, "csv"),
        file_name="new.csv",
    )
    upload = ImportRun.objects.create(
        kind="items",
        original_name="a.csv",
        stored_file=stored(files.IMPORTS_DIR, "csv"),
        error_report=stored(files.IMPORTS_DIR, "csv"),
    )
    eight_days_ago = timezone.now() - timedelta(days=8)
    ExportRun.objects.filter(pk=old.pk).update(created_at=eight_days_ago)
    ImportRun.objects.filter(pk=upload.pk).update(created_at=eight_days_ago)
    old_path, recent_path = files.absolute(old.stored_file), files.absolute(recent.stored_file)
    upload_paths = [files.absolute(upload.stored_file), files.absolute(upload.error_report)]

    exports_purge_task()

    old.refresh_from_db()
    recent.refresh_from_db()
    upload.refresh_from_db()
    assert not old_path.exists()
    assert recent_path.exists()
    assert old.file_deleted_at is not None
    assert not old.file_available
    assert recent.file_available
    assert not any(path.exists() for path in upload_paths)
    assert (upload.stored_file, upload.error_report) == ("", "")


def test_paths_outside_the_media_folder_are_refused() -> None:
    with pytest.raises(ValueError, match="outside the media folder"):
        files.absolute("../secret_key")
    assert isinstance(files.absolute("exports/x.csv"), Path)


def test_progress_is_reported_while_rows_are_read(monkeypatch: Any) -> None:
    from kucun.core.dataio import importing

    clock = iter(float(second) for second in range(10_000))
    monkeypatch.setattr(importing.time, "monotonic", lambda: next(clock))
    reports: list[tuple[int, int]] = []
    rows = ((number, ["x"]) for number in range(2, 1502))

    passed = list(
        importing.counted_rows(rows, 1500, lambda done, total: reports.append((done, total)))
    )

    assert len(passed) == 1500
    assert reports == [(500, 1500), (1000, 1500), (1500, 1500), (1500, 1500)]


def test_job_progress_is_visible_on_the_job(db: None) -> None:
    from kucun.core.dataio.services import job_progress
    from kucun.core.models import Job

    job = Job.objects.create(kind="import.items")

    job_progress(job.pk)(250, 1000)

    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.percent) == (250, 1000, 25)
