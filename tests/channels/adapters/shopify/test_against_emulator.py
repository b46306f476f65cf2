"""The Shopify adapter against the Shopify emulator over real HTTP on loopback, for what the
channel contract suite does not ask of every platform: locations, a stale compare-and-set and
the 2026-04 API version's explicit nulls. The account is prepared by the contract setup."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from kucun.channels.adapters.base import ChannelConfig, PushStatus, StockLevel
from kucun.channels.adapters.shopify.adapter import ShopifyChannel
from tests.channels.contract.seeds import numbered_variants
from tests.channels.contract.setups import shopify as setup
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def account(sandbox: Sandbox) -> ChannelConfig:  # noqa: F811
    return setup.prepare(sandbox, variants=numbered_variants(3))


@pytest.fixture
def channel(account: ChannelConfig) -> Iterator[ShopifyChannel]:
    built = ShopifyChannel(account)
    yield built
    built.close()


def test_the_connection_offers_the_location_stock_is_set_at(
    account: ChannelConfig, channel: ShopifyChannel
) -> None:
    info = channel.test_connection()

    assert info.account_name
    assert account.options["location_ref"] in {location.ref for location in info.locations}


def test_a_sale_seen_late_makes_the_push_stale_with_shopifys_quantity(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
    channel: ShopifyChannel,
) -> None:
    listing = {item.sku: item for item in channel.fetch_products(None)}["CT-00003"]
    setup.sell(sandbox, account, sku="CT-00003", quantity=1)

    [result] = channel.push_stock(
        [
            StockLevel(
                inventory_ref=listing.inventory_ref,
                sku="CT-00003",
                quantity=9,
                expected_previous=listing.quantity,
                idempotency_key="stale-1",
            )
        ]
    )

    assert (result.status, result.current_quantity) == (PushStatus.STALE, 2)
    assert result.error
    assert setup.platform_quantities(sandbox, account)["CT-00003"] == 2


def test_version_2026_04_takes_an_unknown_previous_quantity_as_null(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
) -> None:
    options = {**account.options, "api_version": "2026-04"}
    channel = ShopifyChannel(replace(account, options=options))
    listing = {item.sku: item for item in channel.fetch_products(None)}["CT-00001"]

    [result] = channel.push_stock(
        [StockLevel(inventory_ref=listing.inventory_ref, sku="CT-00001", quantity=6)]
    )
    channel.close()

    assert (result.status, result.previous_quantity, result.current_quantity) == (
        PushStatus.SUCCEEDED,
        1,
        6,
    )
    assert setup.platform_quantities(sandbox, account)["CT-00001"] == 6
