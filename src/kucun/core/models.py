"""Base models shared by every app: timestamps, the audit log and background jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kucun.core.choices import JobStatus, TableFormat

IDEMPOTENCY_KEY_MAX_LENGTH = 200


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Who did what to which object; written in the same transaction as the change."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class Job(models.Model):
    """A long-running piece of work done by the worker, with progress the console can poll."""

    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Who is running it and until when that claim holds: the process renews the lease as it
    # progresses; a run whose lease lapsed, or whose process is gone, is marked failed.
    worker_host = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "lease_until"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.progress_total <= 0:
            return 100 if self.status == JobStatus.SUCCEEDED else 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class ImportRun(models.Model):
    """One uploaded file imported (or refused): what, by whom, with what result."""

    kind = models.CharField(_("kind"), max_length=16)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    job = models.OneToOneField(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_run"
    )
    original_name = models.CharField(_("file"), max_length=255)
    stored_file = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(
        _("format"), max_length=8, choices=TableFormat.choices, blank=True
    )
    source = models.CharField(_("source"), max_length=16, blank=True)
    options = models.JSONField(default=dict, blank=True)
    valid_rows_only = models.BooleanField(_("import only the valid rows"), default=False)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(
        pgettext_lazy("rows an import created", "created"), default=0
    )
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(default=list, blank=True)
    error_report = models.CharField(max_length=255, blank=True)
    message = models.TextField(_("message"), blank=True)
    document = models.CharField(_("document"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return f"import {self.kind} #{self.pk} ({self.status})"

    def get_kind_display(self) -> str:
        """The kind's label, as its importer registered it."""
        from kucun.core.dataio.registry import import_kind_label

        return import_kind_label(self.kind)

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}


class ExportRun(models.Model):
    """One export: what, with which filters, by whom; its file is kept for a number of days."""

    kind = models.CharField(_("kind"), max_length=16)
    file_format = models.CharField(_("format"), max_length=8, choices=TableFormat.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    job = models.OneToOneField(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="export_run"
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    stored_file = models.CharField(max_length=255, blank=True)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("size"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_deleted_at = models.DateTimeField(_("file deleted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return f"export {self.kind} #{self.pk} ({self.status})"

    def get_kind_display(self) -> str:
        """The kind's label, as its exporter registered it."""
        from kucun.core.dataio.registry import export_kind_label

        return export_kind_label(self.kind)

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}

    @property
    def file_available(self) -> bool:
        return bool(
            self.status == JobStatus.SUCCEEDED and self.stored_file and not self.file_deleted_at
        )


class IdempotencyRecord(models.Model):
    """The first result of a write made with an idempotency key (see ``core.idempotency``).

    The same key with the same payload returns that result; with another payload it is refused.
    """

    # Whose key it is: "user:<pk>" for a signed-in user (or their API token), "internal" for a
    # call made without a user. Two users choosing the same key never see each other's result.
    scope = models.CharField(_("scope"), max_length=32, default="internal")
    key = models.CharField(_("key"), max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    operation = models.CharField(_("operation"), max_length=64)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    result_type = models.CharField(_("result type"), max_length=64, blank=True)
    result_id = models.BigIntegerField(_("result id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key"], name="idempotency_key_unique_per_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"
