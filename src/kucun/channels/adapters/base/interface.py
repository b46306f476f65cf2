"""The Channel interface (integrations/README.md §1.2) and how a platform describes itself.

Each platform package (``adapters/<platform>/``) exposes ``PLATFORM: PlatformSpec`` in its
``adapter`` module: its name, the fields its store form needs, its capabilities and a
``build(config)`` returning a Channel. ``channels`` finds platforms through that value only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from kucun.channels.adapters.base.errors import ChannelError
from kucun.channels.adapters.base.types import (
    ChannelConfig,
    ChannelEvent,
    ChannelOrder,
    ConnectionInfo,
    Fulfilment,
    ListingRef,
    PushResult,
    ShipResult,
    StockLevel,
)
from kucun.core.vendor.fields import FieldSpec

# A watermark is not an exact boundary: incremental reads start this much earlier.
WATERMARK_OVERLAP = timedelta(minutes=10)


@dataclass(frozen=True)
class ChannelCapabilities:
    incremental_products: bool = True
    locations: bool = False  # stock is set at a chosen platform location (Shopify)
    async_writes: bool = False  # pushes answer "pending" and are resolved by poll_pushes (Kogan)
    compare_and_set: bool = False  # pushes carry the expected previous quantity (Shopify)
    max_stock_batch: int = 1
    webhooks: bool = False
    consent: bool = False  # the merchant grants access through a consent page (eBay)
    order_webhooks: bool = False  # the platform pushes order events (else: polling only)
    partial_fulfilment: bool = True  # a fulfilment may name some lines and quantities


class Channel(Protocol):
    """One store on one platform, as the rest of Kucun sees it. Implementations never raise for
    one bad listing in a batch: they answer a PushResult per listing."""

    capabilities: ChannelCapabilities

    def test_connection(self) -> ConnectionInfo:
        """A cheap authenticated call; raises ChannelError with the vendor's words."""
        ...

    def fetch_products(self, since: datetime | None) -> Iterator[ListingRef]:
        """Every variant (``since`` None), or those changed since the watermark minus
        WATERMARK_OVERLAP; all pages, in the platform's own paging."""
        ...

    def fetch_stock(self, inventory_refs: Sequence[str]) -> dict[str, int]:
        """The platform's current quantity of each listing (missing ones are left out)."""
        ...

    def push_stock(self, levels: Sequence[StockLevel]) -> list[PushResult]:
        """Hold these absolute quantities; chunked to ``max_stock_batch``; one result each."""
        ...

    def poll_pushes(self, task_refs: Sequence[str]) -> list[PushResult]:
        """Resolve pending asynchronous writes (platforms without them answer [])."""
        ...

    def fetch_orders(self, since: datetime) -> Iterator[ChannelOrder]:
        """Every order created or updated since the watermark minus WATERMARK_OVERLAP (the
        caller passes the first pull's horizon the first time), oldest change first where the
        platform sorts, all pages. The caller de-duplicates by order ref and updated time."""
        ...

    def fetch_order(self, order_ref: str) -> ChannelOrder | None:
        """One order by the platform's id (a webhook named it); None when the platform does
        not know it."""
        ...

    def mark_shipped(self, fulfilment: Fulfilment) -> ShipResult:
        """Send the tracking number for these lines. Idempotent: an existing fulfilment with
        the same tracking number (or the platform's idempotency key) is answered, not doubled.
        Raises ChannelError with the vendor's words; ``retryable`` on its class says whether
        to try again."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[ChannelEvent]:
        """Verify the signature on the raw bytes, then parse; raise WebhookRejected."""
        ...

    def close(self) -> None: ...


class SupportsConsent(Protocol):
    """Platforms whose merchant grants access on a consent page (eBay's authorization code)."""

    def consent_url(self, redirect_uri: str, state: str) -> str: ...

    def exchange_code(self, code: str, redirect_uri: str) -> str:
        """The refresh token for an authorization code."""
        ...


@dataclass(frozen=True)
class PlatformSpec:
    """A platform as ``channels`` knows it. ``sandbox_path`` is the emulator's prefix under
    ``/sandbox/``; ``sandbox_base_url(server, account)`` gives a sandbox store's API root and
    ``account_field`` names the credential or option that identifies the account (shop domain,
    seller id) on the platform."""

    code: str
    label: str
    credential_fields: tuple[FieldSpec, ...]
    option_fields: tuple[FieldSpec, ...]
    capabilities: ChannelCapabilities
    build: Callable[[ChannelConfig], Channel]
    production_base_url: Callable[[Mapping[str, str]], str]
    sandbox_base_url: Callable[[str, Mapping[str, str]], str]
    account_field: str = ""
    extras: Mapping[str, str] = field(default_factory=dict)


class WithoutOrders:
    """Order methods for an adapter whose platform's orders are not read yet: each refuses
    with a ChannelError that says so."""

    def fetch_orders(self, since: datetime) -> Iterator[ChannelOrder]:
        raise ChannelError("This platform's orders are not read by Kucun yet.")

    def fetch_order(self, order_ref: str) -> ChannelOrder | None:
        raise ChannelError("This platform's orders are not read by Kucun yet.")

    def mark_shipped(self, fulfilment: Fulfilment) -> ShipResult:
        raise ChannelError("This platform's orders are not read by Kucun yet.")
