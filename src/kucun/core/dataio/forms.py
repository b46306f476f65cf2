"""The console's import form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kucun.core.choices import ImportKind
from kucun.core.dataio.importing import ImportOptions
from kucun.core.forms import BootstrapFormMixin


class ImportForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What to import"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX, with the column names in the first row. "
            "Items also import from a Shopify product export or an eBay active listings report."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )
    valid_rows_only = forms.BooleanField(
        label=_("Import the valid rows even if some rows have errors"),
        required=False,
        help_text=_("Off: one bad row and nothing is written, so you can correct the file."),
    )
    warehouse = forms.ChoiceField(
        label=_("Warehouse"),
        required=False,
        help_text=_("For a receipt or stocktake counts (or give a warehouse column)."),
    )
    receipt_kind = forms.ChoiceField(label=_("Receipt kind"), required=False)
    post = forms.BooleanField(
        label=_("Post it now"),
        required=False,
        help_text=_("Off: the receipt or stocktake is left as a draft to check and post."),
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=255)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from kucun.inventory.choices import ReceiptKind
        from kucun.warehouses.models import Warehouse

        warehouse_field: Any = self.fields["warehouse"]
        receipt_kind_field: Any = self.fields["receipt_kind"]
        warehouse_field.choices = [("", "—")] + [
            (code, f"{code} {name}")
            for code, name in Warehouse.objects.filter(active=True).values_list("code", "name")
        ]
        receipt_kind_field.choices = ReceiptKind.choices
        receipt_kind_field.initial = ReceiptKind.OTHER

    def options(self) -> ImportOptions:
        data = self.cleaned_data
        return ImportOptions(
            valid_rows_only=bool(data.get("valid_rows_only")),
            warehouse=data.get("warehouse") or "",
            post=bool(data.get("post")),
            receipt_kind=data.get("receipt_kind") or "other",
            reference=data.get("reference") or "",
        )
