"""The eBay emulator for the contract suite: one seller of the default application holding the
variants, reached with the application's client id and secret and the seller's refresh token."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kucun.channels.adapters.base import ChannelConfig
from tests.channels.contract.seeds import VariantSeed
from tests.sandbox.conftest import Sandbox

SYSTEM = "ebay"
SELLER = "contract_seller"
CLIENT_ID = "KucunSan-Sandbox-SBX-0a1b2c3d4-5e6f7a8b"
CLIENT_SECRET = "SBX-kucun-sandbox-client-secret-not-real"
REFRESH_TOKEN = "v^1.1#i^1#r^1#p^3#I^3#f^0#t^CONTRACT-SELLER-REFRESH-TOKEN-NOT-REAL"
ACCESS_TOKEN_SECONDS = 7200


def prepare(sandbox: Sandbox, *, variants: Sequence[VariantSeed]) -> ChannelConfig:
    sandbox.emu(SYSTEM, "reset")
    items = [
        {
            "sku": variant.sku,
            "title": variant.title or variant.sku,
            "quantity": variant.quantity,
            **({"ean": variant.barcode} if variant.barcode else {}),
        }
        for variant in variants
    ]
    sandbox.emu(
        SYSTEM,
        "seed",
        {
            "settings": {"access_token_seconds": ACCESS_TOKEN_SECONDS},
            "sellers": [{"username": SELLER, "refresh_token": REFRESH_TOKEN, "items": items}],
        },
    )
    base_url = f"{sandbox.base_url}/sandbox/{SYSTEM}"
    return ChannelConfig(
        platform=SYSTEM,
        base_url=base_url,
        auth_url=base_url,
        credentials={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
        },
        options={"environment": "sandbox", "marketplace_id": "EBAY_AU"},
        store_key=f"{SYSTEM}-contract",
    )


def platform_quantities(sandbox: Sandbox, config: ChannelConfig) -> dict[str, int]:
    """What a buyer sees per SKU: the lower of the item's quantity and its published offers'."""
    answer = sandbox.control.get(sandbox.url(SYSTEM, "__emu/state"), params={"seller": SELLER})
    answer.raise_for_status()
    held: dict[str, int] = answer.json()["sellers"][SELLER]["listing_quantities"]
    return held


def sell(sandbox: Sandbox, config: ChannelConfig, *, sku: str, quantity: int) -> None:
    sandbox.emu(SYSTEM, "orders", {"seller": SELLER, "sku": sku, "quantity": quantity})


def expire_token(sandbox: Sandbox, config: ChannelConfig) -> None:
    sandbox.emu(SYSTEM, "clock", {"advance_seconds": ACCESS_TOKEN_SECONDS + 1})


def throttle(sandbox: Sandbox, config: ChannelConfig, *, requests: int) -> None:
    sandbox.emu(SYSTEM, "rate-limit", {"capacity": requests, "refill_per_second": 2})


def signed_webhook(
    sandbox: Sandbox, config: ChannelConfig, *, sku: str
) -> tuple[dict[str, str], bytes]:
    """A LISTING notification about the SKU's listing, signed with the emulator's key."""
    fired = sandbox.emu(
        SYSTEM,
        "webhooks/fire",
        {"seller": SELLER, "topic": "LISTING", "sku": sku, "action": "UPDATED", "deliver": False},
    ).json()
    return dict(fired["headers"]), fired["body"].encode()


# Orders (the order contract suite, tests/channels/contract/test_order_contract.py) -------------

# eBay's fulfilment write is createShippingFulfillment.
FULFILMENT_WRITE = {"method": "POST", "path_regex": r"/shipping_fulfillment$"}


def seed_order(
    sandbox: Sandbox,
    config: ChannelConfig,
    *,
    lines: Sequence[tuple[str, int]],
    ship_to: Mapping[str, str],
) -> str:
    """A buyer checks out and pays through the control plane; the order's orderId."""
    answer = sandbox.emu(
        SYSTEM,
        "orders",
        {
            "seller": SELLER,
            "buyer": {"username": "contract_buyer"},
            "shipTo": {
                "fullName": ship_to.get("name", ""),
                "contactAddress": {
                    "addressLine1": ship_to.get("line1", ""),
                    "city": ship_to.get("city", ""),
                    "stateOrProvince": ship_to.get("state", ""),
                    "postalCode": ship_to.get("postcode", ""),
                    "countryCode": ship_to.get("country_code", ""),
                },
                "primaryPhone": {"phoneNumber": ship_to.get("phone", "")},
                "email": "buyer@example.com",
            },
            "lineItems": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        },
    ).json()
    return str(answer["orderId"])


def fulfilments(sandbox: Sandbox, config: ChannelConfig, order_ref: str) -> list[dict[str, Any]]:
    answer = sandbox.control.get(
        sandbox.url(SYSTEM, "__emu/orders/fulfillments"),
        params={"seller": SELLER, "orderId": order_ref},
    )
    answer.raise_for_status()
    return [
        {
            "tracking_number": fulfillment.get("shipmentTrackingNumber", ""),
            "carrier": fulfillment.get("shippingCarrierCode", ""),
            "lines": {line["lineItemId"]: line["quantity"] for line in fulfillment["lineItems"]},
        }
        for fulfillment in answer.json()["fulfillments"]
    ]


def signed_order_webhook(
    sandbox: Sandbox, config: ChannelConfig, order_ref: str
) -> tuple[dict[str, str], bytes]:
    """An ORDER_CONFIRMATION notification naming the order, signed with the emulator's key."""
    fired = sandbox.emu(
        SYSTEM,
        "webhooks/fire",
        {
            "seller": SELLER,
            "topic": "ORDER_CONFIRMATION",
            "data": {"orderId": order_ref},
            "deliver": False,
        },
    ).json()
    return dict(fired["headers"]), fired["body"].encode()


def cancel_order(sandbox: Sandbox, config: ChannelConfig, order_ref: str) -> None:
    """The buyer cancels the order before anything shipped (refunded)."""
    sandbox.emu(SYSTEM, "orders/cancel", {"seller": SELLER, "orderId": order_ref})
