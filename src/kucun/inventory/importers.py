"""Bulk import of a receipt (opening stock, 导入创建) and of stocktake counts.

Rows are checked first (quantities per row, then every SKU and bin resolved in a few queries);
the document is then created through the stock services, so the ledger keeps one writer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kucun.catalog import validation
from kucun.catalog.selectors import bundle_expansions
from kucun.core.dataio.columns import Column
from kucun.core.dataio.importing import Importer, ImportOptions, WriteCounts
from kucun.core.dataio.rows import CellError, parse_count, parse_positive_quantity
from kucun.core.errors import FieldError, ValidationFailed
from kucun.core.tabular import TabularError
from kucun.inventory import services
from kucun.inventory.choices import ReceiptKind
from kucun.inventory.models import Stocktake
from kucun.inventory.services.lookups import (
    bins_by_code,
    bundle_refusal,
    component_skus,
    items_by_sku,
    normal_bin_code,
)
from kucun.warehouses.models import Location, Warehouse

SKU_COLUMN = Column("sku", ("SKU", "货品编码", "商品编码", "货号"), True, "BEER-DOZEN")
BIN_ALIASES = ("Bin", "货位", "货位编码", "库位")

RECEIPT_COLUMNS: tuple[Column, ...] = (
    Column("warehouse", ("Warehouse", "仓库", "仓库编码"), False, "MEL"),
    SKU_COLUMN,
    Column("qty", ("Quantity", "Qty", "数量", "入库数量"), True, "24"),
    Column("bin", BIN_ALIASES, False, "A-01-1"),
)
STOCKTAKE_COLUMNS: tuple[Column, ...] = (
    Column("bin", BIN_ALIASES, True, "A-01-1"),
    SKU_COLUMN,
    Column("counted", ("Counted", "Count", "Qty", "实盘数量", "盘点数量", "数量"), True, "23"),
)
STOCKTAKE_OPEN = ("draft", "counting")


def clean_sku_cell(text: str) -> str:
    try:
        return validation.clean_sku(text)
    except ValidationFailed as error:
        raise CellError(error.errors[0].message if error.errors else error.detail) from None


def refuse_option(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(detail=message, errors=[FieldError(name, message)])


class StockRowsImporter(Importer):
    """Shared resolution of SKUs and bins for the receipt and stocktake importers."""

    option_types: ClassVar[dict[str, tuple[type, Any]]] = {
        "warehouse": (str, ""),
        "post": (bool, False),
        "reference": (str, ""),
    }

    @classmethod
    def option_fields(cls) -> dict[str, forms.Field]:
        warehouse = forms.ChoiceField(
            label=gettext_lazy("Warehouse"),
            required=False,
            help_text=gettext_lazy(
                "For a receipt or stocktake counts (or give a warehouse column)."
            ),
        )
        warehouse.choices = [("", "—")] + [
            (code, f"{code} {name}")
            for code, name in Warehouse.objects.filter(active=True).values_list("code", "name")
        ]
        return {
            "warehouse": warehouse,
            "post": forms.BooleanField(
                label=gettext_lazy("Post it now"),
                required=False,
                help_text=gettext_lazy(
                    "Off: the receipt or stocktake is left as a draft to check and post."
                ),
            ),
            "reference": forms.CharField(
                label=gettext_lazy("Reference"), required=False, max_length=255
            ),
        }

    @classmethod
    def clean_options(cls, options: ImportOptions) -> ImportOptions:
        options = options.replace(
            warehouse=(options.warehouse or "").strip(),
            reference=(options.reference or "").strip()[:255],
        )
        if (
            options.warehouse
            and not Warehouse.objects.filter(code__iexact=options.warehouse).exists()
        ):
            raise refuse_option(
                "warehouse", _("Unknown warehouse %(code)s.") % {"code": options.warehouse}
            )
        return options

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.warehouse: Warehouse | None = None
        # (row, sku, bin code or "", quantity)
        self.records: list[tuple[int, str, str, int]] = []
        self.resolved_skus: dict[str, str] = {}
        self.bundle_skus: set[str] = set()
        self.bundle_ids: dict[str, int] = {}

    def read_sku(self, number: int, text: str) -> str | None:
        try:
            return clean_sku_cell(text)
        except CellError as error:
            self.error(number, "sku", error.message, text)
            return None

    def resolve(self) -> None:
        """Unknown SKUs and bins, each reported on its row; bins of the file's warehouse."""
        found = items_by_sku({sku for _n, sku, _b, _q in self.records})
        self.resolved_skus = {sku: ref.sku for sku, ref in found.items()}
        self.bundle_skus = {sku for sku, ref in found.items() if ref.is_bundle}
        self.bundle_ids = {sku: ref.pk for sku, ref in found.items() if ref.is_bundle}
        bins: dict[str, Location] = {}
        if self.warehouse is not None:
            bins = bins_by_code(self.warehouse, {code for _n, _s, code, _q in self.records if code})
        code = self.warehouse.code if self.warehouse is not None else ""
        for number, sku, bin_code, _qty in self.records:
            if sku not in found:
                self.error(number, "sku", _("Unknown SKU %(sku)s.") % {"sku": sku}, sku)
            if not bin_code or self.warehouse is None:
                continue
            location = bins.get(normal_bin_code(bin_code))
            if location is None:
                self.error(
                    number,
                    "bin",
                    _("Unknown bin %(bin)s in warehouse %(warehouse)s.")
                    % {"bin": bin_code, "warehouse": code},
                    bin_code,
                )
            elif not location.active:
                self.error(
                    number,
                    "bin",
                    _("Bin %(bin)s in warehouse %(warehouse)s is inactive.")
                    % {"bin": location.code, "warehouse": code},
                    bin_code,
                )

    def valid_records(self) -> list[tuple[int, str, str, int]]:
        return [record for record in self.records if record[0] not in self.failed]


class ReceiptImporter(StockRowsImporter):
    """One receipt per file: warehouse, SKU, quantity and bin (blank: the receiving bin)."""

    kind = "receipt"
    kind_label = gettext_lazy("Receipt")
    columns = RECEIPT_COLUMNS

    @classmethod
    def option_fields(cls) -> dict[str, forms.Field]:
        fields = super().option_fields()
        receipt_kind = forms.ChoiceField(
            label=gettext_lazy("Receipt kind"),
            required=False,
            choices=ReceiptKind.choices,
            initial=ReceiptKind.OTHER,
        )
        return {"warehouse": fields.pop("warehouse"), "receipt_kind": receipt_kind, **fields}

    option_types: ClassVar[dict[str, tuple[type, Any]]] = {
        **StockRowsImporter.option_types,
        "receipt_kind": (str, ReceiptKind.OTHER.value),
    }

    @classmethod
    def clean_options(cls, options: ImportOptions) -> ImportOptions:
        if options.receipt_kind not in ReceiptKind.values:
            raise refuse_option(
                "receipt_kind",
                _("Unknown receipt kind “%(kind)s”: choose one of %(kinds)s.")
                % {"kind": options.receipt_kind, "kinds": ", ".join(ReceiptKind.values)},
            )
        return super().clean_options(options)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.warehouses = {warehouse.code: warehouse for warehouse in Warehouse.objects.all()}
        self.first_warehouse_row: tuple[int, str] | None = None

    def prepare(self, header: list[str]) -> None:
        super().prepare(header)
        self.source = "kucun"
        chosen = self.options.warehouse.strip().upper()
        if chosen:
            self.warehouse = self.warehouses.get(chosen)
            if self.warehouse is None:
                raise TabularError.about_file(
                    _("Unknown warehouse %(code)s.") % {"code": self.options.warehouse}
                )
        elif not self.header_map.has("warehouse"):
            raise TabularError.about_file(
                _("Choose the warehouse to receive into, or add a warehouse column to the file.")
            )

    def validate_row(
        self, number: int, cells: list[str], cell: Callable[[list[str], str], str]
    ) -> None:
        sku = self.read_sku(number, cell(cells, "sku"))
        qty_text = cell(cells, "qty")
        try:
            qty = parse_positive_quantity(qty_text)
        except CellError as error:
            self.error(number, "qty", error.message, qty_text)
            qty = 0
        self.check_warehouse(number, cell(cells, "warehouse"))
        if sku is not None and qty:
            self.records.append((number, sku, cell(cells, "bin"), qty))

    def check_warehouse(self, number: int, text: str) -> None:
        if not text:
            if self.warehouse is None and self.first_warehouse_row is None:
                self.error(number, "warehouse", _("Warehouse is required on every row."))
            return
        code = text.upper()
        if self.options.warehouse:
            if code != self.warehouse.code:  # type: ignore[union-attr]
                self.error(
                    number,
                    "warehouse",
                    _("This receipt goes to warehouse %(chosen)s, but the row names %(code)s.")
                    % {"chosen": self.warehouse.code, "code": text},  # type: ignore[union-attr]
                    text,
                )
            return
        if self.first_warehouse_row is None:
            self.first_warehouse_row = (number, code)
            self.warehouse = self.warehouses.get(code)
            if self.warehouse is None:
                self.error(
                    number, "warehouse", _("Unknown warehouse %(code)s.") % {"code": text}, text
                )
            return
        first_row, first_code = self.first_warehouse_row
        if code != first_code:
            self.error(
                number,
                "warehouse",
                _("A file holds one receipt for one warehouse: row %(row)d names %(first)s.")
                % {"row": first_row, "first": first_code},
                text,
            )

    def finish_validation(self) -> None:
        self.resolve()
        self.refuse_bundles()

    def refuse_bundles(self) -> None:
        """A receipt receives what arrived: a bundle's row is refused, naming its components
        (the same message the receipt service gives for a bundle line)."""
        if not self.bundle_ids:
            return
        expansions = bundle_expansions(set(self.bundle_ids.values()))
        names = component_skus(expansions)
        for number, sku, _bin, _qty in self.records:
            if sku not in self.bundle_ids or number in self.failed:
                continue
            leaves = expansions.get(self.bundle_ids[sku], {})
            components = [(names[pk], qty) for pk, qty in leaves.items()]
            self.error(number, "sku", bundle_refusal(self.resolved_skus[sku], components), sku)

    def write(self) -> WriteCounts:
        assert self.warehouse is not None
        lines = [
            services.DocumentLineInput(sku=self.resolved_skus[sku], qty=qty, bin=bin_code or None)
            for _n, sku, bin_code, qty in self.valid_records()
        ]
        receipt = services.receipt_create(
            user=self.user,
            warehouse=self.warehouse.code,
            kind=self.options.receipt_kind or "other",
            lines=lines,
            reference=self.options.reference,
            note=_("Imported from a file"),
            post=self.options.post,
        )
        return WriteCounts(created=len(lines), document=receipt.number)


class StocktakeImporter(StockRowsImporter):
    """Counted quantities per bin and SKU, into a new stocktake or an open one."""

    kind = "stocktake"
    kind_label = gettext_lazy("Stocktake counts")
    columns = STOCKTAKE_COLUMNS

    option_types: ClassVar[dict[str, tuple[type, Any]]] = {
        **StockRowsImporter.option_types,
        "stocktake_id": (int, None),
    }

    @classmethod
    def clean_options(cls, options: ImportOptions) -> ImportOptions:
        options = super().clean_options(options)
        if not options.warehouse and not options.stocktake_id:
            raise refuse_option(
                "warehouse",
                _("Choose the warehouse being counted (or the stocktake to add the counts to)."),
            )
        return options

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stocktake: Stocktake | None = None
        self.first_row_of_pair: dict[tuple[str, str], int] = {}

    def prepare(self, header: list[str]) -> None:
        super().prepare(header)
        self.source = "kucun"
        if self.options.stocktake_id:
            self.stocktake = (
                Stocktake.objects.select_related("warehouse")
                .filter(pk=self.options.stocktake_id)
                .first()
            )
            if self.stocktake is None:
                raise TabularError.about_file(
                    _("No stocktake has id %(id)s.") % {"id": self.options.stocktake_id}
                )
            if self.stocktake.status not in STOCKTAKE_OPEN:
                raise TabularError.about_file(
                    _("Stocktake %(number)s is no longer open: start a new one.")
                    % {"number": self.stocktake.number}
                )
            self.warehouse = self.stocktake.warehouse
            return
        code = self.options.warehouse.strip().upper()
        self.warehouse = Warehouse.objects.filter(code=code).first() if code else None
        if self.warehouse is None:
            raise TabularError.about_file(
                _("Unknown warehouse %(code)s.") % {"code": self.options.warehouse}
                if code
                else _("Choose the warehouse being counted.")
            )

    def validate_row(
        self, number: int, cells: list[str], cell: Callable[[list[str], str], str]
    ) -> None:
        bin_code = cell(cells, "bin")
        if not bin_code:
            self.error(number, "bin", _("Bin is required: enter the bin that was counted."))
        sku = self.read_sku(number, cell(cells, "sku"))
        counted_text = cell(cells, "counted")
        try:
            counted = parse_count(counted_text)
        except CellError as error:
            self.error(number, "counted", error.message, counted_text)
            return
        if sku is None or not bin_code:
            return
        pair = (normal_bin_code(bin_code), sku.casefold())
        first = self.first_row_of_pair.get(pair)
        if first is not None:
            self.error(
                number,
                "sku",
                _("%(sku)s in bin %(bin)s is already counted on row %(row)d.")
                % {"sku": sku, "bin": bin_code, "row": first},
                sku,
            )
            return
        self.first_row_of_pair[pair] = number
        self.records.append((number, sku, bin_code, counted))

    def finish_validation(self) -> None:
        self.resolve()
        for number, sku, _bin, _counted in self.records:
            if sku in self.bundle_skus and number not in self.failed:
                self.error(
                    number,
                    "sku",
                    _("%(sku)s is a bundle, which holds no stock: count its components.")
                    % {"sku": self.resolved_skus[sku]},
                    sku,
                )

    def write(self) -> WriteCounts:
        assert self.warehouse is not None
        records = self.valid_records()
        stocktake = self.stocktake
        if stocktake is None:
            stocktake = services.stocktake_create(
                user=self.user,
                warehouse=self.warehouse.code,
                bins=sorted({normal_bin_code(code) for _n, _s, code, _c in records}),
                reference=self.options.reference,
                note=_("Counts imported from a file"),
            )
        counts = [
            services.StocktakeCountInput(
                bin=normal_bin_code(code), sku=self.resolved_skus[sku], counted=counted
            )
            for _n, sku, code, counted in records
        ]
        stocktake = services.stocktake_count(
            user=self.user, stocktake_id=stocktake.pk, counts=counts
        )
        if self.options.post:
            stocktake = services.stocktake_post(user=self.user, stocktake_id=stocktake.pk)
        return WriteCounts(created=len(counts), document=stocktake.number)
