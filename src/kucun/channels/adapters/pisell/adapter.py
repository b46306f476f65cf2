"""The Pisell channel: the Channel interface over the generic REST contract (pisell.md §2).

Orders (§2.4) are read from the watermark (minus WATERMARK_OVERLAP) with ``updated_since``,
every status, all pages; order webhooks (§2.6) name the order to fetch. Marking shipped
(§2.5) reads the order first (a cancelled order, or a sale collected in the shop, is refused)
and its fulfilments (a fulfilment under the same tracking number is answered, not made
again), then posts the fulfilment with an Idempotency-Key derived from the shipment's key, so
that a retry, here or by the caller, is the platform's replay. Listing an order's fulfilments
(``GET /orders/{id}/fulfillments``) is not in §2; where the platform does not offer it, the
Idempotency-Key alone keeps a retry from making a second fulfilment."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from kucun.channels.adapters.base import (
    WATERMARK_OVERLAP,
    AuthenticationFailed,
    ChannelCapabilities,
    ChannelConfig,
    ChannelError,
    ChannelEvent,
    ChannelLocation,
    ChannelOrder,
    ConnectionInfo,
    FieldSpec,
    Fulfilment,
    ListingRef,
    PlatformSpec,
    PushResult,
    ShipResult,
    StockLevel,
    WebhookRejected,
)
from kucun.channels.adapters.base.http import Sleep, raise_for_status
from kucun.channels.adapters.pisell import mappers
from kucun.channels.adapters.pisell.client import (
    BEARER,
    SIGNED,
    STOCK_BATCH,
    PisellClient,
    decoded,
    problem_message,
)

# pisell.md §2.6: receivers refuse signatures older than five minutes.
SIGNATURE_TOLERANCE_SECONDS = 300
LOCATION_OPTION = "location_ref"  # what channels passes as the store's chosen location
NO_SKU = "the variant has no SKU on Pisell, and Pisell sets stock by SKU"

CAPABILITIES = ChannelCapabilities(
    incremental_products=True,
    locations=True,
    async_writes=False,
    compare_and_set=True,
    max_stock_batch=STOCK_BATCH,
    webhooks=True,
    order_webhooks=True,
    partial_fulfilment=True,
)


class PisellChannel:
    """One Pisell store. ``transport`` and ``sleep`` are for tests of the client; ``clock``
    (unix seconds) checks a webhook signature's age."""

    def __init__(
        self,
        config: ChannelConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.capabilities = CAPABILITIES
        self.client = PisellClient(config, transport=transport, sleep=sleep, clock=clock)
        self.timezone = config.options.get("timezone") or "UTC"
        self.clock = clock

    def close(self) -> None:
        self.client.close()

    def test_connection(self) -> ConnectionInfo:
        answer = self.client.locations()
        locations = tuple(
            ChannelLocation(ref=str(location["id"]), name=str(location.get("name") or ""))
            for location in answer.get("data") or []
            if isinstance(location, dict) and location.get("active", True)
        )
        name = self.config.options.get("store_domain") or urlsplit(self.config.base_url).netloc
        return ConnectionInfo(account_name=name, locations=locations)

    def fetch_products(self, since: datetime | None) -> Iterator[ListingRef]:
        updated_since = mappers.format_time(since - WATERMARK_OVERLAP) if since else None
        cursor: str | None = None
        while True:
            page = self.client.products_page(updated_since=updated_since, cursor=cursor)
            for product in page.get("data") or []:
                yield from mappers.listings_from_product(product, self.timezone)
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def fetch_stock(self, inventory_refs: Sequence[str]) -> dict[str, int]:
        """The contract reads stock only with the products, so this pages through them and
        stops once every asked variant has been seen."""
        wanted = set(inventory_refs)
        found: dict[str, int] = {}
        if not wanted:
            return found
        for listing in self.fetch_products(None):
            if listing.inventory_ref in wanted and listing.quantity is not None:
                found[listing.inventory_ref] = listing.quantity
                if len(found) == len(wanted):
                    break
        return found

    def push_stock(self, levels: Sequence[StockLevel]) -> list[PushResult]:
        """Results in the order of ``levels``. Pisell sets stock by SKU, so a variant without
        one fails without being sent."""
        results = {
            index: mappers.failed(level, NO_SKU)
            for index, level in enumerate(levels)
            if not level.sku
        }
        sendable = [index for index, level in enumerate(levels) if level.sku]
        for start in range(0, len(sendable), STOCK_BATCH):
            chunk = sendable[start : start + STOCK_BATCH]
            answered = self.push_chunk([levels[index] for index in chunk])
            results.update(zip(chunk, answered, strict=True))
        return [results[index] for index in range(len(levels))]

    def push_chunk(self, levels: Sequence[StockLevel]) -> list[PushResult]:
        """One request; a refusal of the whole request or a failure after the retries becomes
        a failed result for each level (retryable when trying later may work)."""
        # The store's chosen location (one of test_connection's); none: Pisell's default.
        default_location = self.config.options.get(LOCATION_OPTION, "")
        items = [mappers.level_item(level, default_location) for level in levels]
        try:
            response = self.client.inventory_levels_put(
                items, idempotency_key=mappers.chunk_idempotency_key(levels)
            )
        except AuthenticationFailed:
            raise
        except ChannelError as error:
            return [
                mappers.failed(level, error.message, retryable=error.retryable) for level in levels
            ]
        if response.status_code != 200:
            message = problem_message(response) or f"HTTP {response.status_code}"
            return [mappers.failed(level, message) for level in levels]
        try:
            answer = response.json()
        except ValueError:
            return [
                mappers.failed(level, "the answer is not JSON", retryable=True) for level in levels
            ]
        return mappers.push_results(levels, answer)

    def poll_pushes(self, task_refs: Sequence[str]) -> list[PushResult]:
        return []  # stock writes are synchronous

    # -- orders ---------------------------------------------------------------------------
    def mapped_order(self, raw: Any) -> ChannelOrder:
        if not isinstance(raw, Mapping):
            raise ChannelError("Pisell answered an order that is not a JSON object")
        try:
            return mappers.order_from_pisell(raw, self.timezone)
        except ValueError as error:
            raise ChannelError(str(error)) from None

    def fetch_orders(self, since: datetime) -> Iterator[ChannelOrder]:
        updated_since = mappers.format_time(since - WATERMARK_OVERLAP)
        cursor: str | None = None
        while True:
            page = self.client.orders_page(updated_since=updated_since, cursor=cursor)
            for raw in page.get("data") or []:
                yield self.mapped_order(raw)
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def order_payload(self, order_ref: str) -> Mapping[str, Any] | None:
        response = self.client.order(order_ref)
        if response.status_code == 404:
            return None
        raise_for_status(response, problem_message(response))
        return mappers.unwrapped(decoded(response))

    def fetch_order(self, order_ref: str) -> ChannelOrder | None:
        raw = self.order_payload(order_ref)
        return None if raw is None else self.mapped_order(raw)

    def listed_fulfilments(self, order_ref: str, order: Mapping[str, Any]) -> list[Any]:
        """The order's fulfilments: those the order carries, else the platform's list of them
        (none where the platform offers no such list)."""
        carried = order.get("fulfillments")
        if isinstance(carried, list):
            return carried
        response = self.client.fulfilments(order_ref)
        if response.status_code in (404, 405):
            return []
        raise_for_status(response, problem_message(response))
        answer = decoded(response)
        listed = answer.get("data") if isinstance(answer, Mapping) else answer
        return listed if isinstance(listed, list) else []

    def mark_shipped(self, fulfilment: Fulfilment) -> ShipResult:
        """Refuse what must not ship, answer a fulfilment already made under this tracking
        number, else post one whose Idempotency-Key makes any retry a replay."""
        order = self.order_payload(fulfilment.order_ref)
        if order is None:
            raise ChannelError(f"Pisell does not know order {fulfilment.order_ref}", status=404)
        refusal = mappers.shipping_refusal(order)
        if refusal:
            raise ChannelError(refusal)
        existing = mappers.existing_fulfilment(
            self.listed_fulfilments(fulfilment.order_ref, order), fulfilment.tracking_number
        )
        if existing:
            return ShipResult(fulfilment_ref=existing, already_done=True)
        response = self.client.fulfilment_post(
            fulfilment.order_ref,
            mappers.fulfilment_request(fulfilment),
            idempotency_key=mappers.fulfilment_idempotency_key(fulfilment),
        )
        if response.status_code == 404:
            raise ChannelError(f"Pisell does not know order {fulfilment.order_ref}", status=404)
        raise_for_status(response, problem_message(response))
        created = mappers.unwrapped(decoded(response)) or {}
        fulfilment_ref = mappers.text(created.get("id"))
        if not fulfilment_ref:
            raise ChannelError("Pisell accepted the fulfilment without naming it", status=200)
        return ShipResult(fulfilment_ref=fulfilment_ref)

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[ChannelEvent]:
        named = {name.lower(): value for name, value in headers.items()}
        signed_at = self.verified_signature_time(named.get("x-signature", ""), raw_body)
        delivery_id = named.get("x-delivery-id", "")
        if not delivery_id:
            raise WebhookRejected("the delivery has no X-Delivery-Id")
        try:
            body = json.loads(raw_body)
        except ValueError:
            raise WebhookRejected("the delivery's body is not JSON") from None
        topic = named.get("x-event-type") or (
            body.get("type", "") if isinstance(body, dict) else ""
        )
        return [
            mappers.webhook_event(
                topic=str(topic), delivery_id=delivery_id, body=body, signed_at=signed_at
            )
        ]

    def verified_signature_time(self, header: str, raw_body: bytes) -> datetime:
        """``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>`` checked on the raw
        bytes, no older than five minutes; the signing time."""
        secret = self.config.credentials.get("webhook_secret", "")
        if not secret:
            raise WebhookRejected("no webhook secret is configured for this store")
        parts: dict[str, list[str]] = {}
        for part in header.split(","):
            name, _, value = part.strip().partition("=")
            parts.setdefault(name, []).append(value)
        timestamps, signatures = parts.get("t", []), parts.get("v1", [])
        if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
            raise WebhookRejected("the X-Signature header is missing or malformed")
        expected = hmac.new(
            secret.encode(), timestamps[0].encode() + b"." + raw_body, hashlib.sha256
        ).hexdigest()
        if not any(hmac.compare_digest(expected, signature) for signature in signatures):
            raise WebhookRejected("the signature does not match the body")
        signed = int(timestamps[0])
        if abs(self.clock() - signed) > SIGNATURE_TOLERANCE_SECONDS:
            raise WebhookRejected("the signature is older than five minutes")
        return datetime.fromtimestamp(signed, tz=UTC)


def production_base_url(options: Mapping[str, str]) -> str:
    return (options.get("api_base_url") or "").rstrip("/")


def sandbox_base_url(server: str, options: Mapping[str, str]) -> str:
    return f"{server.rstrip('/')}/sandbox/pisell"


PLATFORM = PlatformSpec(
    code="pisell",
    label="Pisell",
    credential_fields=(
        FieldSpec("api_key", "API key", secret=True),
        FieldSpec(
            "webhook_secret",
            "Webhook secret",
            secret=True,
            required=False,
            help_text="The secret Pisell answered when the webhook was registered.",
        ),
        FieldSpec(
            "client_secret",
            "Client secret",
            secret=True,
            required=False,
            help_text="Only for signed-header authentication.",
        ),
    ),
    option_fields=(
        FieldSpec(
            "api_base_url",
            "API base URL",
            # Needed by a real store only (a sandbox store talks to Kucun's emulator); a real
            # store without it is told so by its first call.
            required=False,
            help_text="The store's API root with its version path (a sandbox store needs none).",
            placeholder="https://api.example-pisell-host/v1",
        ),
        FieldSpec(
            "auth_scheme",
            "Authentication",
            required=False,
            default=BEARER,
            choices=((BEARER, "Bearer API key"), (SIGNED, "Signed headers (client id and secret)")),
        ),
        FieldSpec(
            "client_id",
            "Client id",
            required=False,
            help_text="Only for signed-header authentication.",
        ),
        FieldSpec(
            "store_domain",
            "Store domain",
            required=False,
            help_text="Sent as X-Store-Domain when one API key covers several stores.",
            placeholder="myshop.mypisell.com",
        ),
        FieldSpec(
            "timezone",
            "Time zone",
            required=False,
            default="UTC",
            help_text="How to read times Pisell sends without an offset.",
            placeholder="Australia/Melbourne",
        ),
    ),
    capabilities=CAPABILITIES,
    build=PisellChannel,
    production_base_url=production_base_url,
    sandbox_base_url=sandbox_base_url,
    # The contract names no tenant id (the key alone says whose store it is, and a key is no
    # name to show): the store's own API address is what tells one Pisell account from another.
    account_field="api_base_url",
)
