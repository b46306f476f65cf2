"""Receiving stock with a barcode scanner (a keyboard that types the code and Enter) and the
keyboard alone, a scanned bundle replaced by its components, then finding the stock in the
stock query and the bin lookup."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from kucun.catalog.services import bundle_set_components, item_create
from kucun.demo.data import ean13
from kucun.inventory.choices import DocumentStatus
from kucun.inventory.models import BinStock, Receipt, StockMove
from kucun.warehouses.choices import ZoneKind
from kucun.warehouses.services import bins_create_by_pattern, warehouse_create, zone_create

SAUSAGE_BARCODE = ean13("930000100001")
BEER_BARCODE = ean13("930000200001")


def scan(page: Page, code: str, expect_text: str) -> None:
    page.fill("#scan-input", code)
    page.press("#scan-input", "Enter")
    expect(page.locator("#scan-status")).to_contain_text(expect_text)


def filled_lines(page: Page) -> list[tuple[str, str, str]]:
    return [
        tuple(row)  # type: ignore[misc]
        for row in page.eval_on_selector_all(
            "[data-lines] [data-line]",
            """rows => rows
                .map(r => ['line_sku', 'line_qty', 'line_bin']
                    .map(n => r.querySelector(`[name=${n}]`).value))
                .filter(values => values[0].trim() !== '')""",
        )
    ]


def test_receipt_by_scanning_then_stock_query_and_bin_lookup(
    page: Page,
    live_server: Any,
    login: Callable[[], None],
    shot: Callable[[str], Path],
) -> None:
    warehouse = warehouse_create(user=None, code="SYD", name="Sydney")
    zone = zone_create(
        user=None, warehouse_id=warehouse.pk, code="PICK", name="Pick face", kind=ZoneKind.PICKING
    )
    bins_create_by_pattern(user=None, zone_id=zone.pk, aisles="A", racks="01", levels="1-2")
    item_create(
        user=None, sku="SAU-ORIG-500", name="Original sausage pack", barcode=SAUSAGE_BARCODE
    )
    item_create(user=None, sku="BEER-LAG-12", name="Beer dozen", barcode=BEER_BARCODE)
    case = item_create(user=None, sku="BEER-CASE", name="Beer case", is_bundle=True)
    bundle_set_components(user=None, bundle_id=case.pk, components=[("BEER-LAG-12", 4)])
    url = live_server.url
    login()

    page.goto(f"{url}/inventory/receipts/new/")
    expect(page.locator("#scan-input")).to_be_focused()
    page.fill("#id_reference", "PO-1001")

    # The bin first, then the items in it: three packs of sausages.
    scan(page, "a-01-1", "Bin A-01-1")
    expect(page.locator("#scan-current-bin")).to_have_text("A-01-1")
    scan(page, SAUSAGE_BARCODE, "quantity now 1")
    scan(page, SAUSAGE_BARCODE, "quantity now 2")
    scan(page, SAUSAGE_BARCODE, "quantity now 3")
    assert filled_lines(page) == [("SAU-ORIG-500", "3", "A-01-1")]

    # An unknown code is announced and changes nothing.
    scan(page, "0000000000000", "0000000000000")
    status = page.locator("#scan-status")
    expect(status).to_have_attribute("data-scan-result", "error")
    expect(status).to_contain_text("Nothing changed")
    expect(page.locator("#scan-current-bin")).to_have_text("A-01-1")
    assert filled_lines(page) == [("SAU-ORIG-500", "3", "A-01-1")]
    shot("unknown-code")

    # Another bin, two dozens of beer.
    scan(page, "A-01-2", "Bin A-01-2")
    scan(page, BEER_BARCODE, "quantity now 1")
    scan(page, BEER_BARCODE, "quantity now 2")
    assert filled_lines(page) == [
        ("SAU-ORIG-500", "3", "A-01-1"),
        ("BEER-LAG-12", "2", "A-01-2"),
    ]
    # A bundle scanned is replaced by its components, merged with the beer line of this bin.
    scan(page, "BEER-CASE", "1 × BEER-CASE is a bundle")
    expect(page.locator("#line-notices [data-line-notice]")).to_contain_text(
        "replaced by its components (4 × BEER-LAG-12)"
    )
    assert filled_lines(page) == [
        ("SAU-ORIG-500", "3", "A-01-1"),
        ("BEER-LAG-12", "6", "A-01-2"),
    ]

    # One line typed with the keyboard only: the SKU by name, Enter takes the single match and
    # moves on; the quantity, Enter; the bin, the arrow key to the second suggestion, Enter.
    sku_cell = page.locator("[data-lines] [data-line]").nth(2).locator("[name=line_sku]")
    sku_cell.focus()
    page.keyboard.type("original sau")
    expect(page.locator("#line-suggestions [role=option]")).to_have_count(1)
    page.keyboard.press("Enter")
    third_line = page.locator("[data-lines] [data-line]").nth(2)
    expect(third_line.locator("[name=line_qty]")).to_be_focused()
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    bin_cell = page.locator("[data-lines] [data-line]").nth(2).locator("[name=line_bin]")
    expect(bin_cell).to_be_focused()
    page.keyboard.type("a-01")
    options = page.locator("#line-suggestions [role=option]")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    shot("bin-suggestions")
    page.keyboard.press("Enter")
    expect(bin_cell).to_have_value("A-01-2")
    assert filled_lines(page) == [
        ("SAU-ORIG-500", "3", "A-01-1"),
        ("BEER-LAG-12", "6", "A-01-2"),
        ("SAU-ORIG-500", "4", "A-01-2"),
    ]
    # The scanner's Enter never submitted the form, nor did Enter in the lines.
    assert Receipt.objects.count() == 0
    shot("scanned")

    page.click("#post-document")
    expect(page.locator("#document-number")).to_be_visible()
    expect(page.locator("h1")).to_contain_text(re.compile("posted", re.IGNORECASE))
    shot("posted")
    receipt = Receipt.objects.get()
    assert (receipt.reference, receipt.status) == ("PO-1001", DocumentStatus.POSTED)
    assert StockMove.objects.count() == 1
    assert set(BinStock.objects.values_list("location__code", "item__sku", "on_hand")) == {
        ("A-01-1", "SAU-ORIG-500", 3),
        ("A-01-2", "BEER-LAG-12", 6),
        ("A-01-2", "SAU-ORIG-500", 4),
    }

    # The stock query shows it.
    page.goto(f"{url}/inventory/stock/")
    page.fill("#id_q", "sausage")
    page.click("#stock-filter-submit")
    expect(page.locator("[data-count]")).to_have_attribute("data-count", "1")
    row = page.locator("#stock-table tr[data-sku='SAU-ORIG-500']")
    expect(row.locator("[data-available]")).to_have_attribute("data-available", "7")
    shot("stock-query")

    # So does the bin lookup, by SKU and by bin.
    page.goto(f"{url}/warehouses/bin-lookup/?q=BEER-LAG-12")
    beer = page.locator("tr[data-bin='A-01-2'][data-sku='BEER-LAG-12']")
    expect(beer).to_contain_text("Beer dozen")
    expect(beer.locator("td.num")).to_have_text("6")
    page.goto(f"{url}/warehouses/bin-lookup/")
    page.fill("#bin-lookup-q", "a-01-1")
    page.click("#bin-lookup-submit")
    sausages = page.locator("tr[data-bin='A-01-1'][data-sku='SAU-ORIG-500']")
    expect(sausages.locator("td.num")).to_have_text("3")
    shot("bin-lookup")
