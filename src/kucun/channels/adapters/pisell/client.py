"""HTTP for the Pisell contract (pisell.md §2): the bearer key, the optional store selector
header, the 120-a-minute limiter, and one method per call. No parsing beyond JSON."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from kucun.channels.adapters.base import ChannelConfig, ChannelError
from kucun.channels.adapters.base.http import HttpClient, Sleep, limiter_for, raise_for_status

# pisell.md §2.7: 120 requests a minute per credential.
REQUESTS_PER_MINUTE = 120
PRODUCTS_PAGE_SIZE = 250  # the contract's maximum ``limit``
ORDERS_PAGE_SIZE = 100  # pisell.md §2.4's example; the same 1–250 range as products
STOCK_BATCH = 100  # PUT /inventory/levels takes at most 100 items
BEARER = "bearer"
SIGNED = "signed"


def limiter_key(config: ChannelConfig) -> str:
    """The client-side bucket's key: the store, or a digest of the key (never the key)."""
    if config.store_key:
        return f"pisell:{config.store_key}"
    digest = hashlib.sha256(config.credentials.get("api_key", "").encode()).hexdigest()[:16]
    return f"pisell:{config.base_url}:{digest}"


class PisellClient:
    def __init__(
        self,
        config: ChannelConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.clock = clock
        extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
        self.http = HttpClient(
            config,
            limiter=limiter_for(limiter_key(config), REQUESTS_PER_MINUTE, REQUESTS_PER_MINUTE / 60),
            authorize=self.authorize,
            transport=transport,
            **extra,
        )

    def authorize(self, headers: dict[str, str]) -> None:
        """The bearer key, or (``auth_scheme`` "signed") the signed headers of pisell.md §2.1."""
        api_key = self.config.credentials.get("api_key", "")
        if self.config.options.get("auth_scheme", BEARER) == SIGNED:
            headers.update(self.signed_headers(api_key))
        else:
            headers["Authorization"] = f"Bearer {api_key}"
        store_domain = self.config.options.get("store_domain", "")
        if store_domain:
            headers["X-Store-Domain"] = store_domain
        headers.setdefault("Accept", "application/json")

    def signed_headers(self, access_token: str) -> dict[str, str]:
        """``Sign`` is the uppercase hex MD5 of timestamp, client id and client secret, sorted
        and joined with ``&`` (pisell.md §4.2): the platform's algorithm, not our choice."""
        timestamp = str(int(self.clock()))
        client_id = self.config.options.get("client_id", "")
        secret = self.config.credentials.get("client_secret", "")
        material = "&".join(sorted([timestamp, client_id, secret])).encode()
        return {
            "Client-Id": client_id,
            "Access-Token": access_token,
            "Timestamp": timestamp,
            "Sign": hashlib.md5(material, usedforsecurity=False).hexdigest().upper(),
        }

    def close(self) -> None:
        self.http.close()

    def require_address(self) -> None:
        """Pisell has no address of its own: a store without one is told so, not sent nowhere."""
        if not self.config.base_url:
            raise ChannelError(
                "The store has no Pisell API base URL: enter the address Pisell gave for it."
            )

    def get_json(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """A read whose answer is a JSON object (``{"data": …}``), or a ChannelError."""
        self.require_address()
        response = self.http.request("GET", path, idempotent=True, params=params)
        raise_for_status(response, problem_message(response))
        answer = decoded(response)
        if not isinstance(answer, dict):
            raise ChannelError(f"GET {path}: the answer is not a JSON object", status=200)
        return answer

    def products_page(
        self, *, updated_since: str | None, cursor: str | None, limit: int = PRODUCTS_PAGE_SIZE
    ) -> dict[str, Any]:
        """``GET /products``: one page of products with their variants."""
        params: dict[str, Any] = {"limit": limit}
        if updated_since:
            params["updated_since"] = updated_since
        if cursor:
            params["cursor"] = cursor
        return self.get_json("products", params)

    def orders_page(
        self, *, updated_since: str, cursor: str | None, limit: int = ORDERS_PAGE_SIZE
    ) -> dict[str, Any]:
        """``GET /orders``: one page of orders of every status, oldest change first."""
        params: dict[str, Any] = {"updated_since": updated_since, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        return self.get_json("orders", params)

    def order(self, order_ref: str) -> httpx.Response:
        """``GET /orders/{id}``; a 404 (an order the platform does not know) is the adapter's
        to read."""
        self.require_address()
        return self.http.request("GET", f"orders/{quote(order_ref, safe='')}", idempotent=True)

    def fulfilments(self, order_ref: str) -> httpx.Response:
        """``GET /orders/{id}/fulfillments``: the order's fulfilments, where the platform lists
        them (a 404 or 405 says it does not; the adapter reads the answer)."""
        self.require_address()
        return self.http.request(
            "GET", f"orders/{quote(order_ref, safe='')}/fulfillments", idempotent=True
        )

    def fulfilment_post(
        self, order_ref: str, body: Mapping[str, Any], *, idempotency_key: str
    ) -> httpx.Response:
        """``POST /orders/{id}/fulfillments`` (pisell.md §2.5). Retried on 429/5xx/timeouts
        because the Idempotency-Key makes a repeat a replay, never a second fulfilment."""
        self.require_address()
        return self.http.request(
            "POST",
            f"orders/{quote(order_ref, safe='')}/fulfillments",
            idempotent=True,
            headers={"Idempotency-Key": idempotency_key},
            json=dict(body),
        )

    def locations(self) -> dict[str, Any]:
        return self.get_json("locations", {})

    def inventory_levels_put(
        self, items: Sequence[Mapping[str, Any]], *, idempotency_key: str
    ) -> httpx.Response:
        """``PUT /inventory/levels``: absolute quantities. Retried on 429/5xx/timeouts because the
        Idempotency-Key makes a repeat a replay of the stored answer (pisell.md §2.3)."""
        self.require_address()
        return self.http.request(
            "PUT",
            "inventory/levels",
            idempotent=True,
            headers={"Idempotency-Key": idempotency_key},
            json={"items": list(items)},
        )


def decoded(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ChannelError(
            f"{response.status_code}: the answer is not JSON", status=response.status_code
        ) from None


def problem_message(response: httpx.Response) -> str | None:
    """The words of an RFC 7807 problem (title, detail, and each field's code), if it is one."""
    if response.status_code < 400:
        return None
    try:
        problem = response.json()
    except ValueError:
        return None
    if not isinstance(problem, dict):
        return None
    words = [str(problem[name]) for name in ("title", "detail") if problem.get(name)]
    for error in problem.get("errors") or []:
        if isinstance(error, dict):
            words.append(f"{error.get('field', '?')}: {error.get('code', '?')}")
    return f"{response.status_code}: " + "; ".join(words) if words else None
