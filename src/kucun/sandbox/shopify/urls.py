"""``/sandbox/shopify/``: the pages, each shop's vendor paths under its own host name (the
sandbox base URL ``{server}/sandbox/shopify/{shop}.myshopify.com``), and the control plane."""

from __future__ import annotations

from django.urls import URLPattern, path, register_converter

from kucun.sandbox.control import control_patterns
from kucun.sandbox.shopify import control, pages, views


class ShopDomainConverter:
    regex = r"[a-z0-9][a-z0-9-]*\.myshopify\.com"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ShopDomainConverter, "shop")

urlpatterns: list[URLPattern] = [
    path("", pages.shops, name="sandbox_shopify_shops"),
    path("accounts/<shop:shop>/", pages.account, name="sandbox_shopify_account"),
    path("<shop:shop>/admin/oauth/access_token", views.access_token),
    path("<shop:shop>/admin/api/<str:version>/graphql.json", views.graphql),
    *control_patterns(
        control.emulator,
        reset=control.reset,
        seed=control.seed,
        state=control.state_dump,
        extra=control.EXTRAS,
    ),
]
