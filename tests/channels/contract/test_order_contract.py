"""What every channel adapter must do with orders against its platform (integrations/README.md
§1.2, §2.3), over real HTTP to the platform's emulator: find a new order incrementally (and again
while the watermark's overlap still covers it), read one order, send a tracking number back, never
make a second fulfilment for one shipment, and ride out throttling and server errors.

A platform takes part when its contract setup (``setups/<platform>.py``, see README.md there)
offers, besides ``prepare`` and ``throttle``:

```python
def seed_order(
    sandbox: Sandbox,
    config: ChannelConfig,
    *,
    lines: Sequence[tuple[str, int]],   # (SKU, quantity), SKUs of the prepared variants
    ship_to: Mapping[str, str],         # OrderAddress field names: name, line1, city, state,
                                        # postcode, country_code, phone
) -> str:
    '''Place a paid order, ready to ship, through the emulator's control plane; answer its
    reference as the adapter names it (ChannelOrder.order_ref).'''


def fulfilments(sandbox: Sandbox, config: ChannelConfig, order_ref: str) -> list[dict[str, Any]]:
    '''The order's fulfilments as the emulator holds them, each at least
    ``{"tracking_number": str, "lines": {line_ref: quantity}}``.'''


def cancel_order(sandbox: Sandbox, config: ChannelConfig, order_ref: str) -> None:
    '''The buyer cancels the order, nothing shipped, through the control plane.'''


FULFILMENT_WRITE: dict[str, str]
    # the emulator fault ``match`` of the platform's fulfilment write (method, path_regex, op)


def signed_order_webhook(
    sandbox: Sandbox, config: ChannelConfig, order_ref: str
) -> tuple[dict[str, str], bytes]:
    '''Headers and raw body of a genuine order delivery naming the order, signed as the
    platform signs it (only platforms whose capabilities say order_webhooks).'''
```
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kucun.channels.adapters.base import (
    WATERMARK_OVERLAP,
    ChannelOrder,
    EventKind,
    Fulfilment,
    OrderStatus,
    ShipLine,
    WebhookRejected,
)
from tests.channels.contract.conftest import Pair, contract_platforms
from tests.channels.contract.seeds import numbered_variants

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_emulator]

SHIP_TO = {
    "name": "Mei Chen",
    "line1": "12 George St",
    "city": "Sydney",
    "state": "NSW",
    "postcode": "2000",
    "country_code": "AU",
    "phone": "0400000001",
}


def order_platforms() -> list[str]:
    """The contract platforms whose setup can place an order on the emulator."""
    return [
        code
        for code in contract_platforms()
        if hasattr(importlib.import_module(f"tests.channels.contract.setups.{code}"), "seed_order")
    ]


@pytest.fixture(params=order_platforms())
def code(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def pair(pair_factory: Any) -> Pair:
    """Five variants with stock enough for every order a test places."""
    made: Pair = pair_factory([replace(seed, quantity=50) for seed in numbered_variants(5)])
    return made


def seed(pair: Pair, lines: list[tuple[str, int]]) -> str:
    ref: str = pair.setup.seed_order(pair.sandbox, pair.config, lines=lines, ship_to=SHIP_TO)
    return ref


def emulator_now(pair: Pair) -> datetime:
    stamp = pair.emu("clock", {"advance_seconds": 0})["now"]
    moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_back(pair: Pair, order_ref: str) -> ChannelOrder:
    found = pair.channel.fetch_order(order_ref)
    assert found is not None, f"the platform does not know {order_ref}"
    return found


def shipment(
    order: ChannelOrder, *, lines: list[ShipLine] | None = None, **changes: Any
) -> Fulfilment:
    fields: dict[str, Any] = {
        "order_ref": order.order_ref,
        "lines": tuple(
            lines
            if lines is not None
            else [ShipLine(line.line_ref, line.quantity) for line in order.lines]
        ),
        "tracking_number": "33XYZ0000001",
        "carrier": "auspost",
        "carrier_name": "Australia Post",
        "shipped_at": datetime.now(tz=UTC),
        "key": f"contract:{order.order_ref}:1",
    }
    fields.update(changes)
    return Fulfilment(**fields)


def tracking_numbers(pair: Pair, order_ref: str) -> list[str]:
    return [
        str(done["tracking_number"])
        for done in pair.setup.fulfilments(pair.sandbox, pair.config, order_ref)
    ]


def test_a_new_order_is_found_from_the_watermark_and_again_within_the_overlap(
    pair: Pair,
) -> None:
    older = seed(pair, [("CT-00001", 1)])
    pair.emu("clock", {"advance_seconds": 7200})
    newer = seed(pair, [("CT-00002", 2), ("CT-00003", 1)])
    placed = read_back(pair, newer)

    found = {order.order_ref: order for order in pair.channel.fetch_orders(placed.updated_at)}
    again = {
        order.order_ref
        for order in pair.channel.fetch_orders(placed.updated_at + WATERMARK_OVERLAP / 2)
    }

    assert newer in found
    assert older not in found  # two hours older than the watermark
    assert newer in again
    order = found[newer]
    assert order.status == OrderStatus.OPEN
    assert sorted((line.sku, line.quantity) for line in order.lines) == [
        ("CT-00002", 2),
        ("CT-00003", 1),
    ]


def test_every_order_in_the_window_is_found_across_pages(pair: Pair) -> None:
    since = emulator_now(pair) - timedelta(minutes=1)
    placed = {seed(pair, [("CT-00004", 1)]) for _ in range(12)}

    found = [order.order_ref for order in pair.channel.fetch_orders(since)]

    assert placed <= set(found)
    assert len(found) == len(set(found))


def test_one_order_is_read_with_its_lines_and_address(pair: Pair) -> None:
    ref = seed(pair, [("CT-00001", 2)])

    order = read_back(pair, ref)

    assert order.order_ref == ref
    assert order.number
    assert [(line.sku, line.quantity) for line in order.lines] == [("CT-00001", 2)]
    assert all(line.line_ref for line in order.lines)
    address = order.ship_to
    assert (address.name, address.line1, address.city) == ("Mei Chen", "12 George St", "Sydney")
    assert (address.state, address.postcode, address.country_code) == ("NSW", "2000", "AU")


def test_an_unknown_order_is_none(pair: Pair) -> None:
    known = seed(pair, [("CT-00001", 1)])
    unknown = "".join("9" if character.isdigit() else character for character in known)

    assert pair.channel.fetch_order(unknown) is None


def test_a_cancelled_order_is_found_again_and_reads_cancelled(pair: Pair) -> None:
    ref = seed(pair, [("CT-00001", 1)])
    placed = read_back(pair, ref)
    pair.emu("clock", {"advance_seconds": 3600})

    pair.setup.cancel_order(pair.sandbox, pair.config, ref)

    later = placed.updated_at + timedelta(minutes=30)
    changed = {order.order_ref: order for order in pair.channel.fetch_orders(later)}
    assert changed[ref].status == OrderStatus.CANCELLED
    assert changed[ref].updated_at > placed.updated_at
    assert read_back(pair, ref).status == OrderStatus.CANCELLED


def test_marking_shipped_sends_the_tracking_number(pair: Pair) -> None:
    order = read_back(pair, seed(pair, [("CT-00001", 1), ("CT-00002", 1)]))

    result = pair.channel.mark_shipped(shipment(order))

    assert result.fulfilment_ref
    assert result.already_done is False
    assert tracking_numbers(pair, order.order_ref) == ["33XYZ0000001"]
    assert read_back(pair, order.order_ref).status == OrderStatus.SHIPPED


def test_a_repeated_shipment_makes_one_fulfilment(pair: Pair) -> None:
    order = read_back(pair, seed(pair, [("CT-00001", 2)]))
    first = pair.channel.mark_shipped(shipment(order))

    again = pair.channel.mark_shipped(shipment(order))
    after_restart = pair.rebuild().mark_shipped(shipment(order))

    assert again.fulfilment_ref == first.fulfilment_ref
    assert after_restart.fulfilment_ref == first.fulfilment_ref
    assert again.already_done is True
    assert tracking_numbers(pair, order.order_ref) == ["33XYZ0000001"]


def test_some_lines_may_ship_first(pair: Pair) -> None:
    order = read_back(pair, seed(pair, [("CT-00001", 1), ("CT-00002", 1)]))
    if not pair.channel.capabilities.partial_fulfilment:
        return
    first_line = next(line for line in order.lines if line.sku == "CT-00001")

    pair.channel.mark_shipped(shipment(order, lines=[ShipLine(first_line.line_ref, 1)]))

    assert read_back(pair, order.order_ref).status == OrderStatus.PARTIALLY_SHIPPED
    [done] = pair.setup.fulfilments(pair.sandbox, pair.config, order.order_ref)
    assert done["lines"] == {first_line.line_ref: 1}


def test_throttling_is_waited_out_on_order_reads(pair: Pair) -> None:
    ref = seed(pair, [("CT-00001", 1)])
    since = read_back(pair, ref).updated_at
    pair.setup.throttle(pair.sandbox, pair.config, requests=2)

    for _ in range(4):
        assert ref in {order.order_ref for order in pair.channel.fetch_orders(since)}
        assert read_back(pair, ref).order_ref == ref


def test_server_errors_on_reads_are_retried(pair: Pair) -> None:
    ref = seed(pair, [("CT-00001", 1)])
    since = read_back(pair, ref).updated_at
    for method in ("GET", "POST"):
        pair.emu(
            "faults",
            {"match": {"method": method}, "response": {"status": 503, "body": "{}"}, "times": 1},
        )

    assert ref in {order.order_ref for order in pair.channel.fetch_orders(since)}
    assert read_back(pair, ref).order_ref == ref


def test_a_server_error_on_the_fulfilment_write_ends_in_one_fulfilment(pair: Pair) -> None:
    order = read_back(pair, seed(pair, [("CT-00001", 1)]))
    pair.emu(
        "faults",
        {
            "match": dict(pair.setup.FULFILMENT_WRITE),
            "response": {"status": 503, "body": "{}"},
            "times": 1,
        },
    )

    result = pair.channel.mark_shipped(shipment(order))

    assert result.fulfilment_ref
    assert tracking_numbers(pair, order.order_ref) == ["33XYZ0000001"]


def test_a_fulfilment_whose_answer_was_lost_is_made_once(pair: Pair) -> None:
    order = read_back(pair, seed(pair, [("CT-00001", 1)]))
    pair.emu(
        "faults",
        {
            "match": dict(pair.setup.FULFILMENT_WRITE),
            "response": {"status": 502, "body": "{}"},
            "after_apply": True,
            "times": 1,
        },
    )

    result = pair.channel.mark_shipped(shipment(order))
    again = pair.channel.mark_shipped(shipment(order))

    assert result.fulfilment_ref
    assert again.fulfilment_ref == result.fulfilment_ref
    assert tracking_numbers(pair, order.order_ref) == ["33XYZ0000001"]


def test_an_order_delivery_is_verified_and_names_the_order(pair: Pair) -> None:
    ref = seed(pair, [("CT-00001", 1)])
    if not pair.channel.capabilities.order_webhooks:
        return
    headers, body = pair.setup.signed_order_webhook(pair.sandbox, pair.config, ref)

    events = pair.channel.parse_webhook(headers, body)

    assert [event.kind for event in events] == [EventKind.ORDER_CREATED]
    assert ref in events[0].refs
    assert events[0].event_id
    with pytest.raises(WebhookRejected):
        pair.channel.parse_webhook(headers, body + b" ")
