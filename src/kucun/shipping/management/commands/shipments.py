"""``kucun shipments track [--all-active]``: refresh shipments' tracking now;
``kucun shipments retry``: send again the drafts and fetch the labels whose backoff is over.

``track`` asks the carriers for the due shipments (every active one with ``--all-active``),
batched and paced per carrier account as the worker does, and prints what it found per
account. Exit status 1 when a carrier did not answer for some shipments.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.shipping.models import CarrierAccount
from kucun.shipping.services.labels import shipments_labels_retry_due
from kucun.shipping.services.shipments import shipments_retry_due
from kucun.shipping.services.tracking import shipments_track_due


class Command(BaseCommand):
    help = "Shipments: refresh their tracking now (track), or retry what failed (retry)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        track = actions.add_parser("track", help="ask the carriers for tracking now")
        track.add_argument(
            "--all-active",
            action="store_true",
            help="every shipment still on its way, not only those due",
        )
        actions.add_parser("retry", help="send failed drafts and fetch missing labels now")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "retry":
            sent = shipments_retry_due()
            labels = shipments_labels_retry_due()
            self.stdout.write(f"Drafts sent again: {sent}. Labels fetched again: {labels}.")
            return
        summary = shipments_track_due(all_active=options["all_active"])
        if not summary.shipments and not summary.failed and not summary.left_due:
            self.stdout.write("No shipment is due for tracking.")
            return
        names = dict(
            CarrierAccount.objects.filter(pk__in=list(summary.accounts)).values_list("pk", "name")
        )
        for account_id, count in sorted(summary.accounts.items()):
            self.stdout.write(f"  {names.get(account_id, account_id)}: {count} shipment(s)")
        self.stdout.write(
            f"Tracked {summary.shipments} shipment(s) in {summary.requests} request(s): "
            f"{summary.new_events} new event(s)."
        )
        if summary.left_due:
            self.stdout.write(
                f"{summary.left_due} shipment(s) left for the next run (carrier limits)."
            )
        if summary.failed:
            raise CommandError(f"The carrier did not answer for {summary.failed} shipment(s).")
