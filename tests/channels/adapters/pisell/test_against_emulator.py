"""The Pisell adapter's orders against the Pisell emulator over real HTTP on loopback, for what
the order contract suite does not ask of every platform: sales collected in the shop and a
cancelled order refused for shipping. The store is prepared by the contract setup."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kucun.channels.adapters.base import (
    ChannelConfig,
    ChannelError,
    Fulfilment,
    OrderStatus,
    ShipLine,
)
from kucun.channels.adapters.pisell.adapter import PisellChannel
from tests.channels.contract.seeds import numbered_variants
from tests.channels.contract.setups import pisell as setup
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

SHIP_TO = {
    "name": "Mei Chen",
    "line1": "12 George St",
    "city": "Sydney",
    "state": "NSW",
    "postcode": "2000",
    "country_code": "AU",
    "phone": "0400000001",
}


@pytest.fixture
def account(sandbox: Sandbox) -> ChannelConfig:  # noqa: F811
    return setup.prepare(sandbox, variants=numbered_variants(3))


@pytest.fixture
def channel(account: ChannelConfig) -> Iterator[PisellChannel]:
    built = PisellChannel(account)
    yield built
    built.close()


def an_hour_ago() -> datetime:
    return datetime.now(tz=UTC) - timedelta(hours=1)


def shipment(order_ref: str, line_ref: str) -> Fulfilment:
    return Fulfilment(
        order_ref=order_ref,
        lines=(ShipLine(line_ref, 1),),
        tracking_number="33XYZ0000009",
        carrier="auspost",
        carrier_name="Australia Post",
        shipped_at=datetime.now(tz=UTC),
        key=f"pisell-emulator:{order_ref}",
    )


def test_a_sale_collected_in_the_shop_is_read_as_shipped_and_never_marked(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
    channel: PisellChannel,
) -> None:
    setup.sell(sandbox, account, sku="CT-00001", quantity=1)

    [order] = channel.fetch_orders(an_hour_ago())

    assert (order.status, order.channel_status) == (OrderStatus.SHIPPED, "paid / collected / pos")
    assert [(line.sku, line.quantity, line.quantity_unfulfilled) for line in order.lines] == [
        ("CT-00001", 1, 0)
    ]
    with pytest.raises(ChannelError, match="collected in the shop"):
        channel.mark_shipped(shipment(order.order_ref, order.lines[0].line_ref))
    assert setup.fulfilments(sandbox, account, order.order_ref) == []


def test_a_cancelled_order_is_read_as_cancelled_and_refused_for_shipping(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
    channel: PisellChannel,
) -> None:
    ref = setup.seed_order(sandbox, account, lines=[("CT-00002", 2)], ship_to=SHIP_TO)
    sandbox.emu("pisell", "orders/cancel", {"tenant": setup.TENANT, "order_id": ref})

    found = {order.order_ref: order for order in channel.fetch_orders(an_hour_ago())}

    assert found[ref].status == OrderStatus.CANCELLED
    line_ref = found[ref].lines[0].line_ref
    with pytest.raises(ChannelError, match="is cancelled"):
        channel.mark_shipped(shipment(ref, line_ref))
