"""``/sandbox/ebay/``: eBay's real paths beneath the sandbox prefix (the API host and the consent
host share it), the emulator's pages, and its control plane."""

from __future__ import annotations

from django.urls import URLPattern, path

from kucun.sandbox.control import control_patterns
from kucun.sandbox.ebay import (
    analytics,
    control,
    fulfillment,
    identity,
    inventory,
    notification,
    oauth,
    pages,
)
from kucun.sandbox.ebay.state import EBAY

INVENTORY = "sell/inventory/v1"
NOTIFICATION = "commerce/notification/v1"
ORDER = "sell/fulfillment/v1/order"

urlpatterns: list[URLPattern] = [
    path("", pages.sellers_page, name="sandbox_ebay_sellers"),
    path("accounts/<str:seller>/", pages.seller_page, name="sandbox_ebay_seller"),
    path("identity/v1/oauth2/token", oauth.token),
    path("oauth2/authorize", oauth.authorize),
    path("oauth2/accepted", oauth.accepted),
    path("developer/analytics/v1_beta/rate_limit/", analytics.rate_limit),
    path("developer/analytics/v1_beta/user_rate_limit/", analytics.user_rate_limit),
    path("commerce/identity/v1/user/", identity.user),
    path("commerce/identity/v1/user", identity.user),
    path(f"{INVENTORY}/inventory_item", inventory.inventory_items),
    path(f"{INVENTORY}/inventory_item/<str:sku>", inventory.inventory_item),
    path(f"{INVENTORY}/bulk_get_inventory_item", inventory.bulk_get_inventory_item),
    path(f"{INVENTORY}/bulk_update_price_quantity", inventory.bulk_update_price_quantity),
    path(f"{INVENTORY}/offer", inventory.offers),
    path(f"{INVENTORY}/offer/<str:offer_id>", inventory.offer),
    path(ORDER, fulfillment.orders_view),
    path(f"{ORDER}/<str:order_id>", fulfillment.order_view),
    path(f"{ORDER}/<str:order_id>/shipping_fulfillment", fulfillment.shipping_fulfillments),
    path(
        f"{ORDER}/<str:order_id>/shipping_fulfillment/<str:fulfillment_id>",
        fulfillment.shipping_fulfillment,
    ),
    path(f"{NOTIFICATION}/public_key/<str:public_key_id>", notification.public_key),
    path(f"{NOTIFICATION}/destination", notification.destinations),
    path(f"{NOTIFICATION}/destination/<str:destination_id>", notification.destination),
    path(f"{NOTIFICATION}/subscription", notification.subscriptions),
    path(f"{NOTIFICATION}/subscription/<str:subscription_id>", notification.subscription),
    *control_patterns(
        EBAY,
        reset=control.ebay_reset,
        seed=control.ebay_seed,
        state=control.ebay_state,
        extra={
            "webhooks/fire": control.webhooks_fire,
            "orders": control.orders_create,
            "orders/cancel": control.orders_cancel,
            "orders/fulfillments": control.orders_fulfillments,
        },
    ),
]
