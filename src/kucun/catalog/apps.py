from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kucun.catalog"
    label = "catalog"
    verbose_name = "Catalog"
