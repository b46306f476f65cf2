from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "kucun.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        # Receivers register with channels and inventory, the worker's confirm tasks with the
        # queue; the postcode table is one of the import and export kinds.
        from kucun.core.dataio.registry import register_exporter, register_importer
        from kucun.orders import (
            receivers,  # noqa: F401
            tasks_confirm,  # noqa: F401
        )
        from kucun.orders.dataio import PostcodeExporter, PostcodeImporter

        register_importer(PostcodeImporter)
        register_exporter(PostcodeExporter)
