"""The Australia Post emulator prepared for the Carrier contract suite (see README.md here).

Each test gets an account of its own (a fresh charge account number, so that the tracking
limiter's bucket and the emulator's shipments start empty), with two-step labels so that the
label polling is exercised."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from kucun.shipping.carriers.base import CarrierConfig
from tests.sandbox.conftest import Sandbox

SYSTEM = "auspost"
SERVICE = "T28"
API_KEY = "contract-auspost-key"
PASSWORD = "contract-auspost-password-not-a-secret"  # a sandbox fake
# GET labels/{id} answers PENDING this many times before AVAILABLE.
LABEL_POLLS = 2


def prepare(sandbox: Sandbox) -> CarrierConfig:
    account_number = f"{random.randrange(10**9, 10**10):010d}"
    sandbox.emu(SYSTEM, "reset")
    sandbox.emu(
        SYSTEM,
        "seed",
        {
            "accounts": [
                {
                    "account_number": account_number,
                    "api_key": API_KEY,
                    "password": PASSWORD,
                    "name": "Contract eParcel merchant",
                    "services": ["T28", "E34"],
                }
            ],
            "settings": {"label_polls": LABEL_POLLS},
        },
    )
    return CarrierConfig(
        carrier="auspost",
        base_url=sandbox.url(SYSTEM).rstrip("/"),
        credentials={"account_number": account_number, "api_key": API_KEY, "password": PASSWORD},
        options={"two_step_labels": "on", "label_size": "A4-1pp"},
        account_key=f"auspost-contract-{account_number}",
    )


def wrong_credentials(config: CarrierConfig) -> CarrierConfig:
    return replace(
        config, credentials={**config.credentials, "password": "wrong-password-of-the-key"}
    )


def create_match() -> dict[str, Any]:
    return {"method": "POST", "path_regex": r"/shipping/v1/shipments$"}


def track_match() -> dict[str, Any]:
    return {"method": "GET", "path_regex": r"/shipping/v1/track$"}


def throttle_response() -> dict[str, Any]:
    """auspost.md §9: a 429 with ``API_002`` (the body's shape is the doc's best guess)."""
    return {
        "status": 429,
        "body": {"errors": [{"code": "API_002", "name": "Too many requests"}]},
    }


def expire_token(sandbox: Sandbox, config: CarrierConfig) -> None:
    """Basic auth on every call: there is no token to expire."""


def carrier_shipments(sandbox: Sandbox, config: CarrierConfig) -> list[dict[str, Any]]:
    response = sandbox.control.get(
        sandbox.url(SYSTEM, "__emu/state"),
        params={"account": config.credentials["account_number"]},
    )
    response.raise_for_status()
    shipments: list[dict[str, Any]] = response.json()["shipments"]
    return shipments
