from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "kucun.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from kucun.orders import (
            receivers,  # noqa: F401  (registers with channels and inventory)
            tasks_confirm,  # noqa: F401  (the worker's confirm tasks)
        )
