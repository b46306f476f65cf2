"""Signals channels sends; the stock sync connects to them (channels' own services import no
sync module).

``listings_changed``: sent once after a transaction that wrote ``ListingChange`` rows commits,
with ``store_ids``, the sorted ids of the stores whose listings need a push (linked or
unlinked, warehouses or buffer changed, inventory sync turned back on). The rows themselves
are the durable record: a receiver that missed the signal finds them on its next drain.
"""

from __future__ import annotations

from django.dispatch import Signal

listings_changed = Signal()
