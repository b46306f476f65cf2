"""The Kogan channel (integrations/kogan.md).

* Products: ``GET products/?detail=true&size=100`` following the cursor in ``next``. Kogan has
  no "updated since" filter (§3.2; ``created_after`` sees new listings only), so a read from a
  watermark is a full read filtered here: a product is kept when it carries an update time at
  or after the watermark (minus WATERMARK_OVERLAP) or carries none, which with the documented
  payload is every product. ``incremental_products`` is therefore False.
* Stock: ``POST products/stockprice/`` in batches of 500 (§4), answered asynchronously:
  each listing gets a PENDING result whose ``task_ref`` is the task's ``pending_url`` (with a
  fragment naming the listing, see mappers). ``poll_pushes`` GETs each pending_url once and
  answers SUCCEEDED / FAILED per listing when the task is Complete or CompleteWithErrors.
  Absolute quantities are safe to repeat, so writes are retried on 5xx and timeouts.
* 429: Kogan's ``{"detail": "… Expected available in N sec."}`` (or ``Retry-After``) sets the
  wait; when retries run out the call raises Throttled with that wait.
* Orders (§5): Kogan has no "updated since" filter and no paging. A read takes the open
  queue (``ReleasedForShipment``: every order with something left to send) and keeps the
  orders changed since the watermark, reaching back a further RELEASE_LAG because an order
  appears 30–60 minutes after the time it carries; and it takes the cancellations of the last
  15 days (the longest window Kogan allows). Kogan sends no update time: the mappers build one
  that moves only when the order does, so the caller's de-duplication holds.
* Dispatch (§6): the order is read first, and only what Kogan does not already show
  dispatched under the same tracking number is sent, so a retry never dispatches twice; a
  send that failed on the way is retried that same way. The carrier goes as Kogan's code from
  the carrier table (``carrier_codes`` option). The answer is checked per order
  (``Result``); an asynchronous answer is polled to its end, and when it takes too long the
  error is retryable for the caller but not retried here (the task may still apply).
* No webhooks (§7): ``parse_webhook`` refuses every delivery.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

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
    FieldSpec,
    Fulfilment,
    ListingRef,
    PlatformSpec,
    PushResult,
    PushStatus,
    ShipResult,
    StockLevel,
    Throttled,
    Unavailable,
    WebhookRejected,
)
from kucun.channels.adapters.base.http import Sleep, raise_for_status, vendor_message
from kucun.channels.adapters.kogan.client import KoganClient, decoded
from kucun.channels.adapters.kogan.mappers import (
    COMPLETE,
    COMPLETE_WITH_ERRORS,
    FAILED,
    PENDING,
    DispatchLine,
    carrier_codes,
    changed_since,
    chunks,
    dispatch_plan,
    format_utc,
    fulfil_refusals,
    fulfil_request,
    kogan_carrier,
    listing_from_product,
    local_refusal,
    order_from_kogan,
    sku_errors,
    split_task_ref,
    stock_update_item,
    task_ref,
)

STOCK_BATCH = 500  # kogan.md §4: 500 per product write; assumed for stockprice
PAGE_SIZE = 100
# Reading a whole catalogue costs one call per 100 listings; one call per listing is cheaper
# up to this many.
STOCK_LOOKUPS_ONE_BY_ONE = 20

# kogan.md §5.1: the open queue (every order with something left to send) needs no window;
# cancellations are read over the longest window Kogan allows (15 days on the order date),
# ending a little ahead of the clock so that an order stamped by a clock ahead of ours is kept.
OPEN_QUEUE = "ReleasedForShipment"
CANCELLATION_QUEUES = ("Canceled", "PartiallyCanceled")
# A minute short of 15 days, so that a vendor who counts the limit inclusively accepts it too.
CANCELLATION_WINDOW = timedelta(days=15) - timedelta(minutes=1)
CLOCK_ALLOWANCE = timedelta(hours=1)
# An order reaches the open queue 30–60 minutes after it was placed (fraud screening, §5.1),
# dated when it was placed: an incremental read keeps open orders placed this long before the
# watermark (less its overlap), so that one released after the last read is not lost.
RELEASE_LAG = timedelta(minutes=90)
# An asynchronous dispatch is polled after these waits (capped by the config's backoff cap),
# about a minute in all; kogan.md §4.1 asks to start slowly and back off.
TASK_POLL_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)

PRODUCTION_HOSTS = {
    "production": "https://nimda.kogan.com",
    "uat": "https://nimda-marketplace.aws.kgn.io",
}

CAPABILITIES = ChannelCapabilities(
    incremental_products=False,
    locations=False,
    async_writes=True,
    compare_and_set=False,
    max_stock_batch=STOCK_BATCH,
    webhooks=False,
    order_webhooks=False,
    partial_fulfilment=True,
)


def envelope_body(payload: Any) -> Any:
    """The ``body`` of Kogan's envelope; a ``Failed`` envelope is an error with its words."""
    if not isinstance(payload, Mapping):
        raise ChannelError("Kogan answered something other than its envelope")
    if payload.get("status") == FAILED:
        raise ChannelError(str(payload.get("error") or "Kogan answered Failed"))
    return payload.get("body")


class DispatchStillRunning(Unavailable):
    """Kogan's dispatch task had not ended when we stopped polling: worth trying later (the
    order is read first then), never at once."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class KoganChannel:
    """One Kogan seller account. ``transport``, ``sleep`` and ``clock`` are for tests."""

    capabilities = CAPABILITIES

    def __init__(
        self,
        config: ChannelConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        stock_batch: int = STOCK_BATCH,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config
        self.client = KoganClient(config, transport=transport, sleep=sleep)
        self.stock_batch = stock_batch
        self.sleep = sleep
        self.clock = clock

    def close(self) -> None:
        self.client.close()

    # -- reads ----------------------------------------------------------------------------
    def test_connection(self) -> ConnectionInfo:
        """One product read: cheap, and refused without valid SellerID / SellerToken."""
        envelope_body(self.client.products(None, {"size": 1}))
        environment = self.config.options.get("environment", "production")
        return ConnectionInfo(
            account_name=f"Kogan seller {self.client.seller_id}",
            details={"environment": environment},
        )

    def products(self, params: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        next_url: str | None = None
        while True:
            body = envelope_body(self.client.products(next_url, params))
            if not isinstance(body, Mapping):
                raise ChannelError("Kogan's product page has no body")
            yield from (p for p in body.get("results") or [] if isinstance(p, Mapping))
            next_url = body.get("next") or None
            if next_url is None:
                return

    def fetch_products(self, since: datetime | None) -> Iterator[ListingRef]:
        """Every product; with a watermark, a full read filtered here (Kogan has no
        "updated since" filter, and ``created_after`` would miss changed listings)."""
        start = None if since is None else since - WATERMARK_OVERLAP
        for product in self.products({"size": PAGE_SIZE, "detail": "true"}):
            listing = listing_from_product(product)
            if start is None or changed_since(listing, start):
                yield listing

    def fetch_stock(self, inventory_refs: Sequence[str]) -> dict[str, int]:
        wanted = set(inventory_refs)
        found: Iterable[ListingRef]
        if len(wanted) <= STOCK_LOOKUPS_ONE_BY_ONE:
            found = (
                listing
                for sku in sorted(wanted)
                for product in self.products({"sku": sku, "detail": "true"})
                for listing in [listing_from_product(product)]
            )
        else:
            found = self.fetch_products(None)
        return {
            listing.inventory_ref: listing.quantity
            for listing in found
            if listing.inventory_ref in wanted and listing.quantity is not None
        }

    # -- stock writes ---------------------------------------------------------------------
    def push_stock(self, levels: Sequence[StockLevel]) -> list[PushResult]:
        results: list[PushResult] = []
        sendable = []
        for level in levels:
            refusal = local_refusal(level)
            if refusal:
                results.append(failed(level, refusal))
            else:
                sendable.append(level)
        outage: ChannelError | None = None
        for batch in chunks(sendable, self.stock_batch):
            if outage is not None:
                results.extend(failed(level, outage.message, retryable=True) for level in batch)
                continue
            try:
                results.extend(self.push_batch(batch, resend_allowed=True))
            except AuthenticationFailed:
                raise
            except ChannelError as error:
                if not error.retryable:
                    results.extend(failed(level, error.message) for level in batch)
                    continue
                # Throttled or down after the retries: the rest waits for a later attempt.
                outage = error
                results.extend(failed(level, error.message, retryable=True) for level in batch)
        order = {level.inventory_ref: index for index, level in enumerate(levels)}
        return sorted(results, key=lambda result: order.get(result.inventory_ref, 0))

    def push_batch(self, batch: Sequence[StockLevel], *, resend_allowed: bool) -> list[PushResult]:
        response = self.client.stock_price_update([stock_update_item(level) for level in batch])
        if response.status_code == 400:
            return self.refused_batch(batch, response, resend_allowed=resend_allowed)
        if response.status_code >= 400:
            message = vendor_message(response) or f"HTTP {response.status_code}"
            return [failed(level, message) for level in batch]
        payload = decoded(response)
        status = payload.get("status") if isinstance(payload, Mapping) else None
        if status == PENDING and payload.get("pending_url"):
            url = str(payload["pending_url"])
            return [pending(level, task_ref(url, level)) for level in batch]
        if status in {COMPLETE, COMPLETE_WITH_ERRORS}:
            errors = sku_errors(payload)
            return [
                settled(level.inventory_ref, level.sku, level.quantity, "", errors)
                for level in batch
            ]
        message = str(payload.get("error") if isinstance(payload, Mapping) else "") or str(status)
        return [failed(level, f"Kogan answered {message}", retryable=True) for level in batch]

    def refused_batch(
        self, batch: Sequence[StockLevel], response: httpx.Response, *, resend_allowed: bool
    ) -> list[PushResult]:
        """A 400 refuses the whole request. The SKUs it names fail; the others are sent
        again once without them (they were not applied)."""
        try:
            errors = sku_errors(response.json())
        except ValueError:
            errors = {}
        named = [level for level in batch if level.inventory_ref in errors]
        rest = [level for level in batch if level.inventory_ref not in errors]
        results = [failed(level, errors[level.inventory_ref]) for level in named]
        if named and rest and resend_allowed:
            return results + self.push_batch(rest, resend_allowed=False)
        message = vendor_message(response) or "Kogan refused the request"
        return results + [failed(level, message) for level in rest]

    def poll_pushes(self, task_refs: Sequence[str]) -> list[PushResult]:
        by_url: dict[str, list[str]] = {}
        for ref in dict.fromkeys(task_refs):
            by_url.setdefault(split_task_ref(ref).pending_url, []).append(ref)
        results: list[PushResult] = []
        for url, refs in by_url.items():
            results.extend(self.poll_task(url, refs))
        return results

    def poll_task(self, url: str, refs: Sequence[str]) -> list[PushResult]:
        try:
            response = self.client.task(url)
        except AuthenticationFailed:
            raise
        except ChannelError:
            return [pending_again(ref) for ref in refs]  # throttled or down: ask again later
        if response.status_code == 404:
            message = "Kogan no longer knows this task (unknown or expired); push again."
            return [failed_ref(ref, message, retryable=True) for ref in refs]
        if response.status_code >= 400:
            return [pending_again(ref) for ref in refs]
        payload = decoded(response)
        status = payload.get("status") if isinstance(payload, Mapping) else None
        if status in {COMPLETE, COMPLETE_WITH_ERRORS}:
            return task_results(url, refs, payload)
        if status == FAILED:
            message = str(payload.get("error") or "Kogan's task failed")
            return [failed_ref(ref, message, retryable=True) for ref in refs]
        return [pending_again(ref) for ref in refs]

    # -- orders ---------------------------------------------------------------------------
    def cancellation_window(self, since: datetime) -> dict[str, str]:
        end = max(self.clock(), since) + CLOCK_ALLOWANCE
        return {
            "startDateUTC": format_utc(end - CANCELLATION_WINDOW),
            "endDateUTC": format_utc(end),
        }

    def listed_orders(self, params: Mapping[str, str]) -> Iterator[ChannelOrder]:
        body = envelope_body(self.client.orders(params))
        if not isinstance(body, list):
            raise ChannelError(f"Kogan's {params['status']} orders are not a list")
        for raw in body:
            if isinstance(raw, Mapping):
                yield mapped_order(raw)

    def fetch_orders(self, since: datetime) -> Iterator[ChannelOrder]:
        """Open orders changed since the watermark (less the overlap and the release lag, or
        with cancelled items, whose cancellation Kogan may not date) and the cancellations
        of the last 15 days; one order once, oldest change first."""
        start = since - WATERMARK_OVERLAP - RELEASE_LAG
        found: dict[str, ChannelOrder] = {}
        for order in self.listed_orders({"status": OPEN_QUEUE}):
            if order.updated_at >= start or order.raw.get("CancelledItems"):
                found[order.order_ref] = order
        window = self.cancellation_window(since)
        for status in CANCELLATION_QUEUES:
            for order in self.listed_orders({"status": status, **window}):
                found[order.order_ref] = order
        yield from sorted(found.values(), key=lambda order: (order.updated_at, order.order_ref))

    def order_payload(self, order_ref: str) -> Mapping[str, Any] | None:
        """Kogan's order object, or None when Kogan does not know the order."""
        response = self.client.order(order_ref)
        if response.status_code == 404:
            return None
        raise_for_status(response)
        body = envelope_body(decoded(response))
        if isinstance(body, list):
            body = next((entry for entry in body if isinstance(entry, Mapping)), None)
        return body if isinstance(body, Mapping) and body else None

    def fetch_order(self, order_ref: str) -> ChannelOrder | None:
        raw = self.order_payload(order_ref)
        return None if raw is None else mapped_order(raw)

    def carrier_code(self, carrier: str) -> str:
        try:
            table = carrier_codes(self.config.options.get("carrier_codes", ""))
        except ValueError as error:
            raise ChannelError(str(error)) from None
        code = kogan_carrier(carrier, table)
        if code is None:
            raise ChannelError(
                f"No Kogan carrier code for {carrier or 'a shipment without a carrier'}: add "
                f"one to the store's carrier codes (e.g. {carrier or 'none'}=CODE from Kogan's "
                "supported carrier list)."
            )
        return code

    def mark_shipped(self, fulfilment: Fulfilment) -> ShipResult:
        """Read the order and send what it does not already show dispatched under this
        tracking number; check Kogan's answer for this order. A dispatch that failed on the
        way (5xx, a lost answer, throttling) is tried again the same way, order read first,
        so what arrived is never sent twice."""
        carrier = self.carrier_code(fulfilment.carrier)
        fulfilment_ref = fulfilment.tracking_number or fulfilment.key
        for attempt in range(1, self.config.max_attempts + 1):
            plan = self.dispatch_plan(fulfilment)
            if not plan:
                # Found on the first read: an earlier call made it. Found after a failed
                # send: this call's dispatch arrived although its answer did not.
                return ShipResult(fulfilment_ref=fulfilment_ref, already_done=attempt == 1)
            try:
                self.dispatch(fulfilment, plan, carrier)
            except DispatchStillRunning:
                raise  # it may still apply: sending again now could dispatch twice
            except (Unavailable, Throttled) as failure:
                if attempt == self.config.max_attempts or failure.status == 404:
                    raise
                self.sleep(min(self.config.backoff_cap_seconds, float(2**attempt)))
                continue
            return ShipResult(fulfilment_ref=fulfilment_ref)
        raise Unavailable("Kogan did not take the dispatch")  # not reached: the loop answers

    def dispatch_plan(self, fulfilment: Fulfilment) -> list[DispatchLine]:
        order = self.order_payload(fulfilment.order_ref)
        if order is None:
            raise ChannelError(f"Kogan does not know order {fulfilment.order_ref}", status=404)
        try:
            return dispatch_plan(order, fulfilment)
        except ValueError as error:
            raise ChannelError(str(error)) from None

    def dispatch(self, fulfilment: Fulfilment, plan: Sequence[DispatchLine], carrier: str) -> None:
        response = self.client.fulfil(
            fulfil_request(fulfilment.order_ref, plan, fulfilment, carrier)
        )
        if response.status_code >= 400:
            raise ChannelError(
                refusal_message(response)
                or f"Kogan refused the dispatch (HTTP {response.status_code})",
                status=response.status_code,
            )
        payload = decoded(response)
        if isinstance(payload, Mapping) and payload.get("status") == PENDING:
            payload = self.finished_task(str(payload.get("pending_url") or ""))
        check_dispatch_answer(payload, fulfilment.order_ref)

    def finished_task(self, pending_url: str) -> Mapping[str, Any]:
        """Poll an asynchronous dispatch to its end. Not ended in time, or a task Kogan lost,
        is a retryable error: the retry reads the order before sending anything."""
        if not pending_url:
            raise Unavailable("Kogan accepted the dispatch without a task to follow")
        for delay in TASK_POLL_DELAYS:
            self.sleep(min(delay, self.config.backoff_cap_seconds))
            try:
                response = self.client.task(pending_url)
            except (Unavailable, Throttled):
                continue  # no answer this time; the task itself goes on
            if response.status_code == 404:
                raise Unavailable("Kogan no longer knows the dispatch's task", status=404)
            if response.status_code >= 400:
                continue
            payload = decoded(response)
            status = payload.get("status") if isinstance(payload, Mapping) else None
            if status in {COMPLETE, COMPLETE_WITH_ERRORS}:
                return payload
            if status == FAILED:
                raise Unavailable(str(payload.get("error") or "Kogan's dispatch task failed"))
        raise DispatchStillRunning(
            "Kogan has not finished the dispatch yet; trying again later checks the order first, "
            "so nothing is dispatched twice"
        )

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[ChannelEvent]:
        raise WebhookRejected("Kogan sends no webhooks; its orders and tasks are polled.")


def mapped_order(raw: Mapping[str, Any]) -> ChannelOrder:
    try:
        return order_from_kogan(raw)
    except ValueError as error:
        raise ChannelError(str(error)) from None


def check_dispatch_answer(payload: Any, order_ref: str) -> None:
    """Kogan's answer to a dispatch (or its task's end): a ``Failed`` envelope or a ``Fail``
    result for this order is an error with Kogan's words (kogan.md §6: the HTTP status alone
    is not enough)."""
    if not isinstance(payload, Mapping):
        raise ChannelError("Kogan answered the dispatch with something other than its envelope")
    if payload.get("status") == FAILED:
        raise ChannelError(str(payload.get("error") or "Kogan refused the dispatch"))
    refusals = fulfil_refusals(payload, order_ref)
    if refusals:
        raise ChannelError(f"Kogan refused the dispatch of {order_ref}: " + "; ".join(refusals))


def refusal_message(response: httpx.Response) -> str:
    """The words of a refused dispatch: the envelope's error and per-order errors, else the
    body as Kogan sent it."""
    try:
        payload = response.json()
    except ValueError:
        return vendor_message(response)
    words: list[str] = []
    if isinstance(payload, Mapping):
        words.extend(str(payload[name]) for name in ("error", "detail") if payload.get(name))
    words.extend(fulfil_refusals(payload, ""))
    return "; ".join(words) or vendor_message(response)


def task_results(url: str, refs: Sequence[str], payload: Mapping[str, Any]) -> list[PushResult]:
    """One result per listing reference; a bare pending_url gets one per SKU that failed."""
    errors = sku_errors(payload)
    results = []
    for ref in refs:
        parts = split_task_ref(ref)
        if parts.inventory_ref:
            results.append(settled(parts.inventory_ref, parts.sku, parts.quantity, ref, errors))
        else:
            results.extend(failed_ref(ref, message, sku=name) for name, message in errors.items())
    return results


def settled(
    inventory_ref: str, sku: str, quantity: int | None, ref: str, errors: Mapping[str, str]
) -> PushResult:
    if inventory_ref in errors:
        return PushResult(
            inventory_ref, sku, PushStatus.FAILED, error=errors[inventory_ref], task_ref=ref
        )
    return PushResult(
        inventory_ref, sku, PushStatus.SUCCEEDED, current_quantity=quantity, task_ref=ref
    )


def pending(level: StockLevel, ref: str) -> PushResult:
    return PushResult(level.inventory_ref, level.sku, PushStatus.PENDING, task_ref=ref)


def pending_again(ref: str) -> PushResult:
    parts = split_task_ref(ref)
    return PushResult(parts.inventory_ref, parts.sku, PushStatus.PENDING, task_ref=ref)


def failed(level: StockLevel, message: str, *, retryable: bool = False) -> PushResult:
    return PushResult(
        level.inventory_ref, level.sku, PushStatus.FAILED, error=message, retryable=retryable
    )


def failed_ref(ref: str, message: str, *, retryable: bool = False, sku: str = "") -> PushResult:
    parts = split_task_ref(ref)
    inventory_ref, our_sku = (sku, sku) if sku else (parts.inventory_ref, parts.sku)
    return PushResult(
        inventory_ref, our_sku, PushStatus.FAILED, error=message, retryable=retryable, task_ref=ref
    )


def production_base_url(options: Mapping[str, str]) -> str:
    environment = options.get("environment") or "production"
    return PRODUCTION_HOSTS.get(environment, PRODUCTION_HOSTS["production"])


def sandbox_base_url(server: str, options: Mapping[str, str]) -> str:
    return f"{server.rstrip('/')}/sandbox/kogan"


def build(config: ChannelConfig) -> KoganChannel:
    return KoganChannel(config)


PLATFORM = PlatformSpec(
    code="kogan",
    label="Kogan",
    credential_fields=(
        FieldSpec(
            "seller_id",
            "Seller ID",
            help_text="The SellerID Kogan's seller support issued for API access.",
        ),
        FieldSpec(
            "seller_token",
            "Seller token",
            secret=True,
            help_text="The SellerToken issued with it (UAT and production tokens differ).",
        ),
    ),
    option_fields=(
        FieldSpec(
            "environment",
            "Environment",
            default="production",
            choices=(("production", "Production"), ("uat", "UAT (test)")),
            help_text="Production nimda.kogan.com, or Kogan's UAT host for test credentials.",
        ),
        FieldSpec(
            "carrier_codes",
            "Carrier codes",
            required=False,
            help_text=(
                "Kogan's code for each carrier other than Australia Post (AUP), from Kogan's "
                "supported carrier list, e.g. fastway=XXX, fourpx=YYY; none=NA only if Kogan "
                "agreed to dispatches without a carrier."
            ),
        ),
    ),
    capabilities=CAPABILITIES,
    build=build,
    production_base_url=production_base_url,
    sandbox_base_url=sandbox_base_url,
    account_field="seller_id",
)
