"""HTTP to the Kogan Marketplace Seller API v2 (integrations/kogan.md): the SellerID and
SellerToken headers on every request, the seller's rate limit on our side, Kogan's throttle
answer read, and nothing else (payloads are the mappers' business)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from kucun.channels.adapters.base import AuthenticationFailed, ChannelConfig, ChannelError
from kucun.channels.adapters.base.http import (
    HttpClient,
    Sleep,
    limiter_for,
    raise_for_status,
    retry_after_seconds,
    vendor_message,
)
from kucun.channels.adapters.kogan.mappers import follow_path, throttle_seconds

API_PATH = "api/marketplace/v2/"
# 500 requests a minute in bursts but 20,000 an hour sustained (kogan.md §8): a bucket of 100
# refilled at the sustained rate keeps both.
LIMITER_CAPACITY = 100.0
LIMITER_RATE_PER_SECOND = 20_000 / 3600


def kogan_throttle(response: httpx.Response) -> float | None:
    """Seconds to wait on a 429: ``Retry-After`` when sent, else the figure of Kogan's
    ``detail`` ("Expected available in 48 sec.")."""
    if response.status_code != 429:
        return None
    header = retry_after_seconds(response)
    if header is not None:
        return header
    try:
        return throttle_seconds(response.json())
    except ValueError:
        return None


class KoganClient:
    def __init__(
        self,
        config: ChannelConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.config = config
        self.seller_id = config.credentials.get("seller_id", "")
        self._token = config.credentials.get("seller_token", "")
        self.api_root = config.base_url.rstrip("/") + "/" + API_PATH
        self.http = HttpClient(
            config,
            limiter=limiter_for(
                f"kogan:{config.store_key or self.seller_id}",
                LIMITER_CAPACITY,
                LIMITER_RATE_PER_SECOND,
            ),
            authorize=self._authorize,
            throttle_signal=kogan_throttle,
            sleep=sleep,
            transport=transport,
        )

    def _authorize(self, headers: dict[str, str]) -> None:
        headers["SellerID"] = self.seller_id
        headers["SellerToken"] = self._token
        headers.setdefault("Accept", "application/json")

    def close(self) -> None:
        self.http.close()

    def url(self, path_or_url: str) -> str:
        """Our API root's ``path``, or a URL Kogan handed back kept on the store's host."""
        if path_or_url.startswith(("http://", "https://")):
            return follow_path(path_or_url, self.config.base_url, self.api_root)
        return self.api_root + path_or_url.lstrip("/")

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """One call. Reads and stock writes (absolute sets, kogan.md §9) may be repeated; a
        dispatch may not (``idempotent=False``): its outcome is checked on the order instead."""
        response = self.http.request(
            method, self.url(path_or_url), idempotent=idempotent, params=params, json=json
        )
        if response.status_code == 403:
            raise AuthenticationFailed(
                vendor_message(response) or "Kogan refused the seller's credentials", status=403
            )
        return response

    def get_json(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> Any:
        response = self.send("GET", path_or_url, params=params)
        raise_for_status(response)
        return decoded(response)

    def products(self, page_url: str | None, params: Mapping[str, Any]) -> Any:
        """``GET products/`` (the first page), or the ``next`` URL of the previous page."""
        if page_url:
            return self.get_json(page_url)
        return self.get_json("products/", params)

    def stock_price_update(self, items: Sequence[Mapping[str, Any]]) -> httpx.Response:
        """``POST products/stockprice/`` with a top-level array; the answer (200/202 or a 400
        with per-SKU errors) is the adapter's to read."""
        return self.send("POST", "products/stockprice/", json=list(items))

    def orders(self, params: Mapping[str, Any]) -> Any:
        """``GET orders/`` with its ``status`` (and window) filters: one unpaged answer."""
        return self.get_json("orders/", params)

    def order(self, order_ref: str) -> httpx.Response:
        """``GET orders/{ref}/``; a 404 (an order Kogan does not know) is the adapter's to read."""
        return self.send("GET", f"orders/{quote(order_ref, safe='')}/")

    def fulfil(self, orders: Sequence[Mapping[str, Any]]) -> httpx.Response:
        """``POST orders/fulfill/`` with a top-level array of orders (kogan.md §6). Never
        repeated here: a repeat could dispatch the same items twice."""
        return self.send("POST", "orders/fulfill/", json=list(orders), idempotent=False)

    def task(self, pending_url: str) -> httpx.Response:
        """``GET task/{id}/`` through the ``pending_url`` a write answered."""
        return self.send("GET", pending_url)


def decoded(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        # A garbled answer may be a proxy's page or a cut connection: asking again may help.
        raise ChannelError(
            f"Kogan answered {response.status_code} with a body that is not JSON",
            status=response.status_code,
            retryable=True,
        ) from None
