from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kucun.accounts import services
from kucun.web.forms import BootstrapFormMixin


def client_address(request: Any) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class ThrottledAuthenticationForm(BootstrapFormMixin, AuthenticationForm):
    """Refuses to even check the password once a user or address has failed too often."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed logins. Wait %(minutes)d minutes and try again, "
            "or ask an owner to reset your password."
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
