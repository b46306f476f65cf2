"""The Shopify Channel (integrations/shopify.md, README.md §1.2) and its ``PLATFORM``.

Stock is set, never adjusted: ``inventorySetQuantities`` with absolute "available" quantities at
the store's chosen location, each carrying the quantity last read as ``changeFromQuantity``
(compare-and-set), the mutation carrying ``@idempotent`` so that a retried call is a replay.

``push_stock`` answers one PushResult per level and does not raise for a listing Shopify
refuses. It raises (AuthenticationFailed, Throttled, Unavailable, ChannelError) only when a
whole call fails after the client's retries; chunks sent before that were applied, and pushing
the same levels again replays them (same idempotency keys) instead of applying them twice.

Orders are read with the ``orders`` query sorted by UPDATED_AT from the watermark less the
overlap (§5), and shipped through the fulfillment-orders model (§6): the order's OPEN
fulfillment orders give the fulfillment-order line items of our order lines, and
``fulfillmentCreate`` carries the tracking company, number and URL with ``@idempotent``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from kucun.channels.adapters.base.errors import ChannelError, WebhookRejected
from kucun.channels.adapters.base.http import Sleep, TokenCache, token_cache
from kucun.channels.adapters.base.interface import (
    ChannelCapabilities,
    FieldSpec,
    PlatformSpec,
)
from kucun.channels.adapters.base.types import (
    ChannelConfig,
    ChannelEvent,
    ChannelLocation,
    ChannelOrder,
    ConnectionInfo,
    Fulfilment,
    ListingRef,
    PushResult,
    PushStatus,
    ShipResult,
    StockLevel,
)
from kucun.channels.adapters.shopify import mappers, queries
from kucun.channels.adapters.shopify.client import (
    API_VERSIONS,
    DEFAULT_API_VERSION,
    MAX_QUERY_COST,
    CostBucket,
    GraphQLError,
    QueryTooCostly,
    ShopifyClient,
)

# Every GraphQL input array is capped at 250 elements (shopify.md §4.1, §8).
MAX_STOCK_BATCH = 250
VARIANTS_PAGE_SIZE = 250
# A page too costly for Shopify is asked again at half the size, down to this.
MIN_VARIANTS_PAGE_SIZE = 25
# nodes(ids:) with a level each stays far below the 1,000-point query cap at this size.
STOCK_READ_BATCH = 100
LOCATIONS_PAGE_SIZE = 50
# Shopify stops a connection's traversal after 25,000 objects; a longer read starts again
# from the last updatedAt it reached (the connection is sorted by it).
TRAVERSAL_LIMIT = 25_000
# Requested costs before Shopify has told the real ones (refunded down to the actual cost).
VARIANT_COST = 4
SET_QUANTITIES_COST = 10
# Orders: a line costs 4 points (the node, its variant, its price's two objects), an order 10
# besides its lines, a connection 2; a page of orders stays under the 1,000-point cap of one
# query (§8). An order with more lines than a page has the rest read on its own.
ORDER_LINES_PAGE_SIZE = 25
LINE_COST = 4
ORDER_COST = 10 + 2 + LINE_COST * ORDER_LINES_PAGE_SIZE
ORDERS_PAGE_SIZE = int((MAX_QUERY_COST - 2) // ORDER_COST)
MIN_ORDERS_PAGE_SIZE = 1
MORE_ORDER_LINES_PAGE_SIZE = 200
# The fulfillment orders read before a fulfilment: a few locations, 50 lines each (2 points a
# line, 5 a fulfillment order besides) stays far below the cap.
FULFILLMENT_ORDERS_READ = 5
FULFILLMENT_ORDER_LINES_READ = 50
FULFILMENT_TARGETS_COST = 2 + FULFILLMENT_ORDERS_READ * (5 + 2 * FULFILLMENT_ORDER_LINES_READ) + 4
FULFILLMENT_CREATE_COST = 10

CAPABILITIES = ChannelCapabilities(
    incremental_products=True,
    locations=True,
    compare_and_set=True,
    max_stock_batch=MAX_STOCK_BATCH,
    webhooks=True,
    order_webhooks=True,
    partial_fulfilment=True,
)

HMAC_HEADER = "x-shopify-hmac-sha256"


class ShopifyChannel:
    """One Shopify store. ``transport``, ``sleep``, ``bucket`` and ``tokens`` are for unit
    tests of the HTTP behaviour; a real store is reached with the config alone."""

    def __init__(
        self,
        config: ChannelConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        bucket: CostBucket | None = None,
        tokens: TokenCache = token_cache,
    ) -> None:
        self.config = config
        self.capabilities = CAPABILITIES
        self.shop_domain = shop_domain_of(config.options) or domain_of_base_url(config.base_url)
        self.location_ref = config.options.get("location_ref") or None
        self._sole_location: str | None = None  # looked up once when no location is chosen
        self.client_secret = config.credentials.get("client_secret", "")
        self.client = ShopifyClient(
            config, transport=transport, sleep=sleep, bucket=bucket, tokens=tokens
        )
        self.variants_page_size = VARIANTS_PAGE_SIZE
        self.orders_page_size = ORDERS_PAGE_SIZE

    def close(self) -> None:
        self.client.close()

    # Connection ----------------------------------------------------------------------------

    def test_connection(self) -> ConnectionInfo:
        """The shop's name and its active locations (the merchant picks one for stock)."""
        locations = self.locations()
        return ConnectionInfo(
            account_name=self._shop_name(),
            locations=tuple(locations),
            details={"shop_domain": self.shop_domain, "api_version": self.client.api_version},
        )

    def locations(self) -> list[ChannelLocation]:
        found: list[ChannelLocation] = []
        after: str | None = None
        while True:
            data = self.client.graphql(
                queries.LOCATIONS,
                {"first": LOCATIONS_PAGE_SIZE, "after": after},
                operation="Locations",
                estimated_cost=LOCATIONS_PAGE_SIZE + 2,
            )
            page = mappers.page_of(data.get("locations"))
            found += mappers.locations_from(page.nodes)
            if not page.has_next_page or not page.end_cursor:
                return found
            after = page.end_cursor

    def _shop_name(self) -> str:
        """The shop's own name; its domain when the API will not say (a refused field is no
        reason to call the connection broken once locations were read)."""
        try:
            data = self.client.graphql(queries.SHOP, {}, operation="Shop", estimated_cost=1)
        except ChannelError as refused:
            if isinstance(refused, GraphQLError) or refused.status == 400:
                return self.shop_domain
            raise
        shop = data.get("shop")
        name = shop.get("name") if isinstance(shop, dict) else None
        return str(name) if name else self.shop_domain

    # Products ------------------------------------------------------------------------------

    def fetch_products(self, since: datetime | None) -> Iterator[ListingRef]:
        """Every variant, or those updated since the watermark less the overlap, oldest
        change first, 250 a page."""
        search = mappers.variants_search(since)
        after: str | None = None
        traversed = 0
        bound = ""  # the updatedAt a restarted read starts from
        yielded_at_bound: set[str] = set()
        last = ""  # the newest updatedAt read so far, and the variants read at it
        read_at_last: set[str] = set()
        while True:
            page = self._variants_page(search, after)
            for node in page.nodes:
                listing = mappers.listing_from_variant(node, self.location_ref)
                stamp = str(node.get("updatedAt") or "")
                if stamp != last:
                    last, read_at_last = stamp, set()
                read_at_last.add(listing.variant_ref)
                if stamp == bound and listing.variant_ref in yielded_at_bound:
                    continue
                yield listing
            traversed += len(page.nodes)
            if not page.has_next_page or not page.end_cursor:
                return
            after = page.end_cursor
            if traversed + self.variants_page_size > TRAVERSAL_LIMIT and last and last != bound:
                bound, yielded_at_bound = last, set(read_at_last)
                search, after, traversed = f"updated_at:>='{last}'", None, 0

    def _variants_page(self, search: str | None, after: str | None) -> mappers.Page:
        while True:
            variables: dict[str, Any] = {
                "first": self.variants_page_size,
                "after": after,
                "q": search,
            }
            query, operation = queries.VARIANTS, "Variants"
            if self.location_ref:
                variables["locationId"] = self.location_ref
                query, operation = queries.VARIANTS_AT_LOCATION, "VariantsAtLocation"
            try:
                data = self.client.graphql(
                    query,
                    variables,
                    operation=operation,
                    estimated_cost=self.variants_page_size * VARIANT_COST + 2,
                )
            except QueryTooCostly:
                if self.variants_page_size <= MIN_VARIANTS_PAGE_SIZE:
                    raise
                self.variants_page_size //= 2
                continue
            return mappers.page_of(data.get("productVariants"))

    # Stock ---------------------------------------------------------------------------------

    def fetch_stock(self, inventory_refs: Sequence[str]) -> dict[str, int]:
        """Quantities at the chosen location (all locations' total without one), read by
        InventoryItem GID; unknown items, and items not stocked there, are left out."""
        wanted = [ref for ref in dict.fromkeys(inventory_refs) if mappers.is_inventory_item(ref)]
        found: dict[str, int] = {}
        for start in range(0, len(wanted), STOCK_READ_BATCH):
            ids = wanted[start : start + STOCK_READ_BATCH]
            variables: dict[str, Any] = {"ids": ids}
            query, operation = queries.STOCK, "Stock"
            if self.location_ref:
                variables["locationId"] = self.location_ref
                query, operation = queries.STOCK_AT_LOCATION, "StockAtLocation"
            data = self.client.graphql(
                query, variables, operation=operation, estimated_cost=len(ids) * 3 + 1
            )
            nodes = data.get("nodes")
            listed = nodes if isinstance(nodes, list) else []
            found.update(mappers.stock_from_nodes(listed, self.location_ref))
        return found

    def push_stock(self, levels: Sequence[StockLevel]) -> list[PushResult]:
        """Set each level at its location (the store's by default), up to 250 a mutation,
        one result per level in order. A 5xx or timeout is retried by the client with the
        same ``@idempotent`` key; when the retries run out the error is raised, and pushing
        the same keyed levels again replays what Shopify already applied."""
        results: dict[int, PushResult] = {}
        by_location: dict[str, list[int]] = {}
        for position, level in enumerate(levels):
            location = level.location_ref or self._stock_location()
            refusal = self._refusal(level, location)
            if refusal is not None:
                results[position] = refusal
            elif location:
                by_location.setdefault(location, []).append(position)
        for location, positions in by_location.items():
            for chunk in _chunks(positions, levels):
                sent = [levels[position] for position in chunk]
                for position, result in zip(chunk, self._set_chunk(sent, location), strict=True):
                    results[position] = result
        ordered = [results[position] for position in range(len(levels))]
        return self._with_current_quantities(ordered)

    def _stock_location(self) -> str | None:
        """The chosen location; before one is chosen, the shop's only active location (with
        several, the merchant must choose and nothing is set)."""
        if self.location_ref is None and self._sole_location is None:
            active = self.locations()
            self._sole_location = active[0].ref if len(active) == 1 else ""
        return self.location_ref or self._sole_location or None

    def _refusal(self, level: StockLevel, location: str | None) -> PushResult | None:
        """A level that cannot be sent at all, answered without asking Shopify."""
        if not location:
            message = (
                "choose the store's Shopify location: the shop does not have exactly one "
                "active location to set stock at"
            )
        elif not mappers.is_inventory_item(level.inventory_ref):
            message = f"{level.inventory_ref!r} is not a Shopify inventory item id"
        elif level.quantity < 0:
            message = "a quantity below zero cannot be set"
        else:
            return None
        return PushResult(level.inventory_ref, level.sku, PushStatus.FAILED, error=message)

    def _set_chunk(self, chunk: Sequence[StockLevel], location: str) -> list[PushResult]:
        """One mutation for the chunk. When Shopify refuses the whole mutation for some of its
        quantities, the others are sent again on their own until every one has an answer."""
        outcomes: dict[int, PushResult] = {}
        pending = list(range(len(chunk)))
        while pending:
            sent = [chunk[position] for position in pending]
            key = mappers.idempotency_key_for(sent, location)
            try:
                data = self.client.graphql(
                    queries.set_quantities(key),
                    mappers.set_quantities_variables(sent, location, key),
                    operation="SetQuantities",
                    estimated_cost=SET_QUANTITIES_COST,
                )
            except GraphQLError as refused:
                for position in pending:
                    outcomes[position] = _failed(chunk[position], refused.message)
                break
            payload = data.get("inventorySetQuantities")
            answer = mappers.read_set_answer(
                sent, location, payload if isinstance(payload, dict) else {}
            )
            for index, result in answer.results.items():
                outcomes[pending[index]] = result
            pending = [pending[index] for index in answer.unapplied]
        return [outcomes[position] for position in range(len(chunk))]

    def _with_current_quantities(self, results: list[PushResult]) -> list[PushResult]:
        """A stale answer names no quantity: read what Shopify holds now for each, so that the
        caller can decide again. A failed read leaves them unknown rather than failing the
        push."""
        stale = [
            result.inventory_ref
            for result in results
            if result.status == PushStatus.STALE and result.current_quantity is None
        ]
        if not stale:
            return results
        try:
            held = self.fetch_stock(stale)
        except ChannelError:
            return results
        return [
            replace(result, current_quantity=held[result.inventory_ref])
            if result.status == PushStatus.STALE
            and result.current_quantity is None
            and result.inventory_ref in held
            else result
            for result in results
        ]

    def poll_pushes(self, task_refs: Sequence[str]) -> list[PushResult]:
        return []  # writes are synchronous

    # Orders --------------------------------------------------------------------------------

    def fetch_orders(self, since: datetime) -> Iterator[ChannelOrder]:
        """Orders updated since the watermark less the overlap, oldest change first, every
        page; an order with more lines than one page has the rest read before it is given."""
        search = mappers.orders_search(since)
        after: str | None = None
        while True:
            page = self._orders_page(search, after)
            for node in page.nodes:
                yield self._order_from(node)
            if not page.has_next_page or not page.end_cursor:
                return
            after = page.end_cursor

    def _orders_page(self, search: str, after: str | None) -> mappers.Page:
        while True:
            try:
                data = self.client.graphql(
                    queries.ORDERS,
                    {
                        "first": self.orders_page_size,
                        "after": after,
                        "q": search,
                        "lines": ORDER_LINES_PAGE_SIZE,
                    },
                    operation="Orders",
                    estimated_cost=self.orders_page_size * ORDER_COST + 2,
                )
            except QueryTooCostly:
                if self.orders_page_size <= MIN_ORDERS_PAGE_SIZE:
                    raise
                self.orders_page_size = max(MIN_ORDERS_PAGE_SIZE, self.orders_page_size // 2)
                continue
            return mappers.page_of(data.get("orders"))

    def fetch_order(self, order_ref: str) -> ChannelOrder | None:
        """One order by GID (or numeric id); None when Shopify has no such order."""
        gid = mappers.order_gid(order_ref)
        if not gid:
            return None
        data = self.client.graphql(
            queries.ORDER,
            {"id": gid, "lines": ORDER_LINES_PAGE_SIZE},
            operation="Order",
            estimated_cost=ORDER_COST,
        )
        node = data.get("order")
        return self._order_from(node) if isinstance(node, dict) else None

    def _order_from(self, node: dict[str, Any]) -> ChannelOrder:
        lines_page = mappers.page_of(node.get("lineItems"))
        lines: list[dict[str, Any]] | None = None
        if lines_page.has_next_page and lines_page.end_cursor:
            lines = lines_page.nodes + self._remaining_lines(node["id"], lines_page.end_cursor)
        try:
            return mappers.order_from(node, lines)
        except ValueError as unreadable:
            raise ChannelError(str(unreadable)) from None

    def _remaining_lines(self, order_gid: str, after: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: str | None = after
        while cursor:
            data = self.client.graphql(
                queries.ORDER_LINE_ITEMS,
                {"id": order_gid, "lines": MORE_ORDER_LINES_PAGE_SIZE, "after": cursor},
                operation="OrderLineItems",
                estimated_cost=LINE_COST * MORE_ORDER_LINES_PAGE_SIZE + 3,
            )
            page = mappers.page_of((data.get("order") or {}).get("lineItems"))
            found += page.nodes
            cursor = page.end_cursor if page.has_next_page else None
        return found

    def mark_shipped(self, fulfilment: Fulfilment) -> ShipResult:
        """A fulfilment of these order lines from the order's OPEN fulfillment orders, with the
        tracking company, number and URL (§6); one per location when the lines are assigned
        to several (Shopify takes one location per fulfilment), the first answered. A
        fulfilment already carrying the tracking number is answered as done; each mutation
        carries ``@idempotent`` keyed by the fulfilment's key, so a retry after a lost answer
        replays the first."""
        gid = mappers.order_gid(fulfilment.order_ref)
        if not gid:
            raise ChannelError(f"{fulfilment.order_ref!r} is not a Shopify order id")
        order = self._fulfilment_targets(gid)
        done = mappers.existing_fulfilment(order, fulfilment.tracking_number)
        if done:
            return ShipResult(fulfilment_ref=done, already_done=True)
        open_orders = mappers.page_of(order.get("fulfillmentOrders")).nodes
        try:
            by_fulfillment_order = mappers.line_items_by_fulfillment_order(
                open_orders, fulfilment.lines
            )
        except mappers.FulfilmentRefused as refused:
            raise ChannelError(f"Shopify order {gid}: {refused}") from None
        if not by_fulfillment_order:
            raise ChannelError(f"Shopify order {gid} has nothing left to fulfil")
        groups = mappers.by_location(open_orders, by_fulfillment_order)
        refs = [
            self._fulfil(
                gid,
                fulfilment,
                entries,
                mappers.fulfilment_idempotency_key(fulfilment, location if len(groups) > 1 else ""),
            )
            for location, entries in groups
        ]
        return ShipResult(fulfilment_ref=refs[0])

    def _fulfil(
        self,
        gid: str,
        fulfilment: Fulfilment,
        entries: list[dict[str, Any]],
        idempotency_key: str,
    ) -> str:
        data = self.client.graphql(
            queries.fulfillment_create(idempotency_key),
            {
                "f": mappers.fulfillment_input(fulfilment, entries),
                "message": fulfilment.note or None,
            },
            operation="Ship",
            estimated_cost=FULFILLMENT_CREATE_COST,
        )
        payload = data.get("fulfillmentCreate")
        payload = payload if isinstance(payload, dict) else {}
        created = payload.get("fulfillment")
        if isinstance(created, dict) and created.get("id"):
            return str(created["id"])
        refusal = mappers.user_errors_text(payload) or "Shopify made no fulfilment"
        raise ChannelError(f"Shopify order {gid}: {refusal}")

    def _fulfilment_targets(self, gid: str) -> dict[str, Any]:
        data = self.client.graphql(
            queries.FULFILMENT_TARGETS,
            {
                "id": gid,
                "fulfillmentOrders": FULFILLMENT_ORDERS_READ,
                "lines": FULFILLMENT_ORDER_LINES_READ,
            },
            operation="FulfilmentTargets",
            estimated_cost=FULFILMENT_TARGETS_COST,
        )
        order = data.get("order")
        if not isinstance(order, dict):
            raise ChannelError(f"Shopify has no order {gid}", status=404)
        return order

    # Webhooks ------------------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[ChannelEvent]:
        """Verify X-Shopify-Hmac-Sha256 on the raw bytes, then read the delivery."""
        named = {name.lower(): value for name, value in headers.items()}
        if not self.client_secret:
            raise WebhookRejected("no client secret is configured to verify Shopify deliveries")
        if not signature_matches(self.client_secret, raw_body, named.get(HMAC_HEADER, "")):
            raise WebhookRejected("the delivery's X-Shopify-Hmac-Sha256 signature does not match")
        sender = named.get("x-shopify-shop-domain", "").strip().lower()
        if sender and self.shop_domain and sender != self.shop_domain:
            raise WebhookRejected(f"the delivery is for another shop ({sender})")
        try:
            payload = json.loads(raw_body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected("the delivery's body is not JSON") from None
        if not isinstance(payload, dict):
            raise WebhookRejected("the delivery's body is not a JSON object")
        topic = named.get("x-shopify-topic", "")
        return [
            mappers.event_from_webhook(
                topic=topic,
                event_id=delivery_event_id(topic, named, raw_body),
                triggered_at=named.get("x-shopify-triggered-at", ""),
                payload=payload,
            )
        ]


def delivery_event_id(topic: str, headers: Mapping[str, str], raw_body: bytes) -> str:
    """What de-duplicates a delivery. Order topics use the delivery id (X-Shopify-Webhook-Id,
    the same on every retry): one change can raise orders/create and orders/updated under one
    event id, and neither may be dropped as the other's duplicate. Other topics use the event
    id, so that two subscriptions to one event count once."""
    by_delivery = topic.startswith(("orders/", "fulfillments/"))
    first, second = (
        ("x-shopify-webhook-id", "x-shopify-event-id")
        if by_delivery
        else ("x-shopify-event-id", "x-shopify-webhook-id")
    )
    return (
        headers.get(first)
        or headers.get(second)
        or "sha256:" + hashlib.sha256(raw_body).hexdigest()
    )


def signature_matches(secret: str, raw_body: bytes, signature: str) -> bool:
    """base64(HMAC-SHA256(client secret, raw body)) against the header, in constant time."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode()
    return bool(signature) and hmac.compare_digest(expected, signature.strip())


def _failed(level: StockLevel, message: str) -> PushResult:
    return PushResult(level.inventory_ref, level.sku, PushStatus.FAILED, error=message)


def _chunks(positions: Sequence[int], levels: Sequence[StockLevel]) -> Iterator[list[int]]:
    """Up to MAX_STOCK_BATCH positions each, an inventory item at most once per mutation."""
    chunk: list[int] = []
    refs: set[str] = set()
    for position in positions:
        ref = levels[position].inventory_ref
        if len(chunk) == MAX_STOCK_BATCH or ref in refs:
            yield chunk
            chunk, refs = [], set()
        chunk.append(position)
        refs.add(ref)
    if chunk:
        yield chunk


# The platform ------------------------------------------------------------------------------


def shop_domain_of(options: Mapping[str, str]) -> str:
    """``name.myshopify.com`` from what the merchant typed (a URL, a bare shop name)."""
    domain = (options.get("shop_domain") or "").strip().lower()
    for prefix in ("https://", "http://"):
        domain = domain.removeprefix(prefix)
    domain = domain.split("/", 1)[0]
    if domain and "." not in domain:
        domain += ".myshopify.com"
    return domain


def domain_of_base_url(base_url: str) -> str:
    """The shop domain a base URL ends with (``https://{shop}`` or a sandbox's
    ``{server}/sandbox/shopify/{shop}``), for a config that does not repeat it."""
    last = base_url.rstrip("/").rsplit("/", 1)[-1].lower()
    return last if last.endswith(".myshopify.com") else ""


def production_base_url(options: Mapping[str, str]) -> str:
    return f"https://{shop_domain_of(options)}"


def sandbox_base_url(server: str, options: Mapping[str, str]) -> str:
    return f"{server.rstrip('/')}/sandbox/shopify/{shop_domain_of(options)}"


PLATFORM = PlatformSpec(
    code="shopify",
    label="Shopify",
    credential_fields=(
        FieldSpec(
            "client_id",
            "Client ID",
            help_text="From the app in Shopify's Dev Dashboard, installed on this store.",
        ),
        FieldSpec(
            "client_secret",
            "Client secret",
            secret=True,
            help_text="Also verifies the webhooks Shopify sends.",
        ),
        FieldSpec(
            "access_token",
            "Admin API access token",
            secret=True,
            required=False,
            placeholder="shpat_…",
            help_text="Only for a legacy custom app created in the store admin: used instead of "
            "requesting tokens with the client credentials.",
        ),
    ),
    option_fields=(
        FieldSpec(
            "shop_domain",
            "Shop domain",
            placeholder="name.myshopify.com",
            help_text="The store's myshopify.com domain, not its public domain.",
        ),
        FieldSpec(
            "api_version",
            "API version",
            default=DEFAULT_API_VERSION,
            choices=tuple((version, version) for version in API_VERSIONS),
        ),
        FieldSpec(
            "location_ref",
            "Location",
            required=False,
            help_text="The Shopify location whose quantities Kucun sets; chosen after "
            "connecting, from the locations the store reports.",
        ),
    ),
    capabilities=CAPABILITIES,
    build=ShopifyChannel,
    production_base_url=production_base_url,
    sandbox_base_url=sandbox_base_url,
    account_field="shop_domain",
)
