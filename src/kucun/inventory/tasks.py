"""Background work for stock: the nightly reconcile of balances against the ledger."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kucun.inventory.selectors import ledger_drift

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="3", minute="40"))
def stock_reconcile() -> int:
    """Recompute balances from the ledger; log every drift (never clamp it). Returns the count."""
    drifts = ledger_drift()
    for drift in drifts:
        logger.error(
            "stock drift: %s of item %s at %s is %s, the ledger says %s",
            drift.what,
            drift.item_id,
            drift.place_id,
            drift.stored,
            drift.expected,
        )
    if not drifts:
        logger.info("stock reconcile: every balance matches the ledger")
    return len(drifts)
