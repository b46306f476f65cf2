"""HTTP to the myFastway API for one account (integrations/fastway.md §1–§8).

Every call goes through the base HttpClient (timeouts, the limiter, retries of what may be
retried, Retry-After, one token refresh on 401). The access token comes from the identity host's
``/connect/token`` with the client credentials (§1), is cached with its lifetime in a TokenCache
and requested again once when the API answers 401. API version 1.0 is chosen with the media-type
parameter of ``Accept`` (§2). No secret or token is ever put in a message.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from kucun.core.vendor.http import (
    HttpClient,
    RateLimiter,
    Sleep,
    TokenCache,
    json_or_none,
    oauth_error,
)
from kucun.shipping.carriers.base import (
    AuthenticationFailed,
    CarrierConfig,
    CarrierError,
)
from kucun.shipping.carriers.fastway.mappers import text

PRODUCTION_API = {"AU": "https://api.myfastway.com.au", "NZ": "https://api.myfastway.co.nz"}
IDENTITY_TOKEN_URL = "https://identity.fastway.org/connect/token"  # noqa: S105 (an address)
SANDBOX_TOKEN_PATH = "/identity/connect/token"  # noqa: S105 (a path under the emulator's root)
SCOPES = {"AU": "fw-fl2-api-au", "NZ": "fw-fl2-api-nz"}
DEFAULT_REGION = "AU"
ACCEPT = "application/json; api-version=1.0"

_MYFASTWAY_HOSTS = {urlsplit(url).hostname for url in PRODUCTION_API.values()}


def region_of(options: Mapping[str, str]) -> str:
    region = (options.get("region") or DEFAULT_REGION).strip().upper()
    return region if region in PRODUCTION_API else DEFAULT_REGION


def token_url_for(base_url: str, options: Mapping[str, str]) -> str:
    """The token endpoint of an API root: the account's own ``token_url`` when set; the
    identity host for myFastway's hosts (§1); the emulator's ``identity/connect/token`` beneath
    a sandbox root (Kucun's emulator serves both under ``/sandbox/fastway``)."""
    configured = (options.get("token_url") or "").strip()
    if configured:
        return configured
    parts = urlsplit(base_url)
    if parts.hostname not in _MYFASTWAY_HOSTS and "/sandbox/" in f"{parts.path}/":
        return base_url.rstrip("/") + SANDBOX_TOKEN_PATH
    return IDENTITY_TOKEN_URL


def _digest(*parts: str) -> str:
    """A cache key part for credentials, so that keys never hold them in clear."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:24]


class FastwayClient:
    """The account's calls; each returns the parsed answer or raises a CarrierError.
    ``transport`` lets unit tests answer with httpx.MockTransport."""

    def __init__(
        self,
        config: CarrierConfig,
        *,
        tokens: TokenCache,
        limiter: RateLimiter | None,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self.tokens = tokens
        self.region = region_of(config.options)
        self.client_id = config.credentials.get("client_id", "").strip()
        self.client_secret = config.credentials.get("client_secret", "")
        self.scope = (config.credentials.get("scope") or "").strip() or SCOPES[self.region]
        self.token_url = config.auth_url or token_url_for(config.base_url, config.options)
        self.token_key = "fastway:" + _digest(
            self.token_url, self.client_id, self.client_secret, self.scope
        )
        self._tokens_used: set[str] = set()
        self._token_lock = threading.Lock()
        self.http = HttpClient(
            config,
            limiter=limiter,
            authorize=self._authorize,
            on_unauthorized=self._drop_token,
            sleep=sleep,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    # --- secrets never leave -------------------------------------------------------------------

    def scrub(self, words: str) -> str:
        for secret in [self.client_secret, *self._tokens_used]:
            if len(secret) >= 6:
                words = words.replace(secret, "***")
        return words

    def _scrubbed(self, error: CarrierError) -> CarrierError:
        clean = self.scrub(error.message)
        if clean != error.message:
            error.message = clean
            error.args = (clean,)
        return error

    # --- tokens (§1) ---------------------------------------------------------------------------

    def fetch_token(self) -> tuple[str, float]:
        """POST the client credentials to the identity host (form-encoded)."""
        if not self.client_id or not self.client_secret:
            raise AuthenticationFailed("the myFastway client id and client secret are required")
        try:
            response = self.http.request(
                "POST",
                self.token_url,
                idempotent=True,  # minting another token changes nothing else
                authorized=False,
                headers={"Accept": "application/json"},
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "scope": self.scope,
                },
            )
        except AuthenticationFailed as error:  # a 401 from the identity host
            raise AuthenticationFailed(
                f"myFastway's identity server refused the client credentials ({error.message})",
                status=error.status,
            ) from None
        body = json_or_none(response)
        if response.status_code >= 400:
            words = oauth_error(body) or text(response.text)[:300] or f"HTTP {response.status_code}"
            if response.status_code in (400, 401, 403):
                raise AuthenticationFailed(
                    f"myFastway's identity server refused the client credentials ({words})",
                    status=response.status_code,
                )
            raise CarrierError(
                f"myFastway's token request failed: {words}", status=response.status_code
            )
        if not isinstance(body, Mapping) or not text(body.get("access_token")):
            raise AuthenticationFailed("myFastway's token answer holds no access token")
        lifetime = body.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
        return str(body["access_token"]), seconds

    def _authorize(self, headers: dict[str, str]) -> None:
        with self._token_lock:
            token = self.tokens.get(self.token_key, self.fetch_token)
        self._tokens_used.add(token)
        headers["Authorization"] = f"Bearer {token}"

    def _drop_token(self) -> bool:
        self.tokens.invalidate(self.token_key)
        return True

    def forget_token(self) -> None:
        """The next call fetches a new token (a connection test proves the credentials)."""
        self.tokens.invalidate(self.token_key)

    # --- calls ---------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """One API call with the version's Accept header; the answer whatever its status,
        except those the base client turns into errors (401 after a refresh, 429, 5xx)."""
        try:
            return self.http.request(
                method,
                path,
                idempotent=idempotent,
                headers={"Accept": ACCEPT},
                json=json,
                params=params,
            )
        except CarrierError as error:
            raise self._scrubbed(error) from None

    def validate_address(self, address: Mapping[str, str]) -> httpx.Response:
        """§4: the normalised address, or 400 with ``suggestedValues``. Reads only."""
        return self.call("POST", "/api/addresses/validate", idempotent=True, json=address)

    def quote(self, body: Mapping[str, Any]) -> httpx.Response:
        """§5: prices the consignment without creating it, so repeating it is harmless."""
        return self.call("POST", "/api/consignments/quote", idempotent=True, json=body)

    def create_consignment(self, body: Mapping[str, Any]) -> httpx.Response:
        """§6: no idempotency key, so never repeated (a lost answer is an unknown outcome)."""
        return self.call("POST", "/api/consignments", idempotent=False, json=body)

    def consignment(self, con_id: str) -> httpx.Response:
        return self.call("GET", f"/api/consignments/{quote(con_id, safe='')}", idempotent=True)

    def consignments_page(self, *, date_from: str, date_to: str, page: int) -> httpx.Response:
        """§6 list (1000 rows a page, §3; ``pageNumber`` zero-based)."""
        return self.call(
            "GET",
            "/api/consignments",
            idempotent=True,
            params={"from": date_from, "to": date_to, "pageNumber": page},
        )

    def labels(self, con_id: str) -> httpx.Response:
        """§7: every label of the consignment in one PDF."""
        return self.call(
            "GET", f"/api/consignments/{quote(con_id, safe='')}/labels", idempotent=True
        )

    def deleted_reasons(self) -> httpx.Response:
        return self.call("GET", "/api/consignments/deleted-reasons", idempotent=True)

    def delete_consignment(self, con_id: str, reason_id: str) -> httpx.Response:
        """§6 cancel before pickup. Not repeated: a lost answer would make the repeat say
        "already deleted" about our own delete."""
        return self.call(
            "DELETE",
            f"/api/consignments/{quote(con_id, safe='')}/reason/{quote(reason_id, safe='')}",
            idempotent=False,
        )

    def consignment_services(self) -> httpx.Response:
        """§6: the delivery options the account may add (``DELOPT`` ATL / SGR)."""
        return self.call("GET", "/api/consignment-services", idempotent=True)

    def track_label(self, label: str) -> httpx.Response:
        """§8: one label's scans per call."""
        return self.call("GET", f"/api/track/label/{quote(label, safe='')}", idempotent=True)
