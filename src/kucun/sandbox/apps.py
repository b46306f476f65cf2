from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "kucun.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox emulators"
