"""An order's whole life from the console: a buyer orders on the sandbox Shopify store and the
order appears by webhook within seconds (and, with the webhook gone, by "Download now"); it is
confirmed, which creates the Australia Post shipment with its tracking number and label and
sends the tracking number back to the store, whose page shows the fulfilment; the sync log
shows the stock pushed to the store after the sale."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from kucun.catalog.services import item_create
from kucun.channels.services.listings import listings_match, listings_pull
from kucun.channels.services.stores import store_create
from kucun.core.secrets import encrypt_mapping
from kucun.inventory.services import DocumentLineInput, receipt_create
from kucun.orders.models import Order
from kucun.sandbox.auspost import state as auspost
from kucun.sandbox.shopify import control as shopify
from kucun.sandbox.shopify import state as shopify_state
from kucun.shipping.carrier_registry import carrier_spec
from kucun.shipping.models import CarrierAccount
from kucun.shipping.services.rules import rule_update, rules_ensure_default
from kucun.warehouses.services import warehouse_create
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)

DOMAIN = "e2e-orders.myshopify.com"
SKU = "BBQ-TONGS"


def place_order(control: Sandbox, city: str) -> str:
    """A buyer's order on the sandbox store, through the emulator's control plane."""
    answer = control.emu(
        "shopify",
        "orders",
        {
            "shop": DOMAIN,
            "lines": [{"sku": SKU, "quantity": 2}],
            "email": "ann@example.com",
            "customer": {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"},
            "shipping_address": {
                "name": "Ann Lee",
                "address1": "1 George Street",
                "city": city,
                "province_code": "VIC",
                "zip": "3000",
                "country_code": "AU",
                "phone": "0412345678",
            },
            "shipping_line": {"title": "Standard"},
        },
    )
    return str(answer.json()["name"])


def set_up_store(base_url: str) -> Any:
    """Warehouse MEL with stock of one item, a sandbox Australia Post account sending from it as
    the default rule, and a sandbox Shopify store selling the item from MEL, linked, whose shop
    sends order webhooks to Kucun."""
    warehouse = warehouse_create(
        user=None,
        code="MEL",
        name="Melbourne",
        address_line1="220 Somerville Road",
        city="West Footscray",
        state="VIC",
        postcode="3012",
        phone="0390002200",
        latitude="-37.8015",
        longitude="144.8790",
    )
    item_create(
        user=None,
        sku=SKU,
        name="BBQ tongs",
        weight_g=450,
        length_mm=400,
        width_mm=80,
        height_mm=40,
    )
    receipt_create(
        user=None, warehouse="MEL", kind="purchase", lines=[DocumentLineInput(SKU, 10)], post=True
    )
    auspost.reset()
    account = CarrierAccount.objects.create(
        name="AusPost Melbourne",
        carrier="auspost",
        sandbox=True,
        credentials_encrypted=encrypt_mapping(dict(carrier_spec("auspost").sandbox_credentials)),
        options={"two_step_labels": "off"},
        sender_warehouse=warehouse,
        default_service="T28",
    )
    rule_update(
        user=None,
        rule_id=rules_ensure_default().pk,
        changes={"action": "carrier", "carrier_account": account.pk, "service_code": "T28"},
    )
    shopify.reset()
    seeded = shopify.seed(
        {
            "shops": [
                {
                    "domain": DOMAIN,
                    "name": "E2E shop",
                    "client_id": "e2e-client",
                    "client_secret": "shpss_e2e_secret",
                    "locations": [{"name": "Melbourne"}],
                    "products": [
                        {
                            "title": "BBQ tongs",
                            "variants": [{"sku": SKU, "title": "Default", "quantity": 10}],
                        }
                    ],
                }
            ]
        }
    )
    store = store_create(
        actor=None,
        platform="shopify",
        name="E2E shop",
        credentials={"client_id": "e2e-client", "client_secret": "shpss_e2e_secret"},
        options={
            "shop_domain": DOMAIN,
            "api_version": "2026-01",
            "location_ref": seeded["shops"][0]["locations"][0]["id"],
        },
        warehouse_ids=[warehouse.pk],
        sandbox=True,
    )
    listings_pull(store=store, mode="full")
    listings_match(store=store)
    shopify.seed(
        {
            "shops": [
                {
                    "domain": DOMAIN,
                    "webhooks": [
                        {"topic": "ORDERS_CREATE", "uri": f"{base_url}/hooks/shopify/{store.pk}"}
                    ],
                }
            ]
        }
    )
    return store


def wait_for_row(page: Page, url: str, number: str, seconds: float) -> None:
    """Reload the order list until the order's number is in it."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(url)
        if page.locator("#order-table").filter(has_text=number).count():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"order {number} not in the list after {seconds} s")
        time.sleep(0.5)


def test_an_order_comes_by_webhook_and_by_download_is_confirmed_and_its_tracking_goes_back(
    page: Page,
    live_server: Any,
    sandbox: Sandbox,  # noqa: F811
    login: Callable[[], None],
    shot: Callable[[str], Path],
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.SANDBOX_SERVER_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STOCK_SYNC_DRAIN_ON_COMMIT = True
    store = set_up_store(live_server.url)
    login()

    # By webhook: the order is in the console within seconds, allocated.
    by_webhook = place_order(sandbox, "Melbourne")
    wait_for_row(page, f"{live_server.url}/orders/", by_webhook, seconds=10)
    shot("order-by-webhook")

    # With the webhook gone, "Download now" brings the next one.
    for record in shopify_state.emulator.records(DOMAIN, "webhook"):
        record.delete()
    by_download = place_order(sandbox, "Melbourne")
    page.goto(f"{live_server.url}/orders/")
    expect(page.locator("#order-table")).not_to_contain_text(by_download)
    page.click("#download-now-menu")
    page.click(f"[data-download-store='{store.pk}']")
    wait_for_row(page, f"{live_server.url}/orders/", by_download, seconds=10)
    shot("order-by-download")

    # Confirm the first: Australia Post's tracking number and label, and shipped.
    order = Order.objects.get(store=store, number=by_webhook)
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator("#order-routing")).to_contain_text("MEL")
    page.click("#order-confirm")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    tracking = page.locator("#order-shipments .tracking-number").first
    expect(tracking).to_be_visible()
    number = tracking.inner_text().strip()
    assert number
    expect(page.locator("#order-status")).to_contain_text(re.compile("shipped", re.IGNORECASE))
    expect(page.locator("#order-shipments [data-label]")).to_be_visible()
    expect(page.locator("#order-timeline")).to_contain_text(
        re.compile("sent to the store", re.IGNORECASE)
    )
    shot("order-shipped")

    # The sandbox store shows the fulfilment with that tracking number.
    page.goto(f"{live_server.url}/sandbox/shopify/accounts/{DOMAIN}/")
    expect(page.locator("body")).to_contain_text(number)
    shot("shop-fulfilment")

    # The sync log shows the quantity pushed to the store after the orders.
    page.goto(f"{live_server.url}/channels/sync-log/")
    expect(page.locator("body")).to_contain_text(SKU)
    shot("sync-log")
