"""The crash drill's own Kucun process: ``python -m tests.channels.drills.crash_child VERB``
against the drill's var directory (``KUCUN_VAR_DIR``, settings ``kucun.settings``), talking to
the drill's ``kucun serve`` (``KUCUN_SANDBOX_URL``). Prints one JSON object.

- ``setup``: warehouse, items with stock, a staff token, one store per emulator with its
  listings pulled, linked and pushed once; prints the token and each store's contract config.
- ``changes COUNT``: COUNT postings of random receipts and issues (each commit queues a drain).
- ``expire-leases``: pushes a dead worker left sending get their lease ended now (instead of
  waiting it out), and the periodic drain and retry are queued for the consumer.
- ``status``: open pushes, and per store SKU -> Kucun's quantity.
"""

from __future__ import annotations

import json
import os
import random
import sys
from typing import Any

import django

ITEMS = 60
WAREHOUSE = "CRS"
LINES_PER_POSTING = 20


def skus() -> list[str]:
    return [f"C-{number:03d}" for number in range(ITEMS)]


def setup() -> dict[str, Any]:
    import httpx

    from kucun.accounts.services import api_token_create
    from kucun.channels.services.sync import sync_drain
    from kucun.inventory.services import DocumentLineInput, receipt_create
    from tests.channels.drills.world import DRILL_PLATFORMS, bind_shop, link_all, pushes_settle
    from tests.factories import UserFactory
    from tests.inventory.conftest import build_item, build_site
    from tests.sandbox.conftest import Sandbox

    user = UserFactory(role="staff")
    _token, plain = api_token_create(user=user, name="crash drill")
    site = build_site(WAREHOUSE)
    items = [build_item(sku) for sku in skus()]
    receipt_create(
        user=None,
        warehouse=WAREHOUSE,
        kind="purchase",
        lines=[DocumentLineInput(sku, 20) for sku in skus()],
        post=True,
    )
    server = os.environ["KUCUN_SANDBOX_URL"]
    configs = {}
    with httpx.Client(headers={"Authorization": f"Bearer {plain}"}, timeout=30) as control:
        sandbox = Sandbox(base_url=server, control=control)
        for code in DRILL_PLATFORMS:
            shop = bind_shop(
                sandbox, code, name=f"Crash {code}", skus=skus(), warehouses=[site.warehouse]
            )
            link_all(shop, items)
            configs[code] = {**shop.config.__dict__, "store_id": shop.store.pk}
    sync_drain()
    pushes_settle()
    return {"token": plain, "configs": configs}


def changes(count: int) -> dict[str, Any]:
    from kucun.inventory.models import StockLevel
    from kucun.inventory.services import DocumentLineInput, issue_create, receipt_create

    rng = random.Random(f"crash-{count}")
    posted = 0
    for _posting in range(count):
        chosen = rng.sample(skus(), LINES_PER_POSTING)
        if rng.random() < 0.5:
            lines = [DocumentLineInput(sku, rng.randint(1, 5)) for sku in chosen]
            receipt_create(user=None, warehouse=WAREHOUSE, kind="purchase", lines=lines, post=True)
        else:
            held = dict(
                StockLevel.objects.filter(
                    warehouse__code=WAREHOUSE, item__sku__in=chosen
                ).values_list("item__sku", "on_hand")
            )
            lines = [
                DocumentLineInput(sku, rng.randint(1, min(5, held[sku])))
                for sku in chosen
                if held.get(sku, 0) > 0
            ]
            if lines:
                issue_create(user=None, warehouse=WAREHOUSE, kind="other", lines=lines, post=True)
        posted += 1
    return {"postings": posted}


def expire_leases() -> dict[str, Any]:
    from django.utils import timezone

    from kucun.channels.choices import PushStatus
    from kucun.channels.models import StockSyncRecord
    from kucun.channels.tasks import stock_pushes_retry, sync_drain_periodic

    ended = StockSyncRecord.objects.filter(status=PushStatus.SENDING).update(
        next_attempt_at=timezone.now() - timezone.timedelta(seconds=1)
    )
    sync_drain_periodic()
    stock_pushes_retry()
    return {"leases_ended": ended}


def unlogged_attempts() -> list[int]:
    """Records whose failed attempts are not all in their details: every attempt but a
    successful last one must be there."""
    from kucun.channels.choices import PushStatus
    from kucun.channels.models import StockSyncRecord

    wrong = []
    for record in StockSyncRecord.objects.exclude(
        status__in=[PushStatus.QUEUED, PushStatus.SENDING, PushStatus.PENDING]
    ):
        logged = len((record.details or {}).get("attempt_errors", []))
        if logged != record.attempts - (1 if record.status == PushStatus.SUCCEEDED else 0):
            wrong.append(record.pk)
    return wrong


def status() -> dict[str, Any]:
    from kucun.channels.choices import PushStatus
    from kucun.channels.models import StockSyncRecord, Store
    from kucun.channels.services.sync_push import stock_pushes_poll
    from kucun.inventory.models import AvailabilityChange
    from tests.channels.drills.world import kucun_quantities

    # The periodic poll's work, now: asynchronous platforms (Kogan) confirm their writes.
    stock_pushes_poll()
    open_pushes = StockSyncRecord.objects.filter(
        status__in=[PushStatus.QUEUED, PushStatus.SENDING, PushStatus.PENDING]
    ).count()
    return {
        "open": open_pushes,
        "changes_waiting": AvailabilityChange.objects.count(),
        "failed": StockSyncRecord.objects.filter(status=PushStatus.FAILED).count(),
        "unlogged_attempts": unlogged_attempts(),
        "quantities": {store.platform: kucun_quantities(store) for store in Store.objects.all()},
    }


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kucun.settings")
    django.setup()
    verb = argv[0]
    if verb == "setup":
        answer = setup()
    elif verb == "changes":
        answer = changes(int(argv[1]))
    elif verb == "expire-leases":
        answer = expire_leases()
    else:
        answer = status()
    print(json.dumps(answer, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
