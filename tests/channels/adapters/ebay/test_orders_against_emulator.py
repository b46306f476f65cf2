"""eBay orders against the eBay emulator over real HTTP, for what the order contract suite does
not ask of every platform: item-offset paging, eBay's carrier code on the package, and a package
that names no lines taking every line not yet shipped. The account is prepared by the contract
setup."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kucun.channels.adapters.base import ChannelConfig, Fulfilment, OrderStatus
from kucun.channels.adapters.ebay import adapter as ebay_adapter
from kucun.channels.adapters.ebay.adapter import EbayChannel
from tests.channels.contract.seeds import numbered_variants
from tests.channels.contract.setups import ebay as setup
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

SHIP_TO = {"name": "Jack Wilson", "line1": "8 Smith St", "city": "Fitzroy", "state": "VIC"}


@pytest.fixture
def account(sandbox: Sandbox) -> ChannelConfig:  # noqa: F811
    seeds = [replace(seed, quantity=30) for seed in numbered_variants(3)]
    return setup.prepare(sandbox, variants=seeds)


@pytest.fixture
def channel(account: ChannelConfig) -> Iterator[EbayChannel]:
    built = EbayChannel(account)
    yield built
    built.close()


def test_orders_are_paged_by_item_offset_to_the_last(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
    channel: EbayChannel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ebay_adapter, "ORDERS_PAGE_LIMIT", 5)
    offsets: list[int] = []
    read_page = channel.client.orders_page

    def recorded(order_filter: str, *, limit: int, offset: int) -> Any:
        offsets.append(offset)
        return read_page(order_filter, limit=limit, offset=offset)

    monkeypatch.setattr(channel.client, "orders_page", recorded)
    placed = {
        setup.seed_order(sandbox, account, lines=[("CT-00001", 1)], ship_to=SHIP_TO)
        for _ in range(12)
    }

    found = [
        order.order_ref for order in channel.fetch_orders(datetime.now(tz=UTC) - timedelta(days=1))
    ]

    assert sorted(found) == sorted(placed)
    assert offsets == [0, 5, 10]


def test_a_package_without_lines_takes_every_line_with_ebays_carrier_code(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
    channel: EbayChannel,
) -> None:
    ref = setup.seed_order(
        sandbox, account, lines=[("CT-00001", 2), ("CT-00002", 1)], ship_to=SHIP_TO
    )

    result = channel.mark_shipped(
        Fulfilment(
            order_ref=ref,
            lines=(),
            tracking_number="LP123456789AU",
            carrier="fourpx",
            carrier_name="4PX",
            shipped_at=datetime.now(tz=UTC),
            key=f"shipment:{ref}",
        )
    )

    [done] = setup.fulfilments(sandbox, account, ref)
    assert result.fulfilment_ref
    assert (done["tracking_number"], done["carrier"]) == ("LP123456789AU", "FourPX")
    assert sorted(done["lines"].values()) == [1, 2]
    shipped = channel.fetch_order(ref)
    assert shipped is not None
    assert shipped.status == OrderStatus.SHIPPED
