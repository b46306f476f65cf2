"""A scripted myFastway for unit tests of the adapter's client: an httpx.MockTransport handler
that answers each (method, path) from a queue or a function and records every request.

These are unit tests of the client and the adapter's reading of answers; the adapter against
Kucun's myFastway emulator over real HTTP is the contract suite's business.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from kucun.core.vendor.http import RateLimiter, TokenCache
from kucun.shipping.carriers.base import CarrierConfig
from kucun.shipping.carriers.fastway.adapter import FastwayCarrier

FIXTURES = Path(__file__).parent / "fixtures"
API = "https://api.myfastway.com.au"
TOKEN_URL = "https://identity.fastway.org/connect/token"
CLIENT_ID = "kucun-test-client"
CLIENT_SECRET = "fw-test-secret-0123456789"

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


class FakeMyFastway:
    """Routes by (method, URL without query). A queued answer is used once (the last one
    stays); the token endpoint answers a new token per request unless told otherwise."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], deque[Answer]] = {}
        self.tokens_issued = 0
        self.on("POST", TOKEN_URL, self._token)

    def on(self, method: str, path: str, *answers: Answer) -> FakeMyFastway:
        url = path if path.startswith("https://") else API + path
        self.routes[(method, url)] = deque(answers)
        return self

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.tokens_issued += 1
        return answer(
            200,
            {
                "access_token": f"token-{self.tokens_issued}",
                "expires_in": 3600,
                "token_type": "Bearer",
                "scope": form(request).get("scope", ""),
            },
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url.copy_with(query=None))
        queue = self.routes.get((request.method, url))
        if not queue:
            return answer(404, {"errors": [{"code": "NotFound", "message": f"no route {url}"}]})
        found = queue[0] if len(queue) == 1 else queue.popleft()
        return found(request) if callable(found) else found

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        url = path if path.startswith("https://") else API + path
        return [
            request
            for request in self.requests
            if request.method == method and str(request.url.copy_with(query=None)) == url
        ]


def make_carrier(
    fake: FakeMyFastway,
    *,
    options: dict[str, str] | None = None,
    credentials: dict[str, str] | None = None,
) -> FastwayCarrier:
    config = CarrierConfig(
        carrier="fastway",
        base_url=API,
        credentials=credentials
        or {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scope": "fw-fl2-api-au"},
        options=options or {"region": "AU"},
        account_key="fastway-unit",
        auth_url=TOKEN_URL,
        max_attempts=3,
    )
    return FastwayCarrier(
        config,
        tokens=TokenCache(),
        limiter=RateLimiter(1000, 1000),
        sleep=lambda seconds: None,
        transport=httpx.MockTransport(fake),
    )
