"""The contract suite's eBay setup does what its protocol says, checked over plain HTTP (the
suite itself runs it against the adapter)."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.channels.contract.seeds import numbered_variants
from tests.channels.contract.setups import ebay as setup
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)


def user_token(http: httpx.Client, config: setup.ChannelConfig) -> str:
    credentials = config.credentials
    answer = http.post(
        f"{config.auth_url}/identity/v1/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": credentials["refresh_token"]},
        auth=(credentials["client_id"], credentials["client_secret"]),
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def test_the_setup_prepares_sells_expires_throttles_and_signs(sandbox: Sandbox) -> None:
    config = setup.prepare(sandbox, variants=numbered_variants(3))
    assert config.platform == "ebay"
    assert config.base_url == f"{sandbox.base_url}/sandbox/ebay"
    assert config.auth_url == config.base_url
    assert set(config.credentials) == {"client_id", "client_secret", "refresh_token"}
    assert dict(config.options) == {"environment": "sandbox", "marketplace_id": "EBAY_AU"}
    assert setup.platform_quantities(sandbox, config) == {
        "CT-00001": 1,
        "CT-00002": 2,
        "CT-00003": 3,
    }
    with httpx.Client(timeout=30) as http:
        token = user_token(http, config)
        item = http.get(
            f"{config.base_url}/sell/inventory/v1/inventory_item/CT-00002",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert item["product"]["ean"] == ["9300000000002"]

        setup.sell(sandbox, config, sku="CT-00003", quantity=2)
        assert setup.platform_quantities(sandbox, config)["CT-00003"] == 1

        setup.expire_token(sandbox, config)
        expired = http.get(
            f"{config.base_url}/sell/inventory/v1/inventory_item",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert expired.status_code == 401

        token = user_token(http, config)
        setup.throttle(sandbox, config, requests=2)
        statuses = [
            http.get(
                f"{config.base_url}/sell/inventory/v1/inventory_item",
                headers={"Authorization": f"Bearer {token}"},
            ).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]

    headers, body = setup.signed_webhook(sandbox, config, sku="CT-00002")
    signature = json.loads(base64.b64decode(headers["X-EBAY-SIGNATURE"]))
    assert set(signature) == {"alg", "kid", "signature", "digest"}
    assert b'"sku":"CT-00002"' in body
