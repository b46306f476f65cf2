"""The console's import form: the fields every import has, then each kind's own options."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kucun.core.dataio.importing import ImportOptions
from kucun.core.dataio.registry import IMPORTERS, import_kind_choices
from kucun.core.forms import BootstrapFormMixin


def option_fields_by_kind() -> tuple[dict[str, forms.Field], dict[str, list[str]]]:
    """Every registered kind's option fields (the first declaration of a name wins) and,
    per option, the kinds that use it."""
    fields: dict[str, forms.Field] = {}
    kinds: dict[str, list[str]] = {}
    for kind, importer in IMPORTERS.items():
        for name, field in importer.option_fields().items():
            fields.setdefault(name, field)
            kinds.setdefault(name, []).append(kind)
    return fields, kinds


class ImportForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What to import"))
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        option_fields, self.option_kinds = option_fields_by_kind()
        # Per form, before the form copies its fields (and Bootstrap styles them).
        self.base_fields = {**self.base_fields, **option_fields}  # type: ignore[misc]
        super().__init__(*args, **kwargs)
        kind_field: Any = self.fields["kind"]
        kind_field.choices = import_kind_choices()

    def options(self) -> ImportOptions:
        data = self.cleaned_data
        given = {
            name: data[name]
            for name in self.option_kinds
            if data.get(name) is not None and data[name] != ""
        }
        return ImportOptions.from_dict(
            {**given, "valid_rows_only": bool(data.get("valid_rows_only"))}
        )
