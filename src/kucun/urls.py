from django.urls import include, path

from kucun.api import api
from kucun.core.views import health

urlpatterns = [
    path("health", health, name="health"),
    path("api/v1/", api.urls),
    path("accounts/", include("kucun.accounts.urls")),
    path("warehouses/", include("kucun.warehouses.urls")),
    path("catalog/", include("kucun.catalog.urls")),
    path("inventory/", include("kucun.inventory.urls")),
    path("data/", include("kucun.core.urls")),
    path("", include("kucun.web.urls")),
]
