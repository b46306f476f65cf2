"""The Shopify emulator as the contract suite's platform (protocol in README.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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


# Orders (the order contract suite, tests/channels/contract/test_order_contract.py) -------------

# Shopify's fulfilment write is the fulfillmentCreate mutation on the GraphQL endpoint.
FULFILMENT_WRITE = {"method": "POST", "path_regex": r"graphql\.json$", "op": "fulfillmentCreate"}


def seed_order(
    sandbox: Sandbox,
    config: ChannelConfig,
    *,
    lines: Sequence[tuple[str, int]],
    ship_to: Mapping[str, str],
) -> str:
    """A paid order placed through the control plane at the store's location; its GID."""
    answer = sandbox.emu(
        "shopify",
        "orders",
        {
            "shop": SHOP,
            "lines": [
                {"sku": sku, "quantity": quantity, "location": config.options["location_ref"]}
                for sku, quantity in lines
            ],
            "shipping_address": {
                "name": ship_to.get("name", ""),
                "address1": ship_to.get("line1", ""),
                "city": ship_to.get("city", ""),
                "province_code": ship_to.get("state", ""),
                "zip": ship_to.get("postcode", ""),
                "country_code": ship_to.get("country_code", ""),
                "phone": ship_to.get("phone", ""),
            },
            "email": "buyer@example.com",
        },
    ).json()
    return str(answer["order"])


def fulfilments(sandbox: Sandbox, config: ChannelConfig, order_ref: str) -> list[dict[str, Any]]:
    answer = sandbox.control.get(
        sandbox.url("shopify", "__emu/orders/fulfillments"),
        params={"shop": SHOP, "order": order_ref},
    )
    answer.raise_for_status()
    return [
        {
            "tracking_number": fulfillment["tracking_number"],
            "company": fulfillment["tracking_company"],
            "url": fulfillment["tracking_url"],
            "status": fulfillment["status"],
            "lines": {
                line["admin_graphql_api_id"]: line["quantity"] for line in fulfillment["line_items"]
            },
        }
        for fulfillment in answer.json()["fulfillments"]
    ]


def signed_order_webhook(
    sandbox: Sandbox, config: ChannelConfig, order_ref: str
) -> tuple[dict[str, str], bytes]:
    """An orders/create delivery naming the order, signed as the dispatcher signs it."""
    answer = sandbox.emu(
        "shopify",
        "webhooks/fire",
        {
            "shop": SHOP,
            "topic": "orders/create",
            "payload": {"id": int(order_ref.rsplit("/", 1)[-1]), "admin_graphql_api_id": order_ref},
            "deliver": False,
            "api_version": config.options["api_version"],
        },
    ).json()
    return dict(answer["headers"]), answer["body"].encode()


def cancel_order(sandbox: Sandbox, config: ChannelConfig, order_ref: str) -> None:
    """The buyer cancels the order before anything shipped (paid: refunded)."""
    sandbox.emu(
        "shopify", "orders/cancel", {"shop": SHOP, "order": order_ref, "reason": "CUSTOMER"}
    )
