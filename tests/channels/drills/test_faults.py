"""Fault drill: a thousand stock changes while about 30 % of the platform's stock writes
answer 5xx, 429 or too late; once the faults stop, retries converge every listing to Kucun's
quantity and every failed call is in the sync log."""

from __future__ import annotations

import os
import random
import time
from typing import Any

import pytest
from django.utils import timezone

from kucun.channels.choices import PushStatus
from kucun.channels.models import StockSyncRecord
from kucun.channels.services.sync import sync_drain
from kucun.channels.services.sync_push import stock_pushes_poll, stock_pushes_recover
from kucun.inventory.services import DocumentLineInput, issue_create, receipt_create
from tests.channels.drills import faults
from tests.channels.drills.conftest import READ_TIMEOUT
from tests.channels.drills.world import (
    DRILL_PLATFORMS,
    bind_shop,
    held_for,
    kucun_quantities,
    link_all,
    pushes_settle,
)
from tests.inventory.conftest import build_item, build_site
from tests.sandbox.conftest import Sandbox

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.drill]

ITEMS = 40
CHANGES = int(os.environ.get("KUCUN_DRILL_CHANGES", "1000"))
LINES_PER_POSTING = 20
FAULT_PROBABILITY = 0.3
OPEN = [PushStatus.QUEUED, PushStatus.SENDING, PushStatus.PENDING]
RETRY_ROUNDS = 30


def post_changes(rng: random.Random, skus: list[str], stock: dict[str, int]) -> int:
    """One receipt or issue of LINES_PER_POSTING random lines (never more than is there)."""
    in_stock = [sku for sku in skus if stock[sku] > 0]
    if rng.random() < 0.5 or len(in_stock) < LINES_PER_POSTING:
        chosen = rng.sample(skus, LINES_PER_POSTING)
        lines = [DocumentLineInput(sku, rng.randint(1, 5)) for sku in chosen]
        receipt_create(user=None, warehouse="FLT", kind="purchase", lines=lines, post=True)
        sign = 1
    else:
        chosen = rng.sample(in_stock, LINES_PER_POSTING)
        lines = [DocumentLineInput(sku, rng.randint(1, min(5, stock[sku]))) for sku in chosen]
        issue_create(user=None, warehouse="FLT", kind="other", lines=lines, post=True)
        sign = -1
    for line in lines:
        stock[line.sku] += sign * line.qty
    return len(lines)


def retry_until_settled() -> int:
    """The periodic tasks' work, with each backoff declared over instead of waited for."""
    for rounds in range(1, RETRY_ROUNDS + 1):
        StockSyncRecord.objects.filter(status=PushStatus.QUEUED).update(
            next_attempt_at=timezone.now()
        )
        stock_pushes_recover()
        stock_pushes_poll()
        sync_drain()
        if not StockSyncRecord.objects.filter(status__in=OPEN).exists():
            return rounds
    open_records = list(StockSyncRecord.objects.filter(status__in=OPEN).values("id", "status"))
    raise AssertionError(f"pushes still open after {RETRY_ROUNDS} rounds: {open_records}")


@pytest.mark.parametrize("code", DRILL_PLATFORMS)
def test_a_thousand_changes_under_faults_converge_and_every_failure_is_logged(
    sandbox: Sandbox, drill_settings: None, settings: Any, code: str
) -> None:
    rng = random.Random(f"faults-{code}")
    site = build_site("FLT")
    skus = [f"F-{number:03d}" for number in range(ITEMS)]
    items = [build_item(sku) for sku in skus]
    receipt_create(
        user=None,
        warehouse="FLT",
        kind="purchase",
        lines=[DocumentLineInput(sku, 10) for sku in skus],
        post=True,
    )
    stock = dict.fromkeys(skus, 10)
    shop = bind_shop(sandbox, code, name=f"Faults {code}", skus=skus, warehouses=[site.warehouse])
    link_all(shop, items)
    sync_drain()
    pushes_settle()
    assert held_for(shop, sandbox, skus) == kucun_quantities(shop.store)
    first_request = faults.last_request_id()

    # The sync's own retries do the work: from now on the client tries each call once.
    settings.CHANNEL_MAX_ATTEMPTS = 1
    faults.arm(sandbox, code, probability=FAULT_PROBABILITY, delay_ms=int(READ_TIMEOUT * 1500))
    changes = 0
    while changes < CHANGES:
        changes += post_changes(rng, skus, stock)
        sync_drain()
        stock_pushes_poll()
    faults.disarm(sandbox, code)
    # A delayed answer is logged when the emulator wakes, after the client gave up on it.
    time.sleep(READ_TIMEOUT)

    retry_until_settled()

    expected = kucun_quantities(shop.store)
    assert expected == stock
    assert held_for(shop, sandbox, skus) == expected
    records = list(StockSyncRecord.objects.filter(store=shop.store))
    assert not [record.pk for record in records if record.status == PushStatus.FAILED]
    for record in records:
        logged = len((record.details or {}).get("attempt_errors", []))
        sent_last = 1 if record.status == PushStatus.SUCCEEDED else 0
        assert logged == record.attempts - sent_last, (record.pk, record.status, record.details)
    seen = faults.emulator_failed_writes(code, since_id=first_request)
    logged_calls = faults.kucun_failed_calls(records)
    assert seen["other"] > 0, (seen, logged_calls)
    # Every 5xx and late answer of a write is one failed call in the log. A throttle may hit a
    # read the push makes first (eBay looks offers up) and may be waited out and tried again
    # inside the adapter (eBay's throttle rounds): the log holds at most the 429s answered.
    assert logged_calls["other"] == seen["other"]
    assert logged_calls["throttled"] <= seen["throttled"]
