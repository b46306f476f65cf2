"""From a Store to the adapter that talks to its platform.

The credentials are decrypted only here, into the ChannelConfig handed to the adapter; they are
never logged or returned. A sandbox store's address is the emulator under this server's own
``/sandbox/`` (``SANDBOX_SERVER_URL``); a production store's is the platform's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from kucun.channels.adapters.base import Channel, ChannelConfig, PlatformSpec
from kucun.channels.models import Store
from kucun.channels.platforms import platform
from kucun.core.secrets import decrypt_mapping

LOCATION_OPTION = "location_ref"


def sandbox_server_url() -> str:
    """Where this Kucun server answers (the sandbox emulators live beneath it)."""
    return str(settings.SANDBOX_SERVER_URL).rstrip("/")


def store_spec(store: Store) -> PlatformSpec:
    return platform(store.platform)


def store_options(store: Store) -> dict[str, str]:
    options = {str(name): str(value) for name, value in (store.options or {}).items()}
    if store.location_ref:
        options[LOCATION_OPTION] = store.location_ref
    return options


def store_base_url(store: Store, spec: PlatformSpec, options: dict[str, str]) -> str:
    if store.base_url:
        return store.base_url
    # The account (a shop domain) may be a credential field; the address is built from it.
    if spec.account_field and store.account_ref:
        options = {spec.account_field: store.account_ref, **options}
    if store.sandbox:
        return spec.sandbox_base_url(sandbox_server_url(), options)
    return spec.production_base_url(options)


def client_limits() -> dict[str, Any]:
    """Timeouts and attempts the operator set for every adapter's HTTP client (settings
    ``CHANNEL_*``, from ``KUCUN_CHANNEL_*``); unset ones keep ChannelConfig's defaults."""
    limits = {
        "connect_timeout": getattr(settings, "CHANNEL_CONNECT_TIMEOUT", None),
        "read_timeout": getattr(settings, "CHANNEL_READ_TIMEOUT", None),
        "max_attempts": getattr(settings, "CHANNEL_MAX_ATTEMPTS", None),
        "backoff_cap_seconds": getattr(settings, "CHANNEL_BACKOFF_CAP_SECONDS", None),
    }
    return {name: value for name, value in limits.items() if value is not None}


def store_config(store: Store) -> ChannelConfig:
    spec = store_spec(store)
    options = store_options(store)
    return ChannelConfig(
        platform=spec.code,
        base_url=store_base_url(store, spec, options),
        credentials=decrypt_mapping(store.credentials_encrypted),
        options=options,
        store_key=f"store:{store.pk}",
        **client_limits(),
    )


def store_channel(store: Store) -> Channel:
    """The adapter for this store; the caller closes it (``channel.close()``)."""
    return store_spec(store).build(store_config(store))
