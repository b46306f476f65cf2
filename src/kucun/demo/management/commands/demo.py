from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.catalog.models import Item
from kucun.core.errors import DomainError
from kucun.demo.channels import demo_stores
from kucun.demo.data import DEMO_PASSWORD, DEMO_USERNAME, demo_load, demo_user
from kucun.demo.shipping import demo_shipping


class Command(BaseCommand):
    help = (
        "Load demo data (two warehouses with zones and bins, items, bundles, opening stock, "
        "transfers, an owner login, a sandbox store on each platform, sandbox Australia Post "
        "and 4PX accounts, boxes and shipping rules). Running it again creates nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the catalogue already has items.",
        )
        parser.add_argument(
            "--no-first-sync",
            action="store_true",
            help="Bind the sandbox stores but leave their first pull, match and push undone.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Item.objects.exists():
            self.stdout.write("The catalogue already has items: demo data not loaded.")
            return
        try:
            summary = demo_load()
            user = demo_user(summary)
            store_ids = demo_stores(user, summary)
            demo_shipping(user, summary)
        except DomainError as error:
            raise CommandError(f"Demo data could not be loaded: {error.detail}") from error
        if summary.anything_created:
            made = ", ".join(
                f"{count} {what if count != 1 else what.removesuffix('s')}"
                for what, count in summary.created.items()
                if count
            )
            self.stdout.write(f"Demo data loaded: {made}.")
        else:
            self.stdout.write("Demo data is already loaded: nothing to add.")
        if store_ids and not options["no_first_sync"]:
            from kucun.demo.tasks import demo_first_sync_task

            demo_first_sync_task(store_ids)
            self.stdout.write(
                "The sandbox stores' first pull, match and push is queued: the worker runs it "
                "as soon as the server answers."
            )
        self.stdout.write(f"Log in as {DEMO_USERNAME} / {DEMO_PASSWORD} (owner).")
