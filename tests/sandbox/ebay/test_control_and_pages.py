"""The control plane (staff only), the sandbox gate, and the pages a person watches."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

from kucun.accounts.services import api_token_create
from tests.factories import UserFactory
from tests.sandbox.ebay.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    INVENTORY,
    SELLER,
    Ebay,
)

pytestmark = pytest.mark.django_db(transaction=True)

CONTROL = ["reset", "seed", "state", "faults", "clock", "rate-limit", "webhooks/fire", "orders"]


@pytest.mark.parametrize("name", CONTROL)
def test_control_plane_is_refused_to_anonymous_and_viewers(ebay: Ebay, name: str) -> None:
    viewer = UserFactory(role="viewer")
    _token, plain = api_token_create(user=viewer, name="viewer")
    url = ebay.url(f"__emu/{name}")
    anonymous = httpx.post(url, json={})
    assert anonymous.status_code == 401
    as_viewer = httpx.post(url, json={}, headers={"Authorization": f"Bearer {plain}"})
    assert as_viewer.status_code == 403
    assert ebay.state()["quantities"]["EB-MUG-01"] == 12


def test_an_ebay_token_is_no_key_to_the_control_plane(ebay: Ebay) -> None:
    answer = httpx.post(
        ebay.url("__emu/reset"), headers={"Authorization": f"Bearer {ebay.user_token()}"}
    )
    assert answer.status_code == 401


def test_reset_holds_the_default_seller_and_state_dumps_it(ebay: Ebay) -> None:
    ebay.emu("orders", {"sku": "EB-MUG-01", "quantity": 1})
    ebay.emu("reset")
    state = ebay.state()
    assert state["quantities"] == {
        "EB-BRD-05": 7,
        "EB-KNF-04": 0,
        "EB-MUG-01": 12,
        "EB-PAN-03": 4,
        "EB-TEA-02": 30,
    }
    assert state["listing_quantities"] == state["quantities"]
    assert len(state["offers"]) == 5
    assert state["orders"] == []


def test_a_bad_seed_is_refused_whole(ebay: Ebay) -> None:
    answer = ebay.sandbox.control.post(
        ebay.url("__emu/seed"),
        json={
            "sellers": [
                {"username": SELLER, "items": [{"sku": "NEW-1", "quantity": 1}]},
                {"username": "nobody_yet", "items": []},
            ]
        },
    )
    assert answer.status_code == 400
    assert "refresh_token" in answer.json()["error"]
    assert "NEW-1" not in ebay.state()["quantities"]


def test_a_seeded_seller_with_its_own_application(ebay: Ebay) -> None:
    ebay.emu(
        "seed",
        {
            "sellers": [
                {
                    "username": "own_app_seller",
                    "client_id": "Other-App-SBX-1",
                    "client_secret": "SBX-other-secret",
                    "refresh_token": "v^1.1#own-app",
                    "items": [{"sku": "OWN-1", "ean": "9312345678907", "quantity": 3}],
                }
            ]
        },
    )
    form = {"grant_type": "refresh_token", "refresh_token": "v^1.1#own-app"}
    assert ebay.token(form).status_code == 400  # issued to another client
    answer = ebay.token(form, client=("Other-App-SBX-1", "SBX-other-secret"))
    token = answer.json()["access_token"]
    item = ebay.call("GET", f"{INVENTORY}/inventory_item/OWN-1", token).json()
    assert item["product"]["ean"] == ["9312345678907"]


def test_the_sandbox_is_not_found_when_turned_off(ebay: Ebay, settings) -> None:
    settings.SANDBOX_ENABLED = False
    assert ebay.token({"grant_type": "client_credentials"}).status_code == 404
    assert ebay.http.get(ebay.url(f"{INVENTORY}/inventory_item")).status_code == 404
    assert ebay.sandbox.control.post(ebay.url("__emu/reset")).status_code == 404
    assert ebay.http.get(ebay.url("oauth2/authorize")).status_code == 404


def test_pages_show_sellers_and_items_to_a_viewer(ebay: Ebay) -> None:
    ebay.emu("orders", {"sku": "EB-TEA-02", "quantity": 3})
    client = Client()
    assert client.get("/sandbox/ebay/").status_code == 302  # a login first
    client.force_login(UserFactory(role="viewer"))
    sellers = client.get("/sandbox/ebay/")
    assert sellers.status_code == 200
    text = sellers.content.decode()
    for shown in (SELLER, CLIENT_ID, CLIENT_SECRET, "KUCUN-SANDBOX-REFRESH-TOKEN-NOT-REAL"):
        assert shown in text
    page = client.get(f"/sandbox/ebay/accounts/{SELLER}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "EB-TEA-02" in text
    assert "9300000000101" in text
    assert "sold 3" in text
    assert client.get("/sandbox/ebay/accounts/nobody/").status_code == 404
