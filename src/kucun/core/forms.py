"""Form helpers for every app: Bootstrap classes on every widget, errors marked on the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kucun.core.vendor.fields import FieldSpec


class BootstrapFormMixin:
    """Give each widget Bootstrap's class, and mark invalid fields after validation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


def add_domain_error(form: forms.BaseForm, error: Any) -> None:
    """Put a service's DomainError on the form: on the named fields, else on the form."""
    placed = False
    for field_error in getattr(error, "errors", []):
        if field_error.field in form.fields:
            form.add_error(field_error.field, field_error.message)
            placed = True
    if not placed:
        form.add_error(None, str(error))


def translated(text: str) -> str:
    """An adapter's label or help in the reader's language: adapters speak English only, and
    the catalogue of the app that uses them holds their words."""
    return gettext(text) if text else text


def spec_field(spec: FieldSpec, *, stored_mask: str = "") -> forms.Field:
    """A form field for one field an adapter declares. A stored secret is never put back in
    the page: its input stays empty, shows the mask, and an empty answer keeps the stored value."""
    label, help_text = translated(spec.label), translated(spec.help_text)
    if spec.choices:
        return forms.ChoiceField(
            label=label,
            choices=[(value, translated(text)) for value, text in spec.choices],
            required=spec.required,
            initial=spec.default or None,
            help_text=help_text,
        )
    if spec.secret:
        if stored_mask:
            help_text = _("Stored: %(mask)s. Leave empty to keep it.") % {"mask": stored_mask}
        return forms.CharField(
            label=label,
            required=spec.required and not stored_mask,
            help_text=help_text,
            widget=forms.PasswordInput(
                render_value=False,
                attrs={"autocomplete": "new-password", "placeholder": stored_mask},
            ),
        )
    return forms.CharField(
        label=label,
        required=spec.required,
        initial=spec.default or None,
        help_text=help_text,
        widget=forms.TextInput(attrs={"placeholder": translated(spec.placeholder)}),
    )
