"""The "Locate an address" form of Settings → Postcode locations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class LocateForm(forms.Form):
    """Where an address lands for routing. Its fields carry a prefix, so they never mix with
    the list's own search and country filter (nor travel into its export)."""

    prefix = "locate"

    country = forms.CharField(
        label=_("Country"), max_length=60, initial="AU", help_text=_("Code such as AU, or name")
    )
    state = forms.CharField(label=_("State"), max_length=100, required=False)
    city = forms.CharField(label=_("City or suburb"), max_length=100, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
