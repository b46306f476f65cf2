"""What runs before Kucun overwrites a platform's quantity that dropped behind its back.

A platform holding less than Kucun last pushed (or refusing a compare-and-set) has probably
sold units in orders Kucun has not downloaded yet. Overwriting it then would put those units
back on sale. Higher apps register a callback here (the orders app downloads the store's new
orders, which allocates their stock); the push then re-reads the platform and recomputes its
quantities before writing:

    register_before_overwrite(lambda store, listings: orders_download(store=store))

A callback receives the Store and the Listings concerned; what it raises is logged and noted
on the push record, and never stops the push.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kucun.channels.adapters.base import ChannelEvent
    from kucun.channels.models import Listing, Store

logger = logging.getLogger(__name__)

BeforeOverwrite = Callable[["Store", Sequence["Listing"]], None]
_before_overwrite: list[BeforeOverwrite] = []


def register_before_overwrite(callback: BeforeOverwrite) -> None:
    if callback not in _before_overwrite:
        _before_overwrite.append(callback)


def unregister_before_overwrite(callback: BeforeOverwrite) -> None:
    if callback in _before_overwrite:
        _before_overwrite.remove(callback)


def run_before_overwrite(store: Store, listings: Sequence[Listing]) -> tuple[int, list[str]]:
    """Call every callback; returns how many ran and the errors they raised (as text), for
    the records."""
    callbacks = list(_before_overwrite)
    errors = []
    for callback in callbacks:
        try:
            callback(store, listings)
        except Exception as error:
            logger.exception("before-overwrite callback failed for store %s", store.pk)
            errors.append(f"{type(error).__name__}: {error}"[:500])
    return len(callbacks), errors


# Order events that a store's webhook delivered, verified and seen for the first time. The
# orders app registers here; channels only records the delivery and announces it after commit.
OrderEventCallback = Callable[["Store", "ChannelEvent"], None]
ORDER_EVENT_KINDS = frozenset({"order_created", "order_updated", "order_cancelled"})
_order_events: list[OrderEventCallback] = []


def register_order_events(callback: OrderEventCallback) -> None:
    if callback not in _order_events:
        _order_events.append(callback)


def unregister_order_events(callback: OrderEventCallback) -> None:
    if callback in _order_events:
        _order_events.remove(callback)


def announce_order_event(store: Store, event: ChannelEvent) -> None:
    """Call every order-event callback; what one raises is logged and does not stop the
    others (the poll that follows is the safety net)."""
    for callback in list(_order_events):
        try:
            callback(store, event)
        except Exception:
            logger.exception("order-event callback failed for store %s", store.pk)


# Listings linked to items (by hand or by quick match), announced after the link commits with
# the listings' ids. The orders app registers here: orders waiting on such a listing resume.
ListingsLinked = Callable[[Sequence[int]], None]
_listings_linked: list[ListingsLinked] = []


def register_listings_linked(callback: ListingsLinked) -> None:
    if callback not in _listings_linked:
        _listings_linked.append(callback)


def unregister_listings_linked(callback: ListingsLinked) -> None:
    if callback in _listings_linked:
        _listings_linked.remove(callback)


def announce_listings_linked(listing_ids: Sequence[int]) -> None:
    """Call every callback; what one raises is logged and does not stop the others."""
    for callback in list(_listings_linked):
        try:
            callback(listing_ids)
        except Exception:
            logger.exception("listings-linked callback failed for listings %s", listing_ids)
