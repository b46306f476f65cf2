"""The Carrier contract, run against every adapter + emulator pair over real HTTP.

Each carrier whose adapter package, emulator and contract setup (``setups/<carrier>.py``) are
all present is a parameter. The suite can also be pointed at a carrier's own test environment:
``KUCUN_CONTRACT_<CARRIER>=path/to/config.json`` (a CarrierConfig's fields as JSON); the tests
that need the emulator's control plane (``needs_emulator``) are then left out.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

from kucun.shipping.carrier_registry import CARRIER_CODES, carrier_spec
from kucun.shipping.carriers.base import Carrier, CarrierConfig
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)
from tests.vendor_contract import register_needs_emulator, skip_emulator_only, vendor_config


def contract_carriers() -> list[str]:
    found = []
    for code in CARRIER_CODES:
        adapter = importlib.util.find_spec(f"kucun.shipping.carriers.{code}")
        emulator = importlib.util.find_spec(f"kucun.sandbox.{code}")
        setup = importlib.util.find_spec(f"tests.shipping.contract.setups.{code}")
        if adapter is not None and emulator is not None and setup is not None:
            found.append(code)
    return found


pytest_collection_modifyitems = skip_emulator_only("carrier_code")
pytest_configure = register_needs_emulator


@dataclass
class CarrierPair:
    """One carrier adapter talking to one emulator account."""

    code: str
    sandbox: Sandbox
    setup: ModuleType
    config: CarrierConfig
    carrier: Carrier

    def emu(self, name: str, json: object = None) -> Any:
        return self.sandbox.emu(self.setup.SYSTEM, name, json).json()

    def fault(self, match: dict[str, Any], response: dict[str, Any], **more: Any) -> None:
        self.emu("faults", {"match": match, "response": response, "times": 1, **more})

    def advance_clock(self, seconds: float) -> None:
        self.emu("clock", {"advance_seconds": seconds})

    def shipments(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.setup.carrier_shipments(self.sandbox, self.config)
        return found

    def rebuild(self, config: CarrierConfig) -> Carrier:
        """A new adapter (a fresh process's view) for another config of the same account."""
        self.carrier.close()
        self.config = config
        self.carrier = carrier_spec(self.code).build(config)
        return self.carrier


@pytest.fixture(params=contract_carriers())
def carrier_code(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def pair(carrier_code: str, sandbox: Sandbox) -> Iterator[CarrierPair]:  # noqa: F811
    setup = importlib.import_module(f"tests.shipping.contract.setups.{carrier_code}")
    loaded = vendor_config(carrier_code)
    config = CarrierConfig(**loaded) if loaded is not None else setup.prepare(sandbox)
    # Short timeouts and waits so that a delayed answer is a timeout within the test's patience.
    config = CarrierConfig(
        **{
            **config.__dict__,
            "read_timeout": 3.0,
            "backoff_cap_seconds": 2.0,
            "label_poll_seconds": 0.05,
        }
    )
    made = CarrierPair(
        carrier_code, sandbox, setup, config, carrier_spec(carrier_code).build(config)
    )
    yield made
    made.carrier.close()
