"""The 4PX emulator prepared for the Carrier contract suite (see README.md here).

Each test gets an app of its own (a fresh app key, so that the emulator's per-app throttle and
its consignments start empty). 4PX ships cross-border: the parcels leave from a sender in
China, picked up by 4PX, for the suite's Australian receiver."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from kucun.shipping.carriers.base import Address, CarrierConfig
from tests.sandbox.conftest import Sandbox

SYSTEM = "fourpx"
SERVICE = "F3"
APP_SECRET = "contract-4px-app-secret-not-a-secret"  # a sandbox fake
GATEWAY_PATH = "router/api/service"
SENDER = Address(
    name="Kucun Shenzhen",
    lines=("25F Block D Caifugang Building", "Bao'an District"),
    suburb="Shenzhen",
    state="Guangdong",
    postcode="518000",
    country="CN",
    phone="075586000000",
    email="dock-sz@example.com",
)


def prepare(sandbox: Sandbox) -> CarrierConfig:
    app_key = f"contract-4px-{uuid.uuid4().hex[:12]}"
    sandbox.emu(SYSTEM, "reset")
    sandbox.emu(
        SYSTEM,
        "seed",
        {
            "accounts": [
                {
                    "app_key": app_key,
                    "app_secret": APP_SECRET,
                    "name": "Contract 4PX shipper",
                    "services": ["F3", "PX"],
                }
            ],
        },
    )
    return CarrierConfig(
        carrier="fourpx",
        base_url=sandbox.url(SYSTEM, GATEWAY_PATH),
        credentials={"app_key": app_key, "app_secret": APP_SECRET},
        options={"label_size": "label_100x150", "deliver_type": "1"},
        account_key=f"fourpx-contract-{app_key}",
    )


def wrong_credentials(config: CarrierConfig) -> CarrierConfig:
    """The right app key with a secret that signs wrongly: the gateway's ``000012``."""
    return replace(
        config, credentials={**config.credentials, "app_secret": "wrong-secret-of-the-app"}
    )


def create_match() -> dict[str, Any]:
    return {"method": "POST", "path_regex": r"/router/api/service$", "op": "ds.xms.order.create"}


def track_match() -> dict[str, Any]:
    return {"method": "POST", "path_regex": r"/router/api/service$", "op": "tr.order.tracking.get"}


def throttle_response() -> dict[str, Any]:
    """fourpx.md §3 and integrations/README.md §2.1: HTTP 200 carrying ``000017``."""
    return {
        "status": 200,
        "body": {
            "result": "0",
            "msg": "System processing failed",
            "errors": [
                {
                    "error_code": "000017",
                    "error_msg": "Too many requests, try again in one minute",
                }
            ],
        },
    }


def expire_token(sandbox: Sandbox, config: CarrierConfig) -> None:
    """Every request is signed with the app secret: there is no token to expire."""


def carrier_shipments(sandbox: Sandbox, config: CarrierConfig) -> list[dict[str, Any]]:
    response = sandbox.control.get(
        sandbox.url(SYSTEM, "__emu/state"),
        params={"account": config.credentials["app_key"]},
    )
    response.raise_for_status()
    shipments: list[dict[str, Any]] = response.json()["shipments"]
    return shipments
