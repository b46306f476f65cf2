"""4PX's gateway path under ``/sandbox/fourpx/`` (``router/api/service``, as on
``open.4px.com``), the label files its answers link to, the control plane and the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, path

from kucun.sandbox.control import control_patterns
from kucun.sandbox.emulator import json_answer
from kucun.sandbox.fourpx import gateway, labels, pages, state


def state_for(request: HttpRequest) -> object:
    return pages.state_of(request.GET.get("account"))


def seed_or_refuse(body: Any) -> object:
    """Seed JSON the emulator refuses is answered 400 with what is wrong, loading nothing."""
    try:
        return state.seed(body)
    except (KeyError, TypeError, ValueError) as refused:
        message = str(refused) if isinstance(refused, ValueError) else repr(refused)
        return json_answer({"error": message}, status=400)


urlpatterns: list[URLPattern] = [
    path("router/api/service", gateway.service, name="sandbox_fourpx_service"),
    path("label/<str:kind>/<str:token>.pdf", labels.label_file, name="sandbox_fourpx_label_file"),
    *control_patterns(
        state.emulator,
        reset=state.reset,
        seed=seed_or_refuse,
        state=state_for,
        extra={"settings": pages.settings_view},
    ),
    path("", pages.accounts_page, name="sandbox_fourpx"),
    path("accounts/<str:app_key>/", pages.account_page, name="sandbox_fourpx_account"),
]
