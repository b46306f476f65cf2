"""Receivers that start a drain soon after stock or listings change.

Connected in ``ChannelsConfig.ready()``. One pending drain is enough however many changes
commit meanwhile: a flag in the queue's store (shared by every process on Redis) says a drain
is queued, and the drain clears it before it claims anything, so a change committed after that
queues the next one. The flag expires where the queue's store can expire it (Redis 7.4 and
later); the periodic drain, every minute, clears it too (SQLite's store and older Redis keep
no expiry), so a lost task delays a push by a minute at most; nothing is lost, the change rows
wait in the outbox.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

DRAIN_QUEUED_KEY = "kucun.channels.drain-queued"
DRAIN_QUEUED_SECONDS = 120


def drain_soon(**_signal: Any) -> None:
    """Queue one drain unless one is queued already; never raises into the committed change.

    ``STOCK_SYNC_DRAIN_ON_COMMIT = False`` (the test settings) leaves the changes to the
    periodic drain: with the queue running tasks inline, a drain at every commit would consume
    the availability changes other apps' tests read."""
    if not getattr(settings, "STOCK_SYNC_DRAIN_ON_COMMIT", True):
        return
    try:
        from huey.contrib.djhuey import HUEY

        from kucun.channels.tasks import sync_drain_task

        if drain_flag_set(HUEY):
            sync_drain_task()
    except Exception:
        logger.exception("could not queue the stock sync drain; the periodic drain will run it")


def drain_flag_set(huey: Any) -> bool:
    """Set the 'drain queued' flag unless it is set; True when this call set it.

    Read first: while a drain is queued every commit finds the flag, and on huey's SQLite
    store the refused write is an exclusive transaction of its own at every posting."""
    if huey.storage.has_data_for_key(DRAIN_QUEUED_KEY):
        return False
    try:
        return bool(huey.put_if_empty(DRAIN_QUEUED_KEY, "1", DRAIN_QUEUED_SECONDS))
    except NotImplementedError:
        # huey's SQLite store, and Redis before 7.4, cannot expire a key: the flag is set
        # without a lifetime, and the periodic drain clears it.
        return bool(huey.put_if_empty(DRAIN_QUEUED_KEY, "1"))


def drain_flag_clear() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.delete(DRAIN_QUEUED_KEY)


def bundle_components_changed(bundle_id: int) -> None:
    """Called by the catalogue inside the transaction that changed a bundle's components."""
    from kucun.channels.services.sync import bundle_listings_changed

    bundle_listings_changed(bundle_id=bundle_id)


def connect() -> None:
    from kucun.catalog.extensions import register_components_changed
    from kucun.channels.signals import listings_changed
    from kucun.inventory.signals import availability_changed

    availability_changed.connect(drain_soon, dispatch_uid="kucun.channels.drain.availability")
    listings_changed.connect(drain_soon, dispatch_uid="kucun.channels.drain.listings")
    register_components_changed(bundle_components_changed)
