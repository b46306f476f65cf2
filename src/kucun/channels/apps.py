from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "kucun.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        # The queue consumer finds an app's ``tasks`` module by itself; the listings' tasks
        # live beside it and are registered here.
        from kucun.channels import tasks_listings  # noqa: F401
