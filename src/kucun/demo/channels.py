"""The demo's stores: one sandbox store on each platform, its emulator holding listings for
most demo items (some unknown to Kucun, one listed twice, one known only by its barcode) at
quantities unlike Kucun's, inventory sync on. The first full pull, quick match and push run in
the worker (``demo_first_sync``), since the emulators answer through the web server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kucun.accounts.models import User
from kucun.channels.choices import PushStatus
from kucun.channels.models import StockSyncRecord, Store
from kucun.channels.platforms import platforms
from kucun.channels.services.listings import listings_match, listings_pull
from kucun.channels.services.stores import store_create, store_set_location
from kucun.channels.services.sync_manual import stock_push_manual
from kucun.channels.services.sync_push import wait_for_pending
from kucun.demo.data import BUNDLES, ITEMS, DemoSummary, ean13
from kucun.warehouses.models import Warehouse


@dataclass(frozen=True)
class DemoListing:
    sku: str
    title: str
    barcode: str
    quantity: int
    weight_kg: Decimal


def demo_listings(offset: int) -> list[DemoListing]:
    """What a demo store sells: every few demo items are left out (per store, a different
    few), quantities the platform was left with, a listing Kucun does not know, and on stores
    that allow it a SKU listed twice and a SKU written the platform's way, known by barcode."""
    listings = []
    for index, (sku, name, barcode, _unit, weight, _size, _cost, _reorder) in enumerate(ITEMS):
        if (index + offset) % 5 == 4:
            continue
        quantity = (index * 7 + offset * 3) % 23
        listings.append(DemoListing(sku, name, ean13(barcode), quantity, Decimal(weight) / 1000))
    for sku, name, barcode, weight, _components in BUNDLES[:2]:
        listings.append(DemoListing(sku, name, ean13(barcode), 5 + offset, Decimal(weight) / 1000))
    listings.append(DemoListing("GIFT-CARD-50", "Gift card $50", "", 100, Decimal("0.010")))
    return listings


def shopify_account(listings: list[DemoListing]) -> tuple[dict[str, str], dict[str, str]]:
    from kucun.sandbox.shopify.control import seed

    domain = "sausage-and-beer.myshopify.com"
    variants = [
        {
            "sku": listing.sku,
            "barcode": listing.barcode,
            "title": "Default Title",
            "weight_kg": float(listing.weight_kg),
            "quantity": listing.quantity,
        }
        for listing in listings
    ]
    # The same SKU on a second product: quick match leaves both for a person to decide.
    variants.append({"sku": "BBQ-TONGS", "barcode": "", "title": "Long", "quantity": 3})
    # A SKU written the shop's way: found by its barcode.
    tomato = ean13(next(item[2] for item in ITEMS if item[0] == "SAUCE-TOM-500"))
    variants = [v for v in variants if v["sku"] != "SAUCE-TOM-500"]
    variants.append({"sku": "sb-tomato-500", "barcode": tomato, "title": "500 ml", "quantity": 9})
    seed(
        {
            "shops": [
                {
                    "domain": domain,
                    "name": "Sausage & Beer",
                    "client_id": "demo-shopify-client-id",
                    "client_secret": "shpss_demo_client_secret_not_real",
                    "locations": [{"name": "Online store"}],
                    "products": [
                        {"title": title_of(variant), "variants": [variant]} for variant in variants
                    ],
                }
            ]
        }
    )
    credentials = {
        "client_id": "demo-shopify-client-id",
        "client_secret": "shpss_demo_client_secret_not_real",
    }
    return credentials, {"shop_domain": domain, "api_version": "2026-01"}


def title_of(variant: dict[str, Any]) -> str:
    names = {sku: name for sku, name, *_rest in ITEMS} | {sku: name for sku, name, *_r in BUNDLES}
    return names.get(str(variant["sku"]), "Sausage & Beer " + str(variant["sku"]))


def ebay_account(listings: list[DemoListing]) -> tuple[dict[str, str], dict[str, str]]:
    from kucun.sandbox.ebay.control import ebay_seed

    client_id = "SausageB-Demo-SBX-0d3m0d3m0-0d3m0d3m"
    client_secret = "SBX-demo-sausage-and-beer-secret-not-real"  # noqa: S105
    refresh_token = "v^1.1#i^1#r^1#p^3#I^3#f^0#t^DEMO-SAUSAGE-AND-BEER-NOT-REAL"  # noqa: S105
    ebay_seed(
        {
            "applications": [
                {
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "ru_names": {"Sausage_Beer-Demo": "/sandbox/ebay/oauth2/accepted"},
                }
            ],
            "sellers": [
                {
                    "username": "sausage_and_beer_au",
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "refresh_token": refresh_token,
                    "items": [
                        {
                            "sku": listing.sku,
                            "title": listing.title,
                            "ean": listing.barcode,
                            "quantity": listing.quantity,
                            "price": "9.95",
                        }
                        for listing in listings
                    ],
                }
            ],
        }
    )
    credentials = {
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    return credentials, {
        "environment": "production",
        "marketplace_id": "EBAY_AU",
        "username": "sausage_and_beer_au",
    }


def kogan_account(listings: list[DemoListing]) -> tuple[dict[str, str], dict[str, str]]:
    from kucun.sandbox.kogan.state import seed

    seller_id, token = "SAUSAGE-BEER-AU", "demo-kogan-seller-token-not-real"
    seed(
        {
            "sellers": [
                {
                    "seller_id": seller_id,
                    "seller_token": token,
                    "name": "Sausage & Beer",
                    "products": [
                        {
                            "product_sku": listing.sku,
                            "product_title": listing.title,
                            "product_gtin": listing.barcode,
                            "stock": listing.quantity,
                            "price": "9.95",
                        }
                        for listing in listings
                    ],
                }
            ]
        }
    )
    return {"seller_id": seller_id, "seller_token": token}, {"environment": "uat"}


def pisell_account(listings: list[DemoListing]) -> tuple[dict[str, str], dict[str, str]]:
    from kucun.sandbox.pisell.control import seed_load

    api_key = "psk_demo_sausage_and_beer_not_real"
    seed_load(
        {
            "tenants": [
                {
                    "id": "sausage-and-beer",
                    "name": "Sausage & Beer shopfront",
                    "api_key": api_key,
                    "domain": "sausage-and-beer.mypisell.com",
                    "locations": [{"id": "loc_main", "name": "Shop", "default": True}],
                    "products": [
                        {
                            "title": listing.title,
                            "status": "published",
                            "variants": [
                                {
                                    "sku": listing.sku,
                                    "barcode": listing.barcode,
                                    "title": "Default",
                                    "price": "9.95",
                                    "stock_quantity": listing.quantity,
                                }
                            ],
                        }
                        for listing in listings
                    ],
                }
            ]
        }
    )
    return {"api_key": api_key}, {}


AccountMaker = Callable[[list[DemoListing]], tuple[dict[str, str], dict[str, str]]]
DEMO_STORES: list[tuple[str, str, AccountMaker]] = [
    ("Sausage & Beer on Shopify", "shopify", shopify_account),
    ("Sausage & Beer on eBay", "ebay", ebay_account),
    ("Sausage & Beer on Kogan", "kogan", kogan_account),
    ("Sausage & Beer shopfront (Pisell)", "pisell", pisell_account),
]


def demo_stores(user: User, summary: DemoSummary) -> list[int]:
    """Bind the sandbox stores that are not bound yet; answer the ids of those just bound."""
    known = platforms()
    warehouses = list(
        Warehouse.objects.filter(code__in=["SYD", "MEL"]).values_list("pk", flat=True)
    )
    bound = []
    for offset, (name, code, make_account) in enumerate(DEMO_STORES):
        if code not in known or Store.objects.filter(name=name).exists():
            continue
        credentials, options = make_account(demo_listings(offset))
        store = store_create(
            actor=user,
            platform=code,
            name=name,
            credentials=credentials,
            options=options,
            warehouse_ids=warehouses,
            buffer=offset,
            inventory_sync=True,
            order_download=True,
            sandbox=True,
        )
        if code == "pisell":
            # Pisell sets stock at a location of the store's choosing: the shop's own.
            store_set_location(
                store=store, location_ref="loc_main", location_name="Shop", actor=user
            )
        bound.append(store.pk)
        summary.add("stores")
    return bound


def demo_first_sync(store_ids: list[int], actor: Any = None) -> None:
    """A full pull, a quick match and a push of every linked listing, store by store; then
    the asynchronous platforms' writes (Kogan's) are asked about until they are confirmed."""
    for store in Store.objects.filter(pk__in=store_ids).order_by("pk"):
        listings_pull(store=store, mode="full", trigger="manual")
        listings_match(store=store, actor=actor)
        stock_push_manual(all=True, store_ids=[store.pk], actor=actor, run_now=True)
    pending = StockSyncRecord.objects.filter(store_id__in=store_ids, status=PushStatus.PENDING)
    wait_for_pending(list(pending.values_list("pk", flat=True)), timeout_seconds=20, interval=0.2)
