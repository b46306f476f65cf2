"""The drills' settings: sandbox stores reach the live server's emulators, with short HTTP
limits so that a delayed answer is a timeout within the drill's patience."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)

READ_TIMEOUT = 1.0


@pytest.fixture
def drill_settings(settings: Any, sandbox: Sandbox) -> None:  # noqa: F811
    settings.SANDBOX_SERVER_URL = sandbox.base_url
    settings.CHANNEL_READ_TIMEOUT = READ_TIMEOUT
    settings.CHANNEL_BACKOFF_CAP_SECONDS = 0.05
