"""The carriers Kucun can ship with, found by their adapter packages' ``CARRIER`` values."""

from __future__ import annotations

import importlib
import importlib.util

from kucun.shipping.carriers.base import CarrierSpec

CARRIER_CODES = ("auspost", "fourpx", "fastway")

_registered: dict[str, CarrierSpec] = {}


def register_carrier(spec: CarrierSpec) -> None:
    """Add a carrier that is not one of the packages (a test double, a plug-in)."""
    _registered[spec.code] = spec


def unregister_carrier(code: str) -> None:
    _registered.pop(code, None)


def _installed() -> dict[str, CarrierSpec]:
    found: dict[str, CarrierSpec] = {}
    for code in CARRIER_CODES:
        if importlib.util.find_spec(f"kucun.shipping.carriers.{code}") is None:
            continue
        module = importlib.import_module(f"kucun.shipping.carriers.{code}.adapter")
        found[code] = module.CARRIER
    return found


def carriers() -> dict[str, CarrierSpec]:
    """Code → spec, in the console's order, for every carrier whose adapter is installed."""
    return {**_installed(), **_registered}


def carrier_spec(code: str) -> CarrierSpec:
    return carriers()[code]
