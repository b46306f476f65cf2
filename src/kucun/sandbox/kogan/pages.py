"""The Kogan emulator's control-plane extras and its pages for people."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.sandbox.control import operator_required
from kucun.sandbox.emulator import json_answer, json_body
from kucun.sandbox.kogan import fulfil, orders, state
from kucun.sandbox.kogan.tasks import PENDING

PRODUCTS_PER_PAGE = 200
ORDERS_PER_PAGE = 50


def settings_view(request: HttpRequest) -> HttpResponse:
    """``__emu/settings``: task polls before completion, batch limit, page size, fraud
    screening delay, asynchronous dispatch and the accepted carrier codes."""
    if request.method == "POST":
        body = json_body(request)
        if not isinstance(body, dict):
            return json_answer({"error": "a JSON object is expected"}, status=400)
        try:
            return json_answer(state.update_settings(body))
        except (TypeError, ValueError) as refused:
            return json_answer({"error": str(refused)}, status=400)
    return json_answer(state.settings_now())


def orders_view(request: HttpRequest) -> HttpResponse:
    """``__emu/orders``: POST places an order on Kogan (the seller's stock drops); GET lists
    a seller's orders (``?seller=``) with the dispatches each received."""
    if request.method == "GET":
        seller_id = request.GET.get("seller") or state.DEFAULT_SELLER_ID
        return json_answer(
            {"orders": [order_with_dispatches(r.data) for r in orders.order_records(seller_id)]}
        )
    if request.method != "POST":
        return json_answer({"error": "GET or POST"}, status=405)
    body = json_body(request)
    if not isinstance(body, dict):
        return json_answer({"error": '{"seller_id": …, "items": [...]} is expected'}, status=400)
    seller_id = str(body.get("seller_id") or state.DEFAULT_SELLER_ID)
    try:
        order = orders.order_place(seller_id, body)
    except orders.OrderRefused as refused:
        return json_answer({"error": str(refused)}, status=refused.status)
    return json_answer(order, status=201)


def order_with_dispatches(data: dict[str, Any]) -> dict[str, Any]:
    return {"order": data["order"], "dispatches": data["dispatches"]}


def orders_cancel_view(request: HttpRequest) -> HttpResponse:
    """``__emu/orders/cancel``: ``{"seller_id", "order_id", "items"?: [{"ID", "Quantity"}],
    "reason"?, "restock"?: true}`` cancels what is not yet dispatched."""
    if request.method != "POST":
        return json_answer({"error": "POST"}, status=405)
    body = json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("order_id"), str):
        return json_answer({"error": '{"order_id": …} is expected'}, status=400)
    items = body.get("items")
    if items is not None and not isinstance(items, list):
        return json_answer({"error": "items must be a list of {ID, Quantity}"}, status=400)
    try:
        order = fulfil.order_cancel(
            str(body.get("seller_id") or state.DEFAULT_SELLER_ID),
            body["order_id"],
            items=items,
            reason=str(body.get("reason") or ""),
            restock=body.get("restock", True) is not False,
        )
    except orders.OrderRefused as refused:
        return json_answer({"error": str(refused)}, status=refused.status)
    return json_answer(order)


def dispatches_view(request: HttpRequest) -> HttpResponse:
    """``__emu/dispatches?seller=…&order=…``: what orders/fulfill/ accepted for that order,
    each entry with the time it arrived and its items as sent."""
    seller_id = request.GET.get("seller") or state.DEFAULT_SELLER_ID
    data = state.emulator.get(seller_id, state.ORDER, request.GET.get("order", ""))
    if data is None:
        return json_answer({"error": "unknown order"}, status=404)
    return json_answer(
        {
            "order_id": data["order"]["ID"],
            "dispatches": data["dispatches"],
            "DispatchedItems": data["order"]["DispatchedItems"],
        }
    )


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
        {
            "seller": seller,
            "page": page,
            "pending_tasks": pending,
            "orders": state.emulator.records(seller_id, state.ORDER).count(),
        },
    )


@operator_required("viewer", page=True)
def orders_page(request: HttpRequest, seller_id: str) -> HttpResponse:
    """A seller's orders, newest first, with their lines, dispatches and cancellations."""
    seller = state.emulator.get(seller_id, state.SELLER, seller_id)
    if seller is None:
        raise Http404
    records = state.emulator.records(seller_id, state.ORDER).order_by("-created_at", "-pk")
    page = Paginator(records, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"order": record.data["order"], "dispatches": record.data["dispatches"]}
        for record in page.object_list
    ]
    return render(
        request, "sandbox/kogan/orders.html", {"seller": seller, "page": page, "rows": rows}
    )
