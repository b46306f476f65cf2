"""The emulator's control plane (seed, settings, state) and its pages for people."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

from kucun.sandbox.auspost import state
from tests.sandbox.auspost.conftest import AccountClient, create, emu_state
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_loads_accounts_and_settings(auspost: AccountClient, sandbox: Sandbox) -> None:
    loaded = sandbox.emu(
        "auspost",
        "seed",
        {
            "accounts": [
                {
                    "account_number": "0009876543",
                    "api_key": "k2",
                    "password": "p2",
                    "name": "Second merchant",
                    "services": ["T28", "3D55"],
                }
            ],
            "settings": {"label_polls": 3},
        },
    ).json()
    assert loaded["accounts"] == [
        {"account_number": "0009876543", "name": "Second merchant", "services": ["T28", "3D55"]}
    ]
    assert loaded["settings"]["label_polls"] == 3
    products = auspost("0009876543", "k2", "p2").get("accounts/0009876543").json()
    assert [product["product_id"] for product in products["postage_products"]] == ["T28", "3D55"]
    every = sandbox.control.get(sandbox.url("auspost", "__emu/state")).json()
    assert sorted(every["accounts"]) == ["0001234567", "0009876543"]
    assert "k2" not in str(every)
    assert "p2" not in str(every["accounts"])


@pytest.mark.parametrize(
    "body",
    [
        {"accounts": [{"account_number": "1", "api_key": "k"}]},
        {"settings": {"label_pollz": 1}},
        {"accounts": [{"account_number": "1", "api_key": "k", "password": "p", "services": "T28"}]},
    ],
)
def test_seed_refuses_what_it_cannot_load(
    auspost: AccountClient, sandbox: Sandbox, body: dict[str, object]
) -> None:
    response = sandbox.control.post(sandbox.url("auspost", "__emu/seed"), json=body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert sorted(emu_state(sandbox, "1")["accounts"]) == []


def test_the_control_plane_is_for_staff(auspost: AccountClient, sandbox: Sandbox) -> None:
    assert httpx.post(sandbox.url("auspost", "__emu/reset")).status_code == 401


def test_pages_list_accounts_and_their_shipments(
    auspost: AccountClient, sandbox: Sandbox, viewer_client: Client
) -> None:
    shipment = create(auspost(), "ORD-PAGE")
    index = viewer_client.get("/sandbox/auspost/").content.decode()
    assert state.DEFAULT_API_KEY in index
    assert "/sandbox/auspost/accounts/0001234567/" in index
    page = viewer_client.get("/sandbox/auspost/accounts/0001234567/").content.decode()
    assert "ORD-PAGE" in page
    assert shipment["items"][0]["tracking_details"]["article_id"] in page
    assert viewer_client.get("/sandbox/auspost/accounts/nobody/").status_code == 404
    assert Client().get("/sandbox/auspost/").status_code == 302
