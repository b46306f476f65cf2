"""The 4PX emulator's control-plane extras and its pages for people."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.sandbox.control import operator_required
from kucun.sandbox.emulator import json_answer, json_body
from kucun.sandbox.fourpx import state
from kucun.sandbox.fourpx.consignments import shipments_state


def settings_view(request: HttpRequest) -> HttpResponse:
    """``__emu/settings``: label calls answered "not ready", when late last-mile numbers
    appear, how long a throttled app waits."""
    if request.method == "POST":
        body = json_body(request)
        if not isinstance(body, dict):
            return json_answer({"error": "a JSON object is expected"}, status=400)
        try:
            return json_answer(state.update_settings(body))
        except (TypeError, ValueError) as refused:
            return json_answer({"error": str(refused)}, status=400)
    return json_answer(state.current_settings())


def state_of(account: str | None) -> dict[str, Any]:
    """``__emu/state``: the shared contract's ``shipments`` (of one app, or of every app) and
    each app's products; never a secret."""
    found = state.app_keys()
    if account is not None:
        found = [app_key for app_key in found if app_key == account]
    apps: dict[str, Any] = {}
    for app_key in found:
        app = state.app_get(app_key)
        if app is not None:
            apps[app_key] = {
                "name": app.name,
                "services": list(app.products),
                "shipments": shipments_state(app_key),
            }
    return {
        "now": state.emulator.now().isoformat(),
        "settings": state.current_settings(),
        "shipments": [shipment for app in apps.values() for shipment in app["shipments"]],
        "accounts": apps,
    }


@operator_required("viewer", page=True)
def accounts_page(request: HttpRequest) -> HttpResponse:
    apps = [
        {
            "app_key": app.app_key,
            "name": app.name,
            "services": list(app.products),
            "consignments": state.emulator.records(app.app_key, state.CONSIGNMENT).count(),
        }
        for app in (state.app_get(app_key) for app_key in state.app_keys())
        if app is not None
    ]
    return render(
        request,
        "sandbox/fourpx/index.html",
        {
            "apps": apps,
            "default_app_key": state.DEFAULT_APP_KEY,
            "default_app_secret": state.DEFAULT_APP_SECRET,
        },
    )


@operator_required("viewer", page=True)
def account_page(request: HttpRequest, app_key: str) -> HttpResponse:
    app = state.app_get(app_key)
    if app is None:
        raise Http404
    return render(
        request,
        "sandbox/fourpx/account.html",
        {
            "app": app,
            "products": list(app.products.values()),
            "shipments": list(reversed(shipments_state(app_key))),
        },
    )
