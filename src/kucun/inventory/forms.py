"""Console forms for the stock screens: document headers, their line tables, list filters.

Line tables are posted as parallel lists (line_sku, line_qty, line_bin, ...) so the scan box and
the SKU search can add rows in the browser without renumbering anything; each row keeps what was
typed and its own errors, so a refused form comes back whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from kucun.core.errors import DomainError
from kucun.core.forms import BootstrapFormMixin, add_domain_error
from kucun.inventory.services.lookups import MAX_LINE_QTY
from kucun.warehouses.choices import ZoneKind
from kucun.warehouses.models import Warehouse

LINE_FIELDS = ("sku", "qty", "bin", "from_bin", "to_bin", "counted")


def set_choices(form: forms.BaseForm, name: str, choices: Iterable[Any]) -> None:
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(name)
    field.choices = list(choices)


def warehouse_choices(*, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(w.code, f"{w.code} · {w.name}") for w in Warehouse.objects.filter(active=True)]
    if blank is not None:
        choices.insert(0, ("", blank))
    return choices


@dataclass
class LineRow:
    """One row of an editor's line table, as typed, with its errors."""

    sku: str = ""
    qty: str = ""
    bin: str = ""
    from_bin: str = ""
    to_bin: str = ""
    counted: str = ""
    expected: int | None = None
    item_name: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def is_blank(self) -> bool:
        return not any(getattr(self, name).strip() for name in LINE_FIELDS)

    @property
    def difference(self) -> int | None:
        if self.expected is None or not self.counted.strip().isdigit():
            return None
        return int(self.counted) - self.expected


def rows_from_post(data: QueryDict) -> list[LineRow]:
    """The line table as posted; fully blank rows are dropped."""
    columns = {name: data.getlist(f"line_{name}") for name in LINE_FIELDS}
    count = max((len(values) for values in columns.values()), default=0)
    rows = []
    for index in range(count):
        values = {
            name: (columns[name][index] if index < len(columns[name]) else "").strip()
            for name in LINE_FIELDS
        }
        row = LineRow(
            sku=values["sku"],
            qty=values["qty"],
            bin=values["bin"],
            from_bin=values["from_bin"],
            to_bin=values["to_bin"],
            counted=values["counted"],
        )
        if not row.is_blank:
            rows.append(row)
    return rows


def _positive_quantity(row: LineRow, value: str, label: Any, *, allow_zero: bool = False) -> int:
    """The row's quantity as an int, or 0 with an error added to the row."""
    smallest = 0 if allow_zero else 1
    if not re.fullmatch(r"\d+", value) or not smallest <= int(value) <= MAX_LINE_QTY:
        if allow_zero:
            row.errors.append(
                str(_("%(field)s must be a whole number, 0 or more.") % {"field": label})
            )
        else:
            row.errors.append(
                str(_("%(field)s must be a whole number of at least 1.") % {"field": label})
            )
        return 0
    return int(value)


def validate_document_rows(rows: Sequence[LineRow], *, kind: str) -> bool:
    """Check each row's own fields (kind: receipt, issue, transfer or stocktake); True if clean."""
    clean = True
    for row in rows:
        if not row.sku:
            row.errors.append(str(_("Enter a SKU.")))
        if kind == "stocktake":
            _positive_quantity(row, row.counted, _("Counted"), allow_zero=True)
            if not row.bin:
                row.errors.append(str(_("Enter the bin that was counted.")))
        else:
            _positive_quantity(row, row.qty, _("Quantity"))
        if kind == "transfer":
            if not row.from_bin:
                row.errors.append(str(_("Enter the bin to take the stock from.")))
            if not row.to_bin:
                row.errors.append(str(_("Enter the bin to put the stock in.")))
            if row.from_bin and row.from_bin.upper() == row.to_bin.upper():
                row.errors.append(str(_("The from and to bins are the same.")))
        clean = clean and not row.errors
    return clean


def _same_place(row: LineRow, other: LineRow) -> bool:
    """Same bin (a receipt's or issue's line), or same from-bin and to-bin (a transfer's)."""
    return all(
        getattr(row, name).upper() == getattr(other, name).upper()
        for name in ("bin", "from_bin", "to_bin")
    )


def _merge_target(rows: Sequence[LineRow], sku: str, place: LineRow) -> LineRow | None:
    """The first plain line of this item and place (bins), to add an expanded component to."""
    for row in rows:
        if row.sku.upper() == sku.upper() and _same_place(row, place):
            return row
    return None


def expand_bundle_rows(
    rows: Sequence[LineRow], components: dict[str, list[Any]]
) -> tuple[list[LineRow], list[str]]:
    """Replace each bundle line (components: upper-cased bundle SKU -> its components, each
    with sku, name and per_bundle) by its component lines: quantity × units per bundle, in the
    same bin (a transfer's: the same from-bin and to-bin), added to a line of the same item
    and bin(s) when there is one. Returns the lines and a notice per
    bundle replaced. A bundle line without a valid quantity or without components stays, with
    its error, to be corrected."""
    plain = [row for row in rows if row.sku.upper() not in components]
    result: list[LineRow] = []
    notices: list[str] = []
    for row in rows:
        parts = components.get(row.sku.upper())
        if parts is None:
            result.append(row)
            continue
        if not parts:
            row.errors.append(
                str(_("%(sku)s is a bundle with no components, which holds no stock."))
                % {"sku": row.sku}
            )
            result.append(row)
            continue
        if not re.fullmatch(r"\d+", row.qty) or not 1 <= int(row.qty) <= MAX_LINE_QTY:
            row.errors.append(
                str(_("%(sku)s is a bundle: enter how many, and it is replaced by its components."))
                % {"sku": row.sku}
            )
            result.append(row)
            continue
        bundles = int(row.qty)
        for part in parts:
            qty = part.per_bundle * bundles
            target = _merge_target(plain, part.sku, row) or _merge_target(result, part.sku, row)
            if target is not None and re.fullmatch(r"[1-9]\d*", target.qty):
                target.qty = str(int(target.qty) + qty)
            else:
                result.append(
                    LineRow(
                        sku=part.sku,
                        qty=str(qty),
                        bin=row.bin,
                        from_bin=row.from_bin,
                        to_bin=row.to_bin,
                        item_name=part.name,
                    )
                )
        listed = ", ".join(f"{part.per_bundle * bundles} × {part.sku}" for part in parts)
        notices.append(
            str(
                _(
                    "%(qty)s × %(sku)s is a bundle, which holds no stock: its line was replaced "
                    "by its components (%(components)s). Nothing is saved yet: check the lines, "
                    "then save or post."
                )
            )
            % {"qty": bundles, "sku": row.sku, "components": listed}
        )
    return result, notices


_LINE_INDEX = re.compile(r"(?:lines?|counts)\W*(\d+)")


def place_domain_error(error: DomainError, form: Any, rows: Sequence[LineRow]) -> None:
    """Show a service's error next to the line it names (by index or SKU/bin), else on the form."""
    placed = False
    for field_error in getattr(error, "errors", []):
        match = _LINE_INDEX.search(field_error.field or "")
        if match and int(match.group(1)) < len(rows):
            rows[int(match.group(1))].errors.append(field_error.message)
            placed = True
        elif field_error.field in form.fields:
            form.add_error(field_error.field, field_error.message)
            placed = True
    if placed:
        return
    for attribute, row_fields in (
        ("sku", ("sku",)),
        ("bin", ("bin", "from_bin", "to_bin")),
        ("code", ("bin", "from_bin", "to_bin", "sku")),
    ):
        value = getattr(error, attribute, None)
        if not isinstance(value, str) or not value:
            continue
        for row in rows:
            if any(getattr(row, name).upper() == value.upper() for name in row_fields):
                row.errors.append(str(error))
                placed = True
        if placed:
            return
    add_domain_error(form, error)


def fix_warehouse(form: forms.BaseForm, warehouse: Warehouse | None) -> None:
    """An existing document keeps its warehouse: its lines name that warehouse's bins."""
    if warehouse is None:
        return
    field = form.fields["warehouse"]
    set_choices(form, "warehouse", [(warehouse.code, f"{warehouse.code} · {warehouse.name}")])
    field.disabled = True
    field.initial = warehouse.code
    field.help_text = _(
        "The warehouse cannot change once the document exists. For another warehouse, "
        "discard this draft and start a new one."
    )


class DocumentHeaderForm(BootstrapFormMixin, forms.Form):
    """Receipt and issue header: kind, warehouse, reference, note."""

    kind = forms.ChoiceField(label=_("Kind"))
    warehouse = forms.ChoiceField(label=_("Warehouse"))
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("Your own reference, e.g. the supplier's invoice or the order number."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        kinds: Iterable[tuple[str, Any]] = (),
        fixed_warehouse: Warehouse | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "kind", list(kinds))
        set_choices(self, "warehouse", warehouse_choices())
        fix_warehouse(self, fixed_warehouse)


class TransferHeaderForm(BootstrapFormMixin, forms.Form):
    warehouse = forms.ChoiceField(label=_("From warehouse"))
    to_warehouse = forms.ChoiceField(
        label=_("To warehouse"),
        required=False,
        help_text=_(
            "Leave empty to move stock between bins of one warehouse. Another warehouse: the "
            "stock is shipped now and received there later."
        ),
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, fixed_warehouse: Warehouse | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "warehouse", warehouse_choices())
        set_choices(self, "to_warehouse", warehouse_choices(blank=str(_("Same warehouse"))))
        fix_warehouse(self, fixed_warehouse)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to_warehouse") and data.get("to_warehouse") == data.get("warehouse"):
            data["to_warehouse"] = ""
        return data


def _codes(value: str) -> list[str]:
    return [code for code in re.split(r"[\s,;]+", value.strip()) if code]


class StocktakeHeaderForm(BootstrapFormMixin, forms.Form):
    warehouse = forms.ChoiceField(label=_("Warehouse"))
    bins = forms.CharField(
        label=_("Bins to count"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bin codes separated by spaces or commas."),
    )
    skus = forms.CharField(
        label=_("Items to count"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("SKUs separated by spaces or commas: every bin holding them is counted."),
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "warehouse", warehouse_choices())

    def clean_bins(self) -> list[str]:
        return _codes(self.cleaned_data.get("bins", ""))

    def clean_skus(self) -> list[str]:
        return _codes(self.cleaned_data.get("skus", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("bins") and not data.get("skus") and not self.errors:
            self.add_error("bins", _("Choose the bins or the items to count."))
        return data


class FilterForm(BootstrapFormMixin, forms.Form):
    """Base of the list filters: every field optional, values read from the querystring."""

    def value(self, name: str) -> Any:
        if not self.is_bound or not self.is_valid():
            return self.fields[name].initial
        return self.cleaned_data.get(name)


class StockFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    zone_kind = forms.ChoiceField(label=_("Zone kind"), required=False)
    low_stock = forms.BooleanField(label=_("Low stock only"), required=False)
    bundles = forms.ChoiceField(
        label=_("Items or bundles"),
        required=False,
        choices=[("", _("Items and bundles")), ("no", _("Items only")), ("yes", _("Bundles only"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "warehouse", warehouse_choices(blank=str(_("All warehouses"))))
        set_choices(self, "zone_kind", [("", _("All zones")), *ZoneKind.choices])


class DocumentFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(
        self,
        *args: Any,
        kinds: Iterable[tuple[str, Any]] = (),
        statuses: Iterable[tuple[str, Any]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "warehouse", warehouse_choices(blank=str(_("All warehouses"))))
        kind_choices = list(kinds)
        set_choices(self, "kind", [("", _("All kinds")), *kind_choices])
        if not kind_choices:
            del self.fields["kind"]
        set_choices(self, "status", [("", _("All statuses")), *statuses])


class MoveFilterForm(FilterForm):
    item = forms.CharField(label=_("Item (SKU)"), required=False)
    bin = forms.CharField(label=_("Bin"), required=False)
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    move_kind = forms.ChoiceField(label=_("Kind"), required=False)
    document = forms.CharField(label=_("Document"), required=False)
    user = forms.CharField(label=_("User"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, kinds: Iterable[tuple[str, Any]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "warehouse", warehouse_choices(blank=str(_("All warehouses"))))
        set_choices(self, "move_kind", [("", _("All kinds")), *kinds])


class BinLookupForm(FilterForm):
    q = forms.CharField(
        label=_("Bin, SKU, item name or barcode"),
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True, "type": "search"}),
    )
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    zone_kind = forms.ChoiceField(label=_("Zone kind"), required=False)
    active = forms.ChoiceField(
        label=_("Bin status"),
        required=False,
        choices=[("", _("Any status")), ("yes", _("Active")), ("no", _("Inactive"))],
    )
    occupancy = forms.ChoiceField(
        label=_("Contents"),
        required=False,
        choices=[("", _("Any contents")), ("empty", _("Empty")), ("occupied", _("Occupied"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "warehouse", warehouse_choices(blank=str(_("All warehouses"))))
        set_choices(self, "zone_kind", [("", _("All zones")), *ZoneKind.choices])
