from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kucun.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from kucun.accounts.auth import active_token_user
        from kucun.core.access import register_bearer_authenticator

        register_bearer_authenticator(active_token_user)
