"""The Channel contract, run against every adapter + emulator pair over real HTTP.

Each platform whose adapter package and contract setup (``setups/<platform>.py``) are both
present is a parameter. The same suite can be pointed at a vendor's own sandbox: set
``KUCUN_CONTRACT_<PLATFORM>=path/to/config.json`` (a ChannelConfig's fields as JSON, with the
SKUs the account holds under ``"skus"``); tests that need the emulator's control plane
(``needs_emulator``) are then left out, since a vendor offers no way to arm faults.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

from kucun.channels.adapters.base import Channel, ChannelConfig
from kucun.channels.platforms import PLATFORM_CODES, platform
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)
from tests.vendor_contract import register_needs_emulator, skip_emulator_only, vendor_config


def contract_platforms() -> list[str]:
    found = []
    for code in PLATFORM_CODES:
        adapter = importlib.util.find_spec(f"kucun.channels.adapters.{code}")
        setup = importlib.util.find_spec(f"tests.channels.contract.setups.{code}")
        if adapter is not None and setup is not None:
            found.append(code)
    return found


pytest_collection_modifyitems = skip_emulator_only("code")
pytest_configure = register_needs_emulator


@dataclass
class Pair:
    """One adapter talking to one emulator account."""

    code: str
    sandbox: Sandbox
    setup: ModuleType
    config: ChannelConfig
    channel: Channel

    def emu(self, name: str, json: object = None) -> Any:
        return self.sandbox.emu(self.code, name, json).json()

    def rebuild(self, **changes: Any) -> Channel:
        """A new adapter for the same account (a fresh process's view), with config changes."""
        self.channel.close()
        fields = {**self.config.__dict__, **changes}
        self.config = ChannelConfig(**fields)
        self.channel = platform(self.code).build(self.config)
        return self.channel


def build_pair(code: str, box: Sandbox, variants: list[Any]) -> Pair:
    setup = importlib.import_module(f"tests.channels.contract.setups.{code}")
    loaded = vendor_config(code)
    if loaded is not None:
        # A vendor's sandbox: the account already holds its products; nothing is seeded.
        config = ChannelConfig(**{name: value for name, value in loaded.items() if name != "skus"})
    else:
        config = setup.prepare(box, variants=variants)
    # Short timeouts so that a delayed answer is a timeout within the test's patience.
    config = ChannelConfig(**{**config.__dict__, "read_timeout": 3.0, "backoff_cap_seconds": 2.0})
    return Pair(code, box, setup, config, platform(code).build(config))


@pytest.fixture(params=contract_platforms())
def code(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def pair_factory(code: str, sandbox: Sandbox) -> Iterator[Any]:  # noqa: F811
    made: list[Pair] = []

    def make(variants: list[Any]) -> Pair:
        pair = build_pair(code, sandbox, variants)
        made.append(pair)
        return pair

    yield make
    for pair in made:
        pair.channel.close()
