"""Console forms: a store's form is built from its platform's declared fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kucun.channels.adapters.base import PlatformSpec
from kucun.channels.models import (
    DEFAULT_ORDER_BACKFILL_DAYS,
    DEFAULT_ORDER_INTERVAL_MINUTES,
    Store,
)
from kucun.core.forms import BootstrapFormMixin, SpecFieldsMixin, spec_initial
from kucun.warehouses.models import Warehouse


class StoreForm(SpecFieldsMixin, BootstrapFormMixin, forms.Form):
    """The fields every platform shares, then the platform's credentials and options."""

    name = forms.CharField(label=_("Name"), max_length=100)
    warehouses = forms.ModelMultipleChoiceField(
        label=_("Source warehouses"),
        queryset=Warehouse.objects.filter(active=True).order_by("priority", "code"),
        help_text=_("The warehouses whose stock this store sells."),
    )
    buffer = forms.IntegerField(
        label=_("Buffer"),
        min_value=0,
        initial=0,
        help_text=_("Units held back from the store: it is offered what is available minus this."),
    )
    inventory_sync = forms.BooleanField(
        label=_("Inventory sync"),
        required=False,
        initial=True,
        help_text=_(
            "On: Kucun becomes the source of this store's stock and overwrites the quantities "
            "on the platform with what it can sell."
        ),
    )
    order_download = forms.BooleanField(label=_("Order download"), required=False, initial=True)
    order_interval_minutes = forms.IntegerField(
        label=_("Download orders every (minutes)"),
        min_value=1,
        max_value=60,
        initial=DEFAULT_ORDER_INTERVAL_MINUTES,
    )
    order_backfill_days = forms.IntegerField(
        label=_("First order download reaches back (days)"),
        min_value=0,
        max_value=365,
        initial=DEFAULT_ORDER_BACKFILL_DAYS,
        required=False,
        help_text=_("How far back the first download of this store's orders reads."),
    )
    sandbox = forms.BooleanField(
        label=_("Sandbox"),
        required=False,
        help_text=_("Talk to Kucun's built-in emulator of this platform instead of the real one."),
    )

    def __init__(
        self,
        *args: Any,
        platform: PlatformSpec,
        store: Store | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.platform = platform
        self.store = store
        self.add_spec_fields(
            platform.credential_fields,
            platform.option_fields,
            store.credential_masks if store else {},
        )
        if not settings.SANDBOX_ENABLED and not (store and store.sandbox):
            del self.fields["sandbox"]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "credentials": self.credentials(),
            "options": self.options(),
            "warehouse_ids": [warehouse.pk for warehouse in data["warehouses"]],
            "buffer": data["buffer"],
            "inventory_sync": data["inventory_sync"],
            "order_download": data["order_download"],
            "order_interval_minutes": data["order_interval_minutes"],
            "order_backfill_days": backfill_days(data, self.store),
            "sandbox": bool(data.get("sandbox")),
        }


def backfill_days(data: dict[str, Any], store: Store | None) -> int:
    """Left empty: the store's current value (a new store's default)."""
    if data.get("order_backfill_days") is not None:
        return int(data["order_backfill_days"])
    return store.order_backfill_days if store else DEFAULT_ORDER_BACKFILL_DAYS


def store_initial(store: Store) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "name": store.name,
        "warehouses": list(store.warehouses.values_list("pk", flat=True)),
        "buffer": store.buffer,
        "inventory_sync": store.inventory_sync,
        "order_download": store.order_download,
        "order_interval_minutes": store.order_interval_minutes,
        "order_backfill_days": store.order_backfill_days,
        "sandbox": store.sandbox,
    }
    initial.update(spec_initial(store.options, store.credential_masks))
    return initial


class PlatformChoiceForm(forms.Form):
    platform = forms.ChoiceField(label=_("Platform"), choices=())

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = choices  # type: ignore[attr-defined]
