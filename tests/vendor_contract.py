"""What the Channel and Carrier contract suites share: a vendor's own test account read from
``KUCUN_CONTRACT_<CODE>=config.json``, and the tests that need an emulator's control plane
(``needs_emulator``) left out when the suite runs against a vendor."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest


def vendor_config(code: str) -> dict[str, Any] | None:
    path = os.environ.get(f"KUCUN_CONTRACT_{code.upper()}")
    if not path:
        return None
    with open(path, encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def skip_emulator_only(parameter: str) -> Callable[[pytest.Config, list[pytest.Item]], None]:
    """A ``pytest_collection_modifyitems`` hook: a test marked ``needs_emulator`` whose
    ``parameter`` names a vendor configured through KUCUN_CONTRACT_<CODE> is skipped."""

    def hook(config: pytest.Config, items: list[pytest.Item]) -> None:
        for item in items:
            callspec = getattr(item, "callspec", None)
            code = callspec.params.get(parameter) if callspec is not None else None
            if (
                isinstance(code, str)
                and vendor_config(code) is not None
                and item.get_closest_marker("needs_emulator")
            ):
                item.add_marker(pytest.mark.skip(reason="needs the emulator's control plane"))

    return hook


def register_needs_emulator(config: pytest.Config) -> None:
    """A ``pytest_configure`` hook declaring the ``needs_emulator`` marker."""
    config.addinivalue_line("markers", "needs_emulator: uses an emulator's control plane")
