"""The stock check: balances recomputed from the ledger, disagreements recorded.

Not a writer of stock: it reads the ledger and the balances and stores one ``StockCheck``.
It runs nightly in the worker, on demand from the console, and from ``kucun check_stock``.
"""

from __future__ import annotations

import time

from kucun.core.snapshots import read_snapshot
from kucun.inventory.models import StockCheck
from kucun.inventory.selectors import Drift, ledger_drift
from kucun.inventory.services.ledger import location_labels, skus_of
from kucun.warehouses.models import Warehouse

# Enough to investigate; the count is always exact.
MAX_RECORDED = 500


def stock_check_run() -> StockCheck:
    """Compare every balance with the ledger as both stood at one moment (a posting during the
    check is either wholly in or wholly out), and record what disagrees."""
    started = time.perf_counter()
    with read_snapshot():
        drifts = ledger_drift()
    recorded = labelled(drifts[:MAX_RECORDED])
    return StockCheck.objects.create(
        seconds=round(time.perf_counter() - started, 3),
        drift_count=len(drifts),
        drifts=recorded,
    )


def labelled(drifts: list[Drift]) -> list[dict[str, object]]:
    """Each disagreement with the SKU and the place (bin, or warehouse code) by name."""
    skus = skus_of(drift.item_id for drift in drifts)
    bins = location_labels(drift.place_id for drift in drifts if drift.what == "bin on hand")
    warehouse_ids = {drift.place_id for drift in drifts if drift.what != "bin on hand"}
    warehouses = dict(Warehouse.objects.filter(pk__in=warehouse_ids).values_list("pk", "code"))
    return [
        {
            "what": drift.what,
            "sku": skus.get(drift.item_id, f"#{drift.item_id}"),
            "place": (bins if drift.what == "bin on hand" else warehouses).get(
                drift.place_id, f"#{drift.place_id}"
            ),
            "stored": drift.stored,
            "expected": drift.expected,
        }
        for drift in drifts
    ]
