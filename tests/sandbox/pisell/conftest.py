"""A Pisell emulator reset before each test, and a client of its contract with the default
tenant's fake API key."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from kucun.sandbox.pisell.store import DEMO_API_KEY
from tests.sandbox.conftest import Sandbox

FIXTURES = Path(__file__).parent / "fixtures"


def golden(name: str) -> Any:
    """A sample copied from pisell.md §2."""
    return json.loads((FIXTURES / name).read_text())


@dataclass
class Pisell:
    sandbox: Sandbox
    api: httpx.Client  # the contract's client, as the default tenant

    @property
    def base_url(self) -> str:
        return self.sandbox.url("pisell").rstrip("/")

    def emu(self, name: str, json: object = None) -> httpx.Response:
        return self.sandbox.emu("pisell", name, json)

    def state(self, tenant: str = "demo") -> dict[str, Any]:
        response = self.sandbox.control.get(
            self.sandbox.url("pisell", f"__emu/state?tenant={tenant}")
        )
        response.raise_for_status()
        return response.json()["tenants"][tenant]

    def client(self, api_key: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30
        )


@pytest.fixture
def pisell(sandbox: Sandbox) -> Iterator[Pisell]:
    sandbox.emu("pisell", "reset")
    with httpx.Client(
        base_url=sandbox.url("pisell").rstrip("/"),
        headers={"Authorization": f"Bearer {DEMO_API_KEY}"},
        timeout=30,
    ) as api:
        yield Pisell(sandbox=sandbox, api=api)


@dataclass
class Receiver:
    """A callback URL on loopback that records what it is sent and answers the statuses it
    is told to, in turn (200 once those run out)."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            found.received.append((dict(self.headers.items()), body))
            self.send_response(found.statuses.pop(0) if found.statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/pisell"
    yield found
    server.shutdown()
    server.server_close()
