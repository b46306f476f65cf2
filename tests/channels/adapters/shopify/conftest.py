"""Golden payloads and a scripted transport for unit tests of the Shopify client and adapter.

The scripted transport (httpx.MockTransport through HttpClient's ``transport`` parameter) answers
what each test lists, in order, and records what the adapter sent. These are unit tests of the
HTTP behaviour and of the JSON sent; the adapter against the Shopify emulator over real HTTP is
the channel contract suite's work (tests/channels/contract/).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from kucun.channels.adapters.base import ChannelConfig
from kucun.channels.adapters.base.http import TokenCache
from kucun.channels.adapters.shopify.adapter import ShopifyChannel
from kucun.channels.adapters.shopify.client import CostBucket

FIXTURES = Path(__file__).parent / "fixtures"
BASE_URL = "https://kucun-test.myshopify.com"
GRAPHQL_URL = BASE_URL + "/admin/api/2026-01/graphql.json"
TOKEN_URL = BASE_URL + "/admin/oauth/access_token"
LOCATION = "gid://shopify/Location/789"


def golden(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def golden_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class Sent:
    method: str
    url: str
    headers: httpx.Headers
    content: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def form(self) -> dict[str, str]:
        return {name: values[0] for name, values in parse_qs(self.content.decode()).items()}


@dataclass
class ScriptedShopify:
    """Answers each request to a URL with the next answer listed for it; records requests."""

    answers: dict[str, list[Answer]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def answer(self, url: str, *answers: Answer) -> None:
        self.answers.setdefault(url, []).extend(answers)

    def graphql(self, *answers: Answer) -> None:
        self.answer(GRAPHQL_URL, *answers)

    def token(self, *answers: Answer) -> None:
        self.answer(TOKEN_URL, *answers)

    def to(self, url: str) -> list[Sent]:
        return [request for request in self.sent if request.url == url]

    @property
    def graphql_sent(self) -> list[Sent]:
        return self.to(GRAPHQL_URL)

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.sent.append(Sent(request.method, url, request.headers, request.read()))
        queued = self.answers.get(url)
        if not queued:
            raise AssertionError(f"no answer left for {request.method} {url}")
        answer = queued.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


def ok(payload: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=payload)


def config(**changes: Any) -> ChannelConfig:
    fields: dict[str, Any] = {
        "platform": "shopify",
        "base_url": BASE_URL,
        "credentials": {"client_id": "kucun-client-id", "client_secret": "kucun-client-secret"},
        "options": {
            "shop_domain": "kucun-test.myshopify.com",
            "api_version": "2026-01",
            "location_ref": LOCATION,
        },
        "store_key": "shopify-test-store",
        "backoff_cap_seconds": 30.0,
    }
    fields.update(changes)
    return ChannelConfig(**fields)


@pytest.fixture
def shopify() -> ScriptedShopify:
    return ScriptedShopify()


@pytest.fixture
def build(shopify: ScriptedShopify) -> Callable[..., ShopifyChannel]:
    """A channel on the scripted transport, with its own token cache and a roomy bucket."""

    def make(**changes: Any) -> ShopifyChannel:
        return ShopifyChannel(
            config(**changes),
            transport=httpx.MockTransport(shopify.handle),
            sleep=shopify.sleeps.append,
            bucket=CostBucket(100_000, 100_000),
            tokens=TokenCache(),
        )

    return make
