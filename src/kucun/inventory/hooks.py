"""What the stock ledger tells the apps below it, through the hooks they offer.

Warehouses and the catalogue cannot import the ledger; ``InventoryConfig.ready()`` registers
these readers and the sellable service with them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, Sum

from kucun.inventory.models import BinStock
from kucun.warehouses.extensions import BinHoldings


def holdings_by_bin(bin_ids: Sequence[int]) -> dict[int, BinHoldings]:
    """Items held and units held per bin, in one aggregate query; empty bins are absent."""
    rows = (
        BinStock.objects.filter(location_id__in=list(bin_ids), on_hand__gt=0)
        .values("location_id")
        .annotate(items=Count("item_id", distinct=True), units=Sum("on_hand"))
        .order_by()
    )
    return {
        row["location_id"]: BinHoldings(items=row["items"], units=row["units"] or 0) for row in rows
    }


def units_held_by_item(item_ids: Sequence[int]) -> dict[int, int]:
    """Units held in any bin per item, for the items holding any."""
    return dict(
        BinStock.objects.filter(item_id__in=list(item_ids), on_hand__gt=0)
        .values("item_id")
        .annotate(units=Sum("on_hand"))
        .order_by()
        .values_list("item_id", "units")
    )


def register_hooks() -> None:
    from kucun.catalog.extensions import register_stock_held
    from kucun.inventory.services import bin_set_sellable
    from kucun.warehouses.extensions import register_bin_holdings, register_sellable_setter

    register_bin_holdings(holdings_by_bin)
    register_sellable_setter(bin_set_sellable)
    register_stock_held(units_held_by_item)
