"""``kucun listings pull STORE [--full]`` and ``kucun listings match STORE``.

STORE is the store's id or name. The pull runs here, now (not in the worker). Exit status 0
only when the pull succeeded, or the match left no listing in conflict.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.channels import selectors
from kucun.channels.choices import PushTrigger, SyncRunStatus
from kucun.channels.services.listings import listings_match, listings_pull, pull_summary
from kucun.core.errors import DomainError


class Command(BaseCommand):
    help = "Pull a store's listings from its platform, or quick-match them to items."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        pull = actions.add_parser("pull", help="pull the store's listings now")
        pull.add_argument("store", help="the store's id or name")
        pull.add_argument(
            "--full",
            action="store_true",
            help="every listing (those no longer on the platform become gone)",
        )
        match = actions.add_parser("match", help="link unlinked listings by SKU, then barcode")
        match.add_argument("store", help="the store's id or name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            store = selectors.store_by_name_or_id(options["store"])
            if options["action"] == "pull":
                self.pull(store, full=options["full"])
            else:
                self.match(store)
        except DomainError as error:
            raise CommandError(error.detail) from None

    def pull(self, store: Any, *, full: bool) -> None:
        mode = "full" if full else "incremental"
        run = listings_pull(store=store, mode=mode, trigger=PushTrigger.MANUAL)
        if run.status != SyncRunStatus.SUCCEEDED:
            self.stderr.write(f"{store.name}: the {mode} pull failed: {run.error}")
            sys.exit(1)
        self.stdout.write(f"{store.name}: {mode} pull: {pull_summary(run)}")

    def match(self, store: Any) -> None:
        run = listings_match(store=store)
        details = run.details or {}
        self.stdout.write(
            f"{store.name}: {run.linked_count} linked "
            f"({details.get('linked_by_sku', 0)} by SKU, "
            f"{details.get('linked_by_barcode', 0)} by barcode), "
            f"{details.get('unmatched', 0)} without a match, {run.conflict_count} in conflict"
        )
        for conflict in details.get("conflicts", []):
            self.stderr.write(f"listing {conflict['listing']}: {conflict['reason']}")
        if run.conflict_count:
            sys.exit(1)
