"""What the orders app registers with the layers below it (channels' webhooks and
before-overwrite hook, inventory's availability announcements).

Registered when this module is imported (``OrdersConfig.ready``). Each hook and signal here is
called after the transaction that announced it committed, and each receiver only queues work
for the worker: nothing is allocated inside a stock writer's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kucun.channels.hooks import (
    register_before_overwrite,
    register_listings_linked,
    register_order_events,
)
from kucun.inventory.signals import availability_changed
from kucun.orders import tasks_download
from kucun.orders.choices import DownloadTrigger
from kucun.orders.services.ingest import orders_download_when_free
from kucun.orders.services.routing import orders_awaiting_items

if TYPE_CHECKING:
    from kucun.channels.adapters.base import ChannelEvent
    from kucun.channels.models import Listing, Store

logger = logging.getLogger(__name__)

ALLOCATE_WAITING_UID = "kucun.orders.allocate-waiting"


def fetch_named_orders(store: Store, event: ChannelEvent) -> None:
    """A webhook named orders: fetch each from the platform and store it, in the worker
    (not for a store whose order download is off or that is closed)."""
    if not (store.active and store.order_download):
        return
    for order_ref in dict.fromkeys(ref for ref in event.refs if ref):
        tasks_download.order_fetch_task(store.pk, order_ref)


def download_before_overwrite(store: Store, listings: Sequence[Listing]) -> None:
    """The platform holds less than Kucun pushed: its new orders come in (and hold their
    stock) before the push overwrites it."""
    if not (store.active and store.order_download):
        return
    run = orders_download_when_free(store=store, trigger=DownloadTrigger.BEFORE_PUSH)
    if run is None:
        logger.info("orders of store %s were still downloading; pushing anyway", store.pk)


def allocate_waiting_soon(*, pairs: Sequence[tuple[int, int]] = (), **_signal: Any) -> None:
    """Stock changed: orders awaiting one of these items (or a bundle) are tried again in the
    worker. Never raises into the change that was committed (the periodic task catches up)."""
    item_ids = sorted({item_id for item_id, _warehouse in pairs})
    try:
        if item_ids and orders_awaiting_items(item_ids).exists():
            tasks_download.orders_allocate_waiting_task(item_ids)
    except Exception:
        logger.exception("could not queue the allocation of orders awaiting stock")


def resume_linked(listing_ids: Sequence[int]) -> None:
    """Listings were linked to items: orders waiting on them are tried again."""
    wanted = sorted(set(listing_ids))
    if wanted:
        tasks_download.orders_resume_task(wanted)


def connect() -> None:
    register_order_events(fetch_named_orders)
    register_before_overwrite(download_before_overwrite)
    register_listings_linked(resume_linked)
    availability_changed.connect(allocate_waiting_soon, dispatch_uid=ALLOCATE_WAITING_UID)


connect()
