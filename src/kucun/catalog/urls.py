from django.urls import path

from kucun.catalog import views

app_name = "catalog"
urlpatterns = [
    path("items/", views.item_list_view, name="item_list"),
    path("items/new/", views.item_create_view, name="item_create"),
    path("items/bulk/", views.item_bulk, name="item_bulk"),
    path("items/search/", views.item_search, name="item_search"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("bundles/", views.bundle_list_view, name="bundle_list"),
    path("bundles/new/", views.bundle_create_view, name="bundle_create"),
    path("bundles/component-row/", views.component_row, name="bundle_component_row"),
    path("bundles/preview/", views.bundle_preview, name="bundle_preview"),
    path("bundles/<int:pk>/edit/", views.bundle_edit, name="bundle_edit"),
]
