"""Moving stock between bins with a barcode scanner: a bundle scanned or typed on a transfer's
line is replaced by its components, in the line's from-bin and to-bin, before anything is
saved."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from kucun.catalog.services import bundle_set_components, item_create
from kucun.demo.data import ean13
from kucun.inventory.choices import TransferStatus
from kucun.inventory.models import BinStock, Transfer
from kucun.inventory.services import DocumentLineInput, receipt_create
from kucun.warehouses.choices import ZoneKind
from kucun.warehouses.services import bins_create_by_pattern, warehouse_create, zone_create
from tests.e2e.test_receive_with_scanner import scan

BEER_BARCODE = ean13("930000200001")


def transfer_lines(page: Page) -> list[tuple[str, str, str, str]]:
    return [
        tuple(row)  # type: ignore[misc]
        for row in page.eval_on_selector_all(
            "[data-lines] [data-line]",
            """rows => rows
                .map(r => ['line_sku', 'line_qty', 'line_from_bin', 'line_to_bin']
                    .map(n => r.querySelector(`[name=${n}]`).value))
                .filter(values => values[0].trim() !== '')""",
        )
    ]


def test_transfer_expands_a_scanned_or_typed_bundle_into_its_components(
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
    item_create(user=None, sku="BEER-LAG-12", name="Beer dozen", barcode=BEER_BARCODE)
    case = item_create(user=None, sku="BEER-CASE", name="Beer case", is_bundle=True)
    bundle_set_components(user=None, bundle_id=case.pk, components=[("BEER-LAG-12", 4)])
    receipt_create(
        user=None,
        warehouse="SYD",
        kind="purchase",
        lines=[DocumentLineInput("BEER-LAG-12", 20, "A-01-1")],
        post=True,
    )
    login()

    page.goto(f"{live_server.url}/inventory/transfers/new/?warehouse=SYD")
    expect(page.locator("#scan-input")).to_be_focused()
    scan(page, "A-01-1", "Bin A-01-1")
    page.check("#scan-bin-to")
    scan(page, "A-01-2", "Bin A-01-2")
    expect(page.locator("#scan-current-bin")).to_have_text("A-01-1 → A-01-2")
    scan(page, BEER_BARCODE, "quantity now 1")
    assert transfer_lines(page) == [("BEER-LAG-12", "1", "A-01-1", "A-01-2")]

    # A bundle scanned is replaced by its components, merged with the beer line of these bins.
    scan(page, "BEER-CASE", "1 × BEER-CASE is a bundle")
    expect(page.locator("#line-notices [data-line-notice]")).to_contain_text(
        "replaced by its components (4 × BEER-LAG-12)"
    )
    assert transfer_lines(page) == [("BEER-LAG-12", "5", "A-01-1", "A-01-2")]

    # A bundle typed on a line with its bins: its line goes, its components join the beer line.
    page.click("#add-line")
    row = page.locator("[data-lines] [data-line]").last
    row.locator("[name=line_qty]").fill("2")
    row.locator("[name=line_from_bin]").fill("A-01-1")
    row.locator("[name=line_to_bin]").fill("A-01-2")
    row.locator("[name=line_sku]").fill("beer-case")
    page.keyboard.press("Tab")
    expect(page.locator("#line-notices [data-line-notice]").last).to_contain_text(
        "2 × BEER-CASE is a bundle"
    )
    assert transfer_lines(page) == [("BEER-LAG-12", "13", "A-01-1", "A-01-2")]
    assert Transfer.objects.count() == 0
    shot("bundle-expanded")

    page.click("#post-document")
    expect(page.locator("#document-number")).to_be_visible()
    expect(page.locator("h1")).to_contain_text(re.compile("posted", re.IGNORECASE))
    assert Transfer.objects.get().status == TransferStatus.POSTED
    assert set(BinStock.objects.values_list("location__code", "item__sku", "on_hand")) == {
        ("A-01-1", "BEER-LAG-12", 7),
        ("A-01-2", "BEER-LAG-12", 13),
    }
