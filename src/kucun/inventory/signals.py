"""Signals the inventory sends; consumers in higher apps connect to them, inventory imports
none of them.

``availability_changed``: sent once after a stock change commits, with ``pairs``, the sorted
(item id, warehouse id) pairs whose available quantity changed. The same pairs are in
``AvailabilityChange`` rows, the outbox that the stock sync claims and deletes (so that a
restart loses nothing); other listeners take the signal's pairs and leave the rows alone.
Bundles are not named: ``kucun.catalog.selectors.bundles_affected_by`` finds every bundle
that holds one of the items, however deeply nested.
"""

from __future__ import annotations

from django.dispatch import Signal

availability_changed = Signal()
