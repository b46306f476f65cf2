from django.urls import URLPattern, URLResolver, path

from kucun.shipping import views_carriers

urlpatterns: list[URLPattern | URLResolver] = [
    path("carriers/", views_carriers.carrier_list, name="carrier_list"),
    path("carriers/new/", views_carriers.carrier_create, name="carrier_create"),
    path("carriers/<int:pk>/", views_carriers.carrier_detail, name="carrier_detail"),
    path("carriers/<int:pk>/edit/", views_carriers.carrier_edit, name="carrier_edit"),
    path("carriers/<int:pk>/test/", views_carriers.carrier_test, name="carrier_test"),
    path("carriers/<int:pk>/delete/", views_carriers.carrier_delete, name="carrier_delete"),
]
