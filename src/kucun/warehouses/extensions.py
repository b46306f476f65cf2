"""Hooks through which the stock ledger serves the warehouse screens without being imported.

Warehouses sit below the stock ledger: they cannot read stock or change what is sellable
themselves. The ledger registers these from its ``AppConfig.ready()``:

    register_bin_holdings(holdings_by_bin)   # {bin id: BinHoldings} for bins holding stock
    register_sellable_setter(bin_set_sellable)   # changes a bin's sellable flag and stock

Without a registration a bin reads as holding nothing, and a sellable change is a plain field
update.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kucun.warehouses.models import Location


@dataclass(frozen=True)
class BinHoldings:
    items: int
    units: int


BinHoldingsReader = Callable[[Sequence[int]], dict[int, BinHoldings]]
SellableSetter = Callable[..., Location]

BIN_HOLDINGS: list[BinHoldingsReader] = []
SELLABLE_SETTERS: list[SellableSetter] = []


def register_bin_holdings(reader: BinHoldingsReader) -> None:
    """The one reader of items and units held per bin (a second registration replaces it)."""
    BIN_HOLDINGS[:] = [reader]


def register_sellable_setter(setter: SellableSetter) -> None:
    """The one service that changes a bin's sellable flag (called with user, bin_id, sellable)."""
    SELLABLE_SETTERS[:] = [setter]


def bin_holdings_reader() -> BinHoldingsReader | None:
    return BIN_HOLDINGS[0] if BIN_HOLDINGS else None


def sellable_set(*, user: Any, location: Location, sellable: bool) -> Location:
    """Change the flag through the registered service, inside the caller's transaction."""
    if SELLABLE_SETTERS:
        return SELLABLE_SETTERS[0](user=user, bin_id=location.pk, sellable=sellable)
    location.sellable = sellable
    location.save(update_fields=["sellable", "updated_at"])
    return location
