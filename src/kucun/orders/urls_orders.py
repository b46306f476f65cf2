from django.urls import URLPattern, URLResolver, path

from kucun.orders import views_downloads, views_orders

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_orders.order_list, name="order_list"),
    path("confirm/", views_orders.order_bulk_confirm, name="order_bulk_confirm"),
    path("download/", views_orders.order_download_now, name="order_download_now"),
    path("pick-list/", views_orders.pick_list, name="pick_list"),
    path("downloads/", views_downloads.download_list, name="download_list"),
    path("<int:pk>/", views_orders.order_detail_view, name="order_detail"),
    path("<int:pk>/carrier/", views_orders.order_set_carrier_view, name="order_set_carrier"),
    path("<int:pk>/confirm/", views_orders.order_confirm_view, name="order_confirm"),
    path("<int:pk>/retry/", views_orders.order_retry_view, name="order_retry"),
    path("<int:pk>/cancel/", views_orders.order_cancel_view, name="order_cancel"),
    path("<int:pk>/reship/", views_orders.order_reship_view, name="order_reship"),
    path("<int:pk>/return/", views_orders.order_return_view, name="order_return"),
    path("<int:pk>/pick-list/", views_orders.order_pick_list, name="order_pick_list"),
    path("<int:pk>/packing-slip/", views_orders.order_packing_slip, name="order_packing_slip"),
]
