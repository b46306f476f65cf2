"""The quantity each listing should hold on its platform.

Channel quantity = max(0, available in the store's source warehouses − the store's buffer)
(ARCHITECTURE.md, stock model). A listing linked to a bundle gets the bundle's derived
availability: per warehouse, what its components make, summed over the store's warehouses (a
bundle ships whole from one warehouse). Figures come from ``inventory.selectors.stock_figures``
once for all the listings asked about, whatever their number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from kucun.catalog.models import Item
from kucun.channels.models import Listing, StoreWarehouse
from kucun.inventory.selectors import stock_figures


def store_warehouse_ids(store_ids: Iterable[int]) -> dict[int, set[int]]:
    """store id -> the warehouses whose stock it sells (one query)."""
    found: dict[int, set[int]] = defaultdict(set)
    for store_id, warehouse_id in StoreWarehouse.objects.filter(
        store_id__in=set(store_ids)
    ).values_list("store_id", "warehouse_id"):
        found[store_id].add(warehouse_id)
    return found


def listing_quantities(listings: Sequence[Listing]) -> dict[int, int]:
    """listing id -> the quantity it should hold, for linked listings (others are left out).

    Reads each listing's ``store`` (buffer) and ``item``: load them with
    ``select_related("store", "item")``. A fixed number of queries for any number of listings:
    one for the stores' warehouses, then those of ``stock_figures``.
    """
    linked = [listing for listing in listings if listing.item_id is not None]
    if not linked:
        return {}
    warehouses = store_warehouse_ids(listing.store_id for listing in linked)
    wanted_warehouses = set().union(*warehouses.values()) if warehouses else set()
    items: dict[int, Item] = {}
    for listing in linked:
        assert listing.item is not None
        items[listing.item.pk] = listing.item
    figures = stock_figures(items.values(), warehouse_ids=wanted_warehouses)
    quantities = {}
    for listing in linked:
        by_warehouse = figures.get(listing.item_id or 0, {})
        available = sum(
            by_warehouse[warehouse].available
            for warehouse in warehouses.get(listing.store_id, set())
            if warehouse in by_warehouse
        )
        quantities[listing.pk] = max(0, available - listing.store.buffer)
    return quantities


def listing_quantity(listing: Listing) -> int:
    """One listing's quantity (0 when it is not linked)."""
    return listing_quantities([listing]).get(listing.pk, 0)
