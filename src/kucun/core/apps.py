from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kucun.core"
    label = "core"
    verbose_name = "Core"
