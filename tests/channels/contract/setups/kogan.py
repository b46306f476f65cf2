"""The Kogan emulator prepared for the Channel contract suite (see README.md here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kucun.channels.adapters.base import ChannelConfig
from tests.channels.contract.seeds import VariantSeed
from tests.sandbox.conftest import Sandbox

SELLER_ID = "contract-seller"
SELLER_TOKEN = "contract-seller-token-not-a-secret"  # a sandbox fake
# The emulator fault ``match`` of Kogan's dispatch write (kogan.md §6).
FULFILMENT_WRITE = {"method": "POST", "path_regex": r"/orders/fulfill/$"}


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


def seed_order(
    sandbox: Sandbox,
    config: ChannelConfig,
    *,
    lines: Sequence[tuple[str, int]],
    ship_to: Mapping[str, str],
) -> str:
    """An order placed on Kogan and released for shipment; its Kogan order ``ID``."""
    answer = sandbox.emu(
        "kogan",
        "orders",
        {
            "seller_id": config.credentials["seller_id"],
            "items": [{"product_sku": sku, "quantity": quantity} for sku, quantity in lines],
            "shipping_address": {
                "name": ship_to["name"],
                "line1": ship_to["line1"],
                "city": ship_to["city"],
                "state": ship_to["state"],
                "postcode": ship_to["postcode"],
                "country": ship_to["country_code"],
                "phone": ship_to["phone"],
            },
        },
    ).json()
    return str(answer["ID"])


def fulfilments(sandbox: Sandbox, config: ChannelConfig, order_ref: str) -> list[dict[str, Any]]:
    """Each dispatch the order received, one entry per tracking number it carried, with the
    order items and quantities sent under it."""
    response = sandbox.control.get(
        sandbox.url("kogan", "__emu/dispatches"),
        params={"seller": config.credentials["seller_id"], "order": order_ref},
    )
    response.raise_for_status()
    found: list[dict[str, Any]] = []
    for dispatch in response.json()["dispatches"]:
        by_tracking: dict[str, dict[str, int]] = {}
        for item in dispatch["items"]:
            lines = by_tracking.setdefault(str(item.get("TrackingNumber") or ""), {})
            reference = str(item["OrderItemID"])
            lines[reference] = lines.get(reference, 0) + int(item["Quantity"])
        found.extend(
            {"tracking_number": tracking, "lines": lines} for tracking, lines in by_tracking.items()
        )
    return found


def cancel_order(sandbox: Sandbox, config: ChannelConfig, order_ref: str) -> None:
    """The buyer cancels the whole order before anything was dispatched."""
    sandbox.emu(
        "kogan",
        "orders/cancel",
        {"seller_id": config.credentials["seller_id"], "order_id": order_ref},
    )
