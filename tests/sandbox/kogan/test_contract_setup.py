"""The contract suite's Kogan setup does what the suite relies on (setups/README.md)."""

from __future__ import annotations

import httpx
import pytest

from tests.channels.contract.seeds import numbered_variants
from tests.channels.contract.setups import kogan as setup
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)


def test_prepared_seller_holds_the_variants_and_sales_lower_them(sandbox: Sandbox) -> None:
    variants = numbered_variants(3)
    config = setup.prepare(sandbox, variants=variants)
    assert config.platform == "kogan"
    assert config.base_url == f"{sandbox.base_url}/sandbox/kogan"
    headers = {
        "SellerID": config.credentials["seller_id"],
        "SellerToken": config.credentials["seller_token"],
    }
    answer = httpx.get(f"{config.base_url}/api/marketplace/v2/products/", headers=headers)
    assert [
        (item["product_sku"], item["product_gtin"], item["stock"])
        for item in answer.json()["body"]["results"]
    ] == [(variant.sku, variant.barcode, variant.quantity) for variant in variants]
    assert setup.platform_quantities(sandbox, config) == {
        "CT-00001": 1,
        "CT-00002": 2,
        "CT-00003": 3,
    }

    setup.sell(sandbox, config, sku="CT-00003", quantity=2)
    assert setup.platform_quantities(sandbox, config)["CT-00003"] == 1
    assert setup.signed_webhook(sandbox, config, sku="CT-00001") == ({}, b"")


def test_throttle_exhausts_the_bucket_after_the_given_requests(sandbox: Sandbox) -> None:
    config = setup.prepare(sandbox, variants=numbered_variants(1))
    sandbox.emu("kogan", "clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    setup.throttle(sandbox, config, requests=2)
    headers = {
        "SellerID": config.credentials["seller_id"],
        "SellerToken": config.credentials["seller_token"],
    }
    url = f"{config.base_url}/api/marketplace/v2/products/"
    assert [httpx.get(url, headers=headers).status_code for _ in range(3)] == [200, 200, 429]
