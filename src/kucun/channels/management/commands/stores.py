"""``kucun stores``: the bound stores, one line each."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kucun.channels import selectors
from kucun.channels.services.listings import pull_runs_settle
from kucun.core.management.columns import column_lines


class Command(BaseCommand):
    help = "List the bound stores: id, name, platform, sandbox, inventory sync, last pull."

    def handle(self, *args: Any, **options: Any) -> None:
        pull_runs_settle()
        rows = [("ID", "NAME", "PLATFORM", "SANDBOX", "SYNC", "LAST PULL")]
        for store in selectors.stores_query():
            last = getattr(store, "last_pull_status", None)
            when = getattr(store, "last_pull_at", None)
            rows.append(
                (
                    str(store.pk),
                    store.name,
                    store.platform,
                    "yes" if store.sandbox else "no",
                    "on" if store.inventory_sync else "off",
                    f"{last} {when:%Y-%m-%d %H:%M}" if last and when else "never",
                )
            )
        if len(rows) == 1:
            self.stdout.write("No store is bound yet.")
            return
        for line in column_lines(rows):
            self.stdout.write(line)
