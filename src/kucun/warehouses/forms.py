"""Console forms. They check types; the services check the rules and name the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kucun.core.forms import BootstrapFormMixin
from kucun.warehouses.choices import ZoneKind
from kucun.warehouses.models import Warehouse, Zone
from kucun.warehouses.selectors import zones_for_choice

CODE_HELP = _("Letters, digits, '-' and '_'; stored in upper case.")


class ZoneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        zone: Zone = obj
        return f"{zone.warehouse.code} / {zone.code} — {zone.display_name}"


class WarehouseForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=200)
    address_line1 = forms.CharField(label=_("Address line 1"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    state = forms.CharField(label=_("State"), max_length=100, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        initial="AU",
        help_text=_("Two-letter country code, e.g. AU."),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        decimal_places=6,
        help_text=_(
            "Optional, -90 to 90. Latitude and longitude drive nearest-warehouse order routing."
        ),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        decimal_places=6,
        help_text=_(
            "Optional, -180 to 180. Latitude and longitude drive nearest-warehouse order routing."
        ),
    )
    priority = forms.IntegerField(
        label=_("Priority"),
        initial=100,
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text=_("Lower numbers are preferred when routing orders."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ZoneForm(BootstrapFormMixin, forms.Form):
    warehouse: forms.ModelChoiceField[Warehouse] = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=None, empty_label=_("Choose a warehouse")
    )
    code = forms.CharField(label=_("Code"), max_length=32, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ZoneKind.choices,
        help_text=_("Picking zones hold stock to pick orders from; storage zones hold reserve."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        warehouse_field = self.fields["warehouse"]
        assert isinstance(warehouse_field, forms.ModelChoiceField)
        warehouse_field.queryset = Warehouse.objects.order_by("code")
        if editing:
            warehouse_field.disabled = True
            warehouse_field.help_text = _("A zone stays in its warehouse.")


class BinForm(BootstrapFormMixin, forms.Form):
    zone = ZoneChoiceField(label=_("Zone"), queryset=None, empty_label=_("Choose a zone"))
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=format_lazy("{} {}", _("For example A-01-1."), CODE_HELP),
    )
    sellable = forms.BooleanField(
        label=_("Sellable"),
        required=False,
        initial=True,
        help_text=_("Stock in a sellable bin counts as available to sell."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, warehouse_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = zones_for_choice()
        if warehouse_id is not None:
            zones = zones.filter(warehouse_id=warehouse_id)
            self.fields["zone"].help_text = _("A bin can move only within its warehouse.")
        zone_field = self.fields["zone"]
        assert isinstance(zone_field, forms.ModelChoiceField)
        zone_field.queryset = zones


class BinPatternForm(BootstrapFormMixin, forms.Form):
    zone = ZoneChoiceField(label=_("Zone"), queryset=None, empty_label=_("Choose a zone"))
    code_prefix = forms.CharField(
        label=_("Prefix"),
        max_length=32,
        required=False,
        help_text=_("Optional, put before every code, e.g. M1 makes M1-A-01-1."),
    )
    aisles = forms.CharField(
        label=_("Aisles"),
        max_length=200,
        required=False,
        initial="A",
        help_text=_("A letter, a range such as A-C, or a list such as A,B,F."),
    )
    racks = forms.CharField(
        label=_("Racks"),
        max_length=200,
        required=False,
        initial="01-20",
        help_text=_("A range such as 01-20 (zero padding is kept) or a list."),
    )
    levels = forms.CharField(
        label=_("Levels"),
        max_length=200,
        required=False,
        initial="1-4",
        help_text=_("A range such as 1-4; leave empty for bins without levels."),
    )
    separator = forms.ChoiceField(
        label=_("Separator"),
        choices=[("-", _("Hyphen (A-01-1)")), ("_", _("Underscore (A_01_1)")), ("", _("None"))],
        initial="-",
        required=False,
    )
    sellable = forms.BooleanField(
        label=_("Sellable"),
        required=False,
        initial=True,
        help_text=_("Stock in a sellable bin counts as available to sell."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone_field = self.fields["zone"]
        assert isinstance(zone_field, forms.ModelChoiceField)
        zone_field.queryset = zones_for_choice()

    def pattern(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "prefix": data.get("code_prefix") or "",
            "aisles": data.get("aisles") or "",
            "racks": data.get("racks") or "",
            "levels": data.get("levels") or "",
            "separator": data.get("separator") or "",
        }
