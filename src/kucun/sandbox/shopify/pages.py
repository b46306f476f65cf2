"""Pages for people: the emulated shops, and one shop's variants with their quantities per
location and last change, so a push can be watched arriving."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.sandbox.control import operator_required
from kucun.sandbox.shopify import order_payloads, orders, state
from kucun.sandbox.shopify.control import DEFAULT_SHOP

PAGE_SIZE = 100
RECENT_ORDERS = 50


@operator_required("viewer", page=True)
def shops(request: HttpRequest) -> HttpResponse:
    rows = []
    for domain in state.shop_domains():
        shop = state.shop_get(domain)
        if shop is None:
            continue
        rows.append(
            {
                "shop": shop,
                "variants": state.variants(domain).count(),
                "locations": [record.data["name"] for record in state.locations(domain)],
            }
        )
    return render(
        request,
        "sandbox/shopify/shops.html",
        {"rows": rows, "default": DEFAULT_SHOP},
    )


@operator_required("viewer", page=True)
def account(request: HttpRequest, shop: str) -> HttpResponse:
    found = state.shop_get(shop)
    if found is None:
        raise Http404("No such sandbox shop")
    locations = list(state.locations(shop))
    pages = Paginator(state.variants(shop).order_by("-updated_at", "-id"), PAGE_SIZE)
    page = pages.get_page(request.GET.get("page"))
    rows = [
        {
            "id": record.key,
            "item": state.inventory_item_id(int(record.key)),
            "sku": record.data.get("sku", ""),
            "barcode": record.data.get("barcode") or "",
            "title": record.data.get("title", ""),
            "quantities": [
                state.quantity_of(record.data, int(location.key), "available")
                for location in locations
            ],
            "updated_at": state.shopify_time(record.updated_at),
            "reason": record.data.get("last_change", {}).get("reason", ""),
        }
        for record in page.object_list
    ]
    return render(
        request,
        "sandbox/shopify/account.html",
        {
            "shop": found,
            "locations": [
                {"name": record.data["name"], "gid": state.gid("Location", record.key)}
                for record in locations
            ],
            "rows": rows,
            "page": page,
            "mutations": state.recent_mutations(shop, 20),
            "orders": order_rows(shop),
            "is_default": shop == DEFAULT_SHOP["domain"],
            "default": DEFAULT_SHOP,
        },
    )


def order_rows(shop: str) -> list[dict[str, Any]]:
    """The shop's recent orders, each with its lines and fulfilments (tracking numbers)."""
    found = orders.orders(shop).order_by("-created_at", "-id")[:RECENT_ORDERS]
    return [
        {
            "json": order_payloads.order_json(record),
            "fulfillment_status": orders.fulfillment_status(record.data),
            "fulfillment_orders": record.data["fulfillment_orders"],
        }
        for record in found
    ]
