"""Console forms of carrier accounts: the shared fields, then the carrier's declared ones."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kucun.core.forms import BootstrapFormMixin, SpecFieldsMixin, spec_initial, translated
from kucun.shipping.carriers.base import CarrierSpec
from kucun.shipping.choices import Environment
from kucun.shipping.models import CarrierAccount
from kucun.warehouses.models import Warehouse


class CarrierAccountForm(SpecFieldsMixin, BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    environment = forms.ChoiceField(
        label=_("Environment"),
        choices=Environment.choices,
        initial=Environment.TEST,
        help_text=_("Test: the carrier's test system, nothing is billed or collected."),
    )
    sandbox = forms.BooleanField(
        label=_("Sandbox"),
        required=False,
        help_text=_(
            "Talk to Kucun's built-in emulator of this carrier instead of the real one. Leave "
            "the credentials empty to use the emulator's own test account."
        ),
    )
    sender_warehouse = forms.ModelChoiceField(
        label=_("Sender"),
        queryset=Warehouse.objects.filter(active=True).order_by("priority", "code"),
        help_text=_("The warehouse the parcels leave from: its address goes on the label."),
    )
    default_service = forms.ChoiceField(label=_("Default service"), choices=(), required=False)
    label_size = forms.ChoiceField(label=_("Label size"), choices=(), required=False)

    def __init__(
        self,
        *args: Any,
        carrier: CarrierSpec,
        account: CarrierAccount | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.carrier, self.account = carrier, account
        self.fields["default_service"].choices = [  # type: ignore[attr-defined]
            (service.code, f"{service.code} · {translated(service.name)}")
            for service in carrier.services
        ]
        if carrier.label_sizes:
            self.fields["label_size"].choices = [  # type: ignore[attr-defined]
                (value, translated(label)) for value, label in carrier.label_sizes
            ]
        else:
            del self.fields["label_size"]
        sandbox = settings.SANDBOX_ENABLED or bool(account and account.sandbox)
        if not sandbox:
            del self.fields["sandbox"]
        # A new sandbox account may leave its credentials empty: the emulator's are used.
        optional = sandbox and account is None
        self.add_spec_fields(
            carrier.credential_fields,
            carrier.option_fields,
            account.credential_masks if account else {},
        )
        if optional:
            for spec in carrier.credential_fields:
                self.fields["credential_" + spec.name].required = False

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "environment": data["environment"],
            "sandbox": bool(data.get("sandbox")),
            "sender_warehouse_id": data["sender_warehouse"].pk,
            "default_service": data.get("default_service") or "",
            "label_size": data.get("label_size") or "",
            "credentials": self.credentials(),
            "options": self.options(),
        }


def carrier_account_initial(account: CarrierAccount) -> dict[str, Any]:
    return {
        "name": account.name,
        "environment": account.environment,
        "sandbox": account.sandbox,
        "sender_warehouse": account.sender_warehouse_id,
        "default_service": account.default_service,
        "label_size": account.label_size,
        **spec_initial(account.options, account.credential_masks),
    }
