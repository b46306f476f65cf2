"""Property: after any sequence of stock operations, links, unlinks and buffer changes, one
drain leaves every linked listing's platform holding exactly Kucun's quantity."""

from __future__ import annotations

import contextlib
import os
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kucun.channels.models import Listing
from kucun.channels.quantities import listing_quantities
from kucun.channels.services.sync import sync_drain
from kucun.core.errors import DomainError
from kucun.inventory.services import (
    DocumentLineInput,
    issue_create,
    stock_allocate,
    stock_release,
)
from tests.channels import memory_channel
from tests.channels.conftest import add_listing, link, make_store, platform_of, set_buffer, unlink
from tests.inventory.conftest import build_bundle, build_item, build_site, receive

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("KUCUN_HYPOTHESIS_EXAMPLES", "15"))
SKUS = ["A", "B", "KIT"]
WAREHOUSES = ["MEL", "SYD"]
REFERENCES = ["order:1", "order:2"]
LISTINGS = 4  # per store
quantities = st.integers(min_value=1, max_value=9)

operations = st.one_of(
    st.tuples(
        st.just("receive"), st.sampled_from(["A", "B"]), st.sampled_from(WAREHOUSES), quantities
    ),
    st.tuples(
        st.just("issue"), st.sampled_from(["A", "B"]), st.sampled_from(WAREHOUSES), quantities
    ),
    st.tuples(
        st.just("allocate"),
        st.sampled_from(["A", "B"]),
        st.sampled_from(WAREHOUSES),
        quantities,
        st.sampled_from(REFERENCES),
    ),
    st.tuples(st.just("release"), st.sampled_from(REFERENCES)),
    st.tuples(
        st.just("link"),
        st.integers(min_value=0, max_value=2 * LISTINGS - 1),
        st.sampled_from(SKUS),
    ),
    st.tuples(st.just("unlink"), st.integers(min_value=0, max_value=2 * LISTINGS - 1)),
    st.tuples(st.just("buffer"), st.integers(min_value=0, max_value=1), st.integers(0, 6)),
    st.tuples(st.just("drain")),
)


def apply(operation: tuple[Any, ...], world: dict[str, Any]) -> None:
    kind = operation[0]
    if kind == "receive":
        _kind, sku, warehouse, qty = operation
        receive(world["sites"][warehouse], sku, qty)
    elif kind == "issue":
        _kind, sku, warehouse, qty = operation
        issue_create(
            user=None,
            warehouse=warehouse,
            kind="other",
            lines=[DocumentLineInput(sku, qty)],
            post=True,
        )
    elif kind == "allocate":
        _kind, sku, warehouse, qty, reference = operation
        stock_allocate(user=None, reference=reference, sku=sku, warehouse=warehouse, qty=qty)
    elif kind == "release":
        stock_release(user=None, reference=operation[1])
    elif kind == "link":
        link(world["listings"][operation[1]], world["items"][operation[2]])
    elif kind == "unlink":
        unlink(world["listings"][operation[1]])
    elif kind == "buffer":
        set_buffer(world["stores"][operation[1]], operation[2])
    else:
        sync_drain()


def build_world() -> dict[str, Any]:
    sites = {code: build_site(code) for code in WAREHOUSES}
    items = {sku: build_item(sku) for sku in ("A", "B")}
    items["KIT"] = build_bundle("KIT", [(items["A"], 2), (items["B"], 1)])
    stores = [
        make_store("One", [sites["MEL"].warehouse]),
        make_store("Two", [sites["MEL"].warehouse, sites["SYD"].warehouse], buffer=1),
    ]
    listings = [
        add_listing(store, None, sku=f"V-{number}", quantity=number % 4)
        for store in stores
        for number in range(LISTINGS)
    ]
    return {"sites": sites, "items": items, "stores": stores, "listings": listings}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operations, min_size=1, max_size=25))
def test_one_drain_leaves_every_linked_listing_right(
    memory_platforms: dict[str, Any], steps: list[tuple[Any, ...]]
) -> None:
    memory_channel.PLATFORMS.clear()
    with transaction.atomic():
        world = build_world()
        for operation in steps:
            # An operation refused (not enough stock) changed nothing.
            with contextlib.suppress(DomainError):
                apply(operation, world)

        sync_drain()

        linked = list(
            Listing.objects.filter(status="linked").select_related("store", "item").order_by("pk")
        )
        expected = listing_quantities(linked)
        held = {
            listing.pk: platform_of(listing.store).quantities[listing.inventory_ref]
            for listing in linked
        }
        assert held == expected
        transaction.set_rollback(True)
