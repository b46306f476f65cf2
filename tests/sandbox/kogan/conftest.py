"""A Kogan seller's HTTP client on the live server, as an integrator would hold one."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from kucun.sandbox.kogan.state import DEFAULT_SELLER_ID, DEFAULT_SELLER_TOKEN
from tests.sandbox.conftest import Sandbox

SellerClient = Callable[..., httpx.Client]


@pytest.fixture
def kogan(sandbox: Sandbox) -> Iterator[SellerClient]:
    """``kogan()`` is the default seller's client on a freshly reset emulator;
    ``kogan(seller_id, token)`` another seller's, ``kogan(None, None)`` one without headers."""
    sandbox.emu("kogan", "reset")
    opened: list[httpx.Client] = []

    def make(
        seller_id: str | None = DEFAULT_SELLER_ID, token: str | None = DEFAULT_SELLER_TOKEN
    ) -> httpx.Client:
        headers = {}
        if seller_id is not None:
            headers["SellerID"] = seller_id
        if token is not None:
            headers["SellerToken"] = token
        client = httpx.Client(
            base_url=sandbox.url("kogan", "api/marketplace/v2/"), headers=headers, timeout=30
        )
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()
