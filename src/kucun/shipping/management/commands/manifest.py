"""``kucun manifest close ACCOUNT [--reference REF]``: lodge the day's shipments of a carrier
account (its name or id) and keep the manifest's PDF; prints the manifest and where its PDF is.
Exit status 1 when the carrier has no manifests, nothing is waiting, or the carrier refused."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.core.errors import DomainError
from kucun.shipping import files
from kucun.shipping.services.manifests import manifest_close


class Command(BaseCommand):
    help = "Close the day's manifest of a carrier account."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        close = actions.add_parser("close", help="lodge the account's open shipments")
        close.add_argument("account", metavar="ACCOUNT", help="carrier account name or id")
        close.add_argument("--reference", help="the manifest's reference (default EOD-<date>)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = manifest_close(
                options["account"], actor=None, reference=options.get("reference")
            )
        except DomainError as error:
            raise CommandError(error.detail) from error
        self.stdout.write(
            f"Manifest {manifest.reference} closed with {manifest.carrier_account.name}: "
            f"{manifest.shipment_count} shipment(s), carrier's id {manifest.carrier_manifest_id}."
        )
        path = files.stored_path(manifest.pdf_file)
        if path is not None:
            self.stdout.write(f"PDF: {path}")
