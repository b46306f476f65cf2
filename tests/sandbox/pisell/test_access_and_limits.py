"""Authentication and its refusal, the token bucket on the emulator clock, faults, the
control plane's access rule and the sandbox switch."""

from __future__ import annotations

import hashlib
import time

import httpx
import pytest

from kucun.accounts.services import api_token_create
from kucun.sandbox.pisell.store import DEMO_ACCESS_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from tests.factories import UserFactory
from tests.sandbox.pisell.conftest import Pisell

UNAUTHORIZED = {
    "type": "https://errors.example/unauthorized",
    "title": "Unauthorized",
    "status": 401,
    "detail": "A valid API key is required: send Authorization: Bearer <api_key>.",
}


def signed_headers(timestamp: int, *, secret: str = DEMO_CLIENT_SECRET) -> dict[str, str]:
    parts = sorted([str(timestamp), DEMO_CLIENT_ID, secret])
    sign = hashlib.md5("&".join(parts).encode(), usedforsecurity=False).hexdigest().upper()
    return {
        "Client-Id": DEMO_CLIENT_ID,
        "Access-Token": DEMO_ACCESS_TOKEN,
        "Timestamp": str(timestamp),
        "Sign": sign,
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer psk_wrong"}, {"Authorization": "Basic abc"}],
    ids=["missing", "wrong key", "other scheme"],
)
def test_a_request_without_a_valid_key_is_refused_with_a_problem(
    pisell: Pisell, headers: dict[str, str]
) -> None:
    response = httpx.get(f"{pisell.base_url}/products", headers=headers)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="pisell"'
    assert response.json() == UNAUTHORIZED
    put = httpx.put(
        f"{pisell.base_url}/inventory/levels",
        headers={**headers, "Idempotency-Key": "k"},
        json={"items": [{"sku": "TREAT-43G", "quantity": 0}]},
    )
    assert put.status_code == 401
    assert pisell.state()["variants"]["TREAT-43G"]["stock"] == {"loc_main": 12}


def test_the_store_selector_must_name_the_credentials_store(pisell: Pisell) -> None:
    own = pisell.api.get("/locations", headers={"X-Store-Domain": "demo.mypisell.com"})
    assert own.status_code == 200
    other = pisell.api.get("/locations", headers={"X-Store-Domain": "other.mypisell.com"})
    assert other.status_code == 403
    assert other.json()["errors"] == [{"field": "X-Store-Domain", "code": "store_forbidden"}]


def test_signed_headers_are_the_alternative_scheme(pisell: Pisell) -> None:
    pisell.emu("clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    now = 1777593600  # 2026-05-01T00:00:00Z
    assert httpx.get(f"{pisell.base_url}/locations", headers=signed_headers(now)).status_code == 200
    late = httpx.get(f"{pisell.base_url}/locations", headers=signed_headers(now - 301))
    assert late.status_code == 401
    forged = httpx.get(f"{pisell.base_url}/locations", headers=signed_headers(now, secret="guess"))
    assert forged.status_code == 401
    assert forged.json() == UNAUTHORIZED


def test_the_bucket_answers_429_and_refills_on_the_emulator_clock(pisell: Pisell) -> None:
    # Given a bucket of 3 refilled at 1 a second on a frozen clock
    pisell.emu("clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    pisell.emu("rate-limit", {"capacity": 3, "refill_per_second": 1})

    # When four calls are made at once
    answers = [pisell.api.get("/locations") for _ in range(4)]

    # Then three pass, counting down, and the fourth is throttled with the contract's signal
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[3]
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Reset"] == str(1777593600 + 3)
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json() == {
        "type": "https://errors.example/rate_limited",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "The rate limit of 3 requests was reached; retry in 1 s.",
    }
    # Still refused while the clock stands still; served once it has moved a second
    assert pisell.api.get("/locations").status_code == 429
    pisell.emu("clock", {"advance_seconds": 1})
    assert pisell.api.get("/locations").status_code == 200


def test_the_default_bucket_is_120_a_minute(pisell: Pisell) -> None:
    response = pisell.api.get("/locations")
    assert response.headers["X-RateLimit-Limit"] == "120"
    assert response.headers["X-RateLimit-Remaining"] == "119"


def test_a_fault_answers_in_place_of_the_vendor_the_given_number_of_times(pisell: Pisell) -> None:
    pisell.emu(
        "faults",
        {
            "match": {"method": "GET", "op": "products"},
            "response": {"status": 503, "body": {"oops": True}, "headers": {"Retry-After": "2"}},
            "times": 1,
        },
    )
    failed = pisell.api.get("/products")
    assert (failed.status_code, failed.headers["Retry-After"], failed.json()) == (
        503,
        "2",
        {"oops": True},
    )
    assert pisell.api.get("/products").status_code == 200


def test_an_answer_lost_after_the_write_applied(pisell: Pisell) -> None:
    pisell.emu(
        "faults",
        {"match": {"op": "inventory_levels"}, "response": {"status": 502}, "after_apply": True},
    )
    response = pisell.api.put(
        "/inventory/levels",
        json={"items": [{"sku": "TREAT-43G", "quantity": 2}]},
        headers={"Idempotency-Key": "lost-1"},
    )
    assert response.status_code == 502
    assert pisell.state()["variants"]["TREAT-43G"]["stock"] == {"loc_main": 2}
    replay = pisell.api.put(
        "/inventory/levels",
        json={"items": [{"sku": "TREAT-43G", "quantity": 2}]},
        headers={"Idempotency-Key": "lost-1"},
    )
    assert replay.json()["results"][0]["status"] == "ok"


def test_a_delay_fault_outlasts_a_short_client_timeout(pisell: Pisell) -> None:
    pisell.emu("faults", {"match": {"op": "locations"}, "delay_ms": 1500})
    with pytest.raises(httpx.ReadTimeout):
        pisell.api.get("/locations", timeout=0.5)
    time.sleep(1.1)  # let the delayed answer finish before the database is flushed


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("viewer", 403)])
def test_the_control_plane_is_refused_to_anonymous_and_viewers(
    pisell: Pisell, role: str | None, status: int
) -> None:
    headers = {}
    if role is not None:
        _token, plain = api_token_create(user=UserFactory(role=role), name="t")
        headers = {"Authorization": f"Bearer {plain}"}
    for name in ("reset", "seed", "faults", "clock", "rate-limit", "webhooks/fire", "orders"):
        response = httpx.post(f"{pisell.base_url}/__emu/{name}", json={}, headers=headers)
        assert response.status_code == status, name
    assert httpx.get(f"{pisell.base_url}/__emu/state", headers=headers).status_code == status


def test_everything_is_404_when_the_sandbox_is_off(pisell: Pisell, settings: object) -> None:
    settings.SANDBOX_ENABLED = False  # type: ignore[attr-defined]
    assert pisell.api.get("/products").status_code == 404
    assert pisell.sandbox.control.get(f"{pisell.base_url}/__emu/state").status_code == 404
    assert pisell.sandbox.control.get(f"{pisell.base_url}/").status_code == 404
