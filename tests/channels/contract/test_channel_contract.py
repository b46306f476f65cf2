"""What every channel adapter must do against its platform (integrations/README.md §1.2, §2.3):
read products in the platform's own paging, incrementally from a watermark, set absolute
quantities with one result per listing, survive token expiry, throttling, 5xx and a lost answer
without applying a write twice, and verify webhook signatures on the raw bytes."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from kucun.channels.adapters.base import (
    AuthenticationFailed,
    Channel,
    PushResult,
    PushStatus,
    StockLevel,
    WebhookRejected,
)
from tests.channels.contract.conftest import Pair
from tests.channels.contract.seeds import numbered_variants

pytestmark = pytest.mark.django_db(transaction=True)


def listings_by_sku(channel: Channel) -> dict[str, Any]:
    return {listing.sku: listing for listing in channel.fetch_products(None)}


def settled(pair: Pair, results: list[PushResult]) -> list[PushResult]:
    """Results after asynchronous writes are resolved (bounded: a platform that never completes
    fails the test)."""
    pending = [result for result in results if result.status == PushStatus.PENDING]
    done = [result for result in results if result.status != PushStatus.PENDING]
    for _ in range(20):
        if not pending:
            return done
        polled = pair.channel.poll_pushes([result.task_ref for result in pending])
        done += [result for result in polled if result.status != PushStatus.PENDING]
        pending = [result for result in polled if result.status == PushStatus.PENDING]
        time.sleep(0.05)
    raise AssertionError(f"writes still pending after 20 polls: {pending}")


def levels_for(
    listings: dict[str, Any], quantities: dict[str, int], *, key: str = "contract"
) -> list[StockLevel]:
    return [
        StockLevel(
            inventory_ref=listings[sku].inventory_ref,
            sku=sku,
            quantity=quantity,
            expected_previous=listings[sku].quantity,
            idempotency_key=f"{key}-{sku}-{quantity}",
        )
        for sku, quantity in quantities.items()
    ]


def test_connection_names_the_account(pair_factory: Any) -> None:
    pair = pair_factory(numbered_variants(2))
    info = pair.channel.test_connection()
    assert info.account_name


@pytest.mark.needs_emulator
def test_wrong_credentials_are_refused_with_the_platforms_words(pair_factory: Any) -> None:
    pair = pair_factory(numbered_variants(2))
    secrets = {name: "wrong-" + value for name, value in pair.config.credentials.items()}
    channel = pair.rebuild(credentials=secrets, store_key="contract-wrong")
    with pytest.raises(AuthenticationFailed) as refused:
        channel.test_connection()
    assert refused.value.message
    for value in pair.config.credentials.values():
        assert value not in str(refused.value)


@pytest.mark.needs_emulator
def test_full_read_follows_every_page(pair_factory: Any) -> None:
    # More than three pages of the largest page any of the four platforms allows.
    seeds = numbered_variants(760)
    pair = pair_factory(seeds)
    found = listings_by_sku(pair.channel)
    assert set(found) == {seed.sku for seed in seeds}
    sample = found["CT-00007"]
    assert sample.quantity == 7
    assert sample.barcode == "9300000000007"
    assert sample.inventory_ref
    assert len({listing.inventory_ref for listing in found.values()}) == len(seeds)


@pytest.mark.needs_emulator
def test_incremental_read_returns_what_changed_since_the_watermark(pair_factory: Any) -> None:
    pair = pair_factory(numbered_variants(30))
    now = pair.emu("clock", {"advance_seconds": 7200})["now"]
    pair.setup.sell(pair.sandbox, pair.config, sku="CT-00005", quantity=1)
    since = _parse(now) - timedelta(minutes=1)
    changed = {listing.sku for listing in pair.channel.fetch_products(since)}
    assert "CT-00005" in changed
    if pair.channel.capabilities.incremental_products:
        # The untouched ones, two hours older, are left out; a platform without a "changed
        # since" read (eBay's Inventory API) answers every listing instead.
        assert len(changed) < 30


@pytest.mark.needs_emulator
def test_absolute_quantities_are_held_and_read_back(pair_factory: Any) -> None:
    seeds = numbered_variants(60)
    pair = pair_factory(seeds)
    listings = listings_by_sku(pair.channel)
    targets = {seed.sku: (seed.quantity * 3 + 1) % 17 for seed in seeds}
    results = settled(pair, pair.channel.push_stock(levels_for(listings, targets)))
    assert {result.sku: result.status for result in results} == dict.fromkeys(
        targets, PushStatus.SUCCEEDED
    )
    refs = [listings[sku].inventory_ref for sku in targets]
    read = pair.channel.fetch_stock(refs)
    assert {sku: read[listings[sku].inventory_ref] for sku in targets} == targets
    assert pair.setup.platform_quantities(pair.sandbox, pair.config) == targets


@pytest.mark.needs_emulator
def test_one_bad_listing_fails_alone(pair_factory: Any) -> None:
    pair = pair_factory(numbered_variants(3))
    listings = listings_by_sku(pair.channel)
    levels = levels_for(listings, {"CT-00001": 5, "CT-00002": 6})
    levels.insert(1, StockLevel(inventory_ref=_unknown_ref(pair, listings), sku="NOPE", quantity=1))
    results = settled(pair, pair.channel.push_stock(levels))
    by_sku = {result.sku: result for result in results}
    assert by_sku["CT-00001"].status == PushStatus.SUCCEEDED
    assert by_sku["CT-00002"].status == PushStatus.SUCCEEDED
    assert by_sku["NOPE"].status == PushStatus.FAILED
    assert by_sku["NOPE"].error
    held = pair.setup.platform_quantities(pair.sandbox, pair.config)
    assert (held["CT-00001"], held["CT-00002"], held["CT-00003"]) == (5, 6, 3)


@pytest.mark.needs_emulator
def test_an_expired_token_is_refreshed_once(pair_factory: Any) -> None:
    pair = pair_factory(numbered_variants(3))
    pair.channel.test_connection()
    pair.setup.expire_token(pair.sandbox, pair.config)
    listings = listings_by_sku(pair.channel)
    assert set(listings) == {"CT-00001", "CT-00002", "CT-00003"}


@pytest.mark.needs_emulator
def test_throttling_is_waited_out(pair_factory: Any) -> None:
    pair = pair_factory(numbered_variants(3))
    listings = listings_by_sku(pair.channel)
    pair.setup.throttle(pair.sandbox, pair.config, requests=2)
    refs = [listing.inventory_ref for listing in listings.values()]
    for _ in range(5):
        assert set(pair.channel.fetch_stock(refs)) == set(refs)


@pytest.mark.needs_emulator
def test_server_errors_on_writes_are_retried_to_the_same_end(pair_factory: Any) -> None:
    pair = pair_factory(numbered_variants(3))
    listings = listings_by_sku(pair.channel)
    pair.emu(
        "faults",
        {"match": {"method": "POST"}, "response": {"status": 503, "body": "{}"}, "times": 1},
    )
    pair.emu(
        "faults",
        {"match": {"method": "PUT"}, "response": {"status": 503, "body": "{}"}, "times": 1},
    )
    results = settled(pair, pair.channel.push_stock(levels_for(listings, {"CT-00002": 9})))
    assert [result.status for result in results] == [PushStatus.SUCCEEDED]
    assert pair.setup.platform_quantities(pair.sandbox, pair.config)["CT-00002"] == 9


@pytest.mark.needs_emulator
def test_a_write_whose_answer_was_lost_is_applied_once(pair_factory: Any) -> None:
    pair = pair_factory(numbered_variants(3))
    listings = listings_by_sku(pair.channel)
    for method in ("POST", "PUT"):
        pair.emu(
            "faults",
            {
                "match": {"method": method, "path_regex": _write_path_regex(pair.code)},
                "response": {"status": 502, "body": "{}"},
                "after_apply": True,
                "times": 1,
            },
        )
    results = settled(pair, pair.channel.push_stock(levels_for(listings, {"CT-00003": 1})))
    assert [result.status for result in results] == [PushStatus.SUCCEEDED]
    # Then the platform sells one: a second application of the same write must not undo it.
    pair.setup.sell(pair.sandbox, pair.config, sku="CT-00003", quantity=1)
    assert pair.setup.platform_quantities(pair.sandbox, pair.config)["CT-00003"] == 0


@pytest.mark.needs_emulator
def test_webhooks_are_verified_on_the_raw_bytes(pair_factory: Any) -> None:
    pair = pair_factory(numbered_variants(3))
    if not pair.channel.capabilities.webhooks:
        with pytest.raises(WebhookRejected):
            pair.channel.parse_webhook({}, b"{}")
        return
    listings = listings_by_sku(pair.channel)
    headers, body = pair.setup.signed_webhook(pair.sandbox, pair.config, sku="CT-00002")
    events = pair.channel.parse_webhook(headers, body)
    assert events
    assert events[0].event_id
    refs = {ref for event in events for ref in event.refs}
    listing = listings["CT-00002"]
    assert refs & {listing.inventory_ref, listing.product_ref, listing.variant_ref, "CT-00002"}
    with pytest.raises(WebhookRejected):
        pair.channel.parse_webhook(headers, body.replace(b"CT-00002", b"CT-00001"))
    with pytest.raises(WebhookRejected):
        pair.channel.parse_webhook({}, body)


def _parse(stamp: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(stamp)


def _unknown_ref(pair: Pair, listings: dict[str, Any]) -> str:
    """A reference in the platform's own shape that names no listing."""
    sample = next(iter(listings.values())).inventory_ref
    digits = "".join(character for character in sample if character.isdigit())
    return sample.replace(digits, "999999999") if digits else "NOPE"


def _write_path_regex(code: str) -> str:
    """The path of each platform's stock write (the token endpoint is not a stock write)."""
    return {
        "shopify": r"graphql\.json$",
        "ebay": r"bulk_update_price_quantity",
        "kogan": r"stockprice|stock",
        "pisell": r"inventory/levels",
    }[code]
