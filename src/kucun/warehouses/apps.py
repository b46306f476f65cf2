from django.apps import AppConfig


class WarehousesConfig(AppConfig):
    name = "kucun.warehouses"
    label = "warehouses"
    verbose_name = "Warehouses"
