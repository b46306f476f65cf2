"""Shopify orders against the Shopify emulator over real HTTP, for what the order contract
suite does not ask of every platform: an order with more lines than one page, the tracking
company and URL Shopify keeps, and a shipment whose lines sit at two locations. The account is
prepared by the contract setup."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from kucun.channels.adapters.base import ChannelConfig, Fulfilment, OrderStatus, ShipLine
from kucun.channels.adapters.shopify.adapter import ORDER_LINES_PAGE_SIZE, ShopifyChannel
from tests.channels.contract.seeds import numbered_variants
from tests.channels.contract.setups import shopify as setup
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

SHIP_TO = {"name": "Mei Chen", "line1": "12 George St", "city": "Sydney", "state": "NSW"}
LINE_COUNT = ORDER_LINES_PAGE_SIZE + 5


@pytest.fixture
def account(sandbox: Sandbox) -> ChannelConfig:  # noqa: F811
    seeds = [replace(seed, quantity=20) for seed in numbered_variants(LINE_COUNT)]
    return setup.prepare(sandbox, variants=seeds)


@pytest.fixture
def channel(account: ChannelConfig) -> Iterator[ShopifyChannel]:
    built = ShopifyChannel(account)
    yield built
    built.close()


def shipment(order_ref: str, lines: list[ShipLine], carrier: str = "auspost") -> Fulfilment:
    return Fulfilment(
        order_ref=order_ref,
        lines=tuple(lines),
        tracking_number="LP123456789AU",
        carrier=carrier,
        carrier_name="",
        shipped_at=datetime.now(tz=UTC),
        key=f"shipment:{order_ref}",
    )


def test_an_order_with_more_lines_than_a_page_is_read_whole(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
    channel: ShopifyChannel,
) -> None:
    lines = [(f"CT-{number:05d}", 1) for number in range(1, LINE_COUNT + 1)]
    ref = setup.seed_order(sandbox, account, lines=lines, ship_to=SHIP_TO)

    order = channel.fetch_order(ref)
    assert order is not None
    listed = {found.order_ref: found for found in channel.fetch_orders(order.updated_at)}[ref]

    assert sorted(line.sku for line in order.lines) == [sku for sku, _quantity in lines]
    assert len({line.line_ref for line in listed.lines}) == LINE_COUNT


def test_the_tracking_company_and_page_reach_shopify(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
    channel: ShopifyChannel,
) -> None:
    ref = setup.seed_order(sandbox, account, lines=[("CT-00001", 1)], ship_to=SHIP_TO)
    order = channel.fetch_order(ref)
    assert order is not None

    channel.mark_shipped(
        shipment(ref, [ShipLine(line.line_ref, 1) for line in order.lines], carrier="fastway")
    )

    [done] = setup.fulfilments(sandbox, account, ref)
    assert (done["tracking_number"], done["company"], done["url"]) == (
        "LP123456789AU",
        "Aramex Australia",
        "https://www.aramex.com.au/tools/track?l=LP123456789AU",
    )


def test_lines_at_two_locations_ship_as_a_fulfilment_from_each(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
    channel: ShopifyChannel,
) -> None:
    seeded = sandbox.emu(
        "shopify",
        "seed",
        {
            "shops": [
                {
                    "domain": setup.SHOP,
                    "locations": [{"name": "Second Warehouse"}],
                    "products": [
                        {
                            "title": "Far away",
                            "variants": [{"sku": "FAR-1", "quantities": {"Second Warehouse": 5}}],
                        }
                    ],
                }
            ]
        },
    ).json()
    second = next(
        location["id"]
        for location in seeded["shops"][0]["locations"]
        if location["name"] == "Second Warehouse"
    )
    placed = sandbox.emu(
        "shopify",
        "orders",
        {
            "shop": setup.SHOP,
            "lines": [
                {"sku": "CT-00001", "quantity": 1, "location": account.options["location_ref"]},
                {"sku": "FAR-1", "quantity": 2, "location": second},
            ],
        },
    ).json()
    ref = str(placed["order"])
    order = channel.fetch_order(ref)
    assert order is not None

    first = channel.mark_shipped(
        shipment(ref, [ShipLine(line.line_ref, line.quantity) for line in order.lines])
    )
    again = channel.mark_shipped(
        shipment(ref, [ShipLine(line.line_ref, line.quantity) for line in order.lines])
    )

    done = setup.fulfilments(sandbox, account, ref)
    assert sorted(quantity for entry in done for quantity in entry["lines"].values()) == [1, 2]
    assert {entry["tracking_number"] for entry in done} == {"LP123456789AU"}
    assert again.already_done is True
    assert again.fulfilment_ref == first.fulfilment_ref
    shipped = channel.fetch_order(ref)
    assert shipped is not None
    assert shipped.status == OrderStatus.SHIPPED
