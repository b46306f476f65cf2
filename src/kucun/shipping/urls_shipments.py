from django.urls import URLPattern, URLResolver, path

from kucun.shipping import views_shipments as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("shipments/", views.shipment_list, name="shipment_list"),
    path("shipments/new/", views.shipment_create, name="shipment_create"),
    path("shipments/<int:pk>/", views.shipment_detail, name="shipment_detail"),
    path("shipments/<int:pk>/label/", views.shipment_label, name="shipment_label"),
    path("shipments/<int:pk>/cancel/", views.shipment_cancel, name="shipment_cancel"),
    path("shipments/<int:pk>/track/", views.shipment_track, name="shipment_track"),
    path("shipments/<int:pk>/retry/", views.shipment_retry, name="shipment_retry"),
    path("manifests/", views.manifest_list, name="manifest_list"),
    path("manifests/close/", views.manifest_close, name="manifest_close"),
    path("manifests/<int:pk>/pdf/", views.manifest_pdf, name="manifest_pdf"),
    path("packaging/", views.box_preset_list, name="box_preset_list"),
    path("packaging/new/", views.box_preset_create, name="box_preset_create"),
    path("packaging/<int:pk>/", views.box_preset_edit, name="box_preset_edit"),
    path("packaging/<int:pk>/delete/", views.box_preset_delete, name="box_preset_delete"),
]
