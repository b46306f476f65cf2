"""HTTP to Australia Post's Shipping & Tracking API (integrations/auspost.md): Basic auth with
the API key and password plus the ``Account-Number`` header on every call, limits on our side
(tracking at its 10 requests a minute), and nothing else (payloads are the mappers' business).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from kucun.core.vendor.http import HttpClient, Sleep, limiter_for, vendor_message
from kucun.shipping.carriers.auspost.mappers import error_text
from kucun.shipping.carriers.base import AuthenticationFailed, CarrierConfig, CarrierError

API_PATH = "shipping/v1/"
# Not rate limited by the reference pages (§9), but the gateway answers 429 under abuse: a
# bucket keeps bursts polite without holding back a day's labels (a shipment costs three
# requests: create, label, its PDF).
LIMITER_CAPACITY = 40.0
LIMITER_RATE_PER_SECOND = 25.0
# Tracking: about 10 requests a minute per account (§7, unverified).
TRACK_REQUESTS_PER_MINUTE = 10


def basic_authorization(api_key: str, password: str) -> str:
    token = base64.b64encode(f"{api_key}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def carrier_words(response: httpx.Response) -> str:
    """AusPost's own words from an error answer: the envelope's entries when it is one."""
    try:
        words = error_text(response.json())
    except ValueError:
        words = ""
    return words or vendor_message(response) or f"HTTP {response.status_code}"


def decoded(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise CarrierError(
            f"Australia Post answered {response.status_code} with a body that is not JSON",
            status=response.status_code,
            retryable=True,
        ) from None


class AusPostClient:
    def __init__(
        self,
        config: CarrierConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.config = config
        self.account_number = config.credentials.get("account_number", "")
        self._authorization = basic_authorization(
            config.credentials.get("api_key", ""), config.credentials.get("password", "")
        )
        key = config.account_key or f"auspost:{self.account_number}"
        self.http = HttpClient(
            config,
            limiter=limiter_for(key, LIMITER_CAPACITY, LIMITER_RATE_PER_SECOND),
            authorize=self._authorize,
            sleep=sleep,
            transport=transport,
        )
        self.tracking_http = HttpClient(
            config,
            limiter=limiter_for(
                f"{key}:track", TRACK_REQUESTS_PER_MINUTE, TRACK_REQUESTS_PER_MINUTE / 60
            ),
            authorize=self._authorize,
            sleep=sleep,
            transport=transport,
        )
        self.api_host = urlsplit(config.base_url).netloc

    def _authorize(self, headers: dict[str, str]) -> None:
        headers["Authorization"] = self._authorization
        headers["Account-Number"] = self.account_number
        headers.setdefault("Accept", "application/json")

    def close(self) -> None:
        self.http.close()
        self.tracking_http.close()

    def path(self, path: str) -> str:
        return API_PATH + path.lstrip("/")

    def send(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        http: HttpClient | None = None,
    ) -> httpx.Response:
        """One call under ``/shipping/v1/``. A 403 is AusPost refusing the account to these
        credentials; any other answer is returned for the adapter to read."""
        response = (http or self.http).request(
            method, self.path(path), idempotent=idempotent, params=params, json=json
        )
        if response.status_code == 403:
            raise AuthenticationFailed(carrier_words(response), status=403)
        return response

    # -- the calls ------------------------------------------------------------------------
    def account(self) -> httpx.Response:
        """``GET /shipping/v1/accounts/{account_number}``: the account and its products."""
        return self.send("GET", f"accounts/{self.account_number}", idempotent=True)

    def item_prices(self, body: Mapping[str, Any]) -> httpx.Response:
        """``POST /shipping/v1/prices/items``: a price read, safe to repeat."""
        return self.send("POST", "prices/items", idempotent=True, json=body)

    def shipment_price(self, body: Mapping[str, Any]) -> httpx.Response:
        """``POST /shipping/v1/prices/shipments``: the create body priced, nothing created."""
        return self.send("POST", "prices/shipments", idempotent=True, json=body)

    def create_shipments(self, body: Mapping[str, Any]) -> httpx.Response:
        """``POST /shipping/v1/shipments``: never repeated blindly (a duplicate is a second
        billable shipment); a timeout after sending raises OutcomeUnknown."""
        return self.send("POST", "shipments", idempotent=False, json=body)

    def shipments(self, params: Mapping[str, Any]) -> httpx.Response:
        """``GET /shipping/v1/shipments`` with the given filters and paging."""
        return self.send("GET", "shipments", idempotent=True, params=params)

    def delete_shipment(self, shipment_id: str) -> httpx.Response:
        """``DELETE /shipping/v1/shipments/{id}``. Not repeated: a repeat after a lost answer
        would be told the shipment is gone, which reads as a refusal."""
        return self.send("DELETE", f"shipments/{shipment_id}", idempotent=False)

    def create_labels(self, body: Mapping[str, Any]) -> httpx.Response:
        """``POST /shipping/v1/labels``: labels may be requested again until the shipment is
        lodged, so the request may be repeated."""
        return self.send("POST", "labels", idempotent=True, json=body)

    def label(self, request_id: str) -> httpx.Response:
        """``GET /shipping/v1/labels/{request_id}`` (the two-step form's poll)."""
        return self.send("GET", f"labels/{request_id}", idempotent=True)

    def create_order(self, body: Mapping[str, Any]) -> httpx.Response:
        """``PUT /shipping/v1/orders``: lodges the shipments; not repeated blindly."""
        return self.send("PUT", "orders", idempotent=False, json=body)

    def order_summary(self, order_id: str) -> httpx.Response:
        """``GET /shipping/v1/accounts/{account_number}/orders/{order_id}/summary`` (a PDF)."""
        return self.send(
            "GET", f"accounts/{self.account_number}/orders/{order_id}/summary", idempotent=True
        )

    def track(self, tracking_ids: list[str]) -> httpx.Response:
        """``GET /shipping/v1/track?tracking_ids=a,b`` under the tracking limit."""
        return self.send(
            "GET",
            "track",
            idempotent=True,
            params={"tracking_ids": ",".join(tracking_ids)},
            http=self.tracking_http,
        )

    def download(self, url: str) -> httpx.Response:
        """A label PDF at the URL AusPost handed back. The credentials go only to the API's
        own host: a link elsewhere is fetched without them."""
        same_host = urlsplit(url).netloc == self.api_host
        response = self.http.request("GET", url, idempotent=True, authorized=same_host)
        if response.status_code == 403 and same_host:
            raise AuthenticationFailed(carrier_words(response), status=403)
        return response
