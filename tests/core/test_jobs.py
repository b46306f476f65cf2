"""Dead jobs: a run whose worker died is marked failed with a reason, and can be retried.

The worker really dies in one test (a separate process killed with SIGKILL in the middle of
an import); the others let a lease lapse in the database, as a worker on another machine
that stopped renewing it would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kucun.catalog.models import Item
from kucun.core import jobs
from kucun.core.choices import JobStatus
from kucun.core.dataio import files, services
from kucun.core.dataio.importing import ImportOptions
from kucun.core.models import ExportRun, ImportRun, Job
from kucun.core.tasks import jobs_fail_dead_task
from tests.factories import ItemFactory

SRC = Path(__file__).resolve().parents[2] / "src"
IMPORT_REASON = "The worker stopped while running this import: retry it."
EXPORT_REASON = "The worker stopped while running this export: retry it."


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    return Path(settings.MEDIA_ROOT)


def stored_upload(text: str) -> str:
    relative = files.new_relative_path(files.IMPORTS_DIR, "csv")
    files.absolute(relative).write_text(text)
    return relative


def running_import(
    *, host: str = "worker-2", pid: int = 4321, lease: timedelta, stored_file: str = ""
) -> ImportRun:
    """An import a worker took and was running, with its lease ending ``lease`` from now."""
    now = timezone.now()
    job = Job.objects.create(
        kind="import.items",
        status=JobStatus.RUNNING,
        progress_done=500,
        progress_total=1000,
        started_at=now - timedelta(minutes=15),
        worker_host=host,
        worker_pid=pid,
        heartbeat_at=now + lease - jobs.lease_length(),
        lease_until=now + lease,
    )
    return ImportRun.objects.create(
        kind="items",
        job=job,
        status=JobStatus.RUNNING,
        original_name="items.csv",
        stored_file=stored_file,
        file_format="csv",
        options=ImportOptions(valid_rows_only=True).as_dict(),
        valid_rows_only=True,
    )


def running_export(*, lease: timedelta) -> ExportRun:
    now = timezone.now()
    job = Job.objects.create(
        kind="export.items",
        status=JobStatus.RUNNING,
        worker_host="worker-2",
        worker_pid=4321,
        lease_until=now + lease,
    )
    return ExportRun.objects.create(
        kind="items",
        file_format="csv",
        filters={"active": "yes"},
        job=job,
        status=JobStatus.RUNNING,
    )


# -- noticing dead jobs ----------------------------------------------------------------
@pytest.mark.django_db
def test_a_lapsed_lease_marks_the_job_and_its_run_failed_with_a_reason() -> None:
    dead = running_import(lease=timedelta(seconds=-1))
    alive = running_import(lease=timedelta(minutes=5))

    assert jobs.jobs_fail_dead() == 1

    dead.refresh_from_db()
    assert (dead.status, dead.message) == (JobStatus.FAILED, IMPORT_REASON)
    assert dead.finished_at is not None
    assert dead.job is not None
    assert (dead.job.status, dead.job.message) == (JobStatus.FAILED, IMPORT_REASON)
    alive.refresh_from_db()
    assert alive.status == JobStatus.RUNNING
    assert Job.objects.get(pk=alive.job_id).status == JobStatus.RUNNING


@pytest.mark.django_db
def test_a_job_of_a_live_process_here_is_left_alone() -> None:
    run = running_import(host=socket.gethostname(), pid=os.getpid(), lease=timedelta(minutes=5))

    assert jobs.jobs_fail_dead() == 0

    run.refresh_from_db()
    assert run.status == JobStatus.RUNNING


@pytest.mark.django_db
def test_a_job_without_a_lease_is_dead_once_a_lease_has_passed_since_it_started() -> None:
    run = running_import(lease=timedelta(minutes=5))
    Job.objects.filter(pk=run.job_id).update(
        lease_until=None, started_at=timezone.now() - jobs.lease_length() - timedelta(seconds=1)
    )

    assert jobs.jobs_fail_dead() == 1
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED


@pytest.mark.django_db
def test_a_dead_export_is_marked_failed_by_the_periodic_task() -> None:
    run = running_export(lease=timedelta(seconds=-1))

    jobs_fail_dead_task.call_local()

    run.refresh_from_db()
    assert (run.status, run.message) == (JobStatus.FAILED, EXPORT_REASON)


@pytest.mark.django_db
def test_progress_renews_the_lease() -> None:
    job = Job.objects.create(kind="import.items")
    jobs.job_start(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.worker_host, job.worker_pid) == (
        JobStatus.RUNNING,
        socket.gethostname(),
        os.getpid(),
    )
    first_lease = job.lease_until
    assert first_lease is not None
    heartbeat = jobs.Heartbeat(job.pk)

    heartbeat.beat()  # too soon after the start: nothing written
    job.refresh_from_db()
    assert job.lease_until == first_lease

    heartbeat.renewed_at -= jobs.RENEW_EVERY
    heartbeat.beat()
    job.refresh_from_db()
    assert job.lease_until is not None
    assert job.lease_until > first_lease


@pytest.mark.django_db
def test_the_command_line_import_holds_a_lease_too(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("sku,name\nA,Apple\n")

    run, result = services.import_path(user=None, kind="items", path=path, options=ImportOptions())

    assert result.complete
    assert run.job is not None
    job = Job.objects.get(pk=run.job_id)
    assert (job.status, job.worker_pid, job.kind) == (
        JobStatus.SUCCEEDED,
        os.getpid(),
        "import.items",
    )


# -- a real worker killed in the middle of an import -----------------------------------
WORKER = """
import sys, django
django.setup()
from django.db import connections
connections["default"].settings_dict["NAME"] = sys.argv[1]
from kucun.core.dataio import services
services.import_run_execute(import_run_id=int(sys.argv[2]))
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_with_sigkill_is_noticed_and_the_import_retried(
    media: Path, staff_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    rows = "".join(f"SKU-{number},Item {number}\n" for number in range(50_000))
    run = ImportRun.objects.create(
        kind="items",
        job=Job.objects.create(kind="import.items"),
        original_name="items.csv",
        stored_file=stored_upload("sku,name\n" + rows),
        file_format="csv",
        options=ImportOptions().as_dict(),
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kucun.settings_test",
        "PYTHONPATH": str(SRC),
        "KUCUN_VAR_DIR": str(media.parent),
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(connection.settings_dict["NAME"]), str(run.pk)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not Job.objects.filter(pk=run.job_id, worker_pid=worker.pid).exists():
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait(timeout=30)
        if worker.stderr:
            worker.stderr.close()
    run.refresh_from_db()
    assert run.status == JobStatus.RUNNING  # as the dead worker left it

    # Reading the import (console or API) notices the worker is gone: no lease to wait for.
    page = staff_client.get(reverse("data:import_detail", args=[run.pk])).content.decode()

    run.refresh_from_db()
    assert (run.status, run.message) == (JobStatus.FAILED, IMPORT_REASON)
    assert Item.objects.count() == 0
    assert IMPORT_REASON in page
    assert f'action="/data/imports/{run.pk}/retry/"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("data:import_retry", args=[run.pk]))

    retried = ImportRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == reverse("data:import_detail", args=[retried.pk])
    assert (retried.status, retried.created_count) == (JobStatus.SUCCEEDED, 50_000)
    assert Item.objects.count() == 50_000


# -- screens and API -------------------------------------------------------------------
@pytest.mark.django_db
def test_the_history_screens_and_api_show_dead_runs_failed(
    viewer_client: Client, viewer_api: Any
) -> None:
    imported = running_import(lease=timedelta(seconds=-1))
    exported = running_export(lease=timedelta(seconds=-1))

    api_import = viewer_api.get(f"/api/v1/imports/{imported.pk}").json()
    export_page = viewer_client.get(reverse("data:export_list")).content.decode()

    assert (api_import["status"], api_import["message"]) == ("failed", IMPORT_REASON)
    exported.refresh_from_db()
    assert exported.status == JobStatus.FAILED
    assert '<span class="badge text-bg-danger" data-status="failed">Failed</span>' in export_page
    assert 'data-status="running"' not in export_page


@pytest.mark.django_db
def test_retry_button_only_for_staff_and_only_on_failed_imports_with_a_file(
    media: Path, staff_client: Client, viewer_client: Client
) -> None:
    failed = running_import(lease=timedelta(seconds=-1), stored_file=stored_upload("sku\nA\n"))
    jobs.jobs_fail_dead()
    succeeded = ImportRun.objects.create(
        kind="items", status=JobStatus.SUCCEEDED, stored_file=failed.stored_file
    )

    staff_page = staff_client.get(reverse("data:import_detail", args=[failed.pk]))
    viewer_page = viewer_client.get(reverse("data:import_detail", args=[failed.pk]))
    done_page = staff_client.get(reverse("data:import_detail", args=[succeeded.pk]))

    assert 'id="import-retry"' in staff_page.content.decode()
    assert 'id="import-retry"' not in viewer_page.content.decode()
    assert 'id="import-retry"' not in done_page.content.decode()
    assert viewer_client.post(reverse("data:import_retry", args=[failed.pk])).status_code == 403
    assert ImportRun.objects.count() == 2


@pytest.mark.django_db
def test_retry_keeps_the_options_and_copies_the_file(
    media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    run = running_import(
        lease=timedelta(seconds=-1), stored_file=stored_upload("sku,name\nA,Apple\nB,\n")
    )
    jobs.jobs_fail_dead()

    with django_capture_on_commit_callbacks(execute=True):
        retried = services.import_run_retry(user=None, import_run_id=run.pk)

    retried.refresh_from_db()
    assert retried.stored_file != run.stored_file
    assert files.absolute(retried.stored_file).read_text() == "sku,name\nA,Apple\nB,\n"
    assert (retried.valid_rows_only, retried.original_name, retried.kind) == (
        True,
        "items.csv",
        "items",
    )
    assert (retried.status, retried.created_count, retried.failed_count) == (
        JobStatus.SUCCEEDED,
        1,
        1,
    )


@pytest.mark.django_db
def test_retry_is_refused_for_a_run_not_failed_or_whose_file_is_gone(
    media: Path, staff_api: Any
) -> None:
    running = running_import(lease=timedelta(minutes=5), stored_file=stored_upload("sku\nA\n"))
    gone = running_import(lease=timedelta(seconds=-1), stored_file="imports/purged.csv")
    jobs.jobs_fail_dead()

    not_failed = staff_api.post(f"/api/v1/imports/{running.pk}/retry")
    no_file = staff_api.post(f"/api/v1/imports/{gone.pk}/retry")
    missing = staff_api.post("/api/v1/imports/999999/retry")

    assert not_failed.status_code == 422
    assert "Only a failed import can be retried." in not_failed.content.decode()
    assert no_file.status_code == 422
    assert (
        f"The file of import {gone.pk} is no longer kept: upload it again."
        in no_file.content.decode()
    )
    assert missing.status_code == 404
    assert ImportRun.objects.count() == 2


@pytest.mark.django_db
def test_api_retries_a_dead_import(
    media: Path, staff_api: Any, viewer_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = running_import(
        lease=timedelta(seconds=-1), stored_file=stored_upload("sku,name\nA,Apple\n")
    )
    jobs.jobs_fail_dead()

    assert viewer_api.post(f"/api/v1/imports/{run.pk}/retry").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(f"/api/v1/imports/{run.pk}/retry")

    assert response.status_code == 202
    new_id = response.json()["id"]
    assert new_id != run.pk
    assert staff_api.get(f"/api/v1/imports/{new_id}").json()["status"] == "succeeded"
    assert Item.objects.get().sku == "A"


@pytest.mark.django_db
def test_a_dead_export_is_retried_from_the_console_and_the_api(
    media: Path, viewer_client: Client, viewer_api: Any
) -> None:
    ItemFactory(sku="A", active=True)
    ItemFactory(sku="B", active=False)
    run = running_export(lease=timedelta(seconds=-1))

    page = viewer_client.get(reverse("data:export_detail", args=[run.pk])).content.decode()
    assert EXPORT_REASON in page
    assert 'id="export-retry"' in page
    assert viewer_client.get(reverse("data:export_retry", args=[run.pk])).status_code == 405

    response = viewer_client.post(reverse("data:export_retry", args=[run.pk]))
    api_response = viewer_api.post(f"/api/v1/exports/{run.pk}/retry")

    console_run, api_run = ExportRun.objects.exclude(pk=run.pk).order_by("pk")
    assert response["Location"] == reverse("data:export_detail", args=[console_run.pk])
    assert api_response.status_code == 201
    assert api_response.json()["id"] == api_run.pk
    for retried in (console_run, api_run):
        assert (retried.status, retried.filters, retried.row_count, retried.file_format) == (
            JobStatus.SUCCEEDED,
            {"active": "yes"},
            1,
            "csv",
        )


@pytest.mark.django_db
def test_a_run_marked_failed_while_it_ran_writes_nothing(tmp_path: Path) -> None:
    # The worker was slow, not dead: its lease lapsed and the run was marked failed (and may
    # have been retried). When it reaches its write, it must not write the same rows again.
    from kucun.catalog.importers import ItemImporter
    from kucun.core.dataio.importing import import_file

    path = tmp_path / "items.csv"
    path.write_text("sku,name\nA,Apple\n")
    run = running_import(host=socket.gethostname(), pid=os.getpid(), lease=timedelta(minutes=5))
    Job.objects.filter(pk=run.job_id).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert jobs.jobs_fail_dead() == 1

    result = import_file(
        importer=ItemImporter(user=None, options=ImportOptions()),
        path=path,
        on_written=lambda counts: services.confirm_and_audit(run, counts),
    )

    assert result.written is False
    assert result.message == (
        "Nothing was written: this run was marked stopped while it was running; retry it if needed."
    )
    assert Item.objects.count() == 0


@pytest.mark.django_db
def test_a_running_job_confirms_and_renews_its_lease_when_writing() -> None:
    run = running_import(lease=timedelta(seconds=30))

    jobs.job_confirm_running(job_id=run.job_id)

    job = Job.objects.get(pk=run.job_id)
    assert job.lease_until is not None
    assert job.lease_until > timezone.now() + jobs.lease_length() - timedelta(minutes=1)
