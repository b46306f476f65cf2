"""The demo's orders: buyers order on the sandbox Shopify store, Kucun downloads them, and one
of each state a merchant meets is left to look at: orders to confirm, an order awaiting stock
(more ordered than Kucun holds), an order that needs attention (a listing Kucun cannot link)
and an order confirmed, shipped with Australia Post and its tracking number sent back.

Runs in the worker after the stores' first sync (the emulators answer through the web server,
and the confirmation talks to the Australia Post emulator over HTTP).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kucun.channels.choices import ListingStatus
from kucun.channels.models import Listing, Store
from kucun.inventory.selectors import stock_figures
from kucun.orders.choices import DownloadTrigger, OrderStatus
from kucun.orders.models import Order
from kucun.orders.services.confirm import order_confirm
from kucun.orders.services.ingest import orders_download

BUYERS = [
    ("Jack Nguyen", "45 Collins Street", "Melbourne", "VIC", "3000"),
    ("Olivia Smith", "12 Pitt Street", "Sydney", "NSW", "2000"),
    ("Mia Patel", "8 Adelaide Street", "Brisbane", "QLD", "4000"),
    ("Noah Wilson", "3 Rundle Mall", "Adelaide", "SA", "5000"),
]
UNLINKED_SKU = "GIFT-CARD-50"


def order_body(buyer: tuple[str, str, str, str, str], lines: list[tuple[str, int]]) -> dict:
    name, street, city, state, postcode = buyer
    first, last = name.split(" ", 1)
    email = f"{first.lower()}.{last.lower()}@example.com"
    return {
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "email": email,
        "customer": {"first_name": first, "last_name": last, "email": email},
        "shipping_address": {
            "name": name,
            "address1": street,
            "city": city,
            "province_code": state,
            "zip": postcode,
            "country_code": "AU",
            "phone": "0412 345 678",
        },
        "shipping_line": {"title": "Standard shipping", "price": "9.95"},
    }


def sellable_skus(store: Store, warehouse_codes: list[str]) -> list[tuple[str, int]]:
    """(SKU, units Kucun can sell from these warehouses) of the store's linked listings of
    single items, most first."""
    listings = list(
        Listing.objects.filter(store=store, status=ListingStatus.LINKED, item__isnull=False)
        .select_related("item")
        .order_by("sku")
    )
    items = [listing.item for listing in listings if listing.item is not None]
    warehouse_ids = set(
        store.warehouses.filter(code__in=warehouse_codes).values_list("pk", flat=True)
    )
    figures = stock_figures(items, warehouse_ids=warehouse_ids)
    found = []
    for listing in listings:
        item = listing.item
        if item is None or item.is_bundle:
            continue
        available = sum(figure.available for figure in figures.get(item.pk, {}).values())
        found.append((listing.sku, available))
    return sorted(found, key=lambda pair: -pair[1])


def place(domain: str, body: dict[str, Any]) -> None:
    from kucun.sandbox.shopify import orders as emulator_orders

    with transaction.atomic():
        emulator_orders.order_create(domain, body)


def demo_orders(store_ids: list[int], actor: Any = None) -> None:
    """Orders on the demo Shopify store, downloaded; the first one confirmed."""
    store = Store.objects.filter(pk__in=store_ids, platform="shopify").first()
    if store is None or Order.objects.filter(store=store).exists():
        return
    domain = str(store.options.get("shop_domain", ""))
    codes = list(store.warehouses.values_list("code", flat=True))
    skus = sellable_skus(store, codes)
    # The first order, from Melbourne, is shipped from MEL (where the Australia Post account
    # sends from), so it takes what MEL holds.
    in_stock = [sku for sku, available in sellable_skus(store, ["MEL"]) if available >= 3]
    if len(skus) < 4 or len(in_stock) < 4:
        return
    place(domain, order_body(BUYERS[0], [(in_stock[0], 1), (in_stock[1], 2)]))
    place(domain, order_body(BUYERS[1], [(in_stock[2], 1)]))
    place(domain, order_body(BUYERS[2], [(in_stock[3], 1), (in_stock[0], 1)]))
    scarce_sku, scarce_available = skus[-1]
    place(domain, order_body(BUYERS[3], [(scarce_sku, scarce_available + 5)]))
    place(domain, order_body(BUYERS[1], [(UNLINKED_SKU, 1), (in_stock[1], 1)]))
    orders_download(store=store, trigger=DownloadTrigger.MANUAL, user=actor)
    first = (
        Order.objects.filter(store=store, status=OrderStatus.TO_CONFIRM)
        .order_by("placed_at", "id")
        .first()
    )
    if first is not None:
        order_confirm(order=first, user=actor)
