"""Background work of the stock sync: the drain (on change and every minute), retries of
failed pushes, polls of asynchronous platforms, manual batch pushes, and the nightly reconcile.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kucun.channels.choices import PushTrigger
from kucun.channels.receivers import drain_flag_clear
from kucun.channels.services.reconcile import reconcile_run, stores_reconcile
from kucun.channels.services.sync import sync_drain
from kucun.channels.services.sync_manual import ManualPushRequest, stock_push_manual_run
from kucun.channels.services.sync_push import (
    stock_pushes_poll,
    stock_pushes_recover,
    stock_pushes_send,
)

logger = logging.getLogger(__name__)


@db_task()
def sync_drain_task() -> int:
    """Queued on commit of a change; clears the 'drain queued' flag before claiming, so a
    change committed from now on queues the next drain."""
    drain_flag_clear()
    return sync_drain().queued


@db_periodic_task(crontab(minute="*"))
def sync_drain_periodic() -> int:
    """The safety net: changes whose drain was never queued (a lost task, a worker down).
    Clears the 'drain queued' flag as the queued drain does, so a flag whose task was lost
    holds back the drains on commit for a minute at most, where the store cannot expire it."""
    drain_flag_clear()
    return sync_drain().queued


@db_periodic_task(crontab(minute="*"))
def stock_pushes_retry() -> int:
    """Pushes whose backoff is over, and pushes a dead worker left sending."""
    stock_pushes_recover()
    return stock_pushes_send().sent


@db_periodic_task(crontab(minute="*"))
def stock_pushes_poll_task() -> int:
    summary = stock_pushes_poll()
    return summary.succeeded + summary.failed


@db_periodic_task(crontab(hour="2", minute="50"))
def stores_reconcile_nightly() -> int:
    runs = stores_reconcile(trigger=PushTrigger.AUTOMATIC)
    found = sum(run.difference_count for run in runs)
    if found:
        logger.warning("stock reconcile: %d listings differed from their platforms", found)
    return found


@db_task()
def stock_pushes_send_task(record_ids: list[int]) -> int:
    return stock_pushes_send(record_ids=record_ids).sent


@db_task()
def stock_push_manual_task(
    job_id: int, skus: list[str], all_items: bool, store_ids: list[int] | None
) -> int:
    request = ManualPushRequest(
        skus=tuple(skus),
        all_items=all_items,
        store_ids=None if store_ids is None else tuple(store_ids),
    )
    return stock_push_manual_run(job_id=job_id, request=request).summary.sent


@db_task()
def stores_reconcile_task(job_id: int, store_id: int | None) -> int:
    return sum(run.difference_count for run in reconcile_run(job_id=job_id, store_id=store_id))
