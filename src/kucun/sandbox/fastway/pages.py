"""The myFastway emulator's pages for people: its API clients, and an account's consignments
with their labels and where each stands on the emulator clock."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.sandbox.control import operator_required
from kucun.sandbox.fastway import state, store
from kucun.sandbox.fastway.control import public_client

CONSIGNMENTS_PER_PAGE = 100


@operator_required("viewer", page=True)
def accounts_page(request: HttpRequest) -> HttpResponse:
    accounts = [
        {
            **public_client(client),
            "consignments": store.live(client["client_id"]).count(),
        }
        for client in state.clients()
    ]
    return render(
        request,
        "sandbox/fastway/index.html",
        {
            "accounts": accounts,
            "default_client_id": state.DEFAULT_CLIENT_ID,
            "default_client_secret": state.DEFAULT_CLIENT_SECRET,
            "default_scope": state.DEFAULT_SCOPE,
            "settings": state.settings(),
        },
    )


@operator_required("viewer", page=True)
def account_page(request: HttpRequest, client_id: str) -> HttpResponse:
    client = state.client_get(client_id)
    if client is None:
        raise Http404
    records = state.emulator.records(client_id, state.CONSIGNMENT).order_by("-key")
    page = Paginator(records, CONSIGNMENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "consignment": record.data["consignment"],
            "labels": [item["label"] for item in record.data["consignment"]["items"]],
            "status": "deleted"
            if record.data["deleted"]
            else "picked up"
            if store.picked_up(record)
            else "pending",
        }
        for record in page
    ]
    return render(
        request,
        "sandbox/fastway/account.html",
        {"client": public_client(client), "page": page, "rows": rows},
    )
