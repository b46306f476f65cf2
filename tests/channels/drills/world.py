"""Stores bound to the emulators over the live server, and the stock they sell.

Each platform with an adapter, an emulator and a contract setup (the contract suite's list)
gets a store made with ``store_create(sandbox=True)`` on the setup's account, its variants
pulled with ``listings_pull`` and linked with ``listing_link``, as a merchant would.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from kucun.catalog.models import Item
from kucun.channels.adapters.base import ChannelConfig
from kucun.channels.choices import ListingStatus, PushStatus
from kucun.channels.models import Listing, StockSyncRecord, Store
from kucun.channels.platforms import platform
from kucun.channels.quantities import listing_quantities
from kucun.channels.services.listings import listing_link, listings_pull
from kucun.channels.services.stores import store_create, store_set_location
from kucun.channels.services.sync_push import stock_pushes_poll, stock_pushes_send
from kucun.warehouses.models import Warehouse
from tests.channels.contract.conftest import contract_platforms
from tests.channels.contract.seeds import VariantSeed
from tests.sandbox.conftest import Sandbox

DRILL_PLATFORMS = contract_platforms()

# Options a store form asks for that the contract config carries elsewhere (in its address).
EXTRA_OPTIONS = {"shopify": lambda setup: {"shop_domain": setup.SHOP}}
LOCATION_OPTIONS = ("location_ref", "location_id")


@dataclass
class Shop:
    """One store bound to one emulator account, and the listings pulled from it."""

    code: str
    setup: ModuleType
    config: ChannelConfig
    store: Store
    listings: list[Listing]

    def platform_quantities(self, sandbox: Sandbox) -> dict[str, int]:
        held: dict[str, int] = self.setup.platform_quantities(sandbox, self.config)
        return held


def bind_shop(
    sandbox: Sandbox,
    code: str,
    *,
    name: str,
    skus: Sequence[str],
    warehouses: Sequence[Warehouse],
    buffer: int = 0,
) -> Shop:
    """Reset the platform's emulator to one account holding ``skus`` (quantities 0-4), bind a
    sandbox store to it and pull its listings (unlinked)."""
    setup = importlib.import_module(f"tests.channels.contract.setups.{code}")
    variants = [
        VariantSeed(sku=sku, quantity=number % 5, title=f"Drill {sku}")
        for number, sku in enumerate(skus)
    ]
    config: ChannelConfig = setup.prepare(sandbox, variants=variants)
    # The drills arm the refusals they test: the emulator's own bucket never runs dry.
    sandbox.emu(code, "rate-limit", {"capacity": 100_000, "refill_per_second": 10_000})
    extra = EXTRA_OPTIONS.get(code)
    given = {**config.options, **(extra(setup) if extra else {})}
    fields = {spec.name for spec in platform(code).option_fields}
    options = {name: value for name, value in given.items() if name in fields}
    # A location the config names outside the store's settings is the store's location.
    location = next((given[name] for name in LOCATION_OPTIONS if name in given), "")
    store = store_create(
        actor=None,
        platform=code,
        name=name,
        credentials=dict(config.credentials),
        options=options,
        warehouse_ids=[warehouse.pk for warehouse in warehouses],
        buffer=buffer,
        sandbox=True,
    )
    if location and "location_ref" not in options:
        store = store_set_location(store=store, location_ref=location)
    run = listings_pull(store=store, mode="full")
    assert run.status == "succeeded", run.error
    listings = list(Listing.objects.filter(store=store).order_by("sku"))
    assert sorted(listing.sku for listing in listings) == sorted(skus)
    return Shop(code=code, setup=setup, config=config, store=store, listings=listings)


def link_all(shop: Shop, items: Sequence[Item]) -> None:
    """Link the shop's listings to ``items`` in order."""
    for listing, item in zip(shop.listings, items, strict=True):
        listing_link(listing=listing, item=item)
        listing.refresh_from_db()


def kucun_quantities(store: Store) -> dict[str, int]:
    """SKU -> what Kucun says the platform should hold, for the store's linked listings."""
    linked = list(
        Listing.objects.filter(store=store, status=ListingStatus.LINKED).select_related(
            "store", "item"
        )
    )
    by_id = listing_quantities(linked)
    return {listing.sku: by_id[listing.pk] for listing in linked}


def held_for(shop: Shop, sandbox: Sandbox, skus: Sequence[str]) -> dict[str, int]:
    held = shop.platform_quantities(sandbox)
    return {sku: held[sku] for sku in skus}


def pushes_settle(*, rounds: int = 50, interval: float = 0.05) -> None:
    """What the periodic poll and send do, now, until no push is open (bounded): asynchronous
    platforms (Kogan) apply their writes, and the pushes waiting behind them go out."""
    open_statuses = [PushStatus.QUEUED, PushStatus.SENDING, PushStatus.PENDING]
    for _round in range(rounds):
        if not StockSyncRecord.objects.filter(status__in=open_statuses).exists():
            return
        stock_pushes_poll()
        stock_pushes_send()
        time.sleep(interval)
    still = list(
        StockSyncRecord.objects.filter(status__in=open_statuses).values_list("pk", "status")
    )
    raise AssertionError(f"pushes still open after {rounds} rounds: {still}")


def retire_stores() -> None:
    """Stores of earlier examples stop selling: their emulator accounts are gone."""
    Store.objects.update(active=False)


__all__ = [
    "DRILL_PLATFORMS",
    "Shop",
    "bind_shop",
    "held_for",
    "kucun_quantities",
    "link_all",
    "pushes_settle",
    "retire_stores",
]
