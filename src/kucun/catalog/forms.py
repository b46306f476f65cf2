"""Console forms for items and bundles. The services decide; the forms only carry input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from kucun.catalog.models import SKU_MAX_LENGTH, Item
from kucun.catalog.validation import BARCODE_MAX_LENGTH, NAME_MAX_LENGTH, UNIT_MAX_LENGTH
from kucun.core.forms import BootstrapFormMixin

ITEM_FORM_FIELDS = (
    "sku",
    "name",
    "barcode",
    "unit",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "cost_price",
    "safety_stock",
    "reorder_point",
    "is_bundle",
    "active",
    "notes",
)


def _number(help_text: Any, *, required: bool = False, initial: int | None = None) -> Any:
    return forms.IntegerField(
        required=required,
        initial=initial,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
    )


class ItemForm(BootstrapFormMixin, forms.Form):
    """Every field of an item. Numbers are checked again (and named) by the services."""

    sku = forms.CharField(
        label=_("SKU"),
        help_text=_("Your stock-keeping code, unique ignoring upper and lower case."),
        widget=forms.TextInput(attrs={"maxlength": SKU_MAX_LENGTH, "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Name"), widget=forms.TextInput(attrs={"maxlength": NAME_MAX_LENGTH})
    )
    barcode = forms.CharField(
        label=_("Barcode"),
        required=False,
        help_text=_("EAN, UPC or your own; leave blank when the item has none."),
        widget=forms.TextInput(attrs={"maxlength": BARCODE_MAX_LENGTH, "autocomplete": "off"}),
    )
    unit = forms.CharField(
        label=_("Unit"),
        initial="each",
        help_text=_("How one unit is counted: each, box, pair..."),
        widget=forms.TextInput(attrs={"maxlength": UNIT_MAX_LENGTH}),
    )
    weight_g = _number(_("Shipping weight of one unit, in grams."))
    length_mm = _number(_("Packed length in millimetres."))
    width_mm = _number(_("Packed width in millimetres."))
    height_mm = _number(_("Packed height in millimetres."))
    cost_price = forms.DecimalField(
        label=_("Cost price"),
        required=False,
        initial="0.00",
        help_text=_("What one unit costs you, excluding tax; used for stock value."),
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.01", "inputmode": "decimal"}),
    )
    safety_stock = _number(
        _("Units kept back from the stores: not offered for sale online."),
        required=True,
        initial=0,
    )
    reorder_point = _number(
        _("The item is flagged as low stock when available falls to this or below."),
        required=True,
        initial=0,
    )
    is_bundle = forms.BooleanField(
        label=_("Bundle"),
        required=False,
        help_text=_(
            "A bundle is made of other items and holds no stock of its own. This can change only "
            "while the item has no components and no stock."
        ),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive items stay in the records but cannot be received or sold."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            "weight_g": _("Weight (g)"),
            "length_mm": _("Length (mm)"),
            "width_mm": _("Width (mm)"),
            "height_mm": _("Height (mm)"),
            "safety_stock": _("Safety stock"),
            "reorder_point": _("Reorder point"),
        }
        for name, label in labels.items():
            self.fields[name].label = label

    @classmethod
    def initial_for(cls, item: Item) -> dict[str, Any]:
        return {name: getattr(item, name) for name in ITEM_FORM_FIELDS}

    def service_fields(self) -> dict[str, Any]:
        """The cleaned input under the services' argument names (only the form's own fields)."""
        values = {name: self.cleaned_data.get(name) for name in self.fields}
        if values.get("cost_price") is None:
            values["cost_price"] = "0"
        return values


class BundleForm(ItemForm):
    """A bundle's own fields; it is a bundle by definition, so there is no bundle switch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["is_bundle"]
        self.fields["safety_stock"].help_text = _(
            "Bundles hold no stock; this is kept back from what the stores may sell of it."
        )


@dataclass
class ComponentRow:
    """One row of the bundle's component table as typed, with its errors."""

    sku: str = ""
    quantity: str = ""
    name: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def is_blank(self) -> bool:
        return not self.sku.strip() and not self.quantity.strip()


def component_rows_from_post(data: QueryDict) -> list[ComponentRow]:
    """The rows of the component table; wholly blank rows are dropped."""
    skus = data.getlist("component_sku")
    quantities = data.getlist("component_quantity")
    count = max(len(skus), len(quantities))
    rows = [
        ComponentRow(
            sku=skus[index] if index < len(skus) else "",
            quantity=quantities[index] if index < len(quantities) else "",
        )
        for index in range(count)
    ]
    return [row for row in rows if not row.is_blank]
