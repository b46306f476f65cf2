"""Items from a Shopify product CSV export and from an eBay active listings report."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kucun.catalog.models import Item
from tests.core.dataio_support import errors_of, run_import, write_csv

pytestmark = pytest.mark.django_db

SHOPIFY = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,"
    "Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,"
    "Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,"
    "Variant Fulfillment Service,Variant Price,Variant Compare At Price,"
    "Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,"
    "Image Alt Text,Gift Card,Variant Weight Unit,Cost per item,Status\n"
    "pale-ale,Pale Ale,<p>Hoppy</p>,Brewery,,Beer,,TRUE,Pack,Dozen,,,,,ALE-12,4200.0,shopify,"
    "10,deny,manual,45.00,,TRUE,TRUE,9300000000017,https://cdn/x.jpg,1,,FALSE,kg,30.00,active\n"
    "pale-ale,,,,,,,,,Case,,,,,ALE-48,16800.0,shopify,3,deny,manual,170.00,,TRUE,TRUE,"
    "9300000000024,,,,,kg,110.50,\n"
    "pale-ale,,,,,,,,,,,,,,,,,,,,,,,,,https://cdn/y.jpg,2,,,,,\n"
    "green-tea,Green Tea,,,,,,TRUE,Title,Default Title,,,,,TEA-1,100,shopify,5,deny,manual,"
    "6.00,,TRUE,TRUE,,,,,FALSE,g,2.10,draft\n"
)

EBAY = (
    "Item number,Title,Variation details,Custom label (SKU),Available quantity,Format,Currency,"
    "Start price,Auction Buy It Now price,Reserve price,Current price,Sold quantity,Watchers,"
    "Bids,Start date,End date,eBay category 1 name,eBay category 1 number,Condition,P:UPC,"
    "P:EAN,P:ISBN\n"
    "123456789012,Pale Ale,,ALE-12,10,FIXED_PRICE,AUD,45.00,,,45.00,2,1,0,,,Beer,123,New,"
    "Does not apply,9300000000017,\n"
    "223456789012,Beanie,Colour=Red,HAT-RED,4,FIXED_PRICE,AUD,20.00,,,20.00,0,0,0,,,Hats,5,"
    "New,012345678905,,\n"
)


def test_shopify_product_export_maps_variants(tmp_path: Path) -> None:
    run, result = run_import("items", write_csv(tmp_path, SHOPIFY, "products_export.csv"))

    assert result.complete, errors_of(result)
    assert run.source == "shopify"
    assert result.created == 3
    assert list(
        Item.objects.order_by("sku").values_list(
            "sku", "name", "barcode", "weight_g", "cost_price", "active"
        )
    ) == [
        ("ALE-12", "Pale Ale - Dozen", "9300000000017", 4200, Decimal("30.00"), True),
        ("ALE-48", "Pale Ale - Case", "9300000000024", 16800, Decimal("110.50"), True),
        ("TEA-1", "Green Tea", None, 100, Decimal("2.10"), False),
    ]


def test_shopify_variant_without_sku_is_reported_in_shopify_terms(tmp_path: Path) -> None:
    text = SHOPIFY.replace(",ALE-48,", ",,")

    _run, result = run_import("items", write_csv(tmp_path, text))

    assert errors_of(result) == [
        (3, "Variant SKU", "SKU is required: enter the item's stock-keeping code.")
    ]
    assert Item.objects.count() == 0


def test_ebay_active_listings_report(tmp_path: Path) -> None:
    run, result = run_import("items", write_csv(tmp_path, EBAY, "active_listings.csv"))

    assert result.complete, errors_of(result)
    assert run.source == "ebay"
    assert list(Item.objects.order_by("sku").values_list("sku", "name", "barcode")) == [
        ("ALE-12", "Pale Ale", "9300000000017"),
        ("HAT-RED", "Beanie - Colour=Red", "012345678905"),
    ]


def test_ebay_updates_existing_items_by_custom_label(tmp_path: Path) -> None:
    Item.objects.create(sku="ale-12", name="Old name", weight_g=4000)

    _run, result = run_import("items", write_csv(tmp_path, EBAY))

    assert (result.created, result.updated) == (1, 1)
    assert Item.objects.filter(sku="ale-12").values_list("name", "weight_g").get() == (
        "Pale Ale",
        4000,
    )
