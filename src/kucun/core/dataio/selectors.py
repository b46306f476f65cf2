"""Reads for the Data screens and API: import and export history.

Each read first settles the runs whose worker died (`jobs_settle`), so a screen or endpoint
never shows a dead run as running.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kucun.core.jobs import jobs_settle
from kucun.core.models import ExportRun, ImportRun


def import_run_list(*, text: str = "", kind: str = "", status: str = "") -> QuerySet[ImportRun]:
    jobs_settle()
    runs = ImportRun.objects.select_related("created_by", "job")
    if text.strip():
        runs = runs.filter(
            Q(original_name__icontains=text.strip()) | Q(document__icontains=text.strip())
        )
    if kind:
        runs = runs.filter(kind=kind)
    if status:
        runs = runs.filter(status=status)
    return runs


def export_run_list(*, kind: str = "", status: str = "", user: str = "") -> QuerySet[ExportRun]:
    jobs_settle()
    runs = ExportRun.objects.select_related("created_by", "job")
    if kind:
        runs = runs.filter(kind=kind)
    if status:
        runs = runs.filter(status=status)
    if user.strip():
        runs = runs.filter(created_by__username__icontains=user.strip())
    return runs


def import_run_get(pk: int) -> ImportRun | None:
    jobs_settle()
    return ImportRun.objects.select_related("created_by", "job").filter(pk=pk).first()


def export_run_get(pk: int) -> ExportRun | None:
    jobs_settle()
    return ExportRun.objects.select_related("created_by", "job").filter(pk=pk).first()
