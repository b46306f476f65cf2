from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kucun.demo"
    label = "demo"
    verbose_name = "Demo data"
