"""``kucun push [--store STORE] (SKU… | --all)``: push stock to the stores now.

Runs here, not in the worker, and prints what happened per store. Exit status 0 only when
every push succeeded (pending writes of asynchronous platforms are waited for, up to
``--wait`` seconds); 1 otherwise, with the failures listed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.channels.choices import PushStatus
from kucun.channels.management.commands.reconcile import store_by_name_or_id
from kucun.channels.models import StockSyncRecord, SyncRun
from kucun.channels.services.sync_manual import stock_push_manual
from kucun.channels.services.sync_push import wait_for_pending
from kucun.core.errors import DomainError


class Command(BaseCommand):
    help = "Push the stock of these SKUs (or of every item) to the stores now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("skus", nargs="*", metavar="SKU")
        parser.add_argument("--all", action="store_true", help="every linked listing")
        parser.add_argument("--store", action="append", help="store name or id (repeatable)")
        parser.add_argument(
            "--wait", type=float, default=60.0, help="seconds to wait for pending writes"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"] and options["skus"]:
            raise CommandError("Give SKUs or --all, not both.")
        try:
            store_ids = [store_by_name_or_id(name).pk for name in options["store"] or []]
            job = stock_push_manual(
                items=options["skus"],
                all=options["all"],
                store_ids=store_ids or None,
                actor=None,
                run_now=True,
            )
        except DomainError as error:
            raise CommandError(error.detail) from error
        runs = list(SyncRun.objects.filter(job=job).select_related("store").order_by("pk"))
        record_ids = [pk for run in runs for pk in (run.details or {}).get("record_ids", [])]
        if record_ids:
            wait_for_pending(record_ids, timeout_seconds=options["wait"])
        records = StockSyncRecord.objects.filter(pk__in=record_ids).select_related("store")
        counts: dict[str, int] = {}
        for record in records:
            counts[record.status] = counts.get(record.status, 0) + 1
        self.stdout.write(self.summary(runs, counts))
        unsuccessful = records.exclude(status=PushStatus.SUCCEEDED).order_by("pk")
        for record in unsuccessful:
            self.stdout.write(
                f"  {record.store.name} {record.sku} → {record.quantity}: {record.status}"
                + (f" ({record.error})" if record.error else "")
            )
        if unsuccessful.exists():
            raise CommandError(
                f"{unsuccessful.count()} of {len(record_ids)} pushes did not succeed."
            )

    @staticmethod
    def summary(runs: list[SyncRun], counts: dict[str, int]) -> str:
        if not runs:
            return "Nothing to push: no linked listing of these items in the stores."
        stores = ", ".join(
            f"{run.store.name} ({(run.details or {}).get('listings', 0)})" for run in runs
        )
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        return f"Pushed to {stores}: {statuses or 'nothing sent'}."
