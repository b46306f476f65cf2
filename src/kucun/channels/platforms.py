"""The platforms Kucun can bind, found by their adapter packages' ``PLATFORM`` values."""

from __future__ import annotations

import functools
import importlib
import importlib.util

from kucun.channels.adapters.base import PlatformSpec

PLATFORM_CODES = ("shopify", "ebay", "kogan", "pisell")


@functools.cache
def platforms() -> dict[str, PlatformSpec]:
    """Code → spec, in the console's order, for every platform whose adapter is installed."""
    found: dict[str, PlatformSpec] = {}
    for code in PLATFORM_CODES:
        module_name = f"kucun.channels.adapters.{code}.adapter"
        if importlib.util.find_spec(f"kucun.channels.adapters.{code}") is None:
            continue
        module = importlib.import_module(module_name)
        found[code] = module.PLATFORM
    return found


def platform(code: str) -> PlatformSpec:
    return platforms()[code]
