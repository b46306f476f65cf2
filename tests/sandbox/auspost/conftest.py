"""An Australia Post contract customer's HTTP client on the live server, as an integrator
would hold one, and the doc's golden samples."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kucun.sandbox.auspost.state import (
    DEFAULT_ACCOUNT_NUMBER,
    DEFAULT_API_KEY,
    DEFAULT_PASSWORD,
)
from tests.sandbox.conftest import Sandbox

FIXTURES = Path(__file__).parent / "fixtures"

AccountClient = Callable[..., httpx.Client]


def golden(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def basic(api_key: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{api_key}:{password}".encode()).decode()


@pytest.fixture
def auspost(sandbox: Sandbox) -> Iterator[AccountClient]:
    """``auspost()`` is the default account's client on a freshly reset emulator;
    ``auspost(account_number, api_key, password)`` another one's; ``None`` leaves a header out."""
    sandbox.emu("auspost", "reset")
    opened: list[httpx.Client] = []

    def make(
        account_number: str | None = DEFAULT_ACCOUNT_NUMBER,
        api_key: str | None = DEFAULT_API_KEY,
        password: str | None = DEFAULT_PASSWORD,
    ) -> httpx.Client:
        headers = {"Accept": "application/json"}
        if account_number is not None:
            headers["Account-Number"] = account_number
        if api_key is not None and password is not None:
            headers["Authorization"] = basic(api_key, password)
        client = httpx.Client(
            base_url=sandbox.url("auspost", "shipping/v1/"), headers=headers, timeout=30
        )
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def shipment_body(reference: str = "ORD-1042", items: int = 1, **changes: Any) -> dict[str, Any]:
    """The doc's create-shipments request (auspost.md §4), with ``items`` items."""
    shipment = golden("create_shipments_request")["shipments"][0]
    item = shipment["items"][0]
    shipment = {
        **shipment,
        "shipment_reference": reference,
        "items": [{**item, "item_reference": f"P{number}"} for number in range(1, items + 1)],
        **changes,
    }
    return {"shipments": [shipment]}


def create(client: httpx.Client, reference: str = "ORD-1042", items: int = 1) -> dict[str, Any]:
    response = client.post("shipments", json=shipment_body(reference, items))
    assert response.status_code == 201, response.text
    shipment: dict[str, Any] = response.json()["shipments"][0]
    return shipment


def articles(shipment: dict[str, Any]) -> list[str]:
    return [item["tracking_details"]["article_id"] for item in shipment["items"]]


def emu_state(sandbox: Sandbox, account: str = DEFAULT_ACCOUNT_NUMBER) -> dict[str, Any]:
    response = sandbox.control.get(
        sandbox.url("auspost", "__emu/state"), params={"account": account}
    )
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found
