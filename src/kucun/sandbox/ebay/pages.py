"""Pages for people: the sellers the emulator holds, and one seller's items with their SKU,
barcodes, quantities and last change, so a push can be watched as it arrives, and the seller's
orders with the packages marked shipped."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.sandbox.control import operator_required
from kucun.sandbox.ebay import orders
from kucun.sandbox.ebay.state import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_RU_NAME,
    DEFAULT_SELLER,
    EBAY,
    item_quantity,
    item_records,
    listing_quantity,
    seller_exists,
    sellers,
)
from kucun.sandbox.models import EmulatorRecord

ITEMS_PER_PAGE = 100
RECENT_ORDERS = 50


@operator_required("viewer", page=True)
def sellers_page(request: HttpRequest) -> HttpResponse:
    rows = []
    for seller in sellers():
        data = EBAY.get(seller, "seller", seller) or {}
        rows.append(
            {
                "username": seller,
                "client_id": data.get("client_id", ""),
                "items": EBAY.records(seller, "inventory_item").count(),
            }
        )
    return render(
        request,
        "sandbox/ebay/sellers.html",
        {
            "sellers": rows,
            "default": {
                "seller": DEFAULT_SELLER,
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "refresh_token": DEFAULT_REFRESH_TOKEN,
                "ru_name": DEFAULT_RU_NAME,
            },
        },
    )


@operator_required("viewer", page=True)
def seller_page(request: HttpRequest, seller: str) -> HttpResponse:
    if not seller_exists(seller):
        raise Http404
    page = Paginator(item_records(seller), ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    records = list(page.object_list)
    offer_records: dict[str, list[EmulatorRecord]] = {}
    for found in EBAY.records(seller, "offer").filter(
        data__sku__in=[record.key for record in records]
    ):
        offer_records.setdefault(found.data["sku"], []).append(found)
    rows = []
    for record in records:
        product = record.data.get("product", {})
        sku_offers = offer_records.get(record.key, [])
        offers = [found.data for found in sku_offers]
        rows.append(
            {
                "sku": record.key,
                "title": product.get("title", ""),
                "ean": ", ".join(product.get("ean", [])),
                "upc": ", ".join(product.get("upc", [])),
                "quantity": item_quantity(record.data),
                "listing_quantity": listing_quantity(record.data, offers),
                "offers": offers,
                "updated_at": max([record.updated_at] + [found.updated_at for found in sku_offers]),
            }
        )
    return render(
        request,
        "sandbox/ebay/seller.html",
        {"seller": seller, "page": page, "rows": rows, "orders": order_rows(seller)},
    )


def order_rows(seller: str) -> list[dict[str, Any]]:
    """The seller's recent orders, each with its ship-to and its packages' tracking."""
    found = orders.order_records(seller).order_by("-created_at", "-id")[:RECENT_ORDERS]
    rows = []
    for record in found:
        instructions = record.data.get("fulfillmentStartInstructions") or [{}]
        rows.append(
            {
                **record.data,
                "ship_to": instructions[0].get("shippingStep", {}).get("shipTo"),
                "fulfillments": orders.fulfillments(seller, record.key),
            }
        )
    return rows
