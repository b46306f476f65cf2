"""Console forms of the orders screens: the list's filters, the carrier chosen before
confirming, cancelling, and the lines and quantities of a reshipment or a return.

The forms gather what a person typed; the order services check it against the order and name
what is wrong.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kucun.channels.models import Store
from kucun.core.forms import BootstrapFormMixin, translated
from kucun.inventory.forms import FilterForm, set_choices
from kucun.orders.models import Order, OrderLine
from kucun.orders.selectors_console import OrderFilters
from kucun.shipping.carrier_registry import carriers
from kucun.shipping.models import CarrierAccount
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location, Warehouse

SEARCH_MAX = 200


def id_choices(rows: Any, blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *((str(row.pk), str(row)) for row in rows)]


class OrderFilterForm(FilterForm):
    """The order list's filters, kept in the URL. The tab is a parameter of its own."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Order number, customer, email, SKU or tracking number"),
            }
        ),
    )
    store = forms.ChoiceField(label=_("Store"), required=False)
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    carrier = forms.ChoiceField(label=_("Carrier account"), required=False)
    date_from = forms.DateField(
        label=_("Placed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Placed to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "store", id_choices(Store.objects.order_by("name"), _("All stores")))
        warehouses = Warehouse.objects.order_by("code")
        set_choices(
            self,
            "warehouse",
            [("", _("All warehouses")), *((str(w.pk), f"{w.code} · {w.name}") for w in warehouses)],
        )
        set_choices(
            self,
            "carrier",
            id_choices(CarrierAccount.objects.order_by("name"), _("All carrier accounts")),
        )

    def order_filters(self) -> OrderFilters:
        def number(name: str) -> int | None:
            value = self.value(name)
            return int(value) if value else None

        return OrderFilters(
            store=number("store"),
            warehouse=number("warehouse"),
            carrier_account=number("carrier"),
            date_from=self.value("date_from"),
            date_to=self.value("date_to"),
            search=(self.value("q") or "").strip(),
        )


def carrier_choices(accounts: list[CarrierAccount]) -> list[Any]:
    """ "Let the rules choose", then per account its default service and each of its carrier's
    services, as "<account id>:<service code>" (an empty code: the account's default)."""
    specs = carriers()
    choices: list[Any] = [("", _("Let the shipping rules choose"))]
    for account in accounts:
        spec = specs.get(account.carrier)
        default = account.default_service or ""
        options = [(f"{account.pk}:", _("Default service (%(code)s)") % {"code": default or "—"})]
        known = set()
        for service in spec.services if spec else ():
            options.append(
                (f"{account.pk}:{service.code}", f"{service.code} · {translated(service.name)}")
            )
            known.add(service.code)
        if default and default not in known:
            options.append((f"{account.pk}:{default}", default))
        choices.append((account.name, options))
    return choices


def chosen_carrier(value: str) -> tuple[CarrierAccount | None, str]:
    """(account, service code) of a ``carrier_choices`` value; (None, "") leaves the choice
    to the rules (the value was one of the choices, so the account exists)."""
    if not value:
        return None, ""
    account_id, _sep, service_code = value.partition(":")
    return CarrierAccount.objects.filter(pk=int(account_id)).first(), service_code


class CarrierChoiceForm(BootstrapFormMixin, forms.Form):
    """The carrier account and service an order ships with, instead of the rules' choice."""

    carrier = forms.ChoiceField(
        label=_("Ship with"),
        required=False,
        help_text=_("Chosen before confirming; left to the rules, the first matching rule picks."),
    )

    def __init__(self, *args: Any, order: Order | None = None, **kwargs: Any) -> None:
        if order is not None and "initial" not in kwargs:
            current = (
                f"{order.carrier_account_id}:{order.service_code}"
                if order.carrier_account_id
                else ""
            )
            kwargs["initial"] = {"carrier": current}
        super().__init__(*args, **kwargs)
        accounts = list(CarrierAccount.objects.filter(active=True).order_by("name"))
        choices = carrier_choices(accounts)
        if order is not None and order.carrier_account_id and order.service_code:
            # A service no longer offered stays shown while it is the order's choice.
            value = f"{order.carrier_account_id}:{order.service_code}"
            offered = {code for _name, group in choices[1:] for code, _label in group}
            if value not in offered:
                choices.append((str(order.carrier_account), [(value, order.service_code)]))
        set_choices(self, "carrier", choices)

    def chosen(self) -> tuple[CarrierAccount | None, str]:
        return chosen_carrier(self.cleaned_data.get("carrier") or "")


class CancelForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        help_text=_("Kept in the order's timeline."),
    )


class LineQuantitiesForm(BootstrapFormMixin, forms.Form):
    """One quantity per order line (``quantity_<line id>``, 0 or empty: not this line), up to
    what the line allows (``limit_of``)."""

    def __init__(self, *args: Any, lines: list[OrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines = lines
        for line in lines:
            limit = self.limit_of(line)
            field = self.fields[self.field_name(line)] = forms.IntegerField(
                label=f"{line.sku} · {line.title}" if line.title else line.sku,
                required=False,
                min_value=0,
                max_value=limit,
                help_text=_("Up to %(limit)s.") % {"limit": limit},
                widget=forms.NumberInput(
                    attrs={"min": 0, "max": limit, "class": "form-control num"}
                ),
            )
            # What the line's row shows beside the quantity typed.
            field.ordered = line.quantity  # type: ignore[attr-defined]
            field.shipped = line.quantity_shipped  # type: ignore[attr-defined]
        self.order_fields([self.field_name(line) for line in lines])

    @staticmethod
    def field_name(line: OrderLine) -> str:
        return f"quantity_{line.pk}"

    def limit_of(self, line: OrderLine) -> int:
        return line.quantity

    @property
    def line_fields(self) -> list[forms.BoundField]:
        return [self[self.field_name(line)] for line in self.order_lines]

    @property
    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("quantity_")]

    def chosen_lines(self) -> list[tuple[OrderLine, int]]:
        return [
            (line, self.cleaned_data[self.field_name(line)])
            for line in self.order_lines
            if self.cleaned_data.get(self.field_name(line))
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not self.chosen_lines():
            raise forms.ValidationError(_("Enter a quantity for at least one line."))
        return cleaned


class ReshipForm(LineQuantitiesForm):
    """Lines to send again (up to what each line shipped), and the carrier to send them with."""

    carrier = forms.ChoiceField(
        label=_("Ship with"),
        required=False,
        help_text=_("Left to the rules, the first matching rule picks."),
    )

    def __init__(self, *args: Any, lines: list[OrderLine], **kwargs: Any) -> None:
        super().__init__(*args, lines=lines, **kwargs)
        accounts = list(CarrierAccount.objects.filter(active=True).order_by("name"))
        set_choices(self, "carrier", carrier_choices(accounts))

    def limit_of(self, line: OrderLine) -> int:
        return line.quantity_shipped

    def chosen_carrier(self) -> tuple[CarrierAccount | None, str]:
        return chosen_carrier(self.cleaned_data.get("carrier") or "")


class ReturnForm(LineQuantitiesForm):
    """Lines coming back (up to what each line shipped), and the bin of the order's warehouse
    they go into."""

    bin = forms.CharField(
        label=_("Into bin"),
        max_length=100,
        help_text=_("The code of a bin of the warehouse the order shipped from."),
    )

    def __init__(
        self, *args: Any, lines: list[OrderLine], warehouse: Warehouse | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, lines=lines, **kwargs)
        self.warehouse = warehouse

    def limit_of(self, line: OrderLine) -> int:
        return line.quantity_shipped

    def clean_bin(self) -> Location:
        code = (self.cleaned_data.get("bin") or "").strip().upper()
        found = Location.objects.filter(
            warehouse=self.warehouse, kind=LocationKind.INTERNAL, code=code
        ).first()
        if found is None:
            raise forms.ValidationError(
                _("No bin %(code)s in warehouse %(warehouse)s.")
                % {"code": code, "warehouse": self.warehouse.code if self.warehouse else "—"}
            )
        return found
