"""The Shopify emulator as the contract suite's platform (protocol in README.md)."""

from __future__ import annotations

from collections.abc import Sequence

from kucun.channels.adapters.base import ChannelConfig
from tests.channels.contract.seeds import VariantSeed
from tests.sandbox.conftest import Sandbox

SHOP = "contract-shop.myshopify.com"
CLIENT_ID = "contract-client-id"
CLIENT_SECRET = "shpss_contract_client_secret"
API_VERSION = "2026-04"


def prepare(sandbox: Sandbox, *, variants: Sequence[VariantSeed]) -> ChannelConfig:
    sandbox.emu("shopify", "reset")
    products = [
        {
            "title": seed.title or seed.sku,
            "variants": [
                {
                    "sku": seed.sku,
                    "barcode": seed.barcode,
                    "title": "Default Title",
                    "quantity": seed.quantity,
                    "weight_kg": None if seed.weight_kg is None else float(seed.weight_kg),
                }
            ],
        }
        for seed in variants
    ]
    answer = sandbox.emu(
        "shopify",
        "seed",
        {
            "shops": [
                {
                    "domain": SHOP,
                    "name": "Contract Shop",
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "locations": [{"name": "Contract Warehouse"}],
                    "products": products,
                }
            ]
        },
    ).json()
    location = answer["shops"][0]["locations"][0]["id"]
    return ChannelConfig(
        platform="shopify",
        base_url=sandbox.url("shopify", SHOP),
        credentials={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        options={"api_version": API_VERSION, "location_ref": location},
        store_key=f"contract-{SHOP}",
    )


def platform_quantities(sandbox: Sandbox, config: ChannelConfig) -> dict[str, int]:
    answer = sandbox.control.get(sandbox.url("shopify", "__emu/state"), params={"shop": SHOP})
    answer.raise_for_status()
    location = config.options["location_ref"]
    return {
        variant["sku"]: variant["quantities"][location]["available"]
        for variant in answer.json()["shops"][0]["variants"]
    }


def sell(sandbox: Sandbox, config: ChannelConfig, *, sku: str, quantity: int) -> None:
    sandbox.emu(
        "shopify",
        "orders",
        {
            "shop": SHOP,
            "sku": sku,
            "quantity": quantity,
            "location": config.options["location_ref"],
        },
    )


def expire_token(sandbox: Sandbox, config: ChannelConfig) -> None:
    settings = sandbox.control.get(sandbox.url("shopify", "__emu/settings"))
    settings.raise_for_status()
    ttl = settings.json()["token_ttl_seconds"] or 86399
    sandbox.emu("shopify", "clock", {"advance_seconds": int(ttl) + 1})


def throttle(sandbox: Sandbox, config: ChannelConfig, *, requests: int) -> None:
    # Any single query fits a 1,000-point bucket; ten points a request is a mutation's cost
    # and about a small read's, and 50 points a second refills that within a test.
    sandbox.emu("shopify", "rate-limit", {"capacity": 1000, "refill_per_second": 50})
    sandbox.emu("shopify", "bucket", {"shop": SHOP, "available": 10 * requests})


def signed_webhook(
    sandbox: Sandbox, config: ChannelConfig, *, sku: str
) -> tuple[dict[str, str], bytes]:
    """The products/update delivery the emulator's dispatcher would send for this SKU's
    product, signed with the app's client secret."""
    answer = sandbox.emu(
        "shopify",
        "webhooks/fire",
        {
            "shop": SHOP,
            "topic": "products/update",
            "sku": sku,
            "deliver": False,
            "api_version": config.options["api_version"],
        },
    ).json()
    return dict(answer["headers"]), answer["body"].encode()
