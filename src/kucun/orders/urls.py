"""The Orders menu's screens: the order list and detail, downloads, pick lists and packing
slips, and (under Settings) postcode locations."""

from django.urls import URLPattern, URLResolver

from kucun.orders import urls_geocoding, urls_orders

app_name = "orders"
urlpatterns: list[URLPattern | URLResolver] = [
    *urls_orders.urlpatterns,
    *urls_geocoding.urlpatterns,
]
