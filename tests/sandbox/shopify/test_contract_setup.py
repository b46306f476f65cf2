"""The contract suite's Shopify setup does what its protocol promises, checked with plain
HTTP (no adapter)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest

from tests.channels.contract.seeds import numbered_variants
from tests.channels.contract.setups import shopify as setup
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)


def token(config: object) -> str:
    answer = httpx.post(
        f"{config.base_url}/admin/oauth/access_token",  # type: ignore[attr-defined]
        data={"grant_type": "client_credentials", **config.credentials},  # type: ignore[attr-defined]
    )
    assert answer.status_code == 200
    return str(answer.json()["access_token"])


def test_prepare_sell_and_read_back(sandbox: Sandbox) -> None:
    config = setup.prepare(sandbox, variants=numbered_variants(3))
    assert config.platform == "shopify"
    assert config.base_url.endswith("/sandbox/shopify/contract-shop.myshopify.com")
    assert set(config.credentials) == {"client_id", "client_secret"}
    assert config.options["api_version"] == "2026-04"
    assert config.options["location_ref"].startswith("gid://shopify/Location/")
    assert setup.platform_quantities(sandbox, config) == {
        "CT-00001": 1,
        "CT-00002": 2,
        "CT-00003": 3,
    }
    setup.sell(sandbox, config, sku="CT-00003", quantity=2)
    assert setup.platform_quantities(sandbox, config)["CT-00003"] == 1


def test_expire_token_makes_the_issued_token_fail(sandbox: Sandbox) -> None:
    config = setup.prepare(sandbox, variants=numbered_variants(1))
    issued = token(config)
    url = f"{config.base_url}/admin/api/2026-04/graphql.json"
    query = {"query": "{ shop { name } }"}
    headers = {"X-Shopify-Access-Token": issued}
    assert httpx.post(url, json=query, headers=headers).status_code == 200
    setup.expire_token(sandbox, config)
    assert httpx.post(url, json=query, headers=headers).status_code == 401


def test_throttle_exhausts_the_bucket(sandbox: Sandbox) -> None:
    config = setup.prepare(sandbox, variants=numbered_variants(1))
    headers = {"X-Shopify-Access-Token": token(config)}
    url = f"{config.base_url}/admin/api/2026-04/graphql.json"
    setup.throttle(sandbox, config, requests=1)
    query = {"query": "{ locations(first: 50) { nodes { id } } }"}  # 52 points requested
    answer = httpx.post(url, json=query, headers=headers).json()
    assert answer["errors"][0]["extensions"]["code"] == "THROTTLED"


def test_signed_webhook_is_signed_with_the_apps_secret(sandbox: Sandbox) -> None:
    config = setup.prepare(sandbox, variants=numbered_variants(2))
    headers, body = setup.signed_webhook(sandbox, config, sku="CT-00002")
    secret = config.credentials["client_secret"].encode()
    expected = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()
    assert headers["X-Shopify-Hmac-Sha256"] == expected
    assert headers["X-Shopify-Topic"] == "products/update"
    assert headers["X-Shopify-API-Version"] == "2026-04"
    payload = json.loads(body)
    assert [variant["sku"] for variant in payload["variants"]] == ["CT-00002"]
