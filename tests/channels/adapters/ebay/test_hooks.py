"""eBay's endpoint check through Kucun's webhook endpoint: the GET with ``challenge_code``
reaches the eBay adapter, which answers from the store's verification token."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from kucun.channels.models import Store, WebhookDelivery
from kucun.core.secrets import encrypt_mapping
from tests.channels.adapters.ebay.fakes import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN

pytestmark = pytest.mark.django_db

VERIFICATION_TOKEN = "kucun-ebay-destination-verification-0001"


def test_the_endpoint_check_is_answered_over_the_registered_endpoint() -> None:
    store = Store.objects.create(
        name="eBay AU",
        platform="ebay",
        credentials_encrypted=encrypt_mapping(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "refresh_token": REFRESH_TOKEN,
                "verification_token": VERIFICATION_TOKEN,
            }
        ),
        options={"environment": "production", "marketplace_id": "EBAY_AU"},
    )

    response = Client().get(f"/hooks/ebay/{store.pk}?challenge_code=3f9c2a61-challenge")

    endpoint = f"http://testserver/hooks/ebay/{store.pk}"
    expected = hashlib.sha256(
        f"3f9c2a61-challenge{VERIFICATION_TOKEN}{endpoint}".encode()
    ).hexdigest()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"challengeResponse": expected}
    assert WebhookDelivery.objects.count() == 0


def test_an_unsigned_post_is_refused_and_recorded_nowhere() -> None:
    store = Store.objects.create(
        name="eBay AU",
        platform="ebay",
        credentials_encrypted=encrypt_mapping(
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        ),
    )

    response = Client().post(f"/hooks/ebay/{store.pk}", data=b"{}", content_type="application/json")

    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0
