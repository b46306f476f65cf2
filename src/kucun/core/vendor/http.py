"""HTTP for vendor adapters (sales channels and carriers): explicit timeouts, a per-credential
rate limiter, bounded retries of what may be retried (integrations/README.md §1.4),
Retry-After honoured, tokens cached and refreshed once on 401. No secret is ever put in a log
line or an error message."""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import httpx

from kucun.core.vendor.errors import (
    AuthenticationFailed,
    OutcomeUnknown,
    Throttled,
    Unavailable,
    VendorError,
)

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
Sleep = Callable[[float], None]


class Endpoint(Protocol):
    """Where and how patiently to call a vendor: a channel's or a carrier's configuration."""

    @property
    def base_url(self) -> str: ...
    @property
    def connect_timeout(self) -> float: ...
    @property
    def read_timeout(self) -> float: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def backoff_cap_seconds(self) -> float: ...


class RateLimiter:
    """A token bucket: ``capacity`` requests at once, refilled at ``rate`` per second."""

    def __init__(self, capacity: float, rate: float, clock: Callable[[], float] = time.monotonic):
        self.capacity = capacity
        self.rate = rate
        self._clock = clock
        self._tokens = capacity
        self._at = clock()
        self._lock = threading.Lock()

    def wait_time(self, cost: float = 1.0) -> float:
        """Take ``cost`` tokens and say how long to wait before using them (0 when free)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now
            self._tokens -= cost
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.rate

    def acquire(self, cost: float = 1.0, sleep: Sleep = time.sleep) -> None:
        delay = self.wait_time(cost)
        if delay > 0:
            sleep(delay)


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(key: str, capacity: float, rate: float) -> RateLimiter:
    """One limiter per credential per process, shared by every adapter built for it."""
    with _limiters_lock:
        found = _limiters.get(key)
        if found is None or (found.capacity, found.rate) != (capacity, rate):
            found = _limiters[key] = RateLimiter(capacity, rate)
        return found


@dataclass
class CachedToken:
    value: str
    expires_at: float  # time.time()


class TokenCache:
    """Access tokens per credential, in memory, re-requested shortly before they expire."""

    margin_seconds = 60.0

    def __init__(self) -> None:
        self._tokens: dict[str, CachedToken] = {}
        self._lock = threading.Lock()

    def get(self, key: str, fetch: Callable[[], tuple[str, float]]) -> str:
        """The cached token for ``key``, else ``fetch()`` → (token, lifetime in seconds)."""
        with self._lock:
            found = self._tokens.get(key)
            if found is not None and found.expires_at - self.margin_seconds > time.time():
                return found.value
        value, lifetime = fetch()
        with self._lock:
            self._tokens[key] = CachedToken(value, time.time() + lifetime)
        return value

    def invalidate(self, key: str) -> None:
        with self._lock:
            self._tokens.pop(key, None)


token_cache = TokenCache()


@cache
def verified_tls() -> ssl.SSLContext:
    """One certificate-verifying TLS context for every vendor client in the process. Loading
    the trust store costs tens of milliseconds, and a client is built per store or account
    use; the context is safe to share between threads."""
    return httpx.create_ssl_context()


def retry_after_seconds(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(raw)) if raw else None
    except ValueError:
        return None


class HttpClient:
    """One vendor's HTTP client for one credential (a store, a carrier account).

    ``authorize(headers)`` adds the credential to a request (and may fetch a token);
    ``on_unauthorized()`` drops a cached token so that the next ``authorize`` fetches a new one,
    and returns False when there is nothing to refresh. ``throttle_signal(response)`` lets an
    adapter recognise a vendor throttle inside a 200 answer (Shopify GraphQL, 4PX) and return
    the seconds to wait, or None.
    """

    def __init__(
        self,
        config: Endpoint,
        *,
        limiter: RateLimiter | None = None,
        authorize: Callable[[dict[str, str]], None] | None = None,
        on_unauthorized: Callable[[], bool] | None = None,
        throttle_signal: Callable[[httpx.Response], float | None] | None = None,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self.limiter = limiter
        self.authorize = authorize
        self.on_unauthorized = on_unauthorized
        self.throttle_signal = throttle_signal
        self.sleep = sleep
        timeout = httpx.Timeout(
            connect=config.connect_timeout,
            read=config.read_timeout,
            write=config.read_timeout,
            pool=config.connect_timeout,
        )
        self.http = httpx.Client(
            timeout=timeout, transport=transport, follow_redirects=False, verify=verified_tls()
        )

    def close(self) -> None:
        self.http.close()

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.config.base_url.rstrip("/") + "/" + path.lstrip("/")

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.config.backoff_cap_seconds)
        base = min(self.config.backoff_cap_seconds, 0.25 * (2**attempt))
        return base / 2 + random.uniform(0, base / 2)

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        data: Mapping[str, str] | None = None,
        authorized: bool = True,
        cost: float = 1.0,
    ) -> httpx.Response:
        """Send one request; retry only when ``idempotent`` (a GET, an absolute set, a write
        with an idempotency key). Raises AuthenticationFailed, Throttled, Unavailable or
        OutcomeUnknown; any other answer (2xx, 4xx) is returned for the adapter to read."""
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            if self.limiter is not None:
                self.limiter.acquire(cost, self.sleep)
            request_headers = dict(headers or {})
            if authorized and self.authorize is not None:
                self.authorize(request_headers)
            started = time.monotonic()
            try:
                response = self.http.request(
                    method,
                    self.url(path),
                    headers=request_headers,
                    params=params,
                    json=json,
                    content=content,
                    data=data,
                )
            except httpx.TimeoutException as error:
                sent = not isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout)
                if idempotent and attempt < self.config.max_attempts:
                    self.sleep(self.backoff(attempt, None))
                    continue
                message = f"{method} {self.safe_path(path)} timed out after {attempt} attempt(s)"
                raise (OutcomeUnknown if sent and not idempotent else Unavailable)(
                    message
                ) from None
            except httpx.TransportError as error:
                if idempotent and attempt < self.config.max_attempts:
                    self.sleep(self.backoff(attempt, None))
                    continue
                raise Unavailable(
                    f"{method} {self.safe_path(path)} failed: {type(error).__name__}"
                ) from None
            logger.debug(
                "%s %s -> %s in %.0f ms",
                method,
                self.safe_path(path),
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            if response.status_code == 401 and authorized and not refreshed:
                refreshed = True
                if self.on_unauthorized is not None and self.on_unauthorized():
                    continue
            if response.status_code == 401:
                raise AuthenticationFailed(
                    vendor_message(response) or "the vendor refused the credentials",
                    status=401,
                )
            throttle_wait = self.throttle_signal(response) if self.throttle_signal else None
            if response.status_code == 429 or throttle_wait is not None:
                wait = throttle_wait if throttle_wait is not None else retry_after_seconds(response)
                if attempt < self.config.max_attempts:
                    # A throttled request was not applied: repeating it is safe even for writes.
                    self.sleep(self.backoff(attempt, wait))
                    continue
                raise Throttled(
                    vendor_message(response) or "rate limit reached",
                    status=response.status_code,
                    retry_after=wait,
                )
            if response.status_code in RETRYABLE_STATUSES or response.status_code >= 500:
                if idempotent and attempt < self.config.max_attempts:
                    self.sleep(self.backoff(attempt, retry_after_seconds(response)))
                    continue
                raise Unavailable(
                    f"{response.status_code}: {vendor_message(response) or 'server error'}",
                    status=response.status_code,
                )
            return response

    @staticmethod
    def safe_path(path: str) -> str:
        """The path without its query string (which may carry a key)."""
        return path.split("?", 1)[0]


def vendor_message(response: httpx.Response, limit: int = 500) -> str:
    """The vendor's own words from an error answer, shortened; never the request."""
    text = response.text.strip()
    return text[:limit]


def raise_for_status(response: httpx.Response, message: str | None = None) -> None:
    """A 4xx the client did not handle: a VendorError with the vendor's words."""
    if response.status_code >= 400:
        raise VendorError(
            message or vendor_message(response) or f"HTTP {response.status_code}",
            status=response.status_code,
        )


def json_or_none(response: httpx.Response) -> Any:
    """The answer's JSON, or None when it has no body or the body is not JSON."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def oauth_error(body: Any) -> str:
    """OAuth2's error shape, ``{"error": "invalid_client", "error_description": "…"}``, in
    words ("" when the body is not one)."""
    if not isinstance(body, Mapping) or not body.get("error"):
        return ""
    error = str(body.get("error")).strip()
    description = str(body.get("error_description") or "").strip()
    return f"{error}: {description}" if description else error
