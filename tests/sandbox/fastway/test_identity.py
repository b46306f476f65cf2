"""The identity host's token endpoint over real HTTP (fastway.md §1): client credentials,
OAuth2 errors, and tokens that expire on the emulator clock."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from kucun.sandbox.fastway.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.sandbox.fastway.conftest import Fastway

pytestmark = pytest.mark.django_db(transaction=True)

GOLDEN = json.loads((Path(__file__).parent / "fixtures" / "token_response.json").read_text())


def test_client_credentials_answer_the_documented_token(fastway: Fastway) -> None:
    response = fastway.token_request()
    assert response.status_code == 200
    body = response.json()
    assert set(body) == set(GOLDEN)
    assert {name: body[name] for name in ("expires_in", "token_type", "scope")} == {
        "expires_in": 3600,
        "token_type": "Bearer",
        "scope": "fw-fl2-api-au",
    }
    assert len(body["access_token"]) >= 32
    assert fastway.api(body["access_token"]).get("consignment-services").status_code == 200


def test_http_basic_client_authentication_is_accepted(fastway: Fastway) -> None:
    basic = base64.b64encode(f"{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}".encode()).decode()
    response = httpx.post(
        fastway.token_url,
        data={"grant_type": "client_credentials", "scope": "fw-fl2-api-au"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [(DEFAULT_CLIENT_ID, "wrong-secret"), ("nobody", DEFAULT_CLIENT_SECRET), ("", "")],
)
def test_wrong_client_is_invalid_client(fastway: Fastway, client_id: str, secret: str) -> None:
    response = fastway.token_request(client_id, secret)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_client"}
    assert DEFAULT_CLIENT_SECRET not in response.text


def test_a_scope_the_client_lacks_is_invalid_scope(fastway: Fastway) -> None:
    response = fastway.token_request(scope="fw-fl2-api-nz")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_scope"}


def test_no_scope_grants_the_clients_scopes(fastway: Fastway) -> None:
    response = fastway.token_request(scope="")
    assert response.status_code == 200
    assert response.json()["scope"] == "fw-fl2-api-au"


def test_other_grants_and_bodies_are_refused(fastway: Fastway) -> None:
    assert fastway.token_request(grant_type="password").json() == {
        "error": "unsupported_grant_type"
    }
    as_json = httpx.post(
        fastway.token_url,
        json={"grant_type": "client_credentials", "client_id": DEFAULT_CLIENT_ID},
    )
    assert (as_json.status_code, as_json.json()) == (400, {"error": "invalid_request"})
    assert httpx.get(fastway.token_url).status_code == 400


def test_a_token_expires_when_the_clock_passes_its_lifetime(fastway: Fastway) -> None:
    fastway.emu("clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    api = fastway.api()
    assert api.get("consignment-services").status_code == 200
    fastway.advance(3599)
    assert api.get("consignment-services").status_code == 200
    fastway.advance(1)
    expired = api.get("consignment-services")
    assert expired.status_code == 401
    assert expired.content == b""
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    assert "expired" in expired.headers["WWW-Authenticate"]
    assert fastway.api().get("consignment-services").status_code == 200  # a new token works


def test_the_lifetime_is_a_seeded_setting(fastway: Fastway) -> None:
    fastway.emu("seed", {"settings": {"token_ttl_seconds": 60}})
    fastway.emu("clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    token = fastway.token_request().json()
    assert token["expires_in"] == 60
    api = fastway.api(token["access_token"])
    fastway.advance(61)
    assert api.get("consignment-services").status_code == 401


def test_tokens_expire_on_request_without_moving_the_clock(fastway: Fastway) -> None:
    api = fastway.api()
    before = fastway.emu("clock")["now"]
    assert fastway.emu("tokens/expire", {"client_id": DEFAULT_CLIENT_ID}) == {"expired": 1}
    assert api.get("consignment-services").status_code == 401
    assert fastway.emu("clock")["now"] >= before


def test_a_token_fault_answers_instead(fastway: Fastway) -> None:
    fastway.emu("faults", {"match": {"op": "token"}, "response": {"status": 503, "body": "down"}})
    assert fastway.token_request().status_code == 503
    assert fastway.token_request().status_code == 200
