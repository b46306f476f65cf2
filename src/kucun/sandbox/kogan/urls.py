"""Kogan's real paths under ``/sandbox/kogan/`` (trailing slashes, as Kogan has them), the
control plane and the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, path

from kucun.sandbox.control import control_patterns
from kucun.sandbox.emulator import json_answer
from kucun.sandbox.kogan import orders, pages, state, views

API = "api/marketplace/v2/"


def state_for(request: HttpRequest) -> object:
    return state.state(request.GET.get("seller"))


def seed_or_refuse(body: Any) -> object:
    """Seed JSON the emulator refuses is answered 400 with what is wrong, loading nothing."""
    try:
        return orders.seed_with_orders(body)
    except (KeyError, TypeError, ValueError) as refused:
        message = str(refused) if isinstance(refused, ValueError) else repr(refused)
        return json_answer({"error": message}, status=400)


urlpatterns: list[URLPattern] = [
    path(f"{API}products/", views.products, name="sandbox_kogan_products"),
    path(f"{API}products/stockprice/", views.stockprice, name="sandbox_kogan_stockprice"),
    path(f"{API}products/status/", views.status, name="sandbox_kogan_status"),
    path(f"{API}task/<str:task_id>/", views.task, name="sandbox_kogan_task"),
    path(f"{API}orders/", views.orders_list, name="sandbox_kogan_orders"),
    path(f"{API}orders/fulfill/", views.orders_fulfill, name="sandbox_kogan_orders_fulfill"),
    path(f"{API}orders/<str:order_ref>/", views.order_detail, name="sandbox_kogan_order"),
    *control_patterns(
        state.emulator,
        reset=state.reset,
        seed=seed_or_refuse,
        state=state_for,
        extra={
            "settings": pages.settings_view,
            "orders": pages.orders_view,
            "orders/cancel": pages.orders_cancel_view,
            "dispatches": pages.dispatches_view,
        },
    ),
    path("", pages.accounts_page, name="sandbox_kogan"),
    path("accounts/<str:seller_id>/", pages.account_page, name="sandbox_kogan_account"),
    path(
        "accounts/<str:seller_id>/orders/", pages.orders_page, name="sandbox_kogan_account_orders"
    ),
]
