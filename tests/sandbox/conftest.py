"""The emulators served by a live Kucun server on loopback, and a staff client for their
control planes (``__emu/``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from kucun.accounts.services import api_token_create
from tests.factories import UserFactory


@dataclass
class Sandbox:
    """The live server's address and a client carrying a staff API token."""

    base_url: str
    control: httpx.Client

    def url(self, system: str, path: str = "") -> str:
        return f"{self.base_url}/sandbox/{system}/{path.lstrip('/')}"

    def emu(self, system: str, name: str, json: object = None) -> httpx.Response:
        """POST to an emulator's control plane and fail the test on an error answer."""
        response = self.control.post(self.url(system, f"__emu/{name}"), json=json)
        response.raise_for_status()
        return response


@pytest.fixture
def sandbox(live_server: object) -> Iterator[Sandbox]:
    user = UserFactory(role="staff")
    _token, plain = api_token_create(user=user, name="sandbox control")
    base_url = str(live_server.url)  # type: ignore[attr-defined]
    with httpx.Client(headers={"Authorization": f"Bearer {plain}"}, timeout=30) as control:
        yield Sandbox(base_url=base_url, control=control)
