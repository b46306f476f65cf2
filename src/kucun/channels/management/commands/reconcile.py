"""``kucun reconcile [--store STORE]``: compare every platform's quantities with Kucun's now
and fix the differences.

Prints each store's differences (store, SKU, platform, Kucun, fix). Exit status 0 only when no
difference remains unfixed and nothing failed; 1 otherwise.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.channels.choices import SyncRunStatus
from kucun.channels.models import Store, SyncRun
from kucun.channels.services.reconcile import reconcile_start
from kucun.core.errors import DomainError


def store_by_name_or_id(value: str) -> Store:
    text = value.strip()
    store = Store.objects.filter(name__iexact=text).first()
    if store is None and text.isdigit():
        store = Store.objects.filter(pk=int(text)).first()
    if store is None:
        raise CommandError(f"No store is named or numbered {text!r}.")
    return store


class Command(BaseCommand):
    help = "Compare the platforms' stock with Kucun's and fix every difference."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", help="store name or id (default: every active store)")
        parser.add_argument(
            "--wait", type=float, default=60.0, help="seconds to wait for pending writes"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store = store_by_name_or_id(options["store"]) if options["store"] else None
        try:
            job = reconcile_start(
                store_id=None if store is None else store.pk,
                actor=None,
                run_now=True,
                pending_wait_seconds=options["wait"],
            )
        except DomainError as error:
            raise CommandError(error.detail) from error
        runs = list(SyncRun.objects.filter(job=job).select_related("store").order_by("pk"))
        problems = 0
        for run in runs:
            problems += self.report(run)
        if not runs:
            self.stdout.write("No active store with inventory sync on.")
        if problems:
            raise CommandError(f"{problems} differences or failures remain.")

    def report(self, run: SyncRun) -> int:
        details = run.details or {}
        self.stdout.write(
            f"{run.store.name}: {details.get('listings_checked', 0)} listings checked, "
            f"{run.difference_count} differences, {details.get('fixed', 0)} fixed"
            + (f" — {run.error}" if run.error else "")
        )
        for row in details.get("differences", []):
            self.stdout.write(
                f"  {row['sku']}: platform {row['platform']}, Kucun {row['kucun']}"
                f" → {row.get('fix') or 'not pushed'}"
            )
        problems = details.get("unfixed", 0) + details.get("failed", 0)
        if run.status == SyncRunStatus.FAILED and not problems:
            return 1  # the store could not be read
        return problems
