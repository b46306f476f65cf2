from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "kucun.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        # Stock columns and the stock section on the catalogue's screens: the catalogue
        # offers extension points so that it never depends on the ledger.
        from kucun.inventory.hooks import register_hooks
        from kucun.inventory.views.item_stock import register_catalog_extensions

        register_catalog_extensions()
        register_hooks()
