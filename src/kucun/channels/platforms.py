"""The platforms Kucun can bind, found by their adapter packages' ``PLATFORM`` values."""

from __future__ import annotations

import importlib
import importlib.util

from kucun.channels.adapters.base import PlatformSpec

PLATFORM_CODES = ("shopify", "ebay", "kogan", "pisell")

_registered: dict[str, PlatformSpec] = {}


def register_platform(spec: PlatformSpec) -> None:
    """Add a platform that is not one of the four packages (a test double, a plug-in)."""
    _registered[spec.code] = spec


def unregister_platform(code: str) -> None:
    _registered.pop(code, None)


def _installed() -> dict[str, PlatformSpec]:
    found: dict[str, PlatformSpec] = {}
    for code in PLATFORM_CODES:
        if importlib.util.find_spec(f"kucun.channels.adapters.{code}") is None:
            continue
        module = importlib.import_module(f"kucun.channels.adapters.{code}.adapter")
        found[code] = module.PLATFORM
    return found


def platforms() -> dict[str, PlatformSpec]:
    """Code → spec, in the console's order, for every platform whose adapter is installed."""
    return {**_installed(), **_registered}


def platform(code: str) -> PlatformSpec:
    return platforms()[code]
