"""Console forms: a shipment entered by hand (a replacement part, a parcel between warehouses),
a box preset (Settings → Packaging)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kucun.core.forms import BootstrapFormMixin, translated
from kucun.shipping.carrier_registry import carriers
from kucun.shipping.models import BoxPreset, CarrierAccount

ITEM_ROWS = 6
SERVICE_FIELD = re.compile(r"^(?P<group>[a-z_]+)(?:\[(?P<index>\d+)\])?(?:\.(?P<name>[a-z_]+))?")
PARCEL_FIELDS = ("box_preset", "weight_kg", "length_cm", "width_cm", "height_cm", "description")
RECEIVER_FIELDS = (
    "name",
    "company",
    "line1",
    "line2",
    "suburb",
    "state",
    "postcode",
    "country",
    "phone",
    "email",
)


def service_choices() -> list[tuple[str, str]]:
    """Every service of the installed carriers, the account's default first."""
    choices: list[tuple[str, str]] = [("", str(_("The account's default service")))]
    seen: set[str] = set()
    for spec in carriers().values():
        for service in spec.services:
            if service.code not in seen:
                seen.add(service.code)
                choices.append(
                    (
                        service.code,
                        f"{translated(spec.label)} · {service.code} {translated(service.name)}",
                    )
                )
    return choices


class ShipmentForm(BootstrapFormMixin, forms.Form):
    carrier_account = forms.ModelChoiceField(
        label=_("Carrier account"),
        queryset=CarrierAccount.objects.filter(active=True).order_by("name"),
    )
    service_code = forms.ChoiceField(label=_("Service"), required=False)
    receiver_name = forms.CharField(label=_("Name"), max_length=100)
    receiver_company = forms.CharField(label=_("Company"), max_length=100, required=False)
    receiver_line1 = forms.CharField(label=_("Address line 1"), max_length=100)
    receiver_line2 = forms.CharField(label=_("Address line 2"), max_length=100, required=False)
    receiver_suburb = forms.CharField(label=_("Suburb"), max_length=100)
    receiver_state = forms.CharField(label=_("State"), max_length=100, required=False)
    receiver_postcode = forms.CharField(label=_("Postcode"), max_length=20)
    receiver_country = forms.CharField(label=_("Country"), max_length=2, initial="AU")
    receiver_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    receiver_email = forms.EmailField(label=_("Email"), required=False)
    box_preset = forms.ModelChoiceField(
        label=_("Box"),
        queryset=BoxPreset.objects.filter(active=True).order_by("name"),
        required=False,
        help_text=_("Its inner size is the parcel's size and its tare is added to the weight."),
    )
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"),
        required=False,
        min_value=Decimal("0.001"),
        decimal_places=3,
        help_text=_("Only for a parcel entered by hand, without items."),
    )
    length_cm = forms.DecimalField(
        label=_("Length (cm)"),
        required=False,
        min_value=Decimal("0.1"),
        help_text=_("Without a box: the parcel's size measured by hand."),
    )
    width_cm = forms.DecimalField(label=_("Width (cm)"), required=False, min_value=Decimal("0.1"))
    height_cm = forms.DecimalField(label=_("Height (cm)"), required=False, min_value=Decimal("0.1"))
    description = forms.CharField(label=_("Contents"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_code"].choices = service_choices()  # type: ignore[attr-defined]
        for row in range(1, ITEM_ROWS + 1):
            self.fields[f"item_sku_{row}"] = forms.CharField(
                label=_("SKU"), max_length=64, required=False
            )
            self.fields[f"item_qty_{row}"] = forms.IntegerField(
                label=_("Quantity"), min_value=1, required=False
            )
            for name in (f"item_sku_{row}", f"item_qty_{row}"):
                self.fields[name].widget.attrs["class"] = "form-control form-control-sm"

    def receiver_bound_fields(self) -> list[forms.BoundField]:
        return [self[f"receiver_{name}"] for name in RECEIVER_FIELDS]

    def parcel_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PARCEL_FIELDS]

    def item_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"item_sku_{row}"], self[f"item_qty_{row}"]) for row in range(1, ITEM_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(1, ITEM_ROWS + 1):
            sku, qty = data.get(f"item_sku_{row}"), data.get(f"item_qty_{row}")
            if sku and not qty:
                self.add_error(f"item_qty_{row}", _("Enter how many of %(sku)s.") % {"sku": sku})
            elif qty and not sku:
                self.add_error(f"item_sku_{row}", _("Enter the SKU."))
        if not self.items() and not data.get("weight_kg"):
            raise forms.ValidationError(
                _("Enter the items to send, or a parcel's weight for a parcel entered by hand.")
            )
        return data

    def items(self) -> list[dict[str, Any]]:
        data = getattr(self, "cleaned_data", {})
        return [
            {"sku": data[f"item_sku_{row}"].strip(), "quantity": data[f"item_qty_{row}"]}
            for row in range(1, ITEM_ROWS + 1)
            if data.get(f"item_sku_{row}") and data.get(f"item_qty_{row}")
        ]

    def item_row_numbers(self) -> list[int]:
        data = getattr(self, "cleaned_data", {})
        return [
            row
            for row in range(1, ITEM_ROWS + 1)
            if data.get(f"item_sku_{row}") and data.get(f"item_qty_{row}")
        ]

    def form_field(self, service_field: str) -> str | None:
        """The form's field for a field the shipment service named (``receiver.postcode``,
        ``items[0].sku``, ``parcels[0].weight_kg``); None for the form as a whole."""
        match = SERVICE_FIELD.match(service_field)
        if match is None:
            return None
        group, index, name = match.group("group"), match.group("index"), match.group("name")
        if group == "receiver" and name in RECEIVER_FIELDS:
            return f"receiver_{name}"
        if group == "items" and index is not None:
            rows = self.item_row_numbers()
            position = int(index)
            if position < len(rows):
                return f"item_{'qty' if name == 'quantity' else 'sku'}_{rows[position]}"
        if group in {"parcels", "dimensions"} and name in PARCEL_FIELDS:
            return name
        if group in {"carrier_account", "service_code", "box_preset"}:
            return group
        return None

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments: dict[str, Any] = {
            "carrier_account": data["carrier_account"],
            "service_code": data.get("service_code") or None,
            "receiver": {
                name: (data.get(f"receiver_{name}") or "").strip() for name in RECEIVER_FIELDS
            },
            "box_preset": data.get("box_preset"),
        }
        items = self.items()
        if items:
            arguments["items"] = items
            arguments["dimensions"] = {
                name: data.get(name) for name in ("length_cm", "width_cm", "height_cm")
            }
        else:
            arguments["parcels"] = [
                {
                    "weight_kg": data["weight_kg"],
                    "length_cm": data.get("length_cm"),
                    "width_cm": data.get("width_cm"),
                    "height_cm": data.get("height_cm"),
                    "description": data.get("description") or "",
                }
            ]
        return arguments


class BoxPresetForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = BoxPreset
        fields = (
            "name",
            "length_cm",
            "width_cm",
            "height_cm",
            "tare_kg",
            "max_weight_kg",
            "active",
        )
