"""The eBay emulator on the live server, a client that speaks to it as an integrator would
(plain httpx, no adapter), golden samples from the eBay notes, and a notification receiver."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.sandbox.conftest import Sandbox

FIXTURES = Path(__file__).parent / "fixtures"

CLIENT_ID = "KucunSan-Sandbox-SBX-0a1b2c3d4-5e6f7a8b"
CLIENT_SECRET = "SBX-kucun-sandbox-client-secret-not-real"
SELLER = "kucun_sandbox_seller"
REFRESH_TOKEN = "v^1.1#i^1#r^1#p^3#I^3#f^0#t^KUCUN-SANDBOX-REFRESH-TOKEN-NOT-REAL"
RU_NAME = "Kucun_Sandbox-KucunSan-Sandbo-kucun"
API_SCOPE = "https://api.ebay.com/oauth/api_scope"
SELL_INVENTORY = f"{API_SCOPE}/sell.inventory"
SELL_INVENTORY_READONLY = f"{API_SCOPE}/sell.inventory.readonly"
NOTIFICATION_SCOPE = f"{API_SCOPE}/commerce.notification.subscription"
INVENTORY = "sell/inventory/v1"
NOTIFICATION = "commerce/notification/v1"
WRITE_HEADERS = {"Content-Type": "application/json", "Content-Language": "en-AU"}


def golden(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and (value.startswith(("…", "<")) or value.endswith("…"))


def assert_golden(actual: Any, sample: Any, *, exact_keys: bool = True, path: str = "") -> None:
    """Every field of the sample is in ``actual`` with the same value (a ``…`` or ``<…>``
    placeholder stands for any non-empty string of that shape, ``<int>`` for any whole number,
    where the notes give no value; a list's first sample element
    describes every element). With ``exact_keys`` no other field may be there."""
    if isinstance(sample, dict):
        assert isinstance(actual, dict), path
        if exact_keys:
            assert set(actual) == set(sample), f"{path}: {sorted(actual)} != {sorted(sample)}"
        else:
            assert set(sample) <= set(actual), f"{path}: {sorted(sample)} not in {sorted(actual)}"
        for key, value in sample.items():
            assert_golden(actual[key], value, exact_keys=exact_keys, path=f"{path}.{key}")
    elif isinstance(sample, list):
        assert isinstance(actual, list), path
        if not sample:
            assert actual == [], path
        for element in actual:
            assert_golden(element, sample[0], exact_keys=exact_keys, path=f"{path}[]")
    elif sample == "<int>":
        assert type(actual) is int, path
    elif is_placeholder(sample):
        assert isinstance(actual, str), path
        assert actual, path
        if sample.startswith("-----BEGIN PUBLIC KEY-----"):
            assert actual.startswith("-----BEGIN PUBLIC KEY-----"), path
    else:
        assert type(actual) is type(sample), path
        assert actual == sample, f"{path}: {actual!r} != {sample!r}"


@dataclass
class Ebay:
    """A plain HTTP client of the emulated eBay, and its control plane."""

    sandbox: Sandbox
    http: httpx.Client

    def url(self, path: str) -> str:
        return self.sandbox.url("ebay", path)

    def emu(self, name: str, body: object = None) -> Any:
        return self.sandbox.emu("ebay", name, body).json()

    def token(
        self, form: dict[str, str], *, client: tuple[str, str] | None = None
    ) -> httpx.Response:
        client_id, secret = client or (CLIENT_ID, CLIENT_SECRET)
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        return self.http.post(
            self.url("identity/v1/oauth2/token"),
            data=form,
            headers={"Authorization": f"Basic {basic}"},
        )

    def user_token(self, refresh_token: str = REFRESH_TOKEN, scope: str = "") -> str:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if scope:
            form["scope"] = scope
        answer = self.token(form)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def application_token(self) -> str:
        answer = self.token({"grant_type": "client_credentials", "scope": API_SCOPE})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def call(
        self,
        method: str,
        path: str,
        token: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        return self.http.request(
            method,
            self.url(path),
            headers={"Authorization": f"Bearer {token}", **(headers or {})},
            **kwargs,
        )

    def state(self, seller: str = SELLER) -> Any:
        answer = self.sandbox.control.get(self.url("__emu/state"), params={"seller": seller})
        answer.raise_for_status()
        return answer.json()["sellers"][seller]


@pytest.fixture
def ebay(sandbox: Sandbox) -> Iterator[Ebay]:
    sandbox.emu("ebay", "reset")
    with httpx.Client(timeout=30) as http:
        yield Ebay(sandbox, http)


@dataclass
class Receiver:
    """A notification endpoint on loopback: answers eBay's challenge with its verification token
    and records every POST (headers and raw body), answering ``statuses`` in turn (then 204)."""

    verification_token: str
    endpoint: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    challenges: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    answer_challenge: bool = True


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(verification_token="kucun-verification-token-0123456789abcdef")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            code = parse_qs(urlsplit(self.path).query).get("challenge_code", [""])[0]
            found.challenges.append(code)
            digest = hashlib.sha256(
                (code + found.verification_token + found.endpoint).encode()
            ).hexdigest()
            body = json.dumps({"challengeResponse": digest if found.answer_challenge else "no"})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            found.received.append((dict(self.headers.items()), raw))
            self.send_response(found.statuses.pop(0) if found.statuses else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.endpoint = f"http://127.0.0.1:{server.server_address[1]}/ebay/notifications"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()
