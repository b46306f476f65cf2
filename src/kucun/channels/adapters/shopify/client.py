"""HTTP to one Shopify store (integrations/shopify.md §1, §2, §8): the access token, the GraphQL
endpoint and Shopify's calculated-cost throttling. No mapping to Kucun's types here.

Authentication is either the client credentials grant (a short-lived token requested from
``/admin/oauth/access_token``, cached until shortly before its ``expires_in`` and requested
again once on a 401) or a legacy admin-created app's token, which never expires and so is
never refreshed. Either goes in the ``X-Shopify-Access-Token`` header.

Throttling is a leaky bucket of query-cost points per app and store. Every answer says how
full it is (``extensions.cost.throttleStatus``); the client-side bucket follows those numbers,
so that a request waits for its points here instead of being refused there. A refusal
(``THROTTLED`` in a 200 answer, or a 429) is waited out for the points it lacked.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import httpx

from kucun.channels.adapters.base.errors import (
    AuthenticationFailed,
    ChannelError,
    Unavailable,
)
from kucun.channels.adapters.base.http import (
    HttpClient,
    RateLimiter,
    Sleep,
    TokenCache,
    token_cache,
    vendor_message,
)
from kucun.channels.adapters.base.types import ChannelConfig

logger = logging.getLogger("kucun.channels.shopify")

API_VERSIONS = ("2026-01", "2026-04")
DEFAULT_API_VERSION = "2026-01"
TOKEN_PATH = "/admin/oauth/access_token"  # noqa: S105 (a path, not a secret)
ACCESS_TOKEN_HEADER = "X-Shopify-Access-Token"  # noqa: S105 (a header name)
# A token answer without expires_in is kept this long (client-credentials tokens live ~24 h).
DEFAULT_TOKEN_LIFETIME_SECONDS = 3600.0
# The bucket before any answer has told its real size: the smallest documented one (1,000
# points restored at 50 per second). Each answer's throttleStatus replaces these numbers.
INITIAL_BUCKET_POINTS = 1000.0
INITIAL_RESTORE_RATE = 50.0
# Shopify refuses a query whose requested cost is above this, before running it.
MAX_QUERY_COST = 1000.0
# When a throttled answer gives no numbers to compute the wait from.
FALLBACK_THROTTLE_WAIT_SECONDS = 1.0


class GraphQLError(ChannelError):
    """The GraphQL answer carried top-level ``errors`` (not a throttle): the vendor's messages,
    and their ``extensions.code`` values."""

    def __init__(self, message: str, *, codes: tuple[str, ...] = (), status: int | None = None):
        super().__init__(message, status=status)
        self.codes = codes


class QueryTooCostly(GraphQLError):
    """Shopify refused the query for its requested cost (above 1,000 points): ask for less."""


class CostBucket(RateLimiter):
    """The client-side copy of Shopify's bucket for one app on one store, in cost points."""

    def observe(self, throttle_status: Mapping[str, Any]) -> None:
        """Take Shopify's own numbers from an answer's ``throttleStatus``."""
        maximum = _number(throttle_status.get("maximumAvailable"))
        available = _number(throttle_status.get("currentlyAvailable"))
        restore = _number(throttle_status.get("restoreRate"))
        with self._lock:
            if maximum is not None and maximum > 0:
                self.capacity = maximum
            if restore is not None and restore > 0:
                self.rate = restore
            if available is not None:
                self._tokens = min(self.capacity, available)
                self._at = self._clock()

    def refund(self, points: float) -> None:
        """Give back points taken for a request whose answer told nothing of the bucket: with
        no numbers from Shopify, its throttle refusals are the only limit heeded."""
        with self._lock:
            self._tokens = min(self.capacity, self._tokens + points)


_buckets: dict[str, CostBucket] = {}
_buckets_lock = threading.Lock()


def bucket_for(key: str) -> CostBucket:
    """One bucket per app and store per process, shared by every client built for them."""
    with _buckets_lock:
        found = _buckets.get(key)
        if found is None:
            found = _buckets[key] = CostBucket(INITIAL_BUCKET_POINTS, INITIAL_RESTORE_RATE)
        return found


def cost_of(body: Mapping[str, Any]) -> Mapping[str, Any]:
    extensions = body.get("extensions")
    cost = extensions.get("cost") if isinstance(extensions, dict) else None
    return cost if isinstance(cost, dict) else {}


def error_codes(body: Mapping[str, Any]) -> tuple[str, ...]:
    errors = body.get("errors")
    if not isinstance(errors, list):
        return ()
    codes = []
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and isinstance(extensions.get("code"), str):
            codes.append(extensions["code"])
    return tuple(codes)


def error_messages(body: Mapping[str, Any]) -> str:
    errors = body.get("errors")
    if isinstance(errors, str):
        return errors
    if not isinstance(errors, list):
        return ""
    messages = [str(error.get("message", "")) for error in errors if isinstance(error, dict)]
    return "; ".join(message for message in messages if message)


def throttle_wait_seconds(body: Mapping[str, Any]) -> float:
    """How long until the bucket holds the points the refused query asked for:
    (requestedQueryCost - currentlyAvailable) / restoreRate."""
    cost = cost_of(body)
    status = cost.get("throttleStatus")
    status = status if isinstance(status, dict) else {}
    requested = _number(cost.get("requestedQueryCost"))
    available = _number(status.get("currentlyAvailable"))
    restore = _number(status.get("restoreRate"))
    if requested is None or available is None or not restore:
        return FALLBACK_THROTTLE_WAIT_SECONDS
    return max(0.0, (requested - available) / restore)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _json_body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


class ShopifyClient:
    """The store's Admin API: ``graphql()`` posts one document and answers its ``data``.

    ``transport`` and ``sleep`` are for tests of this client; ``bucket`` replaces the shared
    per-store bucket (tests start from a known one)."""

    def __init__(
        self,
        config: ChannelConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        tokens: TokenCache = token_cache,
        bucket: CostBucket | None = None,
    ) -> None:
        self.config = config
        self.api_version = config.options.get("api_version") or DEFAULT_API_VERSION
        self.client_id = config.credentials.get("client_id", "")
        self.client_secret = config.credentials.get("client_secret", "")
        self.admin_token = config.credentials.get("access_token", "")
        self.tokens = tokens
        identity = f"shopify:{config.store_key or config.base_url}:{self.client_id}"
        self.token_key = identity
        self.bucket = bucket if bucket is not None else bucket_for(identity)
        self._requested_costs: dict[str, float] = {}
        self.http = HttpClient(
            config,
            limiter=self.bucket,
            authorize=self._authorize,
            on_unauthorized=self._forget_token,
            throttle_signal=self._throttle_signal,
            sleep=sleep,
            transport=transport,
        )
        token_host = replace(config, base_url=config.auth_url or config.base_url)
        self.token_http = HttpClient(token_host, sleep=sleep, transport=transport)

    @property
    def graphql_path(self) -> str:
        return f"/admin/api/{self.api_version}/graphql.json"

    def close(self) -> None:
        self.http.close()
        self.token_http.close()

    def graphql(
        self,
        query: str,
        variables: Mapping[str, Any],
        *,
        operation: str,
        estimated_cost: float,
    ) -> dict[str, Any]:
        """Post one operation; answer its ``data``. Every operation Kucun sends is safe to
        repeat (reads, and the stock write carrying ``@idempotent``), so 5xx and timeouts are
        retried. Raises GraphQLError / QueryTooCostly for refused documents, and the base
        errors (AuthenticationFailed, Throttled, Unavailable) for the rest."""
        body = {"query": query, "variables": dict(variables), "operationName": operation}
        cost = min(self._requested_costs.get(operation, estimated_cost), self.bucket.capacity)
        try:
            response = self.http.request(
                "POST", self.graphql_path, idempotent=True, json=body, cost=cost
            )
            return self._data(response, operation, cost)
        except ChannelError as error:
            raise self._scrubbed(error) from None

    def _data(self, response: httpx.Response, operation: str, taken: float) -> dict[str, Any]:
        if response.status_code == 404:
            raise ChannelError(
                f"Shopify answered 404 for API version {self.api_version} at this shop: "
                f"{vendor_message(response) or 'not found'}",
                status=404,
            )
        answer = _json_body(response)
        if response.status_code >= 400:
            message = (answer and error_messages(answer)) or vendor_message(response)
            status = response.status_code
            raise ChannelError(message or f"HTTP {status}", status=status)
        if answer is None:
            raise Unavailable(f"{operation}: Shopify's answer was not a JSON object")
        cost = cost_of(answer)
        self._remember_cost(operation, cost, taken)
        codes = error_codes(answer)
        if "MAX_COST_EXCEEDED" in codes:
            raise QueryTooCostly(error_messages(answer), codes=codes)
        if answer.get("errors"):
            raise GraphQLError(f"{operation}: {error_messages(answer)}", codes=codes)
        data = answer.get("data")
        if not isinstance(data, dict):
            raise GraphQLError(f"{operation}: Shopify's answer carried no data")
        logger.debug(
            "%s cost %s of %s available",
            operation,
            cost.get("actualQueryCost"),
            (cost.get("throttleStatus") or {}).get("currentlyAvailable"),
        )
        return data

    def _remember_cost(self, operation: str, cost: Mapping[str, Any], taken: float) -> None:
        status = cost.get("throttleStatus")
        if isinstance(status, dict):
            self.bucket.observe(status)
        else:
            self.bucket.refund(taken)
        requested = _number(cost.get("requestedQueryCost"))
        if requested is not None:
            self._requested_costs[operation] = requested

    def _throttle_signal(self, response: httpx.Response) -> float | None:
        """A throttle refusal (THROTTLED in a 200, or a 429 with a cost body): the seconds to
        wait. A 429 without a body to read is left to Retry-After."""
        if b"THROTTLED" not in response.content and response.status_code != 429:
            return None
        answer = _json_body(response)
        if answer is None:
            return None
        status = cost_of(answer).get("throttleStatus")
        if isinstance(status, dict):
            self.bucket.observe(status)
        if "THROTTLED" in error_codes(answer) or (response.status_code == 429 and status):
            return throttle_wait_seconds(answer)
        return None

    # Authentication ------------------------------------------------------------------------

    def _authorize(self, headers: dict[str, str]) -> None:
        headers[ACCESS_TOKEN_HEADER] = self._access_token()

    def _access_token(self) -> str:
        if self.admin_token:
            return self.admin_token
        return self.tokens.get(self.token_key, self._request_token)

    def _forget_token(self) -> bool:
        """On a 401: a client-credentials token is dropped and requested again (once); an
        admin-created app's token cannot be renewed, so the 401 stands."""
        if self.admin_token:
            return False
        self.tokens.invalidate(self.token_key)
        return True

    def _request_token(self) -> tuple[str, float]:
        """The client credentials grant: (access token, lifetime in seconds)."""
        if not self.client_id or not self.client_secret:
            raise AuthenticationFailed(
                "Shopify needs a client ID and client secret (or an admin API access token)"
            )
        response = self.token_http.request(
            "POST",
            TOKEN_PATH,
            idempotent=True,  # asking for a token again has no other effect
            authorized=False,
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )
        answer = _json_body(response)
        if response.status_code >= 400 or answer is None:
            words = vendor_message(response) or f"HTTP {response.status_code}"
            raise AuthenticationFailed(
                f"Shopify refused the client credentials: {words}", status=response.status_code
            )
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthenticationFailed("Shopify's token answer carried no access_token")
        lifetime = _number(answer.get("expires_in"))
        return token, lifetime if lifetime is not None else DEFAULT_TOKEN_LIFETIME_SECONDS

    def _scrubbed(self, error: ChannelError) -> ChannelError:
        """The same error with any credential value masked, whatever the vendor echoed."""
        message = error.message
        for value in (self.client_secret, self.admin_token, self.client_id):
            if value:
                message = message.replace(value, "***")
        error.message = message
        error.args = (message,)
        return error
