"""The Kogan emulator's control-plane extras and its pages for people."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.sandbox.control import operator_required
from kucun.sandbox.emulator import json_answer, json_body
from kucun.sandbox.kogan import state
from kucun.sandbox.kogan.tasks import PENDING

PRODUCTS_PER_PAGE = 200


def settings_view(request: HttpRequest) -> HttpResponse:
    """``__emu/settings``: task polls before completion, batch limit, page size."""
    if request.method == "POST":
        body = json_body(request)
        if not isinstance(body, dict):
            return json_answer({"error": "a JSON object is expected"}, status=400)
        return json_answer(state.update_settings(body))
    return json_answer({**state.DEFAULT_SETTINGS, **state.emulator.setting("settings", {})})


def orders_view(request: HttpRequest) -> HttpResponse:
    """``__emu/orders``: a sale on Kogan that lowers the seller's stock."""
    if request.method != "POST":
        return json_answer({"error": "POST"}, status=405)
    body = json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return json_answer({"error": '{"seller_id": …, "items": [...]} is expected'}, status=400)
    try:
        order = state.sale_record(
            str(body.get("seller_id") or state.DEFAULT_SELLER_ID), body["items"]
        )
    except (state.SaleRefused, TypeError, ValueError) as refused:
        return json_answer({"error": str(refused)}, status=409)
    return json_answer(order, status=201)


@operator_required("viewer", page=True)
def accounts_page(request: HttpRequest) -> HttpResponse:
    sellers = [
        {**seller, "products": state.emulator.records(seller["seller_id"], state.PRODUCT).count()}
        for seller in state.sellers()
    ]
    return render(
        request,
        "sandbox/kogan/index.html",
        {
            "sellers": sellers,
            "default_seller_id": state.DEFAULT_SELLER_ID,
            "default_seller_token": state.DEFAULT_SELLER_TOKEN,
        },
    )


@operator_required("viewer", page=True)
def account_page(request: HttpRequest, seller_id: str) -> HttpResponse:
    seller = state.emulator.get(seller_id, state.SELLER, seller_id)
    if seller is None:
        raise Http404
    records = state.emulator.records(seller_id, state.PRODUCT).order_by("key")
    page = Paginator(records, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    pending = state.emulator.records(seller_id, state.TASK).filter(data__status=PENDING).count()
    return render(
        request,
        "sandbox/kogan/account.html",
        {"seller": seller, "page": page, "pending_tasks": pending},
    )
