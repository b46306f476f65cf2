"""``/sandbox/pisell/``: the contract's paths, the pages and the ``__emu/`` control plane."""

from __future__ import annotations

from django.urls import URLPattern, path

from kucun.sandbox.control import control_patterns
from kucun.sandbox.pisell import api, control, orders_api, pages
from kucun.sandbox.pisell.store import EMULATOR

urlpatterns: list[URLPattern] = [
    path("", pages.tenants_page, name="sandbox_pisell"),
    path("accounts/<str:tenant>/", pages.tenant_page, name="sandbox_pisell_tenant"),
    path("accounts/<str:tenant>/orders/", pages.orders_page, name="sandbox_pisell_orders"),
    path("products", api.products),
    path("locations", api.locations_list),
    path("inventory/levels", api.inventory_levels),
    path("webhooks", api.webhooks),
    path("orders", orders_api.orders),
    path("orders/<str:order_id>", orders_api.order),
    path("orders/<str:order_id>/fulfillments", orders_api.fulfillments),
    *control_patterns(
        EMULATOR,
        reset=control.reset,
        seed=control.seed,
        state=control.state,
        extra={
            "webhooks/fire": control.fire,
            "orders": control.orders_view,
            "orders/cancel": control.orders_cancel_view,
            "orders/update": control.orders_update_view,
            "fulfillments": control.fulfillments_view,
        },
    ),
]
