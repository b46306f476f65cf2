"""A new owner sets up a warehouse and a catalogue in the console, as a person would."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from kucun.catalog.models import Item
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location, Warehouse, Zone


def open_menu_entry(page: Page, slug: str) -> None:
    entry = page.locator(f"a.dropdown-item[data-nav='{slug}']")
    page.locator("li.dropdown", has=entry).locator(".dropdown-toggle").click()
    entry.click()


def switch_language(page: Page, code: str) -> None:
    page.click("#user-menu")
    page.click(f"button[data-language='{code}']")
    expect(page.locator("html")).to_have_attribute("lang", code)


def test_warehouse_zone_bins_item_bundle_language_and_bin_lookup(
    page: Page,
    live_server: Any,
    login: Callable[[], None],
    shot: Callable[[str], Path],
) -> None:
    url = live_server.url
    login()
    shot("home")

    # A warehouse, through the menu.
    open_menu_entry(page, "warehouses")
    expect(page).to_have_url(re.compile(r"/warehouses/$"))
    page.goto(f"{url}/warehouses/new/")
    page.fill("#id_code", "syd")
    page.fill("#id_name", "Sydney")
    page.fill("#id_address_line1", "14 Euston Road")
    page.fill("#id_city", "Alexandria")
    page.fill("#id_state", "NSW")
    page.fill("#id_postcode", "2015")
    page.fill("#id_latitude", "-33.9056")
    page.fill("#id_longitude", "151.1939")
    shot("warehouse-form")
    page.click("#warehouse-save")
    expect(page.locator("h1")).to_contain_text("SYD")
    shot("warehouse-created")
    warehouse = Warehouse.objects.get(code="SYD")
    assert warehouse.name == "Sydney"
    # Its receiving bin came with it.
    assert Location.objects.filter(warehouse=warehouse, is_default_receiving=True).count() == 1

    # A picking zone.
    page.goto(f"{url}/warehouses/zones/new/")
    page.select_option("#id_warehouse", label="SYD Sydney")
    page.fill("#id_code", "pick")
    page.fill("#id_name", "Pick face")
    page.select_option("#id_kind", "picking")
    page.click("#zone-save")
    expect(page.locator("body")).to_contain_text("PICK")
    zone = Zone.objects.get(warehouse=warehouse, code="PICK")
    assert zone.kind == "picking"

    # Bins by pattern: aisle A, racks 01-20, levels 1-4 → 80 bins, previewed before creating.
    page.goto(f"{url}/warehouses/bins/pattern/")
    page.select_option("#id_zone", label="SYD / PICK — Pick face")
    page.fill("#id_code_prefix", "")
    page.fill("#id_aisles", "A")
    page.fill("#id_racks", "01-20")
    page.fill("#id_levels", "1-4")
    expect(page.locator("[data-preview-count]")).to_have_attribute("data-preview-count", "80")
    expect(page.locator("[data-code='A-01-1']")).to_be_visible()
    expect(page.locator("[data-code='A-20-4']")).to_be_visible()
    shot("bin-pattern-preview")
    page.click("#bin-pattern-create")
    expect(page.locator("body")).to_contain_text("80")
    shot("bins-created")
    bins = Location.objects.filter(kind=LocationKind.INTERNAL, zone=zone)
    assert bins.count() == 80
    assert set(bins.values_list("code", flat=True)) >= {"A-01-1", "A-20-4"}

    # The same pattern again is refused and creates nothing.
    page.goto(f"{url}/warehouses/bins/pattern/")
    page.select_option("#id_zone", label="SYD / PICK — Pick face")
    page.fill("#id_racks", "01-02")
    expect(page.locator("[data-preview-clashes]")).to_be_visible()
    page.click("#bin-pattern-create")
    expect(page.locator(".alert-danger, .invalid-feedback").first).to_be_visible()
    shot("bins-refused")
    assert bins.count() == 80

    # An item.
    page.goto(f"{url}/catalog/items/new/")
    page.fill("#id_sku", "BEER-LAG-12")
    page.fill("#id_name", "Beer dozen")
    page.fill("#id_barcode", "9300002000012")
    page.fill("#id_unit", "carton")
    page.fill("#id_weight_g", "4400")
    page.fill("#id_reorder_point", "10")
    shot("item-form")
    page.click("#item-save")
    expect(page.locator("h1")).to_contain_text("BEER-LAG-12")
    shot("item-created")
    dozen = Item.objects.get(sku="BEER-LAG-12")
    assert (dozen.name, dozen.barcode, dozen.weight_g, dozen.is_bundle) == (
        "Beer dozen",
        "9300002000012",
        4400,
        False,
    )

    # A bundle: Beer case = 4 × Beer dozen, the component found by searching.
    page.goto(f"{url}/catalog/bundles/new/")
    page.fill("#id_sku", "BEER-CASE-48")
    page.fill("#id_name", "Beer case")
    page.locator("input[name='component_sku']").last.fill("BEER-LAG-12")
    page.locator("input[name='component_quantity']").last.fill("4")
    shot("bundle-form")
    page.click("#bundle-save")
    expect(page.locator("h1")).to_contain_text("BEER-CASE-48")
    shot("bundle-created")
    case = Item.objects.get(sku="BEER-CASE-48")
    assert case.is_bundle
    assert list(case.components.values_list("component__sku", "quantity")) == [("BEER-LAG-12", 4)]

    # Chinese, then back to English; the choice is remembered across pages.
    switch_language(page, "zh-hans")
    page.goto(f"{url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("nav")).to_contain_text("仓库")
    expect(page.locator("#logout")).to_have_text("退出登录")
    shot("chinese")
    switch_language(page, "en")
    page.goto(f"{url}/")
    expect(page.locator("#logout")).to_have_text("Log out")

    # Look up a bin by its code.
    page.goto(f"{url}/warehouses/bin-lookup/")
    page.fill("#bin-lookup-q", "a-07-2")
    page.click("#bin-lookup-submit")
    expect(page).to_have_url(re.compile(r"q=a-07-2"))
    expect(page.locator("[data-count]")).to_have_attribute("data-count", "1")
    expect(page.locator("tr[data-bin='A-07-2']")).to_be_visible()
    shot("bin-lookup")
