from django.urls import include, path

from kucun.api import api
from kucun.core.views import health
from kucun.inventory.views_bin_lookup import bin_lookup

urlpatterns = [
    path("health", health, name="health"),
    path("api/v1/", api.urls),
    path("accounts/", include("kucun.accounts.urls")),
    # Bin lookup reads stock, so inventory serves it, under the Warehouses menu's path.
    path("warehouses/bin-lookup/", bin_lookup, name="bin_lookup"),
    path("warehouses/", include("kucun.warehouses.urls")),
    path("catalog/", include("kucun.catalog.urls")),
    path("inventory/", include("kucun.inventory.urls")),
    path("channels/", include("kucun.channels.urls")),
    path("shipping/", include("kucun.shipping.urls")),
    path("orders/", include("kucun.orders.urls")),
    path("data/", include("kucun.web.data.urls")),
    path("sandbox/", include("kucun.sandbox.urls")),
    # Platforms deliver webhooks here; each is checked by its signature, not a session.
    path("hooks/", include("kucun.channels.urls_hooks")),
    path("", include("kucun.web.urls")),
]
