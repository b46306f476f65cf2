"""The Kogan emulator prepared for the Channel contract suite (see README.md here)."""

from __future__ import annotations

from collections.abc import Sequence

from kucun.channels.adapters.base import ChannelConfig
from tests.channels.contract.seeds import VariantSeed
from tests.sandbox.conftest import Sandbox

SELLER_ID = "contract-seller"
SELLER_TOKEN = "contract-seller-token-not-a-secret"  # a sandbox fake


def prepare(sandbox: Sandbox, *, variants: Sequence[VariantSeed]) -> ChannelConfig:
    sandbox.emu("kogan", "reset")
    products = [
        {
            "product_sku": variant.sku,
            "product_gtin": variant.barcode,
            "product_title": variant.title or variant.sku,
            "stock": variant.quantity,
        }
        for variant in variants
    ]
    sandbox.emu(
        "kogan",
        "seed",
        {
            "sellers": [
                {
                    "seller_id": SELLER_ID,
                    "seller_token": SELLER_TOKEN,
                    "name": "Contract seller",
                    "products": products,
                }
            ]
        },
    )
    return ChannelConfig(
        platform="kogan",
        base_url=sandbox.url("kogan").rstrip("/"),
        credentials={"seller_id": SELLER_ID, "seller_token": SELLER_TOKEN},
        options={"environment": "uat"},
        store_key=f"kogan-contract-{SELLER_ID}",
    )


def platform_quantities(sandbox: Sandbox, config: ChannelConfig) -> dict[str, int]:
    seller_id = config.credentials["seller_id"]
    response = sandbox.control.get(
        sandbox.url("kogan", "__emu/state"), params={"seller": seller_id}
    )
    response.raise_for_status()
    products = response.json()["sellers"][seller_id]["products"]
    return {sku: int(product["stock"]) for sku, product in products.items()}


def sell(sandbox: Sandbox, config: ChannelConfig, *, sku: str, quantity: int) -> None:
    sandbox.emu(
        "kogan",
        "orders",
        {
            "seller_id": config.credentials["seller_id"],
            "items": [{"product_sku": sku, "quantity": quantity}],
        },
    )


def expire_token(sandbox: Sandbox, config: ChannelConfig) -> None:
    """Kogan's SellerToken is static: there is nothing to expire."""


def throttle(sandbox: Sandbox, config: ChannelConfig, *, requests: int) -> None:
    sandbox.emu("kogan", "rate-limit", {"capacity": requests, "refill_per_second": 1.0})


def signed_webhook(
    sandbox: Sandbox, config: ChannelConfig, *, sku: str
) -> tuple[dict[str, str], bytes]:
    """Kogan has no webhooks (kogan.md §7)."""
    return {}, b""
