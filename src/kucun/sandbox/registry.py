"""The systems the sandbox can emulate, found by their packages."""

from __future__ import annotations

import importlib.util

SYSTEMS = ("shopify", "ebay", "kogan", "pisell", "auspost", "fourpx", "fastway")


def installed_systems() -> list[str]:
    return [system for system in SYSTEMS if importlib.util.find_spec(f"kucun.sandbox.{system}")]
