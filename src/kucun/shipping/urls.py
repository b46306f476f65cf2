"""The Shipping menu's screens: carriers, rules, shipments (with manifests) and, under
Settings, packaging."""

from django.urls import URLPattern, URLResolver

from kucun.shipping import urls_carriers, urls_rules, urls_shipments

app_name = "shipping"
urlpatterns: list[URLPattern | URLResolver] = [
    *urls_carriers.urlpatterns,
    *urls_rules.urlpatterns,
    *urls_shipments.urlpatterns,
]
