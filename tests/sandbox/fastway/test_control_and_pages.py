"""The control plane's shared contract (seed, state, settings) and the emulator's pages."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

from kucun.sandbox.fastway import control, state
from tests.sandbox.fastway.conftest import Fastway, consignment

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_answers_what_it_loaded_and_never_a_secret(fastway: Fastway) -> None:
    loaded = fastway.emu(
        "seed",
        {
            "accounts": [
                {
                    "client_id": "second",
                    "client_secret": "second-secret-value",
                    "scope": "fw-fl2-api-au",
                    "name": "Second shipper",
                    "services": ["Parcel"],
                    "label_prefix": "BD",
                }
            ],
            "settings": {"token_ttl_seconds": 900},
        },
    )
    assert loaded["accounts"] == [
        {
            "client_id": "second",
            "name": "Second shipper",
            "scope": "fw-fl2-api-au",
            "services": ["Parcel"],
            "label_prefix": "BD",
            "reseller": False,
        }
    ]
    assert loaded["settings"]["token_ttl_seconds"] == 900
    dump = fastway.sandbox.control.get(fastway.sandbox.url("fastway", "__emu/state")).text
    assert "second-secret-value" not in dump
    assert "digest" not in dump
    api = fastway.api(fastway.token("second", "second-secret-value"))
    created = api.post("consignments", json=consignment()).json()["data"]
    assert created["items"][0]["label"] == "BD0000000001"


VALID = {"client_id": "would-be-kept", "client_secret": "s"}


@pytest.mark.parametrize(
    "body",
    [
        {"accounts": [VALID, {"client_id": "x"}]},
        {"accounts": [VALID, {"client_id": "x", "client_secret": "y", "scope": "other"}]},
        {"accounts": [VALID, {"client_id": "x", "client_secret": "y", "services": ["Pallet"]}]},
        {"accounts": [VALID], "settings": {"token_ttl_seconds": 0}},
        {"accounts": [VALID], "localities": [{"locality": "X", "state": "ZZ", "postcode": "1"}]},
    ],
)
def test_seed_refuses_what_it_cannot_load_and_loads_nothing(
    fastway: Fastway, body: dict[str, object]
) -> None:
    response = fastway.sandbox.control.post(fastway.sandbox.url("fastway", "__emu/seed"), json=body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert [account["client_id"] for account in fastway.state()["accounts"]] == [
        "sandbox-fastway-client"
    ]
    assert fastway.state()["settings"] == state.DEFAULT_SETTINGS


def test_state_narrows_to_one_account(fastway: Fastway) -> None:
    fastway.emu("seed", {"accounts": [{"client_id": "other", "client_secret": "o-secret"}]})
    fastway.api().post("consignments", json=consignment("MINE"))
    fastway.api(fastway.token("other", "o-secret")).post("consignments", json=consignment("THEIRS"))
    assert [s["reference"] for s in fastway.state()["shipments"]] == ["MINE", "THEIRS"]
    assert [s["reference"] for s in fastway.state("other")["shipments"]] == ["THEIRS"]
    assert [a["client_id"] for a in fastway.state("other")["accounts"]] == ["other"]


def test_the_control_plane_is_for_staff_only(fastway: Fastway) -> None:
    response = httpx.post(fastway.sandbox.url("fastway", "__emu/reset"))
    assert response.status_code == 401


def test_settings_read_and_change(fastway: Fastway) -> None:
    url = fastway.sandbox.url("fastway", "__emu/settings")
    assert fastway.sandbox.control.get(url).json() == state.DEFAULT_SETTINGS
    changed = fastway.sandbox.control.post(url, json={"page_size": 2}).json()
    assert changed["page_size"] == 2


# -- pages ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_index_lists_accounts_with_the_sandbox_credentials(viewer_client: Client) -> None:
    control.reset()
    page = viewer_client.get("/sandbox/fastway/").content.decode()
    assert state.DEFAULT_CLIENT_ID in page
    assert state.DEFAULT_CLIENT_SECRET in page
    assert "/sandbox/fastway/accounts/sandbox-fastway-client/" in page


@pytest.mark.django_db
def test_account_page_shows_consignments_and_their_labels(viewer_client: Client) -> None:
    control.reset()
    control.seed(
        {"accounts": [{"client_id": "busy", "client_secret": "b", "generate_consignments": 2}]}
    )
    page = viewer_client.get("/sandbox/fastway/accounts/busy/").content.decode()
    assert "MP0000000001" in page
    assert "MP0000000002" in page
    assert "pending" in page
    assert viewer_client.get("/sandbox/fastway/accounts/nobody/").status_code == 404


def test_pages_need_a_login(fastway: Fastway) -> None:
    response = Client().get("/sandbox/fastway/")
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]
