"""A scripted eBay for unit tests of the adapter's client: an httpx.MockTransport handler that
answers each (method, path) from a queue or a function and records every request.

These are unit tests of the client and the mappers, not integration tests: the adapter against
Kucun's eBay emulator over real HTTP is the contract suite's business.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from kucun.channels.adapters.base import ChannelConfig
from kucun.channels.adapters.base.http import RateLimiter, TokenCache
from kucun.channels.adapters.ebay.adapter import EbayChannel
from kucun.channels.adapters.ebay.notifications import PublicKeyCache

FIXTURES = Path(__file__).parent / "fixtures"
API = "https://api.ebay.com"
TOKEN_PATH = "/identity/v1/oauth2/token"
CLIENT_ID = "KucunTes-Stock-PRD-1a2b3c4d5-6e7f8a9b"
CLIENT_SECRET = "PRD-a1b2c3d4e5f6-7a8b-9c0d-e1f2-a3b4"
REFRESH_TOKEN = "v^1.1#i^1#f^0#r^1#p^3#I^3#t^Ul4xMF8yOjRBREFFQkU3"

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def ebay_json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


class FakeEbay:
    """Routes by (method, path). A queued answer is used once (the last one stays); the token
    endpoint answers a fresh user token per request unless told otherwise."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], deque[Answer]] = {}
        self.tokens_issued = 0
        self.token_lifetime = 7200
        self.on("POST", TOKEN_PATH, self._token)

    def on(self, method: str, path: str, *answers: Answer) -> FakeEbay:
        self.routes[(method, path)] = deque(answers)
        return self

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.tokens_issued += 1
        grant = form(request)["grant_type"]
        kind = "app" if grant == "client_credentials" else "user"
        return ebay_json(
            200,
            {
                "access_token": f"v^1.1#{kind}-token-{self.tokens_issued}",
                "expires_in": self.token_lifetime,
                "token_type": "User Access Token",
            },
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return ebay_json(404, {"errors": [{"errorId": 2002, "message": "Resource not found"}]})
        answer = queue.popleft() if len(queue) > 1 else queue[0]
        return answer(request) if callable(answer) else answer

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def api_calls(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != TOKEN_PATH]


def make_config(**options: str) -> ChannelConfig:
    return ChannelConfig(
        platform="ebay",
        base_url=API,
        credentials={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
        },
        options={"environment": "production", "marketplace_id": "EBAY_AU", **options},
        store_key="store-7",
    )


def make_channel(
    fake: FakeEbay,
    *,
    config: ChannelConfig | None = None,
    sleeps: list[float] | None = None,
    tokens: TokenCache | None = None,
    keys: PublicKeyCache | None = None,
) -> EbayChannel:
    """An adapter on the scripted eBay, with its own token and key caches, a limiter that
    never waits, and sleeps recorded instead of slept."""
    recorded = sleeps if sleeps is not None else []
    return EbayChannel(
        config or make_config(),
        tokens=tokens or TokenCache(),
        keys=keys or PublicKeyCache(),
        limiter=RateLimiter(capacity=1_000_000, rate=1_000_000),
        sleep=recorded.append,
        transport=httpx.MockTransport(fake),
    )
