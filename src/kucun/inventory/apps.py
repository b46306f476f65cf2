from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "kucun.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        # The catalogue, warehouses and core's data engine offer extension points (stock
        # columns and sections, stock held, the sellable service, import and export kinds)
        # so that they never depend on the ledger; it fills them here.
        from kucun.core.dataio.registry import register_exporter, register_importer
        from kucun.inventory.exporters import (
            BinStockExporter,
            DocumentExporter,
            MoveExporter,
            StockExporter,
        )
        from kucun.inventory.hooks import register_hooks
        from kucun.inventory.importers import ReceiptImporter, StocktakeImporter
        from kucun.inventory.views.item_stock import register_catalog_extensions

        register_catalog_extensions()
        register_hooks()
        register_importer(ReceiptImporter)
        register_importer(StocktakeImporter)
        register_exporter(StockExporter)
        register_exporter(BinStockExporter)
        register_exporter(MoveExporter)
        register_exporter(DocumentExporter)
