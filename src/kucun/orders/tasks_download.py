"""Background work of order ingest: every minute, queue the downloads that are due; the
download of one store (one at a time per store, one queued at a time); the fetch of an order a
webhook named; the allocation of orders awaiting stock once stock changed; the orders waiting
for a listing to be linked, once it is.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kucun.accounts.models import User
from kucun.channels.models import Store
from kucun.core.errors import Conflict
from kucun.orders.choices import DownloadTrigger
from kucun.orders.selectors import stores_due_for_download
from kucun.orders.services.ingest import (
    download_queued_clear,
    order_fetch,
    orders_download,
    orders_download_enqueue,
)
from kucun.orders.services.routing import orders_allocate_waiting, orders_resume_for_listings

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def orders_download_due() -> int:
    """Queue a download of every store whose interval has passed since its last one."""
    return orders_download_enqueue(
        stores=stores_due_for_download(), trigger=DownloadTrigger.SCHEDULE
    )


@db_task()
def orders_download_task(store_id: int, trigger: str, user_id: int | None = None) -> int:
    """One store's download; a download of the store already running makes this one end (the
    running one reads the same orders)."""
    download_queued_clear(store_id)
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return 0
    user = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        run = orders_download(store=store, trigger=trigger, user=user)
    except Conflict:
        logger.info("orders of store %s are being downloaded already", store_id)
        return 0
    return run.new_count + run.updated_count


@db_task()
def order_fetch_task(store_id: int, order_ref: str) -> int:
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return 0
    run = order_fetch(store=store, order_ref=order_ref, trigger=DownloadTrigger.WEBHOOK)
    return run.new_count + run.updated_count


@db_task()
def orders_allocate_waiting_task(item_ids: list[int] | None = None) -> int:
    return orders_allocate_waiting(item_ids=item_ids)


@db_periodic_task(crontab(minute="*/10"))
def orders_allocate_waiting_periodic() -> int:
    """The safety net of the task above (a stock change whose announcement was lost)."""
    return orders_allocate_waiting()


@db_task()
def orders_resume_task(listing_ids: list[int]) -> int:
    return orders_resume_for_listings(listing_ids=listing_ids)
