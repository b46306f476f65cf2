"""Background work for stock: the nightly stock check of balances against the ledger, and the
pruning of old availability changes."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kucun.inventory.services.availability import availability_changes_prune
from kucun.inventory.services.checks import stock_check_run

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="3", minute="40"))
def stock_reconcile() -> int:
    """Recompute balances from the ledger and record the result (never clamp a drift); log
    every disagreement recorded. Returns the number of disagreements."""
    check = stock_check_run()
    for drift in check.drifts:
        logger.error(
            "stock drift: %s of %s at %s is %s, the ledger says %s",
            drift["what"],
            drift["sku"],
            drift["place"],
            drift["stored"],
            drift["expected"],
        )
    if check.is_clean:
        logger.info("stock check: every balance matches the ledger")
    return check.drift_count


@db_periodic_task(crontab(hour="4", minute="10"))
def availability_changes_clean() -> int:
    """Delete availability changes old enough that every consumer has read them."""
    deleted = availability_changes_prune()
    logger.info("availability changes: %d old rows deleted", deleted)
    return deleted
