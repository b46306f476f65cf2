from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kucun.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from kucun.catalog.exporters import BundleExporter, ItemExporter
        from kucun.catalog.importers import BundleImporter, ItemImporter
        from kucun.core.dataio.registry import register_exporter, register_importer

        register_importer(ItemImporter)
        register_importer(BundleImporter)
        register_exporter(ItemExporter)
        register_exporter(BundleExporter)
