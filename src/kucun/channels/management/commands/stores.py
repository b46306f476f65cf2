"""``kucun stores``: the bound stores, one line each."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kucun.channels import selectors
from kucun.channels.services.listings import pull_runs_settle


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
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(
                    value.ljust(width) for value, width in zip(row, widths, strict=True)
                ).rstrip()
            )
