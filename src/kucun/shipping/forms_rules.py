"""Console forms of the shipping rules: a rule (its conditions and action) and "Test rules".

The forms only gather what a person typed; the services and ``shipping.rules`` check it and
name what is wrong (``conditions.postcodes`` comes back on the postcodes field).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kucun.channels.models import Store
from kucun.core.forms import BootstrapFormMixin, translated
from kucun.shipping.carrier_registry import carriers
from kucun.shipping.choices import RuleAction
from kucun.shipping.models import BoxPreset, CarrierAccount, ShippingRule
from kucun.shipping.rules import CONDITION_KEYS
from kucun.warehouses.models import Warehouse

RULE_FIELDS = ("name", "action", "carrier_account", "service_code", "box_preset", "note", "enabled")
ACTION_FIELDS = ("action", "carrier_account", "service_code", "box_preset")
LIST_CONDITIONS = ("countries", "states", "skus")


def service_choices(accounts: list[CarrierAccount], current: str = "") -> list[Any]:
    """Services grouped by account ("<account id>:<code>"), each account's carrier's own list,
    or its default service when the carrier's adapter is not installed."""
    specs = carriers()
    groups: list[Any] = [("", _("The account's default service"))]
    for account in accounts:
        spec = specs.get(account.carrier)
        options = (
            [(s.code, f"{s.code} · {translated(s.name)}") for s in spec.services] if spec else []
        )
        known = {code for code, _label in options}
        for code in (account.default_service, current):
            if code and code not in known:
                options.append((code, code))
                known.add(code)
        groups.append((account.name, [(f"{account.pk}:{code}", label) for code, label in options]))
    return groups


class RuleForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    action = forms.ChoiceField(label=_("Action"), choices=RuleAction.choices)
    carrier_account = forms.ModelChoiceField(
        label=_("Carrier account"),
        queryset=CarrierAccount.objects.none(),
        required=False,
        help_text=_("For 'ship with a carrier': the account that buys the label."),
    )
    service_code = forms.ChoiceField(label=_("Service"), required=False)
    box_preset = forms.ModelChoiceField(
        label=_("Box"),
        queryset=BoxPreset.objects.filter(active=True),
        required=False,
        help_text=_("The box to pack into; its tare counts in the parcel's weight."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    stores = forms.ModelMultipleChoiceField(
        label=_("Stores"),
        queryset=Store.objects.order_by("name"),
        required=False,
        help_text=_("The order came from one of these stores."),
    )
    countries = forms.CharField(
        label=_("Countries"),
        required=False,
        help_text=_("Two-letter codes, such as AU, NZ."),
    )
    states = forms.CharField(
        label=_("States"), required=False, help_text=_("Codes such as VIC, NSW.")
    )
    postcodes = forms.CharField(
        label=_("Postcodes"),
        required=False,
        help_text=_("Postcodes and ranges, such as 3000-3999, 2000, 2600-2620."),
    )
    weight_min_kg = forms.CharField(label=_("Minimum weight (kg)"), required=False)
    weight_max_kg = forms.CharField(
        label=_("Maximum weight (kg)"),
        required=False,
        help_text=_("Both limits included; the weight counts the items and the box."),
    )
    value_min = forms.CharField(label=_("Minimum order value"), required=False)
    value_max = forms.CharField(label=_("Maximum order value"), required=False)
    shipping_method_contains = forms.CharField(
        label=_("Shipping method contains"),
        required=False,
        help_text=_("Found in the shipping method the customer chose, ignoring case."),
    )
    skus = forms.CharField(
        label=_("SKUs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The parcel contains at least one of these (separated by commas or lines)."),
    )
    warehouses = forms.ModelMultipleChoiceField(
        label=_("Warehouses"),
        queryset=Warehouse.objects.order_by("code"),
        required=False,
        help_text=_("The parcel ships from one of these warehouses."),
    )

    def __init__(self, *args: Any, rule: ShippingRule | None = None, **kwargs: Any) -> None:
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = rule_initial(rule)
        super().__init__(*args, **kwargs)
        self.rule = rule
        accounts = list(CarrierAccount.objects.filter(active=True).order_by("name"))
        self.fields["carrier_account"].queryset = CarrierAccount.objects.filter(  # type: ignore[attr-defined]
            active=True
        ).order_by("name")
        current = rule.service_code if rule is not None else ""
        self.fields["service_code"].choices = service_choices(accounts, current)  # type: ignore[attr-defined]
        if rule is not None and rule.is_default:
            for name in list(self.fields):
                if name not in ACTION_FIELDS:
                    del self.fields[name]

    @property
    def rule_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in RULE_FIELDS if name in self.fields]

    @property
    def condition_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in CONDITION_KEYS if name in self.fields]

    def clean_service_code(self) -> str:
        value: str = self.cleaned_data.get("service_code") or ""
        return value.partition(":")[2] if ":" in value else value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = self.data.get(self.add_prefix("service_code"), "")
        account = cleaned.get("carrier_account")
        if ":" in chosen and account is not None and chosen.partition(":")[0] != str(account.pk):
            self.add_error(
                "service_code", _("This service is one of another account's: choose again.")
            )
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments: dict[str, Any] = {
            "action": data["action"],
            "carrier_account": data["carrier_account"].pk if data.get("carrier_account") else None,
            "service_code": data.get("service_code", ""),
            "box_preset": data["box_preset"].pk if data.get("box_preset") else None,
        }
        if self.rule is not None and self.rule.is_default:
            return arguments
        conditions: dict[str, Any] = {}
        for key in CONDITION_KEYS:
            value = data.get(key)
            if key in ("stores", "warehouses"):
                conditions[key] = [row.pk for row in value or []]
            else:
                conditions[key] = value or ""
        return {
            **arguments,
            "name": data["name"],
            "note": data.get("note", ""),
            "enabled": bool(data.get("enabled")),
            "conditions": conditions,
        }

    @staticmethod
    def form_field(service_field: str) -> str:
        return service_field.removeprefix("conditions.")


def rule_initial(rule: ShippingRule) -> dict[str, Any]:
    conditions = rule.conditions or {}
    initial: dict[str, Any] = {
        "name": rule.name,
        "action": rule.action,
        "carrier_account": rule.carrier_account_id,
        "service_code": f"{rule.carrier_account_id}:{rule.service_code}"
        if rule.carrier_account_id and rule.service_code
        else "",
        "box_preset": rule.box_preset_id,
        "note": rule.note,
        "enabled": rule.enabled,
        "stores": conditions.get("stores", []),
        "warehouses": conditions.get("warehouses", []),
    }
    for key in CONDITION_KEYS:
        if key in ("stores", "warehouses"):
            continue
        value = conditions.get(key, "")
        initial[key] = ", ".join(value) if key in LIST_CONDITIONS else value
    return initial


class RuleTestForm(BootstrapFormMixin, forms.Form):
    """A parcel typed by a person: where it goes, what it holds, and the order's details."""

    country = forms.CharField(label=_("Country"), max_length=2, required=False, initial="AU")
    state = forms.CharField(label=_("State"), max_length=50, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    items = forms.CharField(
        label=_("Items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "TEA-GREEN 2"}),
        help_text=_("One line per SKU: the SKU, then the quantity (1 when left out)."),
    )
    store = forms.ModelChoiceField(
        label=_("Store"), queryset=Store.objects.order_by("name"), required=False
    )
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.order_by("code"), required=False
    )
    value = forms.CharField(label=_("Order value"), required=False)
    shipping_method = forms.CharField(label=_("Shipping method"), max_length=100, required=False)
    box = forms.ModelChoiceField(
        label=_("Box"), queryset=BoxPreset.objects.filter(active=True), required=False
    )

    def item_lines(self) -> list[tuple[str, Any]]:
        """(SKU, quantity) per line: "TEA-GREEN 2", "TEA-GREEN, 2", "TEA-GREEN × 2"."""
        lines = []
        for raw in (self.cleaned_data.get("items") or "").splitlines():
            words = raw.replace(",", " ").replace("×", " ").replace("*", " ").split()
            if not words:
                continue
            quantity: Any = words[1] if len(words) > 1 else 1
            lines.append((words[0], quantity))
        return lines
