from django.urls import URLPattern, URLResolver, path

from kucun.orders import views_geocoding

urlpatterns: list[URLPattern | URLResolver] = [
    path("postcode-locations/", views_geocoding.postcode_list, name="postcode_list"),
]
