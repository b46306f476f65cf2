"""A myFastway API client on the live server, as an integrator would hold one: a token from the
identity host, then Bearer calls with the versioned Accept header."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from kucun.sandbox.fastway.state import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_SCOPE,
)
from tests.sandbox.conftest import Sandbox

ACCEPT = "application/json; api-version=1.0"


@dataclass
class Fastway:
    """The emulator, freshly reset, with helpers to get tokens and API clients."""

    sandbox: Sandbox
    opened: list[httpx.Client] = field(default_factory=list)

    @property
    def token_url(self) -> str:
        return self.sandbox.url("fastway", "identity/connect/token")

    def token_request(
        self,
        client_id: str = DEFAULT_CLIENT_ID,
        secret: str = DEFAULT_CLIENT_SECRET,
        scope: str = DEFAULT_SCOPE,
        **more: str,
    ) -> httpx.Response:
        form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": scope,
            **more,
        }
        return httpx.post(self.token_url, data=form, timeout=30)

    def token(self, client_id: str = DEFAULT_CLIENT_ID, secret: str = DEFAULT_CLIENT_SECRET) -> str:
        response = self.token_request(client_id, secret)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def api(self, token: str | None = "", accept: str | None = ACCEPT) -> httpx.Client:
        """A client of ``api/``; ``token=""`` fetches the default account's, None sends none."""
        headers = {}
        if token == "":
            token = self.token()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if accept is not None:
            headers["Accept"] = accept
        client = httpx.Client(
            base_url=self.sandbox.url("fastway", "api/"), headers=headers, timeout=30
        )
        self.opened.append(client)
        return client

    def emu(self, name: str, json: object = None) -> Any:
        return self.sandbox.emu("fastway", name, json).json()

    def state(self, account: str | None = None) -> Any:
        params = {"account": account} if account else {}
        response = self.sandbox.control.get(
            self.sandbox.url("fastway", "__emu/state"), params=params
        )
        response.raise_for_status()
        return response.json()

    def advance(self, seconds: float) -> None:
        self.emu("clock", {"advance_seconds": seconds})


@pytest.fixture
def fastway(sandbox: Sandbox) -> Iterator[Fastway]:
    sandbox.emu("fastway", "reset")
    made = Fastway(sandbox)
    yield made
    for client in made.opened:
        client.close()


def receiver(**address: str) -> dict[str, Any]:
    """The doc's receiver (fastway.md §6), its address changed by ``address``."""
    return {
        "contactName": "Tony Receiver",
        "businessName": "Tony's Tools",
        "phoneNumber": "0400 123 456",
        "email": "tony@example.com",
        "address": {
            "streetAddress": "73 Katoomba St",
            "additionalDetails": "",
            "locality": "Katoomba",
            "stateOrProvince": "NSW",
            "postalCode": "2780",
            "country": "AU",
            **address,
        },
    }


def parcel(**changes: Any) -> dict[str, Any]:
    return {
        "quantity": 1,
        "reference": "Parcel",
        "packageType": "P",
        "weightDead": 5,
        "length": 25,
        "width": 10,
        "height": 10,
        **changes,
    }


def consignment(reference: str = "ORD-1042", **changes: Any) -> dict[str, Any]:
    """A consignment of one 5 kg parcel to the doc's receiver, with authority to leave."""
    return {
        "to": receiver(),
        "instructionsPublic": "Leave at back door",
        "instructionsPrivate": "",
        "externalRef1": reference,
        "externalRef2": "",
        "services": [{"serviceCode": "DELOPT", "serviceItemCode": "ATL"}],
        "items": [parcel()],
        **changes,
    }
