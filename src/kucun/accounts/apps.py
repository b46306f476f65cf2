from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kucun.accounts"
    label = "accounts"
    verbose_name = "Accounts"
