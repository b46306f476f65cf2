"""Australia Post's real paths under ``/sandbox/auspost/`` (no trailing slashes, as the
vendor has them), the label files, the control plane and the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, path

from kucun.sandbox.auspost import pages, state, views
from kucun.sandbox.control import control_patterns
from kucun.sandbox.emulator import json_answer

API = "shipping/v1/"


def state_for(request: HttpRequest) -> object:
    return state.state(request.GET.get("account"))


def seed_or_refuse(body: Any) -> object:
    """Seed JSON the emulator refuses is answered 400 with what is wrong, loading nothing."""
    try:
        return state.seed(body)
    except (TypeError, ValueError) as refused:
        return json_answer({"error": str(refused)}, status=400)


urlpatterns: list[URLPattern] = [
    path(
        f"{API}accounts/<str:account_number>",
        views.endpoint({"GET": ("get_account", views.account_details)}),
        name="sandbox_auspost_account_details",
    ),
    path(
        f"{API}prices/items",
        views.endpoint({"POST": ("get_item_prices", views.item_prices)}),
    ),
    path(
        f"{API}prices/shipments",
        views.endpoint({"POST": ("get_shipment_price", views.shipment_price)}),
    ),
    path(
        f"{API}shipments",
        views.endpoint(
            {
                "POST": ("create_shipments", views.shipments_create),
                "GET": ("get_shipments", views.shipments_get),
            }
        ),
        name="sandbox_auspost_shipments",
    ),
    path(
        f"{API}shipments/<str:shipment_id>",
        views.endpoint({"DELETE": ("delete_shipment", views.shipment_delete)}),
    ),
    path(
        f"{API}shipments/<str:shipment_id>/items",
        views.endpoint({"PUT": ("update_items", views.shipment_items_update)}),
    ),
    path(f"{API}labels", views.endpoint({"POST": ("create_labels", views.labels_create)})),
    path(
        f"{API}labels/<str:request_id>",
        views.endpoint({"GET": ("get_label", views.label_get)}),
    ),
    path(
        f"{API}orders",
        views.endpoint(
            {
                "PUT": ("create_order_from_shipments", views.order_from_shipments),
                "POST": ("create_order", views.order_with_shipments),
            }
        ),
    ),
    path(
        f"{API}accounts/<str:account_number>/orders/<str:order_id>/summary",
        views.endpoint({"GET": ("get_order_summary", views.order_summary)}),
    ),
    path(f"{API}track", views.endpoint({"GET": ("track_items", views.track)})),
    path(
        "files/labels/<str:request_id>.pdf",
        views.label_file,
        name="sandbox_auspost_label_file",
    ),
    *control_patterns(
        state.emulator,
        reset=state.reset,
        seed=seed_or_refuse,
        state=state_for,
        extra={"settings": pages.settings_view},
    ),
    path("", pages.accounts_page, name="sandbox_auspost"),
    path("accounts/<str:account_number>/", pages.account_page, name="sandbox_auspost_account"),
]
