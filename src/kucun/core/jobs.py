"""Whether a running job is still alive, for every kind of job (imports, exports, and more).

A process that starts a job records itself on it (host and pid) and takes a lease: the job
is its own until ``lease_until``. The lease is renewed as the job progresses. A job still
"running" whose lease lapsed, or whose process on this host no longer exists (killed,
crashed, out of memory), is dead: `jobs_fail_dead` marks it failed with a reason, and marks
the same on every run recorded against it (any model with a one-to-one ``job`` field and a
status), so the person sees why and can retry it. A periodic task runs it, and so do the
screens and the API when they read runs.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.core.choices import JobStatus
from kucun.core.errors import Conflict
from kucun.core.models import Job

logger = logging.getLogger(__name__)
# A lease is renewed at most this often, so progress reports do not each write it.
RENEW_EVERY = timedelta(seconds=5)


def lease_length() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "JOB_LEASE_SECONDS", 600)))


@dataclass(frozen=True)
class Worker:
    host: str
    pid: int

    @classmethod
    def this_process(cls) -> Worker:
        return cls(host=socket.gethostname()[:255], pid=os.getpid())


def job_start(*, job_id: int, now: datetime | None = None) -> None:
    """Mark the job running in this process, holding a fresh lease."""
    now = now or timezone.now()
    worker = Worker.this_process()
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.RUNNING,
        started_at=now,
        worker_host=worker.host,
        worker_pid=worker.pid,
        heartbeat_at=now,
        lease_until=now + lease_length(),
    )


def job_lease_fields(now: datetime | None = None) -> dict[str, Any]:
    """The fields that renew a lease, to add to an update the job makes anyway (progress)."""
    now = now or timezone.now()
    return {"heartbeat_at": now, "lease_until": now + lease_length()}


@dataclass
class JobStopped(Conflict):
    """The job was marked failed (its lease lapsed) while it still ran."""


def job_confirm_running(*, job_id: int | None) -> None:
    """Call inside the transaction that writes a job's results: it renews the lease and holds
    the job's row until commit, or refuses when the job was meanwhile marked failed, since a
    failed job may already have been retried: the same work is never written twice."""
    if not job_id:
        return
    if not Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**job_lease_fields()):
        raise JobStopped(
            detail=_("this run was marked stopped while it was running; retry it if needed.")
        )


class Heartbeat:
    """Renews a job's lease from its progress reports, at most every RENEW_EVERY."""

    def __init__(self, job_id: int | None) -> None:
        self.job_id = job_id
        self.renewed_at = timezone.now()

    def fields(self) -> dict[str, Any]:
        now = timezone.now()
        if now - self.renewed_at < RENEW_EVERY:
            return {}
        self.renewed_at = now
        return job_lease_fields(now)

    def beat(self) -> None:
        fields = self.fields()
        if self.job_id and fields:
            Job.objects.filter(pk=self.job_id).update(**fields)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def job_is_dead(job: Job, *, now: datetime, host: str) -> bool:
    lease_until = job.lease_until or (job.started_at or job.created_at) + lease_length()
    if lease_until < now:
        return True
    return bool(job.worker_host == host and job.worker_pid and not process_exists(job.worker_pid))


def dead_job_reason(kind: str) -> str:
    if kind.startswith("import."):
        return _("The worker stopped while running this import: retry it.")
    if kind.startswith("export."):
        return _("The worker stopped while running this export: retry it.")
    return _("The worker stopped while running this job: retry it.")


def run_models() -> list[type[models.Model]]:
    """Models that record a run against a job: a one-to-one ``job`` and a ``status``."""
    found = []
    for relation in Job._meta.related_objects:
        model = relation.related_model
        if (
            relation.one_to_one
            and relation.field.name == "job"
            and isinstance(model, type)
            and {"status", "message", "finished_at"}
            <= {field.name for field in model._meta.get_fields()}
        ):
            found.append(model)
    return found


def jobs_fail_dead(*, now: datetime | None = None) -> int:
    """Mark failed, with a reason, every running job that is no longer alive, and its runs."""
    now = now or timezone.now()
    host = Worker.this_process().host
    candidates = Job.objects.filter(status=JobStatus.RUNNING).filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True) | Q(worker_host=host)
    )
    dead: dict[str, list[int]] = {}
    for job in candidates.only(
        "pk", "kind", "lease_until", "started_at", "created_at", "worker_host", "worker_pid"
    ):
        if job_is_dead(job, now=now, host=host):
            dead.setdefault(dead_job_reason(job.kind), []).append(job.pk)
    failed = 0
    for reason, job_ids in dead.items():
        with transaction.atomic():
            failed += Job.objects.filter(pk__in=job_ids, status=JobStatus.RUNNING).update(
                status=JobStatus.FAILED, message=reason, finished_at=now
            )
            for model in run_models():
                model._default_manager.filter(
                    job_id__in=job_ids, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
                ).update(status=JobStatus.FAILED, message=reason, finished_at=now)
        logger.warning("marked dead jobs failed (%s): %s", reason, job_ids)
    return failed


def jobs_settle() -> None:
    """jobs_fail_dead for a screen or an endpoint about to show runs; never stops the read."""
    try:
        jobs_fail_dead()
    except DatabaseError:
        logger.exception("could not check for dead jobs")
