"""Background work of the Data screens: imports, exports and the daily purge of old files."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kucun.core import jobs
from kucun.core.dataio import services


@db_task()
def import_run_task(import_run_id: int) -> None:
    services.import_run_execute(import_run_id=import_run_id)


@db_task()
def export_run_task(export_run_id: int) -> None:
    services.export_run_execute(export_run_id=export_run_id)


@db_periodic_task(crontab(hour="3", minute="20"))
def exports_purge_task() -> None:
    services.exports_purge_expired()


@db_periodic_task(crontab(minute="*"))
def jobs_fail_dead_task() -> None:
    """Imports, exports and other jobs whose worker died are marked failed within a minute
    of their lease lapsing (at once when the worker was on this machine)."""
    jobs.jobs_fail_dead()
