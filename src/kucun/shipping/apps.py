from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "kucun.shipping"
    label = "shipping"
    verbose_name = "Shipping"

    def ready(self) -> None:
        # A key rotation re-encrypts carrier credentials as it does store credentials.
        from kucun.core.secrets import register_secret_field
        from kucun.shipping.models import CarrierAccount

        register_secret_field(CarrierAccount, "credentials_encrypted")
