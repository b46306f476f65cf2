from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "kucun.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        # Receivers register with channels and inventory; the postcode table is one of the
        # import and export kinds.
        from kucun.core.dataio.registry import register_exporter, register_importer
        from kucun.orders import receivers  # noqa: F401
        from kucun.orders.dataio import PostcodeExporter, PostcodeImporter

        register_importer(PostcodeImporter)
        register_exporter(PostcodeExporter)
