from django.urls import path

from kucun.warehouses import views

app_name = "warehouses"
urlpatterns = [
    path("", views.warehouse_list, name="warehouse_list"),
    path("new/", views.warehouse_create, name="warehouse_create"),
    path("bulk/", views.warehouse_bulk, name="warehouse_bulk"),
    path("<int:pk>/", views.warehouse_detail, name="warehouse_detail"),
    path("<int:pk>/edit/", views.warehouse_edit, name="warehouse_edit"),
    path("zones/", views.zone_list, name="zone_list"),
    path("zones/new/", views.zone_create, name="zone_create"),
    path("zones/<int:pk>/edit/", views.zone_edit, name="zone_edit"),
    path("bins/", views.bin_list, name="bin_list"),
    path("bins/new/", views.bin_create, name="bin_create"),
    path("bins/bulk/", views.bin_bulk, name="bin_bulk"),
    path("bins/pattern/", views.bin_pattern, name="bin_pattern"),
    path("bins/pattern/preview/", views.bin_pattern_preview, name="bin_pattern_preview"),
    path("bins/<int:pk>/edit/", views.bin_edit, name="bin_edit"),
]
