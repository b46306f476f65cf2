"""The contract suite's Pisell setup does what its protocol promises, against the emulator."""

from __future__ import annotations

import hashlib
import hmac

import httpx

from tests.channels.contract.seeds import numbered_variants
from tests.channels.contract.setups import pisell as setup
from tests.sandbox.conftest import Sandbox


def test_prepare_sell_throttle_and_sign(sandbox: Sandbox) -> None:
    config = setup.prepare(sandbox, variants=numbered_variants(3))
    assert config.base_url == sandbox.url("pisell").rstrip("/")
    assert config.options == {"api_base_url": config.base_url, "location_id": "loc_main"}
    assert setup.platform_quantities(sandbox, config) == {
        "CT-00001": 1,
        "CT-00002": 2,
        "CT-00003": 3,
    }

    setup.sell(sandbox, config, sku="CT-00003", quantity=2)
    assert setup.platform_quantities(sandbox, config)["CT-00003"] == 1

    headers, raw_body = setup.signed_webhook(sandbox, config, sku="CT-00002")
    fields = dict(part.split("=", 1) for part in headers["X-Signature"].split(","))
    secret = config.credentials["webhook_secret"].encode()
    digest = hmac.new(secret, f"{fields['t']}.".encode() + raw_body, hashlib.sha256).hexdigest()
    assert digest == fields["v1"]
    assert headers["X-Event-Type"] == "product.updated"

    setup.throttle(sandbox, config, requests=2)
    auth = {"Authorization": f"Bearer {config.credentials['api_key']}"}
    statuses = [
        httpx.get(f"{config.base_url}/locations", headers=auth).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
