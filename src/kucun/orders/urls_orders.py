from django.urls import URLPattern, URLResolver, path

from kucun.orders import views_downloads, views_orders

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_orders.order_list, name="order_list"),
    path("downloads/", views_downloads.download_list, name="download_list"),
    path("<int:pk>/", views_orders.order_detail_view, name="order_detail"),
]
