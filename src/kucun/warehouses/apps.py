from django.apps import AppConfig


class WarehousesConfig(AppConfig):
    name = "kucun.warehouses"
    label = "warehouses"
    verbose_name = "Warehouses"

    def ready(self) -> None:
        from kucun.core.dataio.registry import register_exporter
        from kucun.warehouses.exporters import ZoneExporter

        register_exporter(ZoneExporter)
