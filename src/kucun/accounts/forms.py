from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from kucun.accounts import services
from kucun.accounts.choices import Role
from kucun.core.forms import BootstrapFormMixin


def client_address(request: Any) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class ThrottledAuthenticationForm(BootstrapFormMixin, AuthenticationForm):
    """Refuses to even check the password once a user or address has failed too often."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": ngettext_lazy(
            "Too many failed logins. Wait %(minutes)d minute and try again, "
            "or ask an owner to reset your password.",
            "Too many failed logins. Wait %(minutes)d minutes and try again, "
            "or ask an owner to reset your password.",
            "minutes",
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        wait = services.login_throttle_wait_seconds(username=username, address=address)
        if wait > 0:
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, round(wait / 60))},
            )
        try:
            return super().clean()
        except ValidationError:
            services.login_failure_record(username=username, address=address)
            raise


class UserCreateForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not a common password, not like the user name."),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        again = cleaned.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", _("The two passwords differ. Type the same twice."))
        return cleaned


class UserEditForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_active = forms.BooleanField(
        label=_("Active (can log in and use API tokens)"), required=False
    )


class PasswordSetForm(BootstrapFormMixin, forms.Form):
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not a common password, not like the user name."),
    )
    password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        again = cleaned.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", _("The two passwords differ. Type the same twice."))
        return cleaned


class TokenCreateForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “warehouse scanner” or “accounting export”."),
    )
