"""``kucun orders download [STORE]`` and ``kucun orders confirm ORDER…``.

``download`` downloads here, now (not in the worker), the orders of STORE (its id or name) or
of every active store with order download on, and prints per store what came in. ``confirm``
confirms each ORDER (its number, channel id or Kucun id) here, now, and prints where it ended:
shipped, held for a person, or the step that stopped it with the vendor's message. Exit status
0 only when every download succeeded, or every order was confirmed without stopping.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.channels import selectors as channel_selectors
from kucun.channels.models import Store
from kucun.core.errors import DomainError
from kucun.orders.choices import DownloadStatus, DownloadTrigger, OrderStatus
from kucun.orders.models import Order
from kucun.orders.selectors_console import order_by_number
from kucun.orders.services.confirm import confirm_run, confirm_start
from kucun.orders.services.ingest import orders_download


class Command(BaseCommand):
    help = "Download stores' orders now (download), or confirm orders now (confirm)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        download = actions.add_parser("download", help="download stores' orders now")
        download.add_argument(
            "store",
            nargs="?",
            help="the store's id or name (every store with order download on when left out)",
        )
        confirm = actions.add_parser("confirm", help="confirm orders now")
        confirm.add_argument("orders", nargs="+", metavar="ORDER", help="order number or id")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "download":
            self.download(options["store"])
        else:
            self.confirm(options["orders"])

    def download(self, name: str | None) -> None:
        if name:
            try:
                stores = [channel_selectors.store_by_name_or_id(name)]
            except DomainError as error:
                raise CommandError(error.detail) from None
        else:
            stores = list(Store.objects.filter(active=True, order_download=True).order_by("name"))
        if not stores:
            self.stdout.write("No store downloads orders.")
            return
        failed = False
        for store in stores:
            try:
                run = orders_download(store=store, trigger=DownloadTrigger.MANUAL)
            except DomainError as error:
                self.stderr.write(f"{store.name}: {error.detail}")
                failed = True
                continue
            self.stdout.write(
                f"{store.name}: {run.new_count} new, {run.updated_count} updated, "
                f"{run.error_count} errors"
            )
            if run.status != DownloadStatus.SUCCEEDED:
                self.stderr.write(f"{store.name}: {run.error}")
                failed = True
        if failed:
            sys.exit(1)

    def confirm(self, names: list[str]) -> None:
        failed = False
        for name in names:
            try:
                order = order_by_number(name)
                # Here and now, not in the worker: mark it (or be refused), then run its steps.
                confirm_start(order.pk, user=None)
                done = confirm_run(order_id=order.pk)
            except DomainError as error:
                self.stderr.write(f"{name}: {error.detail}")
                failed = True
                continue
            line, stopped = outcome(done)
            (self.stderr if stopped else self.stdout).write(f"{done.number}: {line}")
            failed = failed or stopped
        if failed:
            sys.exit(1)


def outcome(order: Order) -> tuple[str, bool]:
    """What became of a confirmed order, and whether it stopped short of shipping."""
    if order.confirm_error:
        return f"stopped at {order.confirm_step}: {order.confirm_error}", True
    if order.attention and order.status != OrderStatus.SHIPPED:
        return f"needs attention: {order.attention}", True
    numbers = [
        parcel.tracking_number
        for link in order.shipments.select_related("shipment").order_by("pk")
        if link.shipment is not None
        for parcel in link.shipment.parcels.order_by("index")
        if parcel.tracking_number
    ]
    tracking = f" (tracking {', '.join(numbers)})" if numbers else ""
    return f"{order.status}{tracking}", False
