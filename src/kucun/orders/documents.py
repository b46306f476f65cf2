"""Pick lists and packing slips, as PDFs in English or Simplified Chinese.

A pick list covers a batch of confirmed orders: every unit their lines take from the warehouse,
grouped by bin in walking order (picking zones first, then by bin code), each with the orders it
goes to. Where a unit comes from:

- stock still allocated to a line (``Allocation`` under the line's reference) comes from the
  bins that hold the item, chosen as posting the issue will choose them (active, picking,
  sellable and fuller bins first), shared out across the batch so no bin is asked for more than
  it holds;
- stock whose issue is already posted (confirming posts it) comes from the bins the issue took
  it from (``IssueLinePick``).

A packing slip is one order's: store, order number, date, ship-to and lines, each bundle
followed by the components that go into the box.

Chinese uses reportlab's built-in CID font STSong-Light, so no font file is shipped; an English
document switches to it only for text Helvetica cannot show (a Chinese item name).
"""

from __future__ import annotations

import functools
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kucun.catalog.models import Item
from kucun.catalog.selectors import bundle_expansions
from kucun.core.errors import ValidationFailed
from kucun.inventory.choices import DocumentStatus
from kucun.inventory.models import Allocation, BinStock, IssueLinePick
from kucun.inventory.services.receipts_issues import pick_candidates, pick_order
from kucun.orders.models import Order, OrderLine
from kucun.warehouses.choices import ZoneKind
from kucun.warehouses.models import Location, Warehouse

LANGUAGES = {"en": "en", "en-au": "en", "en-us": "en", "zh-hans": "zh-hans", "zh-cn": "zh-hans"}
CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
LATIN_BOLD_FONT = "Helvetica-Bold"
MAX_PICK_ORDERS = 500
PAGE_MARGIN = 15 * mm
GRID = colors.HexColor("#999999")
HEADER_FILL = colors.HexColor("#EEEEEE")


def clean_language(language: str) -> str:
    found = LANGUAGES.get((language or "").strip().lower().replace("_", "-"))
    if found is None:
        message = _("Language must be en or zh-hans, not “%(value)s”.") % {"value": language}
        raise ValidationFailed.for_field("language", message)
    return found


# -- what a pick list holds -------------------------------------------------------------------
@dataclass
class PickLine:
    """One item to take from one bin, and the order numbers it goes to."""

    warehouse: Warehouse
    bin: Location | None  # None: the warehouse holds too little of it in its bins
    item: Item
    quantity: int = 0
    orders: list[str] = field(default_factory=list)

    def add(self, quantity: int, order_number: str) -> None:
        self.quantity += quantity
        if order_number not in self.orders:
            self.orders.append(order_number)

    def walking_order(self) -> tuple[str, bool, bool, str, str]:
        location = self.bin
        zone_kind = location.zone.kind if location is not None and location.zone else ""
        return (
            self.warehouse.code,
            location is None,
            zone_kind != ZoneKind.PICKING,
            location.code if location is not None else "",
            self.item.sku,
        )


class PickPlan:
    def __init__(self) -> None:
        self.lines: dict[tuple[int, int | None, int], PickLine] = {}

    def add(
        self,
        warehouse: Warehouse,
        location: Location | None,
        item: Item,
        quantity: int,
        order_number: str,
    ) -> None:
        key = (warehouse.pk, location.pk if location is not None else None, item.pk)
        line = self.lines.get(key)
        if line is None:
            line = self.lines[key] = PickLine(warehouse, location, item)
        line.add(quantity, order_number)

    def in_walking_order(self) -> list[PickLine]:
        return sorted(self.lines.values(), key=PickLine.walking_order)


def order_numbers_by_reference(orders: Sequence[Order]) -> dict[str, str]:
    """Each line's allocation reference → its order's number."""
    return {
        f"{order.reference_prefix}:{line.line_ref}": order.number or order.external_id
        for order in orders
        for line in order.lines.all()
    }


def pick_list_lines(orders: Iterable[Order]) -> list[PickLine]:
    batch = list(
        Order.objects.filter(pk__in=[order.pk for order in orders])
        .select_related("store")
        .prefetch_related("lines")
        .order_by("placed_at", "id")
    )
    if not batch:
        raise ValidationFailed.for_field("orders", _("Choose at least one order."))
    if len(batch) > MAX_PICK_ORDERS:
        raise ValidationFailed.for_field(
            "orders", _("At most %(limit)d orders on one pick list.") % {"limit": MAX_PICK_ORDERS}
        )
    numbers = order_numbers_by_reference(batch)
    plan = PickPlan()
    plan_allocated(plan, numbers)
    plan_posted(plan, numbers)
    return plan.in_walking_order()


def plan_allocated(plan: PickPlan, numbers: dict[str, str]) -> None:
    """Allocated stock, from the bins that hold it, in the order posting the issue takes them."""
    allocations = list(
        Allocation.objects.filter(reference__in=list(numbers))
        .select_related("item", "stock_level__warehouse")
        .order_by("reference", "id")
    )
    by_warehouse: dict[int, set[int]] = defaultdict(set)
    for allocation in allocations:
        by_warehouse[allocation.stock_level.warehouse_id].add(allocation.item_id)
    bins: dict[tuple[int, int], list[BinStock]] = defaultdict(list)
    for warehouse_id, item_ids in by_warehouse.items():
        for row in pick_candidates(warehouse_id, item_ids):
            bins[(warehouse_id, row.item_id)].append(row)
    for rows in bins.values():
        rows.sort(key=pick_order)
    remaining = {
        (row.item_id, row.location_id): row.on_hand for rows in bins.values() for row in rows
    }
    for allocation in allocations:
        warehouse = allocation.stock_level.warehouse
        wanted = allocation.qty
        number = numbers[allocation.reference]
        for row in bins[(warehouse.pk, allocation.item_id)]:
            take = min(wanted, remaining[(row.item_id, row.location_id)])
            if take > 0:
                plan.add(warehouse, row.location, allocation.item, take, number)
                remaining[(row.item_id, row.location_id)] -= take
                wanted -= take
        if wanted > 0:
            plan.add(warehouse, None, allocation.item, wanted, number)


def plan_posted(plan: PickPlan, numbers: dict[str, str]) -> None:
    """Stock whose issue is posted, from the bins the issue took it from."""
    picks = (
        IssueLinePick.objects.filter(
            issue_line__allocation_reference__in=list(numbers),
            issue_line__issue__status=DocumentStatus.POSTED,
        )
        .select_related("item", "bin__zone", "issue_line__issue__warehouse")
        .order_by("id")
    )
    for pick in picks:
        line = pick.issue_line
        plan.add(
            line.issue.warehouse,
            pick.bin,
            pick.item,
            pick.qty,
            numbers[line.allocation_reference],
        )


# -- what a packing slip holds ----------------------------------------------------------------
@dataclass(frozen=True)
class SlipComponent:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class SlipLine:
    sku: str
    title: str
    quantity: int
    components: tuple[SlipComponent, ...] = ()


def packing_slip_lines(order: Order) -> list[SlipLine]:
    lines = list(
        OrderLine.objects.filter(order=order).select_related("item").order_by("position", "id")
    )
    bundle_ids = {line.item.pk for line in lines if line.item is not None and line.item.is_bundle}
    expansions = bundle_expansions(bundle_ids) if bundle_ids else {}
    component_ids = {pk for parts in expansions.values() for pk in parts}
    components = Item.objects.in_bulk(component_ids) if component_ids else {}
    slip: list[SlipLine] = []
    for line in lines:
        parts = expansions.get(line.item_id or 0, {})
        contents = sorted(
            (
                SlipComponent(components[pk].sku, components[pk].name, per * line.quantity)
                for pk, per in parts.items()
            ),
            key=lambda component: component.sku,
        )
        title = line.title or (line.item.name if line.item is not None else "")
        sku = line.sku or (line.item.sku if line.item is not None else "")
        slip.append(SlipLine(sku, title, line.quantity, tuple(contents)))
    return slip


def ship_to_lines(order: Order) -> list[str]:
    parts = (order.ship_city, order.ship_state, order.ship_postcode)
    place = " ".join(part for part in parts if part)
    lines = [
        order.ship_name,
        order.ship_company,
        order.ship_line1,
        order.ship_line2,
        place,
        order.ship_country,
        order.ship_phone,
    ]
    return [line for line in lines if line.strip()]


# -- drawing ----------------------------------------------------------------------------------
@functools.cache
def register_cjk_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def latin_only(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


class Writer:
    """Paragraphs in the document's language, each in a font that can show its text."""

    def __init__(self, language: str) -> None:
        self.chinese = language == "zh-hans"
        self.cjk_font = register_cjk_font()

    def font(self, text: str, *, bold: bool) -> str:
        if self.chinese or not latin_only(text):
            return self.cjk_font
        return LATIN_BOLD_FONT if bold else LATIN_FONT

    def text(self, value: Any, *, bold: bool = False, size: float = 9) -> Paragraph:
        content = str(value)
        style = ParagraphStyle(
            "cell",
            fontName=self.font(content, bold=bold),
            fontSize=size,
            leading=size * 1.25,
            wordWrap="CJK" if not latin_only(content) else None,
        )
        return Paragraph(escape(content), style)

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]
    ) -> Table:
        data = [[self.text(title, bold=True) for title in header]]
        data += [[self.text(cell) for cell in row] for row in rows]
        table = Table(data, colWidths=list(widths), repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return table


def render(title: str, story: list[Flowable]) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=PAGE_MARGIN,
        rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN,
        bottomMargin=PAGE_MARGIN,
        title=title,
        author="Kucun",
        invariant=1,
    )
    document.build(story)
    return buffer.getvalue()


def local_date(moment: datetime) -> str:
    return date_format(timezone.localtime(moment).date(), "DATE_FORMAT")


def pick_list_pdf(orders: Iterable[Order], *, language: str) -> bytes:
    """The batch's pick list: one table per warehouse, its rows grouped by bin in walking
    order."""
    chosen = clean_language(language)
    with translation.override(chosen):
        lines = pick_list_lines(orders)
        writer = Writer(chosen)
        title = _("Pick list")
        numbers = sorted({number for line in lines for number in line.orders})
        story: list[Flowable] = [
            writer.text(title, bold=True, size=16),
            writer.text(
                _("Printed %(date)s for %(count)d orders: %(numbers)s")
                % {
                    "date": local_date(timezone.now()),
                    "count": len(numbers),
                    "numbers": ", ".join(numbers),
                }
            ),
        ]
        by_warehouse: dict[str, list[PickLine]] = defaultdict(list)
        for line in lines:
            by_warehouse[line.warehouse.code].append(line)
        for warehouse_lines in by_warehouse.values():
            warehouse = warehouse_lines[0].warehouse
            story += [
                Spacer(1, 5 * mm),
                writer.text(
                    _("Warehouse %(code)s, %(name)s")
                    % {"code": warehouse.code, "name": warehouse.name},
                    bold=True,
                    size=12,
                ),
                Spacer(1, 2 * mm),
                pick_table(writer, warehouse_lines),
            ]
        return render(title, story)


def pick_table(writer: Writer, lines: Sequence[PickLine]) -> Table:
    rows = []
    not_in_a_bin = _("Not in a bin: find it or count the stock")
    previous: Location | bool | None = False
    for line in lines:
        # A bin is named once, on the first row of its group.
        where = line.bin.code if line.bin is not None else not_in_a_bin
        rows.append(
            [
                where if line.bin != previous else "",
                line.item.sku,
                line.item.name,
                line.quantity,
                ", ".join(line.orders),
            ]
        )
        previous = line.bin
    header = [_("Bin"), _("SKU"), _("Item"), _("Quantity"), _("Orders")]
    return writer.table(header, rows, [28 * mm, 32 * mm, 62 * mm, 18 * mm, 40 * mm])


def packing_slip_pdf(order: Order, *, language: str) -> bytes:
    """One order's packing slip: who it is from and for, and what goes into the box."""
    chosen = clean_language(language)
    with translation.override(chosen):
        writer = Writer(chosen)
        title = _("Packing slip")
        number = order.number or order.external_id
        story: list[Flowable] = [
            writer.text(title, bold=True, size=16),
            Spacer(1, 2 * mm),
            writer.text(_("Store: %(store)s") % {"store": order.store.name}),
            writer.text(_("Order: %(number)s") % {"number": number}),
            writer.text(_("Date: %(date)s") % {"date": local_date(order.placed_at)}),
            Spacer(1, 4 * mm),
            writer.text(_("Ship to"), bold=True, size=11),
            *[writer.text(line) for line in ship_to_lines(order)],
            Spacer(1, 5 * mm),
            slip_table(writer, packing_slip_lines(order)),
        ]
        return render(f"{title} {number}", story)


def slip_table(writer: Writer, lines: Sequence[SlipLine]) -> Table:
    rows: list[list[Any]] = []
    for line in lines:
        rows.append([line.sku, line.title, line.quantity])
        for component in line.components:
            rows.append(
                [
                    f"· {component.sku}",
                    _("contains: %(name)s") % {"name": component.name},
                    component.quantity,
                ]
            )
    header = [_("SKU"), _("Title"), _("Quantity")]
    return writer.table(header, rows, [40 * mm, 115 * mm, 25 * mm])
