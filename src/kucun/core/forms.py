"""Form helpers for every app: Bootstrap classes on every widget, errors marked on the field."""

from __future__ import annotations

from collections.abc import Mapping
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


CREDENTIAL_PREFIX = "credential_"
OPTION_PREFIX = "option_"


class SpecFieldsMixin:
    """A form holding a vendor account's declared fields (a store's, a carrier account's):
    credentials under ``credential_<name>``, options under ``option_<name>``. A stored secret is
    never put back in the page (``spec_field``)."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    credential_specs: tuple[FieldSpec, ...] = ()
    option_specs: tuple[FieldSpec, ...] = ()

    def add_spec_fields(
        self,
        credential_specs: tuple[FieldSpec, ...],
        option_specs: tuple[FieldSpec, ...],
        masks: Mapping[str, str],
    ) -> None:
        self.credential_specs, self.option_specs = credential_specs, option_specs
        for spec in credential_specs:
            self.fields[CREDENTIAL_PREFIX + spec.name] = spec_field(
                spec, stored_mask=masks.get(spec.name, "") if spec.secret else ""
            )
        for spec in option_specs:
            self.fields[OPTION_PREFIX + spec.name] = spec_field(spec)
        self.style_added_fields()

    def style_added_fields(self) -> None:
        """Bootstrap classes for the declared fields, added after the mixin styled the rest."""
        for name, field in self.fields.items():
            if name.startswith((CREDENTIAL_PREFIX, OPTION_PREFIX)):
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def credentials(self) -> dict[str, str]:
        """The credentials entered (an empty secret is left out: the stored one is kept)."""
        found = {}
        for spec in self.credential_specs:
            value = (self.cleaned_data.get(CREDENTIAL_PREFIX + spec.name) or "").strip()
            if value or not spec.secret:
                found[spec.name] = value
        return found

    def options(self) -> dict[str, str]:
        return {
            spec.name: (self.cleaned_data.get(OPTION_PREFIX + spec.name) or "").strip()
            for spec in self.option_specs
        }

    @staticmethod
    def service_field(form_field: str) -> str:
        """The service's name for a form field (errors come back under the service's names)."""
        for prefix in (CREDENTIAL_PREFIX, OPTION_PREFIX):
            if form_field.startswith(prefix):
                return form_field[len(prefix) :]
        return form_field


def spec_initial(
    options: Mapping[str, Any] | None, masks: Mapping[str, str] | None
) -> dict[str, Any]:
    """A stored account's declared fields as a form's initial values: options in full, ids that
    are not secret in full, secrets never."""
    initial: dict[str, Any] = {}
    for name, value in (options or {}).items():
        initial[OPTION_PREFIX + name] = value
    for name, value in (masks or {}).items():
        if not value.startswith("•"):
            initial[CREDENTIAL_PREFIX + name] = value
    return initial
