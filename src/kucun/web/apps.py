from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kucun.web"
    label = "web"
    verbose_name = "Web"
