from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "kucun.channels"
    label = "channels"
    verbose_name = "Channels"
