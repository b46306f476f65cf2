"""The myFastway emulator for the carrier contract suite: one API client (a client id and secret
of myFastway's Administration → API Keys) allowed parcels and satchels, reached through the
emulated identity host's token endpoint."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kucun.shipping.carriers.base import CarrierConfig
from kucun.shipping.carriers.fastway.adapter import CARRIER
from tests.sandbox.conftest import Sandbox

SYSTEM = "fastway"
SERVICE = "P"  # a parcel (packageType P)
CLIENT_ID = "contract-fastway-client"
CLIENT_SECRET = "contract-fastway-secret-not-real"
SCOPE = "fw-fl2-api-au"
TOKEN_SECONDS = 3600  # fastway.md §1: tokens live 60 minutes


def prepare(sandbox: Sandbox) -> CarrierConfig:
    sandbox.emu(SYSTEM, "reset")
    sandbox.emu(
        SYSTEM,
        "seed",
        {
            "settings": {"token_ttl_seconds": TOKEN_SECONDS},
            "accounts": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "scope": SCOPE,
                    "name": "Contract shipper",
                    "services": ["Parcel", "Satchel"],
                }
            ],
        },
    )
    options = {"region": "AU"}
    base_url = CARRIER.sandbox_base_url(sandbox.base_url, {})
    assert CARRIER.auth_url is not None
    return CarrierConfig(
        carrier=SYSTEM,
        base_url=base_url,
        auth_url=CARRIER.auth_url(base_url, options),
        credentials={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scope": SCOPE},
        options=options,
        account_key=f"{SYSTEM}-contract",
    )


def wrong_credentials(config: CarrierConfig) -> CarrierConfig:
    return replace(
        config, credentials={**config.credentials, "client_secret": "not-the-contract-secret"}
    )


def create_match() -> dict[str, Any]:
    return {"method": "POST", "path_regex": r"/api/consignments/?$"}


def track_match() -> dict[str, Any]:
    return {"method": "GET", "path_regex": r"/api/track/label/"}


def throttle_response() -> dict[str, Any]:
    """fastway.md §9: a 429 (undocumented; ASP.NET's Retry-After possibly present)."""
    return {"status": 429, "body": "", "headers": {"Retry-After": "1"}}


def expire_token(sandbox: Sandbox, config: CarrierConfig) -> None:
    """The emulator's clock passes the token's hour; the adapter's cache still holds it."""
    sandbox.emu(SYSTEM, "clock", {"advance_seconds": TOKEN_SECONDS + 1})


def carrier_shipments(sandbox: Sandbox, config: CarrierConfig) -> list[dict[str, Any]]:
    answer = sandbox.control.get(
        sandbox.url(SYSTEM, "__emu/state"), params={"account": config.credentials["client_id"]}
    )
    answer.raise_for_status()
    shipments: list[dict[str, Any]] = answer.json()["shipments"]
    return shipments
