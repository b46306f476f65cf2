"""The machinery every emulator shares: clock, records, buckets, faults, the gate and the
control plane's access rule."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from kucun.sandbox.emulator import Emulator, add_fault
from kucun.sandbox.models import EmulatorBucket

pytestmark = pytest.mark.django_db


def test_clock_freezes_and_advances() -> None:
    emulator = Emulator("test")
    frozen = emulator.set_clock(freeze="2026-01-01T00:00:00+00:00")
    assert frozen.isoformat() == "2026-01-01T00:00:00+00:00"
    assert emulator.set_clock(advance_seconds=90).isoformat() == "2026-01-01T00:01:30+00:00"
    emulator.set_clock(freeze="")
    moved = emulator.set_clock(advance_seconds=3600)
    assert moved > frozen


def test_records_are_stamped_with_the_emulator_clock() -> None:
    emulator = Emulator("test")
    emulator.set_clock(freeze="2026-02-01T00:00:00+00:00")
    record = emulator.put("shop", "variant", "1", {"sku": "A"})
    assert record.updated_at.isoformat() == "2026-02-01T00:00:00+00:00"
    emulator.set_clock(advance_seconds=5)
    record = emulator.put("shop", "variant", "1", {"sku": "B"})
    assert emulator.get("shop", "variant", "1") == {"sku": "B"}
    assert record.updated_at.isoformat() == "2026-02-01T00:00:05+00:00"
    assert emulator.get("other", "variant", "1") is None


def test_bucket_refuses_when_empty_and_refills_on_the_clock() -> None:
    emulator = Emulator("test")
    emulator.set_clock(freeze="2026-03-01T00:00:00+00:00")
    emulator.set_setting("rate_limit", {"capacity": 2, "refill_per_second": 1})
    assert emulator.take("token-1").allowed
    assert emulator.take("token-1").allowed
    refused = emulator.take("token-1")
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(1.0)
    assert emulator.take("token-2").allowed  # another credential, another bucket
    emulator.set_clock(advance_seconds=1)
    assert emulator.take("token-1").allowed
    # The credential itself is never stored.
    assert not EmulatorBucket.objects.filter(credential__contains="token").exists()


def test_fault_answers_the_given_number_of_times_for_matching_requests() -> None:
    emulator = Emulator("test")
    add_fault(
        emulator,
        {
            "match": {"method": "POST", "path_regex": "graphql"},
            "response": {
                "status": 503,
                "body": {"errors": "down"},
                "headers": {"Retry-After": "2"},
            },
            "times": 2,
        },
    )
    factory = RequestFactory()
    other = factory.get("/sandbox/test/graphql.json")
    assert emulator.fault_before(other) is None
    request = factory.post("/sandbox/test/graphql.json")
    first = emulator.fault_before(request)
    assert first is not None
    assert first.status_code == 503
    assert first["Retry-After"] == "2"
    assert emulator.fault_before(request) is not None
    assert emulator.fault_before(request) is None


def test_sandbox_is_not_found_when_turned_off(settings, staff_client: Client) -> None:
    assert staff_client.get("/sandbox/").status_code == 200
    settings.SANDBOX_ENABLED = False
    assert staff_client.get("/sandbox/").status_code == 404
    assert staff_client.get("/sandbox/shopify/__emu/state").status_code == 404


def test_sandbox_pages_need_a_login() -> None:
    response = Client().get("/sandbox/")
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]
