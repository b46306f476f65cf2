"""The Kogan adapter's orders against the Kogan emulator over real HTTP on loopback, for what
the order contract suite does not ask of every platform: cancellations, the fraud-screening
delay, asynchronous dispatch and carrier codes. The account is prepared by the contract setup."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from kucun.channels.adapters.base import (
    ChannelConfig,
    ChannelError,
    ChannelOrder,
    Fulfilment,
    OrderStatus,
    ShipLine,
)
from kucun.channels.adapters.kogan.adapter import KoganChannel
from tests.channels.contract.seeds import numbered_variants
from tests.channels.contract.setups import kogan as setup
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
    prepared = setup.prepare(sandbox, variants=numbered_variants(3))
    return replace(prepared, backoff_cap_seconds=0.2)


@pytest.fixture
def channel(account: ChannelConfig) -> Iterator[KoganChannel]:
    built = KoganChannel(account)
    yield built
    built.close()


def emulator_now(sandbox: Sandbox) -> datetime:  # noqa: F811
    stamp = str(sandbox.emu("kogan", "clock", {"advance_seconds": 0}).json()["now"])
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def placed(sandbox: Sandbox, account: ChannelConfig, *lines: tuple[str, int]) -> str:  # noqa: F811
    return setup.seed_order(sandbox, account, lines=list(lines), ship_to=SHIP_TO)


def shipment(order: ChannelOrder, *, carrier: str = "auspost") -> Fulfilment:
    return Fulfilment(
        order_ref=order.order_ref,
        lines=tuple(ShipLine(line.line_ref, line.quantity) for line in order.lines),
        tracking_number="33XYZ0000009",
        carrier=carrier,
        carrier_name="",
        shipped_at=datetime.now(tz=UTC),
        key=f"kogan-emulator:{order.order_ref}",
    )


def test_a_cancellation_is_read_with_a_newer_time(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
    channel: KoganChannel,
) -> None:
    ref = placed(sandbox, account, ("CT-00002", 2), ("CT-00003", 1))
    before = channel.fetch_order(ref)
    assert before is not None
    first_line = next(line for line in before.lines if line.sku == "CT-00002")
    sandbox.emu(
        "kogan",
        "orders/cancel",
        {
            "seller_id": setup.SELLER_ID,
            "order_id": ref,
            "items": [{"ID": first_line.line_ref, "Quantity": 1}],
        },
    )

    partly = {order.order_ref: order for order in channel.fetch_orders(before.updated_at)}[ref]
    sandbox.emu("kogan", "orders/cancel", {"seller_id": setup.SELLER_ID, "order_id": ref})
    whole = {order.order_ref: order for order in channel.fetch_orders(before.updated_at)}[ref]

    assert partly.status == OrderStatus.OPEN
    assert sorted((line.sku, line.quantity) for line in partly.lines) == [
        ("CT-00002", 1),
        ("CT-00003", 1),
    ]
    assert whole.status == OrderStatus.CANCELLED
    assert before.updated_at < partly.updated_at < whole.updated_at
    with pytest.raises(ChannelError, match="is cancelled"):
        channel.mark_shipped(shipment(before))


def test_an_order_released_after_fraud_screening_is_not_lost_to_the_watermark(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
    channel: KoganChannel,
) -> None:
    sandbox.emu("kogan", "settings", {"release_delay_seconds": 2700})
    ref = placed(sandbox, account, ("CT-00001", 1))
    assert channel.fetch_order(ref) is not None
    watermark = emulator_now(sandbox)
    assert ref not in {order.order_ref for order in channel.fetch_orders(watermark)}

    sandbox.emu("kogan", "clock", {"advance_seconds": 2700})
    watermark = emulator_now(sandbox)  # the next read starts after the release

    found = {order.order_ref: order for order in channel.fetch_orders(watermark)}
    assert found[ref].status == OrderStatus.OPEN


def test_an_asynchronous_dispatch_is_followed_to_its_end(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
    channel: KoganChannel,
) -> None:
    sandbox.emu("kogan", "settings", {"fulfil_async": 1, "task_polls": 1})
    order = channel.fetch_order(placed(sandbox, account, ("CT-00001", 1)))
    assert order is not None

    result = channel.mark_shipped(shipment(order))

    assert (result.fulfilment_ref, result.already_done) == ("33XYZ0000009", False)
    assert setup.fulfilments(sandbox, account, order.order_ref) == [
        {"tracking_number": "33XYZ0000009", "lines": {order.lines[0].line_ref: 1}}
    ]
    after = channel.fetch_order(order.order_ref)
    assert after is not None
    assert after.status == OrderStatus.SHIPPED


def test_a_carrier_goes_by_the_stores_code_and_kogan_refuses_an_unknown_one(
    sandbox: Sandbox,  # noqa: F811
    account: ChannelConfig,
) -> None:
    options = {**account.options, "carrier_codes": "fastway=Aramex, fourpx=FourPX"}
    channel = KoganChannel(replace(account, options=options))
    first = channel.fetch_order(placed(sandbox, account, ("CT-00001", 1)))
    second = channel.fetch_order(placed(sandbox, account, ("CT-00002", 1)))
    assert first is not None
    assert second is not None

    channel.mark_shipped(shipment(first, carrier="fastway"))
    with pytest.raises(ChannelError, match="Invalid carrier code") as refused:
        channel.mark_shipped(shipment(second, carrier="fourpx"))
    channel.close()

    assert refused.value.retryable is False
    assert [
        done["tracking_number"] for done in setup.fulfilments(sandbox, account, first.order_ref)
    ] == ["33XYZ0000009"]
    assert setup.fulfilments(sandbox, account, second.order_ref) == []
