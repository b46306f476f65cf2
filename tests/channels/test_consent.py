"""Granting access on eBay's consent page: the owner goes to eBay with a signed state, agrees,
and comes back with a code that Kucun exchanges for the refresh token (over real HTTP to the
eBay emulator)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from kucun.channels.models import Store
from kucun.channels.services.consent import CONSENT_SALT
from kucun.channels.services.stores import store_create, store_test_connection
from kucun.core.secrets import decrypt_mapping
from tests.factories import UserFactory, WarehouseFactory
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_ID = "KucunSan-Sandbox-SBX-0a1b2c3d4-5e6f7a8b"
CLIENT_SECRET = "SBX-kucun-sandbox-client-secret-not-real"
SELLER = "consent_seller"
RU_NAME = "Kucun_Test-KucunTes-Consent-abcde"


def ebay_store(owner: Any, ru_name: str = RU_NAME) -> Store:
    return store_create(
        actor=owner,
        platform="ebay",
        name="eBay consent",
        credentials={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        options={"environment": "sandbox", "marketplace_id": "EBAY_AU", "ru_name": ru_name},
        warehouse_ids=[WarehouseFactory().pk],
        sandbox=True,
    )


@pytest.fixture
def emulator(sandbox: Sandbox, settings: Any) -> Sandbox:  # noqa: F811
    settings.SANDBOX_SERVER_URL = sandbox.base_url
    sandbox.emu("ebay", "reset")
    accept = sandbox.base_url + reverse("channels:store_consent_return")
    sandbox.emu(
        "ebay",
        "seed",
        {
            "applications": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "ru_names": {RU_NAME: accept},
                }
            ],
            "sellers": [
                {"username": SELLER, "refresh_token": "v^1.1#seeded-not-used", "items": []}
            ],
        },
    )
    return sandbox


def agree_on_ebay(consent_url: str, decision: str = "agree") -> str:
    """What a seller does on eBay's page: choose the account and agree (or decline); the
    answer is eBay's redirect to the accept URL."""
    query = {key: values[0] for key, values in parse_qs(urlsplit(consent_url).query).items()}
    answer = httpx.post(
        consent_url.split("?", 1)[0],
        data={**query, "seller": SELLER, "decision": decision},
        follow_redirects=False,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def test_granting_access_stores_the_refresh_token(emulator: Sandbox) -> None:
    owner = UserFactory(role="owner")
    store = ebay_store(owner)
    client = Client()
    client.force_login(owner)
    page = client.get(reverse("channels:store_detail", args=[store.pk])).content.decode()
    assert 'id="store-consent"' in page
    started = client.post(reverse("channels:store_consent", args=[store.pk]))
    assert started.status_code == 302
    assert started["Location"].startswith(emulator.base_url + "/sandbox/ebay/oauth2/authorize?")
    back = urlsplit(agree_on_ebay(started["Location"]))
    assert back.path == reverse("channels:store_consent_return")
    finished = client.get(back.path + "?" + back.query)
    assert finished["Location"] == reverse("channels:store_detail", args=[store.pk])
    store.refresh_from_db()
    refresh_token = decrypt_mapping(store.credentials_encrypted)["refresh_token"]
    assert refresh_token
    assert refresh_token not in store.credential_masks["refresh_token"]
    # The token is the seller's own: the store now reaches the seller's account.
    assert store_test_connection(store=store).account_name


def test_a_declined_consent_changes_nothing(emulator: Sandbox) -> None:
    owner = UserFactory(role="owner")
    store = ebay_store(owner)
    client = Client()
    client.force_login(owner)
    started = client.post(reverse("channels:store_consent", args=[store.pk]))
    back = urlsplit(agree_on_ebay(started["Location"], decision="decline"))
    finished = client.get(back.path + "?" + back.query, follow=True)
    assert "Access was not granted" in finished.content.decode()
    store.refresh_from_db()
    assert "refresh_token" not in decrypt_mapping(store.credentials_encrypted)


def test_a_forged_or_stale_state_is_refused(emulator: Sandbox) -> None:
    owner = UserFactory(role="owner")
    store = ebay_store(owner)
    client = Client()
    client.force_login(owner)
    forged = signing.dumps({"store": store.pk}, salt="another purpose")
    answer = client.get(
        reverse("channels:store_consent_return") + f"?code=abc&state={forged}", follow=True
    )
    assert "not one Kucun asked for" in answer.content.decode()
    store.refresh_from_db()
    assert "refresh_token" not in decrypt_mapping(store.credentials_encrypted)
    assert signing.loads(signing.dumps({"store": 1}, salt=CONSENT_SALT), salt=CONSENT_SALT)


def test_consent_needs_a_ru_name_and_an_owner(emulator: Sandbox) -> None:
    owner = UserFactory(role="owner")
    store = ebay_store(owner, ru_name="")
    client = Client()
    client.force_login(owner)
    answer = client.post(reverse("channels:store_consent", args=[store.pk]), follow=True)
    assert "RuName" in answer.content.decode()
    staff = Client()
    staff.force_login(UserFactory(role="staff"))
    assert staff.post(reverse("channels:store_consent", args=[store.pk])).status_code == 403
