"""The adapter (Channel) of a Store, for the stock sync.

``channel_for_store`` is the stock sync's own, minimal way from a Store to its Channel; the
store screens' ``channels.connect`` builds the same (with its sandbox addresses and consent
tokens) and replaces this function once both are in place.
"""

from __future__ import annotations

from kucun.channels.adapters.base import Channel, ChannelConfig
from kucun.channels.models import Store
from kucun.channels.platforms import platform
from kucun.core.secrets import decrypt_mapping


def config_for_store(store: Store) -> ChannelConfig:
    spec = platform(store.platform)
    credentials = decrypt_mapping(store.credentials_encrypted)
    options = {str(name): str(value) for name, value in (store.options or {}).items()}
    settings = {**options, **credentials}
    base_url = store.base_url or (
        spec.sandbox_base_url("", settings) if store.sandbox else spec.production_base_url(settings)
    )
    return ChannelConfig(
        platform=store.platform,
        base_url=base_url,
        credentials=credentials,
        options=options,
        store_key=f"store:{store.pk}",
    )


def channel_for_store(store: Store) -> Channel:
    """The store's Channel, with its credentials decrypted (never logged)."""
    return platform(store.platform).build(config_for_store(store))
