"""Shipping a parcel from the console with a sandbox Australia Post account: add the account
and test it, add a rule and try the rules, create a shipment from a warehouse to an address,
download its label (the PDF holds the tracking number) and, once the carrier's clock has moved
on, see the tracking events."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from kucun.catalog.services import item_create
from kucun.sandbox.auspost import state as auspost
from kucun.shipping.models import CarrierAccount, ShippingRule
from kucun.warehouses.services import warehouse_create

ACCOUNT = "AusPost Melbourne"


def test_add_an_account_a_rule_and_ship_a_parcel_with_its_label_and_tracking(
    page: Page,
    live_server: Any,
    login: Callable[[], None],
    shot: Callable[[str], Path],
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.SANDBOX_SERVER_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    warehouse = warehouse_create(
        user=None,
        code="MEL",
        name="Melbourne",
        address_line1="220 Somerville Road",
        city="West Footscray",
        state="VIC",
        postcode="3012",
        phone="0390002200",
    )
    item_create(user=None, sku="BBQ-TONGS", name="BBQ tongs", weight_g=450)
    auspost.reset()  # the emulator's own test account
    login()

    # The account: Australia Post's own form, in the sandbox, with the emulator's credentials.
    page.goto(f"{live_server.url}/shipping/carriers/")
    page.click("#carrier-create")
    page.click("[data-carrier=auspost]")
    page.fill("#id_name", ACCOUNT)
    page.select_option("#id_sender_warehouse", str(warehouse.pk))
    page.check("#id_sandbox")
    page.select_option("#id_default_service", "T28")
    shot("account-form")
    page.click("#carrier-save")
    expect(page.locator("h1")).to_contain_text(ACCOUNT)
    expect(page.locator("body")).not_to_contain_text(auspost.DEFAULT_PASSWORD)
    page.click("#carrier-test")
    expect(page.locator("#connection-ok")).to_be_visible()
    expect(page.locator("#connection-services")).to_contain_text("T28")
    shot("account-tested")
    account = CarrierAccount.objects.get(name=ACCOUNT)

    # A rule: parcels to New South Wales go Express Post.
    page.goto(f"{live_server.url}/shipping/rules/")
    page.click("#rule-create")
    page.fill("#id_name", "NSW by Express Post")
    page.select_option("#id_action", "carrier")
    page.select_option("#id_carrier_account", str(account.pk))
    page.select_option("#id_service_code", f"{account.pk}:E34")
    page.fill("#id_states", "NSW")
    shot("rule-form")
    page.click("#rule-save")
    rule = ShippingRule.objects.get(name="NSW by Express Post")
    expect(page.locator("#rule-table")).to_contain_text("NSW by Express Post")

    # Try the rules: a parcel to Sydney takes the new rule; one to Perth does not.
    page.click("#rule-test")
    page.fill("#id_state", "NSW")
    page.fill("#id_postcode", "2000")
    page.fill("#id_items", "BBQ-TONGS 2")
    page.click("#rule-test-run")
    expect(page.locator("#rule-test-result [data-matched]")).to_have_attribute(
        "data-matched", str(rule.pk)
    )
    shot("rules-tried")
    page.fill("#id_state", "WA")
    page.fill("#id_postcode", "6000")
    page.click("#rule-test-run")
    expect(page.locator(f"#rule-test-table tr[data-rule='{rule.pk}']")).to_contain_text("WA")

    # A shipment of two tongs from Melbourne to Sydney, with its label.
    page.goto(f"{live_server.url}/shipping/shipments/")
    page.click("#shipment-new")
    page.select_option("#id_carrier_account", str(account.pk))
    page.select_option("#id_service_code", "E34")
    page.fill("#id_receiver_name", "Ann Lee")
    page.fill("#id_receiver_line1", "1 George Street")
    page.fill("#id_receiver_suburb", "Sydney")
    page.fill("#id_receiver_state", "NSW")
    page.fill("#id_receiver_postcode", "2000")
    page.fill("#id_receiver_phone", "0412345678")
    page.fill("#id_receiver_email", "ann@example.com")
    page.fill("#id_item_sku_1", "BBQ-TONGS")
    page.fill("#id_item_qty_1", "2")
    page.fill("#id_length_cm", "30")
    page.fill("#id_width_cm", "20")
    page.fill("#id_height_cm", "10")
    shot("shipment-form")
    page.click("#shipment-create")
    expect(page.locator("#shipment-status")).to_have_attribute("data-status", "label_ready")
    tracking_number = page.locator("#parcel-table .tracking-number").first.inner_text().strip()
    assert tracking_number
    assert tracking_number != "—"
    shot("shipment-created")

    with page.expect_download() as download:
        page.click("#label-download")
    label = Path(download.value.path()).read_bytes()
    text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(label)).pages)
    assert tracking_number in text

    # Two days on at the carrier: the refresh shows what happened to the parcel.
    expect(page.locator("#tracking-events .tracking-event")).to_have_count(0)
    auspost.emulator.set_clock(advance_seconds=2 * 24 * 3600 + 60)
    page.click("#shipment-track")
    expect(page.locator("#tracking-events .tracking-event").first).to_be_visible()
    expect(page.locator("#tracking-events")).to_contain_text("In transit")
    shot("tracked")
