"""eBay as a Kucun channel: the Inventory API for listings and stock, the Fulfillment API for
orders and their packages, the Notification API for pushed events, OAuth consent for access
(integrations/ebay.md).

What Kucun calls a listing is an eBay *inventory item*, keyed by its SKU; the seller's offer on
the configured marketplace gives the offer id and listing id. Stock is written with
``bulkUpdatePriceQuantity`` on the item and on its offers, 25 SKUs per call.

The store's account is its **eBay user ID** (``username``): the seller, not the developer app
(a ``client_id`` belongs to the app and is shared by every seller who consented to it), and the
name eBay's account notifications (``AUTHORIZATION_REVOCATION``, ``MARKETPLACE_ACCOUNT_DELETION``)
carry. eBay's REST APIs know the seller by the token and never ask for it, so it is optional.

Addresses: the API root is ``https://api.ebay.com`` (``https://api.sandbox.ebay.com`` in eBay's
sandbox environment); the consent page, ``ChannelConfig.auth_url``, is on
``https://auth.ebay.com`` (``https://auth.sandbox.ebay.com``) — ``production_auth_url(options)``,
also in ``PLATFORM.extras``. A store on Kucun's sandbox has ``{server}/sandbox/ebay`` for both;
an empty ``auth_url`` follows the API root.

Notifications: eBay checks a destination with a GET carrying ``challenge_code``, answered with
``challenge_body(challenge_code, verification_token, endpoint_url)`` (200, application/json) —
``parse_webhook`` does so for a GET passed on by Kucun's webhook endpoint, with the store's
``verification_token`` (or one derived from the client secret); deliveries are POSTs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import httpx

from kucun.channels.adapters.base import (
    WATERMARK_OVERLAP,
    AuthenticationFailed,
    ChannelCapabilities,
    ChannelConfig,
    ChannelError,
    ChannelEvent,
    ChannelOrder,
    ConnectionInfo,
    EventKind,
    FieldSpec,
    Fulfilment,
    ListingRef,
    PlatformSpec,
    PushResult,
    ShipLine,
    ShipResult,
    StockLevel,
    SupportsConsent,
    Unavailable,
    WebhookRejected,
)
from kucun.channels.adapters.base.http import (
    RateLimiter,
    Sleep,
    TokenCache,
    limiter_for,
    token_cache,
)
from kucun.channels.adapters.ebay.client import (
    DEFAULT_MARKETPLACE,
    ORDERS_PAGE_LIMIT,
    PAGE_LIMIT,
    PRODUCTION_API,
    PRODUCTION_AUTH,
    SANDBOX_API,
    SANDBOX_AUTH,
    EbayClient,
)
from kucun.channels.adapters.ebay.mappers import (
    MalformedNotification,
    changed_since,
    error_text,
    event_from,
    failed_results,
    fulfillment_id_from,
    fulfilment_with_tracking,
    invalid_level,
    listing_from,
    marketplace_offers,
    order_from,
    orders_filter,
    price_quantity_body,
    price_quantity_request,
    push_results,
    shipping_fulfillment_body,
    unshipped_lines,
)
from kucun.channels.adapters.ebay.notifications import (
    SIGNATURE_HEADER,
    PublicKeyCache,
    SignatureInvalid,
    challenge_body,
    challenge_response,
    derived_verification_token,
    header_value,
    parse_signature_header,
    public_key_from,
    public_keys,
    verify,
)

__all__ = ["PLATFORM", "EbayChannel", "challenge_body", "challenge_response"]

CODE = "ebay"
# What Kucun's webhook endpoint adds to a delivery's headers (channels.views_hooks).
KUCUN_METHOD_HEADER = "X-Kucun-Method"
KUCUN_QUERY_HEADER = "X-Kucun-Query"
KUCUN_ENDPOINT_HEADER = "X-Kucun-Endpoint"
MAX_CHALLENGE_LENGTH = 500
MAX_STOCK_BATCH = 25  # §4.1: "up to 25 entries" per bulkUpdatePriceQuantity
OFFER_LOOKUPS_AT_ONCE = 4  # getOffers takes one SKU; a few run side by side
# eBay limits calls per day (§8: 2,000,000 a day for the Inventory API), not per second: a full
# pull of a few hundred SKUs runs at once, and sustained use stays under the day's quota
# (20 a second is 1,728,000 a day).
LIMITER_CAPACITY = 1000.0
LIMITER_RATE = 20.0

CAPABILITIES = ChannelCapabilities(
    incremental_products=False,  # §3.1: no "modified since" filter; every pull reads all
    locations=False,
    async_writes=False,
    compare_and_set=False,
    max_stock_batch=MAX_STOCK_BATCH,
    webhooks=True,
    consent=True,
    # §7.1: ORDER_CONFIRMATION announces a paid order (later changes are polled for).
    order_webhooks=True,
    # §6: a package may carry some of an order's lines, each line's units all together.
    partial_fulfilment=True,
)

ENVIRONMENTS = (("production", "Production"), ("sandbox", "eBay sandbox"))
MARKETPLACES = (
    ("EBAY_AU", "eBay Australia (EBAY_AU)"),
    ("EBAY_US", "eBay United States (EBAY_US)"),
    ("EBAY_GB", "eBay United Kingdom (EBAY_GB)"),
    ("EBAY_CA", "eBay Canada (EBAY_CA)"),
    ("EBAY_IE", "eBay Ireland (EBAY_IE)"),
    ("EBAY_DE", "eBay Germany (EBAY_DE)"),
    ("EBAY_AT", "eBay Austria (EBAY_AT)"),
    ("EBAY_FR", "eBay France (EBAY_FR)"),
    ("EBAY_IT", "eBay Italy (EBAY_IT)"),
    ("EBAY_ES", "eBay Spain (EBAY_ES)"),
)


class EbayChannel:
    """One eBay seller on one marketplace.

    ``tokens``, ``keys`` and ``limiter`` default to the process-wide ones (one per credential);
    ``transport`` and ``sleep`` let unit tests answer without a network and without waiting.
    """

    capabilities = CAPABILITIES

    def __init__(
        self,
        config: ChannelConfig,
        *,
        tokens: TokenCache | None = None,
        keys: PublicKeyCache | None = None,
        limiter: RateLimiter | None = None,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self.keys = keys if keys is not None else public_keys
        if limiter is None:
            owner = config.store_key or config.credentials.get("client_id", "")
            limiter = limiter_for(f"ebay:{owner}", LIMITER_CAPACITY, LIMITER_RATE)
        self.client = EbayClient(
            config,
            tokens=tokens if tokens is not None else token_cache,
            limiter=limiter,
            sleep=sleep,
            transport=transport,
        )
        self.marketplace_id = self.client.marketplace_id
        self._offer_ids: dict[str, tuple[str, ...]] = {}  # SKU → its offers on our marketplace

    def close(self) -> None:
        self.client.close()

    # --- connection and consent ----------------------------------------------------------------

    def test_connection(self) -> ConnectionInfo:
        """One inventory item (``limit=1``): it needs the seller's token and the inventory
        scope, and its ``total`` says how many items the seller has."""
        page = self.client.inventory_items_page(limit=1)
        total = page.get("total") if isinstance(page, Mapping) else None
        username = self.config.options.get("username", "").strip()
        return ConnectionInfo(
            account_name=username or f"eBay seller ({self.marketplace_id})",
            details={
                "environment": self.config.options.get("environment") or "production",
                "marketplace_id": self.marketplace_id,
                "inventory_items": str(total if total is not None else ""),
            },
        )

    def consent_url(self, redirect_uri: str, state: str) -> str:
        return self.client.consent_url(redirect_uri, state)

    def exchange_code(self, code: str, redirect_uri: str) -> str:
        return self.client.exchange_code(code, redirect_uri).refresh_token

    # --- listings ------------------------------------------------------------------------------

    def fetch_products(self, since: datetime | None) -> Iterator[ListingRef]:
        """Every inventory item, page by page, with its offers on our marketplace.

        The Inventory API has no "modified since" filter (§3.1): every pull reads every page
        (cheap against eBay's quota) and ``since`` filters on our side. eBay's documented item
        carries no modification time, so an item is left out only when the answer does carry
        one older than ``since - WATERMARK_OVERLAP``; ``capabilities.incremental_products`` is
        False accordingly. Offers are read only for the items kept.
        """
        floor = since - WATERMARK_OVERLAP if since is not None else None
        for page in self._inventory_pages():
            items = [
                item
                for item in page.get("inventoryItems") or ()
                if isinstance(item, Mapping) and item.get("sku") and changed_since(item, floor)
            ]
            offers = self._offers_by_sku([str(item["sku"]) for item in items])
            for item in items:
                yield listing_from(item, offers.get(str(item["sku"]), []))

    def _inventory_pages(self, *, limit: int = PAGE_LIMIT) -> Iterator[Mapping[str, Any]]:
        page = self.client.inventory_items_page(limit=limit)
        followed: set[str] = set()
        while isinstance(page, Mapping):
            yield page
            next_href = page.get("next")
            if not next_href or not page.get("inventoryItems") or next_href in followed:
                return
            followed.add(next_href)
            page = self.client.inventory_items_page(str(next_href))

    def _offers_by_sku(self, skus: Sequence[str]) -> dict[str, list[Any]]:
        """Each SKU's offers on our marketplace (``getOffers`` takes one SKU at a time)."""
        if not skus:
            return {}
        with ThreadPoolExecutor(max_workers=OFFER_LOOKUPS_AT_ONCE) as pool:
            answers = list(pool.map(self._offers_of, skus))
        found = dict(zip(skus, answers, strict=True))
        for sku, offers in found.items():
            self._offer_ids[sku] = tuple(str(offer["offerId"]) for offer in offers)
        return found

    def _offers_of(self, sku: str) -> list[Any]:
        return marketplace_offers(self.client.offers(sku), self.marketplace_id)

    # --- stock ---------------------------------------------------------------------------------

    def fetch_stock(self, inventory_refs: Sequence[str]) -> dict[str, int]:
        """Quantities by SKU: a few (up to a batch) are read one by one with
        ``getInventoryItem``; more are picked from the item pages, 200 to a call."""
        wanted = list(dict.fromkeys(ref for ref in inventory_refs if ref))
        if not wanted:
            return {}
        if len(wanted) <= MAX_STOCK_BATCH:
            with ThreadPoolExecutor(max_workers=OFFER_LOOKUPS_AT_ONCE) as pool:
                items = list(pool.map(self.client.inventory_item, wanted))
            return {
                sku: listing_from(item, []).quantity or 0
                for sku, item in zip(wanted, items, strict=True)
                if isinstance(item, Mapping)
            }
        remaining = set(wanted)
        found: dict[str, int] = {}
        for page in self._inventory_pages():
            for item in page.get("inventoryItems") or ():
                sku = str(item.get("sku") or "") if isinstance(item, Mapping) else ""
                if sku in remaining:
                    found[sku] = listing_from(item, []).quantity or 0
                    remaining.discard(sku)
            if not remaining:
                break
        return found

    def push_stock(self, levels: Sequence[StockLevel]) -> list[PushResult]:
        """Absolute quantities with ``bulkUpdatePriceQuantity``, 25 SKUs a call, one result
        per level in the order given.

        A level eBay would refuse (no SKU, a SKU over 50 characters, a negative quantity) fails
        without a call. When a whole call fails (eBay down, throttled past the retries) before
        any call of this push went through, the error is raised as it is; after one has, the
        levels not yet answered fail with that error, so no answer already had is lost.
        """
        results: dict[int, PushResult] = {}
        sendable: list[tuple[int, StockLevel]] = []
        for index, level in enumerate(levels):
            reason = invalid_level(level)
            if reason:
                results[index] = failed_results([level], reason, retryable=False)[0]
            else:
                sendable.append((index, level))
        chunks = [
            sendable[start : start + MAX_STOCK_BATCH]
            for start in range(0, len(sendable), MAX_STOCK_BATCH)
        ]
        for number, chunk in enumerate(chunks):
            chunk_levels = [level for _index, level in chunk]
            try:
                answered = self._push_chunk(chunk_levels)
            except ChannelError as error:
                if number == 0:
                    raise
                rest = [pair for later in chunks[number:] for pair in later]
                failed = failed_results(
                    [level for _index, level in rest], error.message, retryable=error.retryable
                )
                results.update(zip((index for index, _level in rest), failed, strict=True))
                break
            results.update(zip((index for index, _level in chunk), answered, strict=True))
        return [results[index] for index in range(len(levels))]

    def _push_chunk(self, levels: Sequence[StockLevel]) -> list[PushResult]:
        offer_ids = self._offer_ids_for([level.inventory_ref for level in levels])
        body = price_quantity_body(
            [
                price_quantity_request(level, offer_ids.get(level.inventory_ref, ()))
                for level in levels
            ]
        )
        status, answer = self.client.bulk_update_price_quantity(body)
        if status < 400:
            return push_results(levels, answer)
        if len(levels) > 1:
            # §4.1: the method page allows one SKU per call where the type allows 25; when eBay
            # refuses the batch as a whole, each SKU goes on its own.
            return [result for level in levels for result in self._push_chunk([level])]
        message = error_text(answer) or f"HTTP {status}"
        return failed_results(levels, message, retryable=False)

    def _offer_ids_for(self, skus: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The offers each SKU's quantity must also be set on (§4.1), read once per adapter."""
        unknown = [sku for sku in skus if sku not in self._offer_ids]
        if unknown:
            with ThreadPoolExecutor(max_workers=OFFER_LOOKUPS_AT_ONCE) as pool:
                answers = list(pool.map(self._offer_ids_of, unknown))
            self._offer_ids.update(zip(unknown, answers, strict=True))
        return {sku: self._offer_ids[sku] for sku in skus}

    def _offer_ids_of(self, sku: str) -> tuple[str, ...]:
        try:
            offers = self._offers_of(sku)
        except AuthenticationFailed:
            raise
        except ChannelError as error:
            if error.retryable:
                raise
            # eBay refused to list this SKU's offers (a SKU it cannot read): the push of the
            # item itself goes ahead and carries eBay's answer for it.
            return ()
        return tuple(str(offer["offerId"]) for offer in offers)

    def poll_pushes(self, task_refs: Sequence[str]) -> list[PushResult]:
        return []  # eBay answers every write at once

    # --- orders --------------------------------------------------------------------------------

    def fetch_orders(self, since: datetime) -> Iterator[ChannelOrder]:
        """Orders modified since the watermark less the overlap (``lastmodifieddate`` range,
        §5), 200 a page by item offset, until eBay's ``total`` is read."""
        order_filter = orders_filter(since - WATERMARK_OVERLAP)
        offset = 0
        while True:
            page = self.client.orders_page(order_filter, limit=ORDERS_PAGE_LIMIT, offset=offset)
            entries = [
                entry
                for entry in (page.get("orders") if isinstance(page, Mapping) else None) or ()
                if isinstance(entry, Mapping)
            ]
            for entry in entries:
                yield self._order_from(entry)
            offset += len(entries)
            total = page.get("total") if isinstance(page, Mapping) else None
            if not entries or (isinstance(total, int) and offset >= total):
                return
            if total is None and not page.get("next"):
                return

    def fetch_order(self, order_ref: str) -> ChannelOrder | None:
        """``getOrder``; None when eBay knows no such order."""
        if not order_ref.strip():
            return None
        entry = self.client.order(order_ref.strip())
        return self._order_from(entry) if isinstance(entry, Mapping) else None

    @staticmethod
    def _order_from(entry: Mapping[str, Any]) -> ChannelOrder:
        try:
            return order_from(entry)
        except ValueError as unreadable:
            raise ChannelError(str(unreadable)) from None

    def mark_shipped(self, fulfilment: Fulfilment) -> ShipResult:
        """One package (§6): ``createShippingFulfillment`` with the lines, the carrier's eBay
        code and the tracking number. eBay has no idempotency key, so the order's packages are
        read first and one already carrying the tracking number is the answer; when eBay's
        answer is lost or is a 5xx, they are read again before the call is repeated, so a
        package is never sent twice."""
        order_id = fulfilment.order_ref.strip()
        if not order_id:
            raise ChannelError("a fulfilment needs the eBay order id")
        done = self._package_with(order_id, fulfilment.tracking_number)
        if done:
            return ShipResult(fulfilment_ref=done, already_done=True)
        body = shipping_fulfillment_body(fulfilment, self._lines_to_ship(fulfilment))
        return self._send_package(order_id, body, fulfilment.tracking_number)

    def _package_with(self, order_id: str, tracking_number: str) -> str:
        """The id of the order's package carrying this tracking number ("" when none)."""
        if not tracking_number:
            return ""
        return fulfilment_with_tracking(
            self.client.shipping_fulfillments(order_id), tracking_number
        )

    def _send_package(
        self, order_id: str, body: Mapping[str, Any], tracking_number: str
    ) -> ShipResult:
        """POST the package; after a lost answer or a 5xx, look for it before sending again
        (a package without tracking number cannot be looked for, so it is not sent again)."""
        attempts = max(1, self.config.max_attempts)
        attempt = 0
        while True:
            attempt += 1
            try:
                status, location, answer = self.client.create_shipping_fulfillment(order_id, body)
            except Unavailable:
                done = self._package_with(order_id, tracking_number)
                if done:
                    return ShipResult(fulfilment_ref=done, already_done=True)
                if attempt >= attempts or not tracking_number:
                    raise
                self.client.sleep(self.client.user_http.backoff(attempt, None))
                continue
            if status >= 400:
                message = error_text(answer) or f"HTTP {status}"
                raise ChannelError(f"eBay order {order_id}: {message}", status=status)
            created = fulfillment_id_from(location) or self._package_with(order_id, tracking_number)
            return ShipResult(fulfilment_ref=created)

    def _lines_to_ship(self, fulfilment: Fulfilment) -> tuple[ShipLine, ...]:
        """The fulfilment's lines; none named means every line not yet shipped."""
        if fulfilment.lines:
            return fulfilment.lines
        entry = self.client.order(fulfilment.order_ref.strip())
        if not isinstance(entry, Mapping):
            raise ChannelError(f"eBay has no order {fulfilment.order_ref}", status=404)
        lines = unshipped_lines(entry)
        if not lines:
            raise ChannelError(f"eBay order {fulfilment.order_ref} has nothing left to ship")
        return lines

    # --- notifications -------------------------------------------------------------------------

    def verification_token(self) -> str:
        """The token eBay's endpoint check is answered with: the store's own, else one derived
        from the client secret (for a destination Kucun creates itself)."""
        configured = self.config.credentials.get("verification_token", "").strip()
        if configured:
            return configured
        secret = self.config.credentials.get("client_secret", "")
        if not secret:
            raise WebhookRejected("the store has no verification token to answer eBay's check")
        return derived_verification_token(secret)

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[ChannelEvent]:
        """A delivery (POST): verify ``X-EBAY-SIGNATURE`` over the raw body with eBay's public
        key for its ``kid`` (fetched with an application token, kept an hour), then read it.

        eBay's endpoint check (a GET with ``challenge_code``) comes as the webhook endpoint
        passes it on: ``X-Kucun-Method: GET``, the raw query in ``X-Kucun-Query`` and the
        endpoint's URL in ``X-Kucun-Endpoint``; it is answered with a CHALLENGE event whose
        ``response_body`` is ``{"challengeResponse": …}``.
        """
        if header_value(headers, KUCUN_METHOD_HEADER).upper() == "GET":
            return [self._challenge(headers)]
        try:
            signature = parse_signature_header(header_value(headers, SIGNATURE_HEADER))
            key = self.keys.get(
                self.config.base_url.rstrip("/"),
                signature.kid,
                lambda: public_key_from(self.client.public_key(signature.kid)),
            )
            verify(signature, key, raw_body)
        except SignatureInvalid as error:
            raise WebhookRejected(str(error)) from None
        except ChannelError as error:
            raise WebhookRejected(f"eBay's public key could not be read: {error.message}") from None
        try:
            document = json.loads(raw_body)
        except ValueError:
            raise WebhookRejected("the notification is not JSON") from None
        try:
            return [event_from(document)]
        except MalformedNotification as error:
            raise WebhookRejected(str(error)) from None

    def _challenge(self, headers: Mapping[str, str]) -> ChannelEvent:
        query = parse_qs(header_value(headers, KUCUN_QUERY_HEADER))
        code = (query.get("challenge_code") or [""])[0].strip()
        endpoint = header_value(headers, KUCUN_ENDPOINT_HEADER).strip()
        if not code or len(code) > MAX_CHALLENGE_LENGTH or not endpoint:
            raise WebhookRejected("a GET without a challenge_code is not eBay's endpoint check")
        return ChannelEvent(
            kind=EventKind.CHALLENGE,
            event_id="",
            topic="challenge",
            response_body=challenge_body(code, self.verification_token(), endpoint),
        )


# --- the platform ---------------------------------------------------------------------------------


def production_base_url(options: Mapping[str, str]) -> str:
    return SANDBOX_API if options.get("environment") == "sandbox" else PRODUCTION_API


def production_auth_url(options: Mapping[str, str]) -> str:
    """The consent host of eBay's environment (Kucun's sandbox uses its base URL)."""
    return SANDBOX_AUTH if options.get("environment") == "sandbox" else PRODUCTION_AUTH


def sandbox_base_url(server: str, options: Mapping[str, str]) -> str:
    """Kucun's emulator serves the API and the consent page under one root."""
    return f"{server.rstrip('/')}/sandbox/ebay"


PLATFORM = PlatformSpec(
    code=CODE,
    label="eBay",
    credential_fields=(
        FieldSpec(
            "client_id",
            "Client ID (App ID)",
            help_text="The App ID of your eBay developer keyset.",
        ),
        FieldSpec(
            "client_secret",
            "Client secret (Cert ID)",
            secret=True,
            help_text="The Cert ID of the same keyset.",
        ),
        FieldSpec(
            "refresh_token",
            "Refresh token",
            secret=True,
            required=False,
            help_text="Filled in when the seller grants access on eBay's consent page; "
            "it lasts about 18 months.",
        ),
        FieldSpec(
            "verification_token",
            "Notification verification token",
            secret=True,
            required=False,
            help_text="The verification token of the notification destination (32 to 80 "
            "letters, digits, _ or -), as entered for it at eBay. Left empty, Kucun derives "
            "one from the client secret for the destinations it creates.",
        ),
    ),
    option_fields=(
        FieldSpec(
            "environment",
            "Environment",
            default="production",
            choices=ENVIRONMENTS,
            help_text="eBay's live site or eBay's developer sandbox.",
        ),
        FieldSpec(
            "marketplace_id",
            "Marketplace",
            default=DEFAULT_MARKETPLACE,
            choices=MARKETPLACES,
        ),
        FieldSpec(
            "ru_name",
            "RuName",
            required=False,
            help_text="The RuName (eBay redirect URL name) of your keyset. Set its accept URL at "
            "eBay to Kucun's return address shown on the store's page, then use Grant access "
            "on eBay to fill in the refresh token.",
        ),
        FieldSpec(
            "username",
            "eBay user ID",
            required=False,
            help_text="The seller's eBay user ID, shown as the store's account; eBay's "
            "account notifications name the seller by it.",
        ),
    ),
    capabilities=CAPABILITIES,
    build=EbayChannel,
    production_base_url=production_base_url,
    sandbox_base_url=sandbox_base_url,
    account_field="username",
    extras={"auth_url_production": PRODUCTION_AUTH, "auth_url_sandbox": SANDBOX_AUTH},
)

if TYPE_CHECKING:
    _consent: type[SupportsConsent] = EbayChannel
