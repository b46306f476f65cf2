"""Faults armed on an emulator's writes, and what its access log and Kucun's sync log say
about them afterwards."""

from __future__ import annotations

from collections.abc import Iterable

from kucun.channels.models import StockSyncRecord
from kucun.sandbox.models import EmulatorRequest
from tests.sandbox.conftest import Sandbox

# The operation each emulator logs for a stock write (its access log's ``operation``).
WRITE_OPERATIONS = {
    "shopify": "inventorySetQuantities",
    "ebay": "bulkUpdatePriceQuantity",
    "kogan": "products_stock_price_update",
    "pisell": "inventory_levels",
}
SERVER_ERROR = "drill-server-error"
THROTTLED = "drill-throttled"
TIMED_OUT = "drill-timed-out"
SERVER_STATUS = 503
TIMEOUT_STATUS = 504


def arm(sandbox: Sandbox, code: str, *, probability: float, delay_ms: int) -> None:
    """About ``probability`` of the platform's stock writes fail: a third each with a 503, a
    429 and an answer delayed past the client's read timeout (then a 504, nothing applied).
    Faults are tried in order, so each one's chance is set for the share left by the ones
    before it."""
    share = 1 - (1 - probability) ** (1 / 3)
    assert code in WRITE_OPERATIONS, f"name {code}'s stock-write operation in WRITE_OPERATIONS"
    match = {"op": WRITE_OPERATIONS[code]}
    sandbox.emu(
        code,
        "faults",
        [
            {
                "match": match,
                "response": {"status": SERVER_STATUS, "body": SERVER_ERROR},
                "probability": share,
                "times": 0,
            },
            {
                "match": match,
                "response": {"status": 429, "body": THROTTLED},
                "probability": share,
                "times": 0,
            },
            {
                "match": match,
                "response": {"status": TIMEOUT_STATUS, "body": TIMED_OUT},
                "delay_ms": delay_ms,
                "probability": share,
                "times": 0,
            },
        ],
    )


def disarm(sandbox: Sandbox, code: str) -> None:
    sandbox.control.delete(sandbox.url(code, "__emu/faults")).raise_for_status()


def emulator_failed_writes(code: str, *, since_id: int) -> dict[str, int]:
    """Calls the emulator refused: throttled (any call: an armed 429 on a write or its own
    bucket's on any call), and the other armed faults of stock writes."""
    rows = EmulatorRequest.objects.filter(system=code, id__gt=since_id)
    writes = rows.filter(operation=WRITE_OPERATIONS[code])
    return {
        "throttled": rows.filter(status=429).count(),
        "other": writes.filter(status__in=[SERVER_STATUS, TIMEOUT_STATUS]).count(),
    }


def last_request_id() -> int:
    last = EmulatorRequest.objects.order_by("-id").values_list("id", flat=True).first()
    return int(last or 0)


def failed_not_throttled(error: str) -> bool:
    """A 503 (its body is in the error) or an answer too late (the HTTP client's words); any
    other failure here is a throttle, armed or the emulator's own bucket."""
    return SERVER_ERROR in error or "timed out after" in error


def kucun_failed_calls(records: Iterable[StockSyncRecord]) -> dict[str, int]:
    """Failed push calls as the sync log tells them, by kind: the records of one call share
    the moment its outcome was written, so each (store, moment) is one call."""
    calls: dict[tuple[int, str], str] = {}
    for record in records:
        for failure in (record.details or {}).get("attempt_errors", []):
            kind = "other" if failed_not_throttled(failure["error"]) else "throttled"
            calls[(record.store_id, failure["at"])] = kind
    found = {"throttled": 0, "other": 0}
    for kind in calls.values():
        found[kind] += 1
    return found
