"""Property: after any sequence of stock operations, sellable flips, bundle edits, links,
unlinks and buffer changes, one drain and send leaves every linked listing on every emulator
holding exactly Kucun's quantity (over real HTTP to the live server's emulators)."""

from __future__ import annotations

import contextlib
import itertools
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kucun.catalog.services import bundle_set_components
from kucun.channels.services.listings import listing_link, listing_unlink
from kucun.channels.services.stores import store_update
from kucun.channels.services.sync import sync_drain
from kucun.core.errors import DomainError
from kucun.inventory.services import (
    DocumentLineInput,
    StocktakeCountInput,
    TransferLineInput,
    bin_set_sellable,
    issue_create,
    stock_allocate,
    stock_release,
    stocktake_count,
    stocktake_create,
    stocktake_post,
    transfer_create,
    transfer_receive,
)
from tests.channels.drills.world import (
    DRILL_PLATFORMS,
    Shop,
    bind_shop,
    held_for,
    kucun_quantities,
    pushes_settle,
    retire_stores,
)
from tests.inventory.conftest import build_bundle, build_item, build_site, receive
from tests.sandbox.conftest import Sandbox

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.drill]

EXAMPLES = int(os.environ.get("KUCUN_DRILL_EXAMPLES", "8"))
WAREHOUSES = ["M", "S"]
BASE = ["A", "B"]
ITEMS = [*BASE, "KIT"]
BINS = ["RECEIVING", "S-01"]
LISTING_SKUS = ["V-0", "V-1", "V-2"]  # one per item: a store links an item once
REFERENCES = ["order:1", "order:2"]
EXAMPLE_NUMBERS = itertools.count(1)
quantities = st.integers(min_value=1, max_value=9)
listing_index = st.integers(min_value=0, max_value=len(DRILL_PLATFORMS) * len(LISTING_SKUS) - 1)

operations = st.one_of(
    st.tuples(
        st.just("receive"),
        st.sampled_from(BASE),
        st.sampled_from(WAREHOUSES),
        quantities,
        st.sampled_from(BINS),
    ),
    st.tuples(st.just("issue"), st.sampled_from(BASE), st.sampled_from(WAREHOUSES), quantities),
    st.tuples(st.just("transfer"), st.sampled_from(BASE), st.sampled_from(WAREHOUSES), quantities),
    st.tuples(
        st.just("stocktake"),
        st.sampled_from(BASE),
        st.sampled_from(WAREHOUSES),
        st.integers(min_value=0, max_value=12),
    ),
    st.tuples(
        st.just("allocate"),
        st.sampled_from(BASE),
        st.sampled_from(WAREHOUSES),
        quantities,
        st.sampled_from(REFERENCES),
    ),
    st.tuples(st.just("release"), st.sampled_from(REFERENCES)),
    st.tuples(st.just("sellable"), st.sampled_from(WAREHOUSES), st.booleans()),
    st.tuples(
        st.just("components"),
        st.integers(min_value=1, max_value=3),
        st.integers(min_value=0, max_value=2),
    ),
    st.tuples(st.just("link"), listing_index, st.sampled_from(ITEMS)),
    st.tuples(st.just("unlink"), listing_index),
    st.tuples(
        st.just("buffer"),
        st.integers(min_value=0, max_value=len(DRILL_PLATFORMS) - 1),
        st.integers(min_value=0, max_value=5),
    ),
    st.tuples(st.just("drain")),
)


class World:
    """Two warehouses, items A and B and a bundle KIT (2 A + 1 B), and one store per platform
    (the first sells from both warehouses with a buffer of 1, the others from the first)."""

    def __init__(self, sandbox: Sandbox) -> None:
        number = next(EXAMPLE_NUMBERS)
        self.prefix = f"P{number}"
        self.sites = {code: build_site(f"{self.prefix}{code}") for code in WAREHOUSES}
        self.items = {sku: build_item(self.sku(sku)) for sku in BASE}
        self.items["KIT"] = build_bundle(
            self.sku("KIT"), [(self.items["A"], 2), (self.items["B"], 1)]
        )
        retire_stores()
        self.shops: list[Shop] = []
        for position, code in enumerate(DRILL_PLATFORMS):
            first = position == 0
            self.shops.append(
                bind_shop(
                    sandbox,
                    code,
                    name=f"{self.prefix} {code}",
                    skus=LISTING_SKUS,
                    warehouses=[site.warehouse for site in self.sites.values()]
                    if first
                    else [self.sites["M"].warehouse],
                    buffer=1 if first else 0,
                )
            )
        self.listings = [listing for shop in self.shops for listing in shop.listings]
        for listing, sku in zip(self.listings, itertools.cycle(ITEMS), strict=False):
            listing_link(listing=listing, item=self.items[sku])

    def sku(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def warehouse(self, code: str) -> str:
        return self.sites[code].code

    def other(self, code: str) -> str:
        return self.warehouse("S" if code == "M" else "M")

    def apply(self, operation: tuple[Any, ...]) -> None:
        kind, *args = operation
        getattr(self, f"do_{kind}")(*args)

    def do_receive(self, sku: str, warehouse: str, qty: int, bin_code: str) -> None:
        receive(self.sites[warehouse], self.sku(sku), qty, bin_code)

    def do_issue(self, sku: str, warehouse: str, qty: int) -> None:
        issue_create(
            user=None,
            warehouse=self.warehouse(warehouse),
            kind="other",
            lines=[DocumentLineInput(self.sku(sku), qty)],
            post=True,
        )

    def do_transfer(self, sku: str, warehouse: str, qty: int) -> None:
        transfer = transfer_create(
            user=None,
            warehouse=self.warehouse(warehouse),
            to_warehouse=self.other(warehouse),
            lines=[TransferLineInput(self.sku(sku), qty, "RECEIVING", "RECEIVING")],
            post=True,
        )
        transfer_receive(user=None, transfer_id=transfer.pk)

    def do_stocktake(self, sku: str, warehouse: str, counted: int) -> None:
        stocktake = stocktake_create(
            user=None, warehouse=self.warehouse(warehouse), bins=["RECEIVING"], skus=[self.sku(sku)]
        )
        stocktake_count(
            user=None,
            stocktake_id=stocktake.pk,
            counts=[StocktakeCountInput("RECEIVING", self.sku(sku), counted)],
        )
        stocktake_post(user=None, stocktake_id=stocktake.pk)

    def do_allocate(self, sku: str, warehouse: str, qty: int, reference: str) -> None:
        stock_allocate(
            user=None,
            reference=f"{self.prefix}:{reference}",
            sku=self.sku(sku),
            warehouse=self.warehouse(warehouse),
            qty=qty,
        )

    def do_release(self, reference: str) -> None:
        stock_release(user=None, reference=f"{self.prefix}:{reference}")

    def do_sellable(self, warehouse: str, sellable: bool) -> None:
        bin_set_sellable(user=None, bin_id=self.sites[warehouse].bins["S-01"].pk, sellable=sellable)

    def do_components(self, of_a: int, of_b: int) -> None:
        components = [(self.sku("A"), of_a)] + ([(self.sku("B"), of_b)] if of_b else [])
        bundle_set_components(user=None, bundle_id=self.items["KIT"].pk, components=components)

    def do_link(self, index: int, sku: str) -> None:
        listing = self.listings[index]
        listing.refresh_from_db()
        listing_link(listing=listing, item=self.items[sku])

    def do_unlink(self, index: int) -> None:
        listing = self.listings[index]
        listing.refresh_from_db()
        listing_unlink(listing=listing)

    def do_buffer(self, shop: int, buffer: int) -> None:
        store = self.shops[shop].store
        store.refresh_from_db()
        store_update(actor=None, store=store, buffer=buffer)

    def do_drain(self) -> None:
        sync_drain()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operations, min_size=1, max_size=20))
def test_every_emulator_holds_kucuns_quantity_after_a_drain(
    sandbox: Sandbox, drill_settings: None, steps: list[tuple[Any, ...]]
) -> None:
    world = World(sandbox)
    for operation in steps:
        # An operation refused (not enough stock, a bin holding allocated stock) changed nothing.
        with contextlib.suppress(DomainError):
            world.apply(operation)

    sync_drain()
    pushes_settle()

    for shop in world.shops:
        expected = kucun_quantities(shop.store)
        assert held_for(shop, sandbox, sorted(expected)) == expected, shop.code
