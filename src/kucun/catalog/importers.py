"""Bulk import of items and bundles, including Shopify product exports and eBay listing reports.

Validation works on plain values: the whole catalogue's SKUs and barcodes are read in one query
first, and nothing is looked up row by row. New items are written with ``bulk_create`` in
batches, changed items with ``bulk_update``, all inside the engine's one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kucun.catalog import validation
from kucun.catalog.extensions import stock_held
from kucun.catalog.models import SKU_MAX_LENGTH, BundleComponent, Item
from kucun.core.dataio.bulk import bulk_insert, bulk_update_rows
from kucun.core.dataio.columns import Column, map_header, normalise_header
from kucun.core.dataio.importing import Importer, WriteCounts
from kucun.core.dataio.rows import CellError, parse_flag, parse_positive_quantity
from kucun.core.errors import ValidationFailed
from kucun.core.tabular import unescape_cell

ITEM_COLUMNS: tuple[Column, ...] = (
    Column("sku", ("SKU", "货品编码", "商品编码", "SKU编码", "货号", "编码"), True, "BEER-DOZEN"),
    Column("name", ("Name", "名称", "商品名称", "货品名称", "品名"), True, "Pale ale, dozen"),
    Column(
        "barcode",
        ("Barcode", "条码", "条形码", "商品条码", "EAN", "UPC", "GTIN"),
        False,
        "9300000000017",
    ),
    Column("unit", ("Unit", "单位"), False, "each"),
    Column("weight_g", ("Weight (g)", "Weight", "重量(克)", "重量(g)", "重量"), False, "4200"),
    Column(
        "length_mm",
        ("Length (mm)", "Length", "长(毫米)", "长度(毫米)", "长度(mm)", "长度"),
        False,
        "400",
    ),
    Column(
        "width_mm",
        ("Width (mm)", "Width", "宽(毫米)", "宽度(毫米)", "宽度(mm)", "宽度"),
        False,
        "270",
    ),
    Column(
        "height_mm",
        ("Height (mm)", "Height", "高(毫米)", "高度(毫米)", "高度(mm)", "高度"),
        False,
        "250",
    ),
    Column("cost_price", ("Cost price", "Cost", "成本价", "成本", "采购价"), False, "38.50"),
    Column("safety_stock", ("Safety stock", "安全库存"), False, "2"),
    Column("reorder_point", ("Reorder point", "补货点", "再订货点"), False, "10"),
    Column("active", ("Active", "启用", "是否启用"), False, "yes"),
    Column("notes", ("Notes", "Note", "备注"), False, ""),
)
ITEM_FIELDS = tuple(column.key for column in ITEM_COLUMNS)
SIZE_FIELDS = ("weight_g", "length_mm", "width_mm", "height_mm")
COUNT_FIELDS = ("safety_stock", "reorder_point")

# Shopify's product CSV export: one row per variant (image-only rows have no variant).
SHOPIFY_COLUMNS: dict[str, str] = {
    "Handle": "handle",
    "Title": "title",
    "Option1 Value": "option1",
    "Option2 Value": "option2",
    "Option3 Value": "option3",
    "Variant SKU": "sku",
    "Variant Grams": "weight_g",
    "Variant Barcode": "barcode",
    "Cost per item": "cost_price",
    "Status": "status",
}
# eBay Seller Hub's active listings report (and the older File Exchange column names).
EBAY_COLUMNS: dict[str, str] = {
    "Item number": "item_number",
    "Item ID": "item_number",
    "Title": "title",
    "Variation details": "variation",
    "Custom label (SKU)": "sku",
    "Custom label": "sku",
    "CustomLabel": "sku",
    "P:EAN": "ean",
    "P:UPC": "upc",
    "P:ISBN": "isbn",
}
CONTROL = validation.CONTROL_CHARACTERS
CENT = Decimal("0.01")
PLAIN_AMOUNT = re.compile(r"\d{1,10}(?:\.\d{1,2})?")
TEXT_LIMITS = {
    "name": validation.NAME_MAX_LENGTH,
    "barcode": validation.BARCODE_MAX_LENGTH,
    "unit": validation.UNIT_MAX_LENGTH,
}
TEXT_CLEANERS: dict[str, Callable[..., Any]] = {
    "name": validation.clean_name,
    "barcode": validation.clean_barcode,
    "unit": validation.clean_unit,
}
BARCODE_PLACEHOLDERS = frozenset({"", "does not apply", "n/a", "na", "不适用"})


def cleaned(clean: Callable[..., Any], value: str, **kwargs: Any) -> Any:
    """Run a catalogue cleaner, turning its ValidationFailed into a CellError."""
    try:
        return clean(value, **kwargs)
    except ValidationFailed as error:
        raise CellError(error.errors[0].message if error.errors else error.detail) from None


@dataclass
class ExistingItem:
    pk: int
    sku: str
    barcode: str | None


class ItemImporter(Importer):
    """Create items, or update them by SKU (ignoring case). A blank cell keeps the value."""

    kind = "items"
    kind_label = gettext_lazy("Items")
    columns = ITEM_COLUMNS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.existing: dict[str, ExistingItem] = {}
        self.barcode_owner: dict[str, int] = {}
        self.first_row_of_sku: dict[str, int] = {}
        self.first_row_of_barcode: dict[str, int] = {}
        self.new_records: list[tuple[int, dict[str, Any]]] = []
        self.update_records: list[tuple[int, int, dict[str, Any]]] = []
        self.row_values: Callable[[list[str]], dict[str, str]] | None = None
        self.labels = {
            "sku": _("SKU"),
            "weight_g": _("Weight (g)"),
            "length_mm": _("Length (mm)"),
            "width_mm": _("Width (mm)"),
            "height_mm": _("Height (mm)"),
            "safety_stock": _("Safety stock"),
            "reorder_point": _("Reorder point"),
        }
        self.cleaners = self.field_cleaners()

    # -- header: our template, Shopify or eBay ------------------------------------------
    def prepare(self, header: list[str]) -> None:
        names = {normalise_header(text) for text in header}
        if {"handle", "variantsku"} <= names:
            self.prepare_platform(header, SHOPIFY_COLUMNS, "shopify")
            self.row_values = self.shopify_values
        elif (
            "customlabelsku" in names
            or {"itemnumber", "customlabel"} <= names
            or {
                "itemid",
                "customlabel",
            }
            <= names
        ):
            self.prepare_platform(header, EBAY_COLUMNS, "ebay")
            self.row_values = self.ebay_values
        else:
            super().prepare(header)
            self.source = "kucun"
        self.load_catalogue()

    def prepare_platform(self, header: list[str], mapping: dict[str, str], source: str) -> None:
        columns: dict[str, list[str]] = {}
        for name, key in mapping.items():
            columns.setdefault(key, []).append(name)
        platform_columns = [Column(key, tuple(aliases)) for key, aliases in columns.items()]
        self.header_map = map_header(header, platform_columns)
        self.source = source
        self.shopify_product: dict[str, str] = {}

    def shopify_values(self, cells: list[str]) -> dict[str, str]:
        cell = self.cell_reader()
        handle = cell(cells, "handle")
        title = cell(cells, "title")
        status = cell(cells, "status")
        if title:
            self.shopify_product = {"handle": handle, "title": title, "status": status}
        elif self.shopify_product.get("handle") == handle:
            title = self.shopify_product["title"]
            status = status or self.shopify_product.get("status", "")
        options = [cell(cells, key) for key in ("option1", "option2", "option3")]
        options = [option for option in options if option and option != "Default Title"]
        values = {
            "sku": cell(cells, "sku"),
            "name": f"{title} - {' / '.join(options)}" if options and title else title,
            "barcode": cell(cells, "barcode"),
            "weight_g": shopify_grams(cell(cells, "weight_g")),
            "cost_price": cell(cells, "cost_price"),
        }
        if status:
            values["active"] = "yes" if status.casefold() == "active" else "no"
        if (
            not values["sku"]
            and not any(options)
            and not cell(cells, "title")
            and not (cell(cells, "weight_g") or cell(cells, "barcode"))
        ):
            return {}  # an image-only row: no variant on it
        return values

    def ebay_values(self, cells: list[str]) -> dict[str, str]:
        cell = self.cell_reader()
        title = cell(cells, "title")
        variation = cell(cells, "variation")
        barcode = ""
        for key in ("ean", "upc", "isbn"):
            value = cell(cells, key)
            if value.casefold() not in BARCODE_PLACEHOLDERS:
                barcode = value
                break
        return {
            "sku": cell(cells, "sku"),
            "name": f"{title} - {variation}" if variation and title else title,
            "barcode": barcode,
        }

    def label(self, key: str) -> str:
        if self.source in {"shopify", "ebay"}:
            platform_key = {"name": "title"}.get(key, key)
            if platform_key in self.header_map.labels:
                return self.header_map.labels[platform_key]
        return super().label(key)

    def load_catalogue(self) -> None:
        for pk, sku, barcode in Item.objects.values_list("pk", "sku", "barcode").iterator(
            chunk_size=5000
        ):
            self.existing[sku.casefold()] = ExistingItem(pk, sku, barcode)
            if barcode:
                self.barcode_owner[barcode] = pk

    # -- rows -------------------------------------------------------------------------
    def validate(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        if self.row_values is not None:
            for number, cells in rows:
                values = self.row_values(cells)
                if values:
                    self.rows_seen += 1
                    self.validate_values(number, values)
            self.finish_validation()
            return
        positions = self.header_map.positions
        sku_index = positions["sku"]
        # (key, index, cleaner) for every other column in the file, in template order.
        specs = [
            (key, positions[key], self.cleaners[key])
            for key in ITEM_FIELDS
            if key != "sku" and key in positions
        ]
        width = max(positions.values()) + 1
        for number, cells in rows:
            self.rows_seen += 1
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            errors_before = len(self.errors)
            sku = self.row_sku(number, plain_cell(cells[sku_index]))
            if sku is None:
                continue
            fields: dict[str, Any] = {}
            for key, index, clean in specs:
                text = cells[index]
                if text:
                    text = text.strip()
                    if text[:1] == "'":
                        text = plain_cell(text)
                    if text:
                        try:
                            fields[key] = clean(text)
                        except CellError as error:
                            self.error(number, key, error.message, text)
            self.accept(number, sku, fields, errors_before)
        self.finish_validation()

    def validate_values(self, number: int, values: dict[str, str]) -> None:
        errors_before = len(self.errors)
        sku = self.row_sku(number, values.get("sku", ""))
        if sku is None:
            return
        fields: dict[str, Any] = {}
        cleaners = self.cleaners
        for key, text in values.items():
            if not text or key == "sku":
                continue
            try:
                fields[key] = cleaners[key](text)
            except CellError as error:
                self.error(number, key, error.message, text)
        self.accept(number, sku, fields, errors_before)

    def row_sku(self, number: int, text: str) -> str | None:
        """The row's SKU, or None (with the error recorded) when missing, bad or repeated."""
        sku = text
        if not (0 < len(sku) <= SKU_MAX_LENGTH) or CONTROL.search(sku):
            try:
                sku = cleaned(validation.clean_sku, sku)
            except CellError as error:
                self.error(number, "sku", error.message, text)
                return None
        folded = sku.casefold()
        first = self.first_row_of_sku.get(folded)
        if first is not None:
            self.error(
                number,
                "sku",
                _("SKU %(sku)s appears again: it is already on row %(row)d.")
                % {"sku": sku, "row": first},
                sku,
            )
            return None
        self.first_row_of_sku[folded] = number
        return sku

    def accept(self, number: int, sku: str, fields: dict[str, Any], errors_before: int) -> None:
        """Checks across columns and rows, then keep the row as a new item or an update."""
        existing = self.existing.get(sku.casefold())
        if existing is None and "name" not in fields and not self.failed_on(number, "name"):
            self.error(
                number, "name", _("Name is required for a new item: enter what it is called.")
            )
        barcode = fields.get("barcode")
        if barcode:
            first_barcode = self.first_row_of_barcode.get(barcode)
            if first_barcode is not None:
                self.error(
                    number,
                    "barcode",
                    _("Barcode %(barcode)s appears again: it is already on row %(row)d.")
                    % {"barcode": barcode, "row": first_barcode},
                    barcode,
                )
            else:
                self.first_row_of_barcode[barcode] = number
        if len(self.errors) > errors_before:
            return
        if existing is None:
            fields["sku"] = sku
            self.new_records.append((number, fields))
        else:
            self.update_records.append((number, existing.pk, fields))

    def failed_on(self, number: int, key: str) -> bool:
        label = self.label(key)
        return any(error.row == number and error.column == label for error in self.errors[-3:])

    def clean_field(self, key: str, text: str) -> Any:
        return self.cleaners[key](text)

    def field_cleaners(self) -> dict[str, Callable[[str], Any]]:
        """One function per column. Plain values take a fast path; anything unusual goes
        through the catalogue's cleaners, which give the message."""

        def text_cleaner(limit: int, clean: Callable[..., Any]) -> Callable[[str], Any]:
            def clean_text(text: str) -> Any:
                if len(text) <= limit and not CONTROL.search(text):
                    return text
                return cleaned(clean, text)

            return clean_text

        def count_cleaner(key: str) -> Callable[[str], Any]:
            label = self.labels[key]

            def clean_count(text: str) -> Any:
                if text.isdigit() and len(text) < 10:
                    return int(text)
                return cleaned(validation.clean_non_negative_int, text, field=key, label=label)

            return clean_count

        amounts: dict[str, Decimal] = {}

        def clean_amount(text: str) -> Any:
            amount = amounts.get(text)
            if amount is not None:
                return amount
            if PLAIN_AMOUNT.fullmatch(text):
                amount = Decimal(text).quantize(CENT)
                if len(amounts) < 10_000:
                    amounts[text] = amount
                return amount
            return cleaned(validation.clean_cost_price, text)

        cleaners: dict[str, Callable[[str], Any]] = {
            key: text_cleaner(limit, TEXT_CLEANERS[key]) for key, limit in TEXT_LIMITS.items()
        }
        cleaners.update({key: count_cleaner(key) for key in (*SIZE_FIELDS, *COUNT_FIELDS)})
        cleaners["notes"] = lambda text: cleaned(validation.clean_notes, text)
        cleaners["cost_price"] = clean_amount
        cleaners["active"] = parse_flag
        return cleaners

    def finish_validation(self) -> None:
        """Barcodes already held by another item, unless that item gives it up in this file."""
        if not self.barcode_owner:
            return
        released: dict[int, str] = {}
        for _number, pk, fields in self.update_records:
            if fields.get("barcode"):
                released[pk] = fields["barcode"]
        sku_of = {existing.pk: existing.sku for existing in self.existing.values()}

        def taken(number: int, pk: int | None, fields: dict[str, Any]) -> bool:
            barcode = fields.get("barcode")
            owner = self.barcode_owner.get(barcode) if barcode else None
            # The owner gives this barcode up when the file gives it a different one.
            if owner is None or owner == pk or released.get(owner, barcode) != barcode:
                return False
            self.error(
                number,
                "barcode",
                _("Barcode %(barcode)s already belongs to item %(sku)s.")
                % {"barcode": barcode, "sku": sku_of.get(owner, owner)},
                str(barcode),
            )
            return True

        self.new_records = [
            (number, fields)
            for number, fields in self.new_records
            if not taken(number, None, fields)
        ]
        self.update_records = [
            (number, pk, fields)
            for number, pk, fields in self.update_records
            if not taken(number, pk, fields)
        ]

    # -- writing ----------------------------------------------------------------------
    def write(self) -> WriteCounts:
        counts = WriteCounts()
        # Updates first, and barcodes that move are cleared first, so barcodes can change
        # hands inside one file without tripping the unique constraint half-way.
        current = {existing.pk: existing.barcode for existing in self.existing.values()}
        moving = [
            pk
            for _number, pk, fields in self.update_records
            if fields.get("barcode") and fields["barcode"] != current.get(pk)
        ]
        for start in range(0, len(moving), 500):
            Item.objects.filter(pk__in=moving[start : start + 500]).update(barcode=None)
        counts.updated = self.write_updates()
        counts.created = self.write_new()
        return counts

    def write_new(self) -> int:
        defaults = {
            "barcode": None,
            "unit": "each",
            "weight_g": None,
            "length_mm": None,
            "width_mm": None,
            "height_mm": None,
            "cost_price": Decimal("0.00"),
            "safety_stock": 0,
            "reorder_point": 0,
            "active": True,
            "notes": "",
        }
        names = ("sku", "name", *defaults, "is_bundle", "created_at", "updated_at")
        now = timezone.now()
        default_values = list(defaults.items())
        rows = (
            (
                fields["sku"],
                fields["name"],
                *[fields.get(key, default) for key, default in default_values],
                False,
                now,
                now,
            )
            for _number, fields in self.new_records
        )
        return bulk_insert(Item, names, rows)

    def write_updates(self) -> int:
        """Only items whose values differ are written, in batches; current values come from
        one scan of the catalogue, not one query per row."""
        records = self.update_records
        if not records:
            return 0
        names = sorted({key for _number, _pk, fields in records for key in fields})
        if not names:
            return 0
        wanted = {pk: fields for _number, pk, fields in records}
        now = timezone.now()
        changed: list[tuple[Any, ...]] = []
        for pk, *current in Item.objects.values_list("pk", *names).iterator(chunk_size=5000):
            fields = wanted.get(pk)
            if fields is None:
                continue
            values = dict(zip(names, current, strict=True))
            if all(values[key] == value for key, value in fields.items()):
                continue
            values.update(fields)
            changed.append((*(values[name] for name in names), now, pk))
        return bulk_update_rows(Item, [*names, "updated_at"], changed)


def plain_cell(text: str) -> str:
    """Trimmed, with the apostrophe our exports add before formula characters removed."""
    text = text.strip()
    if text[:1] == "'":
        text = unescape_cell(text).strip()
    return text


def shopify_grams(text: str) -> str:
    """Shopify writes grams as a whole number, sometimes as "250.0"."""
    if text.endswith(".0"):
        return text[:-2]
    return text


BUNDLE_COLUMNS: tuple[Column, ...] = (
    Column(
        "bundle_sku",
        ("Bundle SKU", "Bundle", "组合货品编码", "组合货品SKU", "组合SKU", "组合编码"),
        True,
        "BEER-CASE",
    ),
    Column(
        "component_sku",
        ("Component SKU", "Component", "子货品编码", "子货品SKU", "组件SKU", "货品编码"),
        True,
        "BEER-DOZEN",
    ),
    Column("qty", ("Quantity", "Qty", "数量"), True, "4"),
)


class BundleImporter(Importer):
    """Give bundles their components: the file's rows replace each named bundle's components."""

    kind = "bundles"
    kind_label = gettext_lazy("Bundles")
    columns = BUNDLE_COLUMNS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items: dict[str, tuple[int, str, bool]] = {}
        self.rows_of_bundle: dict[int, list[int]] = {}
        self.components: dict[int, list[tuple[int, int, int]]] = {}
        self.first_row_of_pair: dict[tuple[int, int], int] = {}

    def prepare(self, header: list[str]) -> None:
        super().prepare(header)
        self.source = "kucun"
        for pk, sku, is_bundle in Item.objects.values_list("pk", "sku", "is_bundle").iterator(
            chunk_size=5000
        ):
            self.items[sku.casefold()] = (pk, sku, is_bundle)

    def validate_row(
        self, number: int, cells: list[str], cell: Callable[[list[str], str], str]
    ) -> None:
        bundle = self.known_item(number, "bundle_sku", cell(cells, "bundle_sku"))
        component = self.known_item(number, "component_sku", cell(cells, "component_sku"))
        quantity_text = cell(cells, "qty")
        try:
            quantity = parse_positive_quantity(quantity_text)
        except CellError as error:
            self.error(number, "qty", error.message, quantity_text)
            quantity = 0
        if bundle is None:
            return
        self.rows_of_bundle.setdefault(bundle[0], []).append(number)
        if component is None or quantity == 0:
            return
        if component[0] == bundle[0]:
            self.error(
                number,
                "component_sku",
                _("A bundle cannot contain itself (%(sku)s).") % {"sku": bundle[1]},
                component[1],
            )
            return
        pair = (bundle[0], component[0])
        if pair in self.first_row_of_pair:
            self.error(
                number,
                "component_sku",
                _(
                    "%(component)s is already in bundle %(bundle)s on row %(row)d: give each "
                    "component once, with the total quantity."
                )
                % {
                    "component": component[1],
                    "bundle": bundle[1],
                    "row": self.first_row_of_pair[pair],
                },
                component[1],
            )
            return
        self.first_row_of_pair[pair] = number
        self.components.setdefault(bundle[0], []).append((number, component[0], quantity))

    def known_item(self, number: int, key: str, text: str) -> tuple[int, str, bool] | None:
        try:
            sku = cleaned(validation.clean_sku, text, field=key)
        except CellError as error:
            self.error(number, key, error.message, text)
            return None
        item = self.items.get(sku.casefold())
        if item is None:
            self.error(
                number,
                key,
                _("Unknown SKU %(sku)s: import it as an item first.") % {"sku": sku},
                sku,
            )
        return item

    def finish_validation(self) -> None:
        sku_of = {pk: sku for pk, sku, _is_bundle in self.items.values()}
        bundles = sorted(self.rows_of_bundle)
        self.refuse_stocked(bundles, sku_of)
        edges: dict[int, list[int]] = {}
        for bundle_id, component_id in BundleComponent.objects.values_list(
            "bundle_id", "component_id"
        ):
            edges.setdefault(bundle_id, []).append(component_id)
        for bundle_id in bundles:
            edges[bundle_id] = [
                component for _n, component, _q in self.components.get(bundle_id, [])
            ]
        for bundle_id in bundles:
            lines = self.components.get(bundle_id, [])
            others = {key: value for key, value in edges.items() if key != bundle_id}
            loop = validation.bundle_cycle(others, bundle_id, [c for _n, c, _q in lines])
            if loop is None:
                continue
            row = next(n for n, c, _q in lines if c == loop[1])
            self.error(
                row,
                "component_sku",
                _("Bundle cycle: %(path)s.") % {"path": " → ".join(sku_of[pk] for pk in loop)},
                sku_of[loop[1]],
            )
        if self.options.valid_rows_only:
            self.leave_out_broken_bundles(bundles, sku_of)

    def refuse_stocked(self, bundles: list[int], sku_of: dict[int, str]) -> None:
        already = {pk for pk, _sku, is_bundle in self.items.values() if is_bundle}
        not_yet = [pk for pk in bundles if pk not in already]
        if not not_yet:
            return
        held = stock_held(not_yet)
        for pk, units in held.items():
            row = self.rows_of_bundle[pk][0]
            self.error(
                row,
                "bundle_sku",
                _("%(sku)s holds %(units)d units in stock, and a bundle holds no stock.")
                % {"sku": sku_of[pk], "units": units},
                sku_of[pk],
            )

    def leave_out_broken_bundles(self, bundles: list[int], sku_of: dict[int, str]) -> None:
        """A bundle is written whole or not at all: its other rows go when one row fails."""
        for bundle_id in bundles:
            rows = self.rows_of_bundle[bundle_id]
            bad = [row for row in rows if row in self.failed]
            if not bad:
                continue
            for row in rows:
                if row not in self.failed:
                    self.error(
                        row,
                        "bundle_sku",
                        _("Left out: bundle %(sku)s has an error on row %(row)d.")
                        % {"sku": sku_of[bundle_id], "row": bad[0]},
                        sku_of[bundle_id],
                    )

    def write(self) -> WriteCounts:
        counts = WriteCounts()
        bundles = [
            pk
            for pk, rows in self.rows_of_bundle.items()
            if not any(row in self.failed for row in rows)
        ]
        if not bundles:
            return counts
        had_components = set(
            BundleComponent.objects.filter(bundle_id__in=bundles).values_list(
                "bundle_id", flat=True
            )
        )
        Item.objects.filter(pk__in=bundles, is_bundle=False).update(
            is_bundle=True, updated_at=timezone.now()
        )
        BundleComponent.objects.filter(bundle_id__in=bundles).delete()
        BundleComponent.objects.bulk_create(
            BundleComponent(bundle_id=bundle_id, component_id=component_id, quantity=quantity)
            for bundle_id in bundles
            for _number, component_id, quantity in self.components.get(bundle_id, [])
        )
        counts.updated = len(had_components)
        counts.created = len(bundles) - counts.updated
        return counts
