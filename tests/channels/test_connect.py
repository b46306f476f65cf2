"""A store's adapter config carries the operator's HTTP limits when they are set."""

from __future__ import annotations

from typing import Any

from kucun.channels.connect import store_config
from kucun.channels.models import Store


def test_unset_limits_keep_the_adapters_defaults(store: Store, settings: Any) -> None:
    settings.CHANNEL_READ_TIMEOUT = None
    settings.CHANNEL_MAX_ATTEMPTS = None

    config = store_config(store)

    assert (config.connect_timeout, config.read_timeout, config.max_attempts) == (5.0, 30.0, 4)
    assert config.backoff_cap_seconds == 30.0


def test_set_limits_reach_the_adapter(store: Store, settings: Any) -> None:
    settings.CHANNEL_CONNECT_TIMEOUT = 0.5
    settings.CHANNEL_READ_TIMEOUT = 1.5
    settings.CHANNEL_MAX_ATTEMPTS = 1
    settings.CHANNEL_BACKOFF_CAP_SECONDS = 0.1

    config = store_config(store)

    assert (config.connect_timeout, config.read_timeout) == (0.5, 1.5)
    assert (config.max_attempts, config.backoff_cap_seconds) == (1, 0.1)
