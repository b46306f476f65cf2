"""HTTP to eBay's REST Sell APIs for one seller (integrations/ebay.md §1 to §7).

Every call goes through the base HttpClient (timeouts, the limiter, retries of what may be
retried, Retry-After, one token refresh on 401). eBay's throttle answer — HTTP 429 with
``errorId 2001`` — is a 429 to the base client: it backs off (honouring a Retry-After when one
comes, exponentially otherwise) and raises Throttled when the attempts are used up.

Tokens: the seller's *user* token comes from the refresh token (``grant_type=refresh_token``)
and serves the Inventory API; an *application* token (``client_credentials``) serves
``getPublicKey``. Both are cached with their expiry in a TokenCache, re-requested shortly before
they expire and once on a 401. No secret or token is ever put in a message: errors are scrubbed
of the credentials before they leave this module.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import httpx

from kucun.channels.adapters.base import (
    AuthenticationFailed,
    ChannelConfig,
    ChannelError,
    Throttled,
)
from kucun.channels.adapters.ebay.mappers import error_ids, error_text
from kucun.core.vendor.http import (
    HttpClient,
    RateLimiter,
    Sleep,
    TokenCache,
    json_or_none,
    oauth_error,
)

PRODUCTION_API = "https://api.ebay.com"
SANDBOX_API = "https://api.sandbox.ebay.com"
PRODUCTION_AUTH = "https://auth.ebay.com"
SANDBOX_AUTH = "https://auth.sandbox.ebay.com"

TOKEN_PATH = "/identity/v1/oauth2/token"  # noqa: S105 (a path)
CONSENT_PATH = "/oauth2/authorize"
INVENTORY_PATH = "/sell/inventory/v1"
FULFILLMENT_PATH = "/sell/fulfillment/v1"
NOTIFICATION_PATH = "/commerce/notification/v1"

# §1 "Scopes we need"; a refresh asks for the same set (it must be within what was consented).
SCOPES = (
    "https://api.ebay.com/oauth/api_scope/sell.inventory",
    "https://api.ebay.com/oauth/api_scope/sell.inventory.readonly",
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly",
    "https://api.ebay.com/oauth/api_scope/sell.account.readonly",
    "https://api.ebay.com/oauth/api_scope/commerce.notification.subscription",
)
APPLICATION_SCOPE = "https://api.ebay.com/oauth/api_scope"

# A throttled call is started again this many times in all, the backoff cap apart.
THROTTLE_ROUNDS = 3
PAGE_LIMIT = 200  # getInventoryItems: max 200 per page
ORDERS_PAGE_LIMIT = 200  # getOrders: max 200 per page (§5)
# getOrders' filter takes [ ] { } | percent-encoded (§5); these stay as they are.
FILTER_SAFE_CHARACTERS = ":,."
# eBay's answer to an order id it cannot read (400, "Invalid order ID"), as well as 404.
UNKNOWN_ORDER_ERROR_IDS = frozenset({32100})
DEFAULT_MARKETPLACE = "EBAY_AU"

# Content-Language of Inventory API writes (§1: en-AU for EBAY_AU), by marketplace.
CONTENT_LANGUAGES = {
    "EBAY_AU": "en-AU",
    "EBAY_US": "en-US",
    "EBAY_GB": "en-GB",
    "EBAY_CA": "en-CA",
    "EBAY_IE": "en-IE",
    "EBAY_DE": "de-DE",
    "EBAY_AT": "de-AT",
    "EBAY_FR": "fr-FR",
    "EBAY_IT": "it-IT",
    "EBAY_ES": "es-ES",
}

_AUTH_HOSTS = {"api.ebay.com": PRODUCTION_AUTH, "api.sandbox.ebay.com": SANDBOX_AUTH}


def consent_host(base_url: str) -> str:
    """The consent host of an API root: eBay's own for eBay's hosts, else the same root (Kucun's
    sandbox serves both the API and the consent page under ``/sandbox/ebay``)."""
    host = urlsplit(base_url).hostname or ""
    return _AUTH_HOSTS.get(host, base_url.rstrip("/"))


def api_path(href: str, *, relative_to: str) -> str:
    """A ``next`` href as a path beneath our API root.

    eBay answers absolute hrefs on its own host (``https://api.ebay.com/sell/…``); behind
    another root (the sandbox, a proxy) the same path lives under that root. Keeping only the
    path from ``/sell/`` or ``/commerce/`` on means the token is only ever sent to our root. A
    relative href is read against the path of the page that gave it.
    """
    parts = urlsplit(urljoin(relative_to, href))
    path = parts.path
    for marker in ("/sell/", "/commerce/"):
        at = path.find(marker)
        if at >= 0:
            return path[at:] + (f"?{parts.query}" if parts.query else "")
    raise ChannelError(f"eBay gave a next page outside its APIs: {path[:200]}")


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_in: float
    refresh_token: str = ""


def _digest(*parts: str) -> str:
    """A cache key part for credentials, so that keys never hold them in clear."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:24]


class EbayClient:
    """The seller's REST calls. ``transport`` lets unit tests answer with httpx.MockTransport."""

    def __init__(
        self,
        config: ChannelConfig,
        *,
        tokens: TokenCache,
        limiter: RateLimiter | None,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        # The attempts are the store's (ChannelConfig.max_attempts, four by default), for 5xx
        # and timeouts as for 429: the base client counts them alike, and §8's "retry
        # infrastructure errors at most twice" is not cut out of that budget, since eBay's 429
        # (no Retry-After) needs all of it and more (``_send``).
        self.config = config
        self.sleep = sleep
        self.tokens = tokens
        self.client_id = config.credentials.get("client_id", "")
        self.client_secret = config.credentials.get("client_secret", "")
        self.refresh_token = config.credentials.get("refresh_token", "")
        self.marketplace_id = config.options.get("marketplace_id") or DEFAULT_MARKETPLACE
        root = config.base_url.rstrip("/")
        self.user_token_key = "ebay:user:" + _digest(
            root, self.client_id, self.client_secret, self.refresh_token
        )
        self.app_token_key = "ebay:app:" + _digest(root, self.client_id, self.client_secret)
        self._tokens_used: set[str] = set()
        # The adapter reads offers a few at a time: one token request serves them all.
        self._token_lock = threading.Lock()
        self.user_http = HttpClient(
            self.config,
            limiter=limiter,
            authorize=self._authorize_user,
            on_unauthorized=self._drop_user_token,
            sleep=sleep,
            transport=transport,
        )
        self.app_http = HttpClient(
            self.config,
            limiter=limiter,
            authorize=self._authorize_app,
            on_unauthorized=self._drop_app_token,
            sleep=sleep,
            transport=transport,
        )

    def close(self) -> None:
        self.user_http.close()
        self.app_http.close()

    def _send(self, http: HttpClient, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call through the base client, with more patience for eBay's throttle.

        eBay's 429 (``errorId 2001``) comes without Retry-After and means "wait for the quota
        window" (§8); the base client's attempts span a few seconds. When they are used up the
        call waits the backoff cap and starts again, THROTTLE_ROUNDS times in all. A throttled
        call was not applied, so starting it again is safe for every call."""
        rounds_left = THROTTLE_ROUNDS
        while True:
            try:
                return http.request(method, path, **kwargs)
            except Throttled as error:
                rounds_left -= 1
                if rounds_left == 0:
                    raise
                cap = self.config.backoff_cap_seconds
                self.sleep(min(error.retry_after, cap) if error.retry_after is not None else cap)

    # --- secrets never leave -------------------------------------------------------------------

    def _secrets(self) -> list[str]:
        # The client id is no secret, but an error naming it says nothing the merchant needs.
        found = [self.client_id, self.client_secret, self.refresh_token]
        found.append(self._basic_credentials())
        found.extend(self._tokens_used)
        return [secret for secret in found if len(secret) >= 6]

    def scrub(self, text: str) -> str:
        for secret in self._secrets():
            text = text.replace(secret, "***")
        return text

    @contextmanager
    def _scrubbed(self) -> Iterator[None]:
        """Errors leave with any credential or token blanked out of their message."""
        try:
            yield
        except ChannelError as error:
            clean = self.scrub(error.message)
            if clean != error.message:
                error.message = clean
                error.args = (clean,)
            raise

    # --- tokens --------------------------------------------------------------------------------

    def _basic_credentials(self) -> str:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return base64.b64encode(pair).decode()

    def _token_request(self, form: Mapping[str, str], *, idempotent: bool) -> TokenGrant:
        """POST the token endpoint (§1): Basic client credentials, a form body."""
        if not self.client_id or not self.client_secret:
            raise AuthenticationFailed("the eBay client id and client secret are required")
        response = self._send(
            self.user_http,
            "POST",
            TOKEN_PATH,
            idempotent=idempotent,
            authorized=False,
            headers={
                "Authorization": f"Basic {self._basic_credentials()}",
                "Accept": "application/json",
            },
            data=form,
        )
        body = json_or_none(response)
        if response.status_code >= 400:
            message = oauth_error(body) or error_text(body) or f"HTTP {response.status_code}"
            if response.status_code in (400, 401, 403):
                raise AuthenticationFailed(
                    f"eBay refused the token request ({message}); if the seller's access was "
                    "revoked, grant it again on the consent page",
                    status=response.status_code,
                )
            raise ChannelError(f"eBay token request failed: {message}", status=response.status_code)
        if not isinstance(body, Mapping) or not body.get("access_token"):
            raise AuthenticationFailed("eBay's token answer holds no access token")
        return TokenGrant(
            access_token=str(body["access_token"]),
            expires_in=float(body.get("expires_in") or 7200),
            refresh_token=str(body.get("refresh_token") or ""),
        )

    def _fetch_user_token(self) -> tuple[str, float]:
        if not self.refresh_token:
            raise AuthenticationFailed(
                "the seller has not granted access yet: open the eBay consent page"
            )
        grant = self._token_request(
            {
                "grant_type": "refresh_token",
                "refresh_token": self.refresh_token,
                "scope": " ".join(SCOPES),
            },
            idempotent=True,  # minting another access token changes nothing else
        )
        return grant.access_token, grant.expires_in

    def _fetch_app_token(self) -> tuple[str, float]:
        grant = self._token_request(
            {"grant_type": "client_credentials", "scope": APPLICATION_SCOPE}, idempotent=True
        )
        return grant.access_token, grant.expires_in

    def _authorize_user(self, headers: dict[str, str]) -> None:
        with self._token_lock:
            token = self.tokens.get(self.user_token_key, self._fetch_user_token)
        self._tokens_used.add(token)
        headers["Authorization"] = f"Bearer {token}"

    def _authorize_app(self, headers: dict[str, str]) -> None:
        with self._token_lock:
            token = self.tokens.get(self.app_token_key, self._fetch_app_token)
        self._tokens_used.add(token)
        headers["Authorization"] = f"Bearer {token}"

    def _drop_user_token(self) -> bool:
        self.tokens.invalidate(self.user_token_key)
        return bool(self.refresh_token)

    def _drop_app_token(self) -> bool:
        self.tokens.invalidate(self.app_token_key)
        return True

    def exchange_code(self, code: str, redirect_uri: str) -> TokenGrant:
        """The authorization-code grant (§1). The code is single use, so it is never repeated;
        the access token it brings is cached for the refresh token it came with."""
        with self._scrubbed():
            grant = self._token_request(
                {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
                idempotent=False,
            )
        if not grant.refresh_token:
            raise AuthenticationFailed(
                "eBay's answer to the authorization code holds no refresh token"
            )
        root = self.config.base_url.rstrip("/")
        key = "ebay:user:" + _digest(root, self.client_id, self.client_secret, grant.refresh_token)
        self.tokens.get(key, lambda: (grant.access_token, grant.expires_in))
        return grant

    def consent_url(self, redirect_uri: str, state: str) -> str:
        """The seller's consent page (§1): ``redirect_uri`` is the app's RuName, not a URL."""
        host = (self.config.auth_url or consent_host(self.config.base_url)).rstrip("/")
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": " ".join(SCOPES),
                "state": state,
            },
            quote_via=quote,
        )
        return f"{host}{CONSENT_PATH}?{query}"

    # --- Inventory API -------------------------------------------------------------------------

    def _inventory_headers(self, *, write: bool = False) -> dict[str, str]:
        headers = {"Accept": "application/json", "X-EBAY-C-MARKETPLACE-ID": self.marketplace_id}
        if write:
            headers["Content-Type"] = "application/json"
            headers["Content-Language"] = CONTENT_LANGUAGES.get(self.marketplace_id, "en-US")
        return headers

    def _read(self, response: httpx.Response, what: str) -> Any:
        """The JSON of a 2xx answer; a ChannelError with eBay's words for a 4xx."""
        body = json_or_none(response)
        if response.status_code >= 400:
            message = (
                error_text(body) or response.text.strip()[:500] or f"HTTP {response.status_code}"
            )
            if response.status_code == 403 and 1100 in error_ids(body):
                raise AuthenticationFailed(
                    f"{what}: {message} (the seller must grant the missing permission again)",
                    status=403,
                )
            raise ChannelError(f"{what}: {message}", status=response.status_code)
        if body is None:
            raise ChannelError(f"{what}: eBay's answer is not JSON", status=response.status_code)
        return body

    def inventory_items_page(self, href: str | None = None, *, limit: int = PAGE_LIMIT) -> Any:
        """One page of ``getInventoryItems``: the first with ``limit``, the next by its href
        (eBay's ``offset`` counts pages, not items: its ``next`` is followed, never computed)."""
        with self._scrubbed():
            if href is None:
                response = self._send(
                    self.user_http,
                    "GET",
                    f"{INVENTORY_PATH}/inventory_item",
                    idempotent=True,
                    headers=self._inventory_headers(),
                    params={"limit": limit},
                )
            else:
                response = self._send(
                    self.user_http,
                    "GET",
                    api_path(href, relative_to=f"{INVENTORY_PATH}/inventory_item"),
                    idempotent=True,
                    headers=self._inventory_headers(),
                )
            return self._read(response, "eBay inventory items")

    def inventory_item(self, sku: str) -> Any | None:
        """``getInventoryItem``; None when eBay knows no such SKU."""
        with self._scrubbed():
            response = self._send(
                self.user_http,
                "GET",
                f"{INVENTORY_PATH}/inventory_item/{quote(sku, safe='')}",
                idempotent=True,
                headers=self._inventory_headers(),
            )
            if response.status_code == 404:
                return None
            return self._read(response, f"eBay inventory item {sku}")

    def offers(self, sku: str) -> list[Any]:
        """``getOffers`` of a SKU on our marketplace; [] when it has none."""
        with self._scrubbed():
            response = self._send(
                self.user_http,
                "GET",
                f"{INVENTORY_PATH}/offer",
                idempotent=True,
                headers=self._inventory_headers(),
                params={"sku": sku, "marketplace_id": self.marketplace_id},
            )
            if response.status_code == 404:
                return []
            body = self._read(response, f"eBay offers of {sku}")
        offers = body.get("offers") if isinstance(body, Mapping) else None
        return list(offers or [])

    def bulk_update_price_quantity(self, body: Mapping[str, Any]) -> tuple[int, Any]:
        """POST ``bulk_update_price_quantity``; (HTTP status, parsed body). Absolute quantities
        make a repeat harmless, so 5xx, timeouts and 429 are retried; a 4xx is returned."""
        with self._scrubbed():
            response = self._send(
                self.user_http,
                "POST",
                f"{INVENTORY_PATH}/bulk_update_price_quantity",
                idempotent=True,
                headers=self._inventory_headers(write=True),
                json=body,
            )
            parsed = json_or_none(response)
            if response.status_code == 403 and 1100 in error_ids(parsed):
                self._read(response, "eBay stock update")
        return response.status_code, parsed

    # --- Fulfillment API -----------------------------------------------------------------------

    def _fulfillment_headers(self) -> dict[str, str]:
        return {"Accept": "application/json", "X-EBAY-C-MARKETPLACE-ID": self.marketplace_id}

    def orders_page(self, order_filter: str, *, limit: int, offset: int) -> Any:
        """One page of ``getOrders`` (§5): ``filter`` percent-encoded as eBay asks, ``offset``
        counting orders (unlike the Inventory API's pages)."""
        query = (
            f"filter={quote(order_filter, safe=FILTER_SAFE_CHARACTERS)}"
            f"&limit={int(limit)}&offset={int(offset)}"
        )
        with self._scrubbed():
            response = self._send(
                self.user_http,
                "GET",
                f"{FULFILLMENT_PATH}/order?{query}",
                idempotent=True,
                headers=self._fulfillment_headers(),
            )
            return self._read(response, "eBay orders")

    def order(self, order_id: str) -> Any | None:
        """``getOrder``; None when eBay knows no such order."""
        with self._scrubbed():
            response = self._send(
                self.user_http,
                "GET",
                f"{FULFILLMENT_PATH}/order/{quote(order_id, safe='')}",
                idempotent=True,
                headers=self._fulfillment_headers(),
            )
            if response.status_code == 404 or (
                response.status_code == 400
                and error_ids(json_or_none(response)) & UNKNOWN_ORDER_ERROR_IDS
            ):
                return None
            return self._read(response, f"eBay order {order_id}")

    def shipping_fulfillments(self, order_id: str) -> list[Any]:
        """``getShippingFulfillments`` of an order: its packages, each with its tracking
        number and line items."""
        with self._scrubbed():
            response = self._send(
                self.user_http,
                "GET",
                f"{FULFILLMENT_PATH}/order/{quote(order_id, safe='')}/shipping_fulfillment",
                idempotent=True,
                headers=self._fulfillment_headers(),
            )
            body = self._read(response, f"eBay fulfilments of order {order_id}")
        found = body.get("fulfillments") if isinstance(body, Mapping) else None
        return list(found or [])

    def create_shipping_fulfillment(
        self, order_id: str, body: Mapping[str, Any]
    ) -> tuple[int, str, Any]:
        """POST ``createShippingFulfillment`` once (a repeat would ship the package twice, so
        5xx and timeouts are not retried here): (HTTP status, the Location header, parsed
        body). A 4xx is returned for the adapter to read."""
        with self._scrubbed():
            response = self._send(
                self.user_http,
                "POST",
                f"{FULFILLMENT_PATH}/order/{quote(order_id, safe='')}/shipping_fulfillment",
                idempotent=False,
                headers={**self._fulfillment_headers(), "Content-Type": "application/json"},
                json=dict(body),
            )
            if response.status_code == 403 and 1100 in error_ids(json_or_none(response)):
                self._read(response, f"eBay fulfilment of order {order_id}")
        return response.status_code, response.headers.get("Location", ""), json_or_none(response)

    # --- Notification API ----------------------------------------------------------------------

    def public_key(self, kid: str) -> Any:
        """``getPublicKey`` (application token): ``{algorithm, digest, key}``."""
        with self._scrubbed():
            response = self._send(
                self.app_http,
                "GET",
                f"{NOTIFICATION_PATH}/public_key/{quote(kid, safe='')}",
                idempotent=True,
                headers={"Accept": "application/json"},
            )
            return self._read(response, f"eBay public key {kid}")
