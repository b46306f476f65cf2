"""Binding a sandbox Shopify store from the console, then watching a receipt's stock arrive on
the (emulated) platform: test the connection, pull, quick match, link a listing by hand, post
a receipt, and find the new quantity on the sandbox shop's page and in the sync log."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from kucun.catalog.services import item_create
from kucun.channels.models import Listing
from kucun.sandbox.shopify.control import reset, seed
from kucun.warehouses.choices import ZoneKind
from kucun.warehouses.services import bins_create_by_pattern, warehouse_create, zone_create

SHOP = "sausage-e2e.myshopify.com"
CLIENT_ID = "e2e-client-id"
CLIENT_SECRET = "shpss_e2e_client_secret_not_real"


def sandbox_shop() -> None:
    reset()
    seed(
        {
            "shops": [
                {
                    "domain": SHOP,
                    "name": "Sausage E2E",
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "locations": [{"name": "Online"}],
                    "products": [
                        {
                            "title": "Original sausages",
                            "variants": [{"sku": "SAU-ORIG-500", "quantity": 2}],
                        },
                        {
                            "title": "Beer dozen",
                            "variants": [{"sku": "beer-lag-12 ", "quantity": 9}],
                        },
                        {"title": "Gift mug", "variants": [{"sku": "MUG-GIFT", "quantity": 1}]},
                    ],
                }
            ]
        }
    )


def test_bind_pull_match_link_and_watch_a_receipt_reach_the_shop(
    page: Page,
    live_server: Any,
    login: Callable[[], None],
    shot: Callable[[str], Path],
    settings: Any,
) -> None:
    settings.SANDBOX_SERVER_URL = live_server.url
    settings.STOCK_SYNC_DRAIN_ON_COMMIT = True
    warehouse = warehouse_create(user=None, code="SYD", name="Sydney")
    zone = zone_create(
        user=None, warehouse_id=warehouse.pk, code="PICK", name="Pick face", kind=ZoneKind.PICKING
    )
    bins_create_by_pattern(user=None, zone_id=zone.pk, aisles="A", racks="01", levels="1")
    for sku, name in [
        ("SAU-ORIG-500", "Original sausage pack"),
        ("BEER-LAG-12", "Beer dozen"),
        ("MUG-BLUE", "Blue mug"),
    ]:
        item_create(user=None, sku=sku, name=name)
    sandbox_shop()
    login()

    # Bind: Shopify's own form, in the sandbox.
    page.goto(f"{live_server.url}/channels/stores/")
    page.click("#store-create")
    page.click("[data-platform=shopify]")
    page.fill("#id_name", "Sausage online")
    page.select_option("#id_warehouses", label=str(warehouse))
    page.check("#id_sandbox")
    page.fill("#id_option_shop_domain", SHOP)
    page.fill("#id_credential_client_id", CLIENT_ID)
    page.fill("#id_credential_client_secret", CLIENT_SECRET)
    shot("bind-form")
    page.click("#store-save")
    expect(page.locator("h1")).to_contain_text("Sausage online")
    expect(page.locator("body")).not_to_contain_text(CLIENT_SECRET)

    # Test the connection: the shop's own name and its location.
    page.click("#store-test")
    expect(page.locator("#connection-account")).to_have_text("Sausage E2E")
    shot("connected")

    # A full pull, then a quick match (SKU, trimmed and in any case).
    page.click("#pull-full")
    expect(page.locator("#run-status")).to_have_attribute("data-status", "succeeded")
    expect(page.locator("[data-count=new]")).to_have_text("3")
    page.goto(page.url.split("/pulls/")[0] + "/")
    page.click("#quick-match")
    expect(page.locator("[data-count=linked]")).to_have_text("2")
    shot("matched")

    # The mug is linked by hand, found by name.
    page.click("#run-listings")
    row = page.locator("tr[data-listing=MUG-GIFT]")
    expect(row).to_have_attribute("data-status", "unlinked")
    row.locator("[data-link]").click()
    page.fill("#link-item", "blue")
    page.click("#item-choices [data-sku=MUG-BLUE]")
    page.click("#link-save")
    expect(page.locator("tr[data-listing=MUG-GIFT]")).to_have_attribute("data-status", "linked")
    shot("linked")

    # Linking pushed what Kucun holds (nothing yet) to every linked listing.
    shop_page = f"{live_server.url}/sandbox/shopify/accounts/{SHOP}/"
    page.goto(shop_page)
    expect(page.locator("tr[data-sku=MUG-GIFT] [data-quantity]")).to_have_text("0")

    # A receipt of 7 mugs reaches the shop.
    page.goto(f"{live_server.url}/inventory/receipts/new/")
    line = page.locator("[data-lines] [data-line]").first
    line.locator("[name=line_sku]").fill("MUG-BLUE")
    line.locator("[name=line_qty]").fill("7")
    line.locator("[name=line_bin]").fill("A-01-1")
    page.click("#post-document")
    expect(page.locator("h1")).to_contain_text(re.compile("posted", re.IGNORECASE))
    page.goto(shop_page)
    expect(page.locator("tr[data-sku=MUG-GIFT] [data-quantity]")).to_have_text("7")
    shot("sandbox-shop")

    page.goto(f"{live_server.url}/channels/sync-log/?sku=MUG-GIFT&status=succeeded")
    expect(page.locator("#sync-table tr[data-sku=MUG-GIFT]").first).to_be_visible()
    shot("sync-log")
    listing = Listing.objects.get(sku="MUG-GIFT")
    assert listing.platform_quantity == 7
