from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "kucun.inventory"
    label = "inventory"
    verbose_name = "Inventory"
