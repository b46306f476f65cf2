"""The list screens on a tablet held in a warehouse (768 px wide): the stock query's filters
wrap instead of overflowing, and a ticked selection exports just those rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from kucun.catalog.services import item_create
from kucun.inventory.models import Receipt
from kucun.inventory.services import DocumentLineInput, receipt_create
from kucun.warehouses.choices import ZoneKind
from kucun.warehouses.services import bin_create, warehouse_create, zone_create

TABLET = {"width": 768, "height": 1024}

# Each filter control's box, its grid cell's box, and (for selects) the width the option
# shown needs: its text plus the select's padding, which leaves room for the arrow.
MEASURE = """form => {
  const canvas = document.createElement('canvas').getContext('2d');
  return [...form.querySelectorAll('input:not([type=hidden]), select, button, a, label')]
    .map(control => {
      const box = control.getBoundingClientRect();
      const cell = control.closest('form > *').getBoundingClientRect();
      let needed = 0;
      if (control.tagName === 'SELECT') {
        const style = getComputedStyle(control);
        canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const shown = control.options[control.selectedIndex].text;
        needed = canvas.measureText(shown).width
          + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight)
          + parseFloat(style.borderLeftWidth) + parseFloat(style.borderRightWidth);
      }
      return {
        name: control.name || control.id || control.textContent.trim(),
        left: box.left, right: box.right, width: box.width,
        cellLeft: cell.left, cellRight: cell.right, needed: needed,
      };
    });
}"""


def test_stock_filters_wrap_at_tablet_width_and_selection_exports(
    page: Page,
    live_server: Any,
    login: Callable[[], None],
    shot: Callable[[str], Path],
) -> None:
    for code, name in (("MEL", "Melbourne"), ("SYD-WESTERN-SUBURBS", "Sydney western suburbs")):
        warehouse = warehouse_create(user=None, code=code, name=name)
        zone = zone_create(
            user=None, warehouse_id=warehouse.pk, code="PICK", name="Pick", kind=ZoneKind.PICKING
        )
        bin_create(user=None, zone_id=zone.pk, code="A-01-1")
    for sku in ("TEA-GREEN", "MUG-BLUE", "CUP-RED"):
        item_create(user=None, sku=sku, name=f"Item {sku}")
    receipt_create(
        user=None,
        warehouse="MEL",
        kind="purchase",
        post=True,
        lines=[
            DocumentLineInput("TEA-GREEN", 5, "A-01-1"),
            DocumentLineInput("MUG-BLUE", 2, "A-01-1"),
        ],
    )
    login()
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/inventory/stock/")
    expect(page.locator("#stock-filters")).to_be_visible()
    shot("stock-at-768")

    viewport = page.evaluate("document.documentElement.clientWidth")
    controls = page.eval_on_selector("#stock-filters", MEASURE)
    assert len(controls) >= 10
    for control in controls:
        assert control["left"] >= 0, control
        assert control["right"] <= viewport, control
        # No control spills out of its grid cell into the next one.
        assert control["right"] <= control["cellRight"] + 0.5, control
        if control["needed"]:
            assert control["width"] + 0.5 >= control["needed"], f"cut: {control}"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport

    # Tick every row, then export just the ticked items.
    page.check("[data-select-all=ids]")
    expect(page.locator("input[name=ids]:checked")).to_have_count(3)
    page.uncheck("input[name=ids][aria-label=CUP-RED]")
    with page.expect_download() as download_info:
        page.click("#stock-export-selected-csv")
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert [line.split(",")[0] for line in text.splitlines()] == ["sku", "MUG-BLUE", "TEA-GREEN"]


def test_discarding_selected_drafts_asks_once(
    page: Page,
    live_server: Any,
    login: Callable[[], None],
    shot: Callable[[str], Path],
) -> None:
    warehouse = warehouse_create(user=None, code="MEL", name="Melbourne")
    zone = zone_create(
        user=None, warehouse_id=warehouse.pk, code="PICK", name="Pick", kind=ZoneKind.PICKING
    )
    bin_create(user=None, zone_id=zone.pk, code="A-01-1")
    item_create(user=None, sku="TEA-GREEN", name="Green tea")
    drafts = [
        receipt_create(
            user=None,
            warehouse="MEL",
            kind="purchase",
            reference=f"PO-{number}",
            lines=[DocumentLineInput("TEA-GREEN", number, "A-01-1")],
        )
        for number in (1, 2)
    ]
    login()
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/inventory/receipts/")
    viewport = page.evaluate("document.documentElement.clientWidth")
    for control in page.eval_on_selector("#document-filters", MEASURE):
        assert control["right"] <= min(viewport, control["cellRight"] + 0.5), control

    questions: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        questions.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.check(f"input[name=ids][aria-label={drafts[0].number}]")
    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.click("#documents-discard")
    assert questions == ["Discard the selected drafts? They are deleted with their lines."]
    expect(page.locator("[data-number]")).to_have_count(2)
    assert Receipt.objects.count() == 2

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.click("#documents-discard")
    expect(page.locator(".alert-success")).to_contain_text("1 draft discarded.")
    expect(page.locator("[data-number]")).to_have_count(1)
    expect(page.locator(f'[data-number="{drafts[1].number}"]')).to_be_visible()
    assert len(questions) == 2
    assert list(Receipt.objects.values_list("reference", flat=True)) == ["PO-2"]
    shot("one-draft-discarded")
