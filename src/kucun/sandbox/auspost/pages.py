"""The Australia Post emulator's control-plane settings and its pages for people."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.sandbox.auspost import state
from kucun.sandbox.control import operator_required
from kucun.sandbox.emulator import json_answer, json_body

SHIPMENTS_SHOWN = 200


def settings_view(request: HttpRequest) -> HttpResponse:
    """``__emu/settings``: label polls, tracking batch, items per shipment."""
    if request.method == "POST":
        body = json_body(request)
        if not isinstance(body, dict):
            return json_answer({"error": "a JSON object is expected"}, status=400)
        return json_answer(state.update_settings(body))
    return json_answer({**state.DEFAULT_SETTINGS, **state.emulator.setting("settings", {})})


@operator_required("viewer", page=True)
def accounts_page(request: HttpRequest) -> HttpResponse:
    found = [
        {**document, "shipments": state.emulator.records(number, state.SHIPMENT).count()}
        for document in state.accounts()
        for number in [document["account_number"]]
    ]
    return render(
        request,
        "sandbox/auspost/index.html",
        {
            "accounts": found,
            "default_account_number": state.DEFAULT_ACCOUNT_NUMBER,
            "default_api_key": state.DEFAULT_API_KEY,
            "default_password": state.DEFAULT_PASSWORD,
        },
    )


@operator_required("viewer", page=True)
def account_page(request: HttpRequest, account_number: str) -> HttpResponse:
    document = state.account(account_number)
    if document is None:
        raise Http404
    shipments = state.account_shipments(account_number)
    return render(
        request,
        "sandbox/auspost/account.html",
        {
            "account": document,
            "shipments": shipments[-SHIPMENTS_SHOWN:][::-1],
            "shipment_count": len(shipments),
            "orders": state.account_state(account_number)["orders"],
        },
    )
