from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "kucun.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        # The queue consumer finds an app's ``tasks`` module by itself; the listings' tasks
        # live beside it and are registered here.
        from kucun.channels import tasks_listings  # noqa: F401

        # Stock and bundle changes start a drain of the stock sync's outbox; the sync log is
        # one of the export kinds.
        from kucun.channels.exporters import StockPushExporter
        from kucun.channels.receivers import connect
        from kucun.core.dataio.registry import register_exporter

        connect()
        register_exporter(StockPushExporter)

        # The item page lists the item's listings; a key rotation re-encrypts store credentials.
        from kucun.catalog.extensions import ItemSection, register_item_section
        from kucun.channels.models import Store
        from kucun.channels.selectors_console import item_listings
        from kucun.core.secrets import register_secret_field

        register_secret_field(Store, "credentials_encrypted")

        register_item_section(
            ItemSection(
                key="listings",
                template_name="channels/includes/item_listings.html",
                context=item_listings,
            )
        )
