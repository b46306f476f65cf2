"""The Pisell emulator behind the shared contract suite (protocol in README.md here).

The store is a tenant ``contract`` with one location, ``loc_main``, and a webhook registered
with a fixed secret; the config carries that secret as ``webhook_secret`` so that an adapter
can verify the deliveries ``signed_webhook`` produces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kucun.channels.adapters.base import ChannelConfig
from tests.channels.contract.seeds import VariantSeed
from tests.sandbox.conftest import Sandbox

TENANT = "contract"
API_KEY = "psk_contract_0000000000000000"
LOCATION = "loc_main"
WEBHOOK_SECRET = "whsec_contract_0000000000000000"
# Never called: deliveries for the contract suite are signed and handed back, not sent.
WEBHOOK_URL = "http://127.0.0.1:9/hooks/pisell"
# The emulator fault ``match`` of the fulfilment write (pisell.md §2.5).
FULFILMENT_WRITE = {"method": "POST", "path_regex": r"/orders/[^/]+/fulfillments$"}


def prepare(sandbox: Sandbox, *, variants: Sequence[VariantSeed]) -> ChannelConfig:
    sandbox.emu("pisell", "reset")
    products = [
        {
            "title": variant.title or variant.sku,
            "status": "published",
            "variants": [
                {
                    "sku": variant.sku,
                    "barcode": variant.barcode,
                    "title": "Default",
                    "price": "9.95",
                    "stock_quantity": variant.quantity,
                }
            ],
        }
        for variant in variants
    ]
    sandbox.emu(
        "pisell",
        "seed",
        {
            "tenants": [
                {
                    "id": TENANT,
                    "name": "Contract Store",
                    "api_key": API_KEY,
                    "locations": [{"id": LOCATION, "name": "Shop", "default": True}],
                    "webhooks": [
                        {
                            "id": "wh_contract",
                            "url": WEBHOOK_URL,
                            "events": ["product.updated", "inventory.updated"],
                            "secret": WEBHOOK_SECRET,
                        },
                        # A second registration for new orders, signed with the same secret.
                        {
                            "id": "wh_contract_orders",
                            "url": WEBHOOK_URL,
                            "events": ["order.created"],
                            "secret": WEBHOOK_SECRET,
                        },
                    ],
                    "products": products,
                }
            ]
        },
    )
    base_url = sandbox.url("pisell").rstrip("/")
    return ChannelConfig(
        platform="pisell",
        base_url=base_url,
        credentials={"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET},
        options={"api_base_url": base_url, "location_id": LOCATION},
        store_key=f"pisell:{TENANT}",
    )


def platform_quantities(sandbox: Sandbox, config: ChannelConfig) -> dict[str, int]:
    response = sandbox.control.get(sandbox.url("pisell", f"__emu/state?tenant={TENANT}"))
    response.raise_for_status()
    variants = response.json()["tenants"][TENANT]["variants"]
    return {sku: int(variant["stock_quantity"]) for sku, variant in variants.items()}


def sell(sandbox: Sandbox, config: ChannelConfig, *, sku: str, quantity: int) -> None:
    sandbox.emu(
        "pisell",
        "orders",
        {
            "tenant": TENANT,
            "channel": "pos",
            "location_id": LOCATION,
            "line_items": [{"sku": sku, "quantity": quantity}],
        },
    )


def expire_token(sandbox: Sandbox, config: ChannelConfig) -> None:
    """A static API key does not expire: nothing to do."""


def throttle(sandbox: Sandbox, config: ChannelConfig, *, requests: int) -> None:
    sandbox.emu(
        "pisell",
        "rate-limit",
        {"capacity": requests, "refill_per_second": max(1.0, requests / 2)},
    )


def signed_webhook(
    sandbox: Sandbox, config: ChannelConfig, *, sku: str
) -> tuple[dict[str, str], bytes]:
    answer = sandbox.emu(
        "pisell",
        "webhooks/fire",
        {"tenant": TENANT, "event": "product.updated", "sku": sku, "deliver": False},
    ).json()
    delivery = answer["deliveries"][0]
    return dict(delivery["headers"]), delivery["body"].encode()


def seed_order(
    sandbox: Sandbox,
    config: ChannelConfig,
    *,
    lines: Sequence[tuple[str, int]],
    ship_to: Mapping[str, str],
) -> str:
    """A paid online order, unfulfilled; its Pisell order id."""
    answer = sandbox.emu(
        "pisell",
        "orders",
        {
            "tenant": TENANT,
            "channel": "online",
            "status": "paid",
            "location_id": LOCATION,
            "line_items": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
            "customer": {"name": ship_to["name"], "phone": ship_to["phone"]},
            "shipping_address": {
                "name": ship_to["name"],
                "line1": ship_to["line1"],
                "suburb": ship_to["city"],
                "state": ship_to["state"],
                "postcode": ship_to["postcode"],
                "country": ship_to["country_code"],
                "phone": ship_to["phone"],
            },
        },
    ).json()
    return str(answer["order"]["id"])


def fulfilments(sandbox: Sandbox, config: ChannelConfig, order_ref: str) -> list[dict[str, Any]]:
    """The order's fulfilments as the emulator holds them, oldest first."""
    response = sandbox.control.get(
        sandbox.url("pisell", "__emu/fulfillments"),
        params={"tenant": TENANT, "order_id": order_ref},
    )
    response.raise_for_status()
    return [
        {
            "tracking_number": str(fulfilment.get("tracking_number") or ""),
            "lines": {str(line["id"]): int(line["quantity"]) for line in fulfilment["line_items"]},
        }
        for fulfilment in response.json()["fulfillments"]
    ]


def cancel_order(sandbox: Sandbox, config: ChannelConfig, order_ref: str) -> None:
    """The buyer cancels the order before anything was fulfilled."""
    sandbox.emu("pisell", "orders/cancel", {"tenant": TENANT, "order_id": order_ref})


def signed_order_webhook(
    sandbox: Sandbox, config: ChannelConfig, order_ref: str
) -> tuple[dict[str, str], bytes]:
    """An order.created delivery naming the order, signed by the emulator's dispatcher."""
    answer = sandbox.emu(
        "pisell",
        "webhooks/fire",
        {"tenant": TENANT, "event": "order.created", "order_id": order_ref, "deliver": False},
    ).json()
    [delivery] = answer["deliveries"]
    return dict(delivery["headers"]), delivery["body"].encode()
