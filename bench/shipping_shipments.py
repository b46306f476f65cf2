"""Shipments with the sandbox Australia Post, end to end over real HTTP.

A child process migrates a throw-away SQLite database under var/bench/shipping/, adds an owner
with an API token, warehouse ``BEN`` and a sandbox Australia Post account (the emulator's default
credentials, one-step labels), and resets the emulator. Then a real ``kucun serve`` (web and
queue consumer) starts on a free loopback port, serving the emulator, and a second child
(``measure``) drives the shipment services against it:

* ``shipping.create_100_shipments_s``: 100 shipments of one parcel created one after another
  through ``shipment_create`` (receiver checked, draft written, created at Australia Post, label
  fetched and kept as a file); every one must end ``label_ready``. Each costs three requests
  (create, label, PDF), within the Australia Post adapter's own allowance (25 requests a
  second per account, bursts of 40).
* ``shipping.track_1k_shipments_s``: 900 more shipments are created (not timed), the emulator's
  clock is moved 30 hours on (so each parcel has new scans), and one refresh of every active
  shipment (``shipments_track_due(all_active=True)``: 100 requests of ten numbers, events
  stored, statuses moved) is timed. Australia Post allows about ten tracking requests a minute
  per account (auspost.md §7), which alone would make this ten minutes of waiting; the
  measurement lifts that limit (the adapter's client-side bucket, Kucun's pacing and the
  emulator's bucket) to time Kucun's and the emulator's work, not the carrier's allowance.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.api import sqlite_serve_and_measure

ROOT = Path.cwd() / "var" / "bench" / "shipping"
WAREHOUSE = "BEN"
ACCOUNT = "Bench AusPost"
CREATE = 100
TRACK = 1000
Figure = tuple[str, float, str]
RECEIVER = {
    "name": "Ann Lee",
    "line1": "1 George Street",
    "suburb": "Sydney",
    "state": "NSW",
    "postcode": "2000",
    "phone": "0412 345 678",
    "email": "ann@example.com",
}
PARCEL = {"weight_kg": "1.2", "length_cm": 30, "width_cm": 20, "height_cm": 10, "value": "20"}


# --- the children -------------------------------------------------------------------------------


def setup_child() -> None:
    """Migrate; the owner, the warehouse, the sandbox account; reset the emulator; print the
    owner's API token."""
    import django

    django.setup()
    from django.core.management import call_command

    from kucun.accounts.models import User
    from kucun.accounts.services import api_token_create
    from kucun.core.secrets import encrypt_mapping
    from kucun.sandbox.auspost import state
    from kucun.shipping.carrier_registry import carrier_spec
    from kucun.shipping.models import CarrierAccount
    from kucun.warehouses.services import warehouse_create

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    owner = User.objects.create_user(username="bench", password="bench-password-1", role="owner")
    _token, plain = api_token_create(user=None, owner=owner, name="bench")
    warehouse = warehouse_create(
        user=None,
        code=WAREHOUSE,
        name="Bench dock",
        address_line1="12 Dock Road",
        city="Port Melbourne",
        state="VIC",
        postcode="3207",
        phone="0390001111",
    )
    state.reset()
    spec = carrier_spec("auspost")
    CarrierAccount.objects.create(
        name=ACCOUNT,
        carrier="auspost",
        sandbox=True,
        credentials_encrypted=encrypt_mapping(dict(spec.sandbox_credentials)),
        options={"two_step_labels": "off"},
        sender_warehouse=warehouse,
        default_service="T28",
    )
    print(plain, flush=True)


def emit(name: str, value: float | int, unit: str) -> None:
    print(f"{name}\t{value}\t{unit}", flush=True)


def create_shipments(count: int) -> list[Any]:
    from kucun.shipping.models import CarrierAccount
    from kucun.shipping.services.shipments import shipment_create

    account = CarrierAccount.objects.get(name=ACCOUNT)
    return [
        shipment_create(actor=None, carrier_account=account, receiver=RECEIVER, parcels=[PARCEL])
        for _ in range(count)
    ]


def lift_tracking_limits(http: Any) -> None:
    from django.conf import settings

    from kucun.shipping.carriers.auspost import client

    client.TRACK_REQUESTS_PER_MINUTE = 1_000_000  # type: ignore[misc]
    settings.SHIPMENT_TRACK_REQUESTS_PER_MINUTE = 1_000_000
    answer = http.post(
        "/sandbox/auspost/__emu/rate-limit",
        json={"capacity": 1_000_000, "refill_per_second": 1_000_000},
    )
    answer.raise_for_status()


def measure_child(url: str, token: str) -> None:
    import django

    django.setup()
    import httpx

    from kucun.shipping.choices import ShipmentStatus

    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as http:
        started = time.perf_counter()
        created = create_shipments(CREATE)
        elapsed = time.perf_counter() - started
        not_ready = [s.reference for s in created if s.status != ShipmentStatus.LABEL_READY]
        if not_ready:
            raise SystemExit(f"{len(not_ready)} shipments without a label: {not_ready[:5]}")
        emit("shipping.create_100_shipments_s", round(elapsed, 2), "s")

        more = create_shipments(TRACK - CREATE)
        if any(s.status != ShipmentStatus.LABEL_READY for s in more):
            raise SystemExit("some of the shipments to track were not created")
        http.post("/sandbox/auspost/__emu/clock", json={"advance_seconds": 30 * 3600})
        lift_tracking_limits(http)
        from kucun.shipping.services.tracking import shipments_track_due

        started = time.perf_counter()
        summary = shipments_track_due(all_active=True)
        elapsed = time.perf_counter() - started
        if summary.shipments != TRACK or summary.failed:
            raise SystemExit(f"tracked {summary.shipments} of {TRACK}, {summary.failed} failed")
        emit("shipping.track_1k_shipments_s", round(elapsed, 2), "s")
        emit("shipping.track_1k_requests", summary.requests, "requests")


# --- the parent ---------------------------------------------------------------------------------


def run() -> Iterator[Figure]:
    var_dir = ROOT / "sqlite"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    # A run that fails leaves its directory (the server's and the measuring child's logs).
    yield from sqlite_serve_and_measure("bench.shipping_shipments", var_dir, "shipping")
    shutil.rmtree(var_dir, ignore_errors=True)


def main(argv: list[str]) -> None:
    if argv[1:2] == ["setup"]:
        setup_child()
    elif argv[1:2] == ["measure"] and len(argv) == 4:
        measure_child(argv[2], argv[3])
    elif argv[1:2] == ["run"]:
        for name, value, unit in run():
            print(f"{name}: {value} {unit}", flush=True)
    else:
        raise SystemExit(
            "usage: python -m bench.shipping_shipments setup | measure URL TOKEN | run"
        )


if __name__ == "__main__":
    main(sys.argv)
