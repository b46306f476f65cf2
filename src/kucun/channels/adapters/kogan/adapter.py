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
* No webhooks (§7): ``parse_webhook`` refuses every delivery.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from kucun.channels.adapters.base import (
    WATERMARK_OVERLAP,
    AuthenticationFailed,
    ChannelCapabilities,
    ChannelConfig,
    ChannelError,
    ChannelEvent,
    ConnectionInfo,
    FieldSpec,
    ListingRef,
    PlatformSpec,
    PushResult,
    PushStatus,
    StockLevel,
    WebhookRejected,
    WithoutOrders,
)
from kucun.channels.adapters.base.http import Sleep, vendor_message
from kucun.channels.adapters.kogan.client import KoganClient, decoded
from kucun.channels.adapters.kogan.mappers import (
    COMPLETE,
    COMPLETE_WITH_ERRORS,
    FAILED,
    PENDING,
    changed_since,
    chunks,
    listing_from_product,
    local_refusal,
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
)


def envelope_body(payload: Any) -> Any:
    """The ``body`` of Kogan's envelope; a ``Failed`` envelope is an error with its words."""
    if not isinstance(payload, Mapping):
        raise ChannelError("Kogan answered something other than its envelope")
    if payload.get("status") == FAILED:
        raise ChannelError(str(payload.get("error") or "Kogan answered Failed"))
    return payload.get("body")


class KoganChannel(WithoutOrders):
    capabilities = CAPABILITIES

    def __init__(
        self,
        config: ChannelConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        stock_batch: int = STOCK_BATCH,
    ) -> None:
        self.config = config
        self.client = KoganClient(config, transport=transport, sleep=sleep)
        self.stock_batch = stock_batch

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

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[ChannelEvent]:
        raise WebhookRejected("Kogan sends no webhooks; its orders and tasks are polled.")


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
    ),
    capabilities=CAPABILITIES,
    build=build,
    production_base_url=production_base_url,
    sandbox_base_url=sandbox_base_url,
    account_field="seller_id",
)
