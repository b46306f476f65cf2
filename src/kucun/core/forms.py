"""Form helpers for every app: Bootstrap classes on every widget, errors marked on the field."""

from __future__ import annotations

from typing import Any

from django import forms


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
