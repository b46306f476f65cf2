"""The canonical model every channel adapter speaks (integrations/README.md §1.1).

Plain data: no Django, no models. Quantities are whole units; times are aware UTC datetimes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ChannelConfig:
    """Everything an adapter needs to reach one store; built by ``channels`` from a Store.

    ``base_url`` is the store's API root (a vendor host, or the sandbox emulator's address);
    ``auth_url`` is the token host where it differs. ``credentials`` hold the decrypted secrets and
    ids by the names the platform's ``credential_fields`` declare; ``options`` the platform's other
    settings (API version, marketplace, location). ``store_key`` identifies the credential for
    the client-side rate limiter and the token cache.
    """

    platform: str
    base_url: str
    credentials: Mapping[str, str]
    options: Mapping[str, str] = field(default_factory=dict)
    store_key: str = ""
    auth_url: str = ""
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    backoff_cap_seconds: float = 30.0


@dataclass(frozen=True)
class ChannelLocation:
    ref: str
    name: str


@dataclass(frozen=True)
class ConnectionInfo:
    """What a cheap authenticated call answered: the account's name, its locations, and any
    other details worth showing to the merchant."""

    account_name: str
    locations: tuple[ChannelLocation, ...] = ()
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListingRef:
    """One sellable variant on the channel. ``inventory_ref`` is what stock is set against
    (Shopify InventoryItem GID, eBay offer id / SKU, Kogan product SKU, Pisell variant id) and is
    unique within a store."""

    inventory_ref: str
    sku: str
    product_ref: str = ""
    variant_ref: str = ""
    barcode: str = ""
    title: str = ""
    variant_title: str = ""
    quantity: int | None = None
    active: bool = True
    updated_at: datetime | None = None
    weight_kg: Decimal | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class StockLevel:
    """An absolute quantity to hold. ``expected_previous`` is the quantity we last read, for
    platforms with compare-and-set; ``idempotency_key`` makes a retried write a replay."""

    inventory_ref: str
    sku: str
    quantity: int
    location_ref: str | None = None
    expected_previous: int | None = None
    idempotency_key: str | None = None


class PushStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"  # accepted, to be confirmed by poll_pushes (asynchronous platforms)
    STALE = "stale"  # compare-and-set refused: the platform holds another quantity


@dataclass(frozen=True)
class PushResult:
    """The outcome for one listing of a push. ``previous_quantity`` is what the platform held
    before (when it says); ``current_quantity`` what it holds now when known (a stale answer
    carries the platform's actual quantity when the platform tells it). ``retryable`` is True
    for throttling, 5xx and timeouts; ``task_ref`` names a pending asynchronous write."""

    inventory_ref: str
    sku: str
    status: PushStatus
    previous_quantity: int | None = None
    current_quantity: int | None = None
    error: str = ""
    retryable: bool = False
    task_ref: str = ""


class EventKind(enum.StrEnum):
    PRODUCT_UPDATED = "product_updated"
    PRODUCT_DELETED = "product_deleted"
    INVENTORY_UPDATED = "inventory_updated"
    ORDER_CREATED = "order_created"
    ORDER_UPDATED = "order_updated"
    ORDER_CANCELLED = "order_cancelled"
    CHALLENGE = "challenge"  # a verification handshake that must be answered (eBay)
    OTHER = "other"


@dataclass(frozen=True)
class ChannelEvent:
    """One verified webhook delivery. ``event_id`` de-duplicates deliveries; ``refs`` names the
    listings (inventory refs or product refs) or orders it concerns."""

    kind: EventKind
    event_id: str
    topic: str = ""
    refs: tuple[str, ...] = ()
    occurred_at: datetime | None = None
    payload: Mapping[str, Any] = field(default_factory=dict, compare=False)
    response_body: bytes = b""  # what to answer (a challenge response), when not empty


class OrderStatus(enum.StrEnum):
    """An order's state on the channel, in Kucun's words. ``PENDING`` is placed but not yet
    paid or released for fulfilment; ``OPEN`` is waiting to be shipped."""

    PENDING = "pending"
    OPEN = "open"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    ON_HOLD = "on_hold"


@dataclass(frozen=True)
class OrderAddress:
    """Where an order goes. ``state`` is the state or province code where the platform gives
    one (NSW), else its name; ``country_code`` is ISO 3166-1 alpha-2."""

    name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country_code: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class ChannelOrderLine:
    """One line of a channel order. ``line_ref`` is the channel's own line id (what fulfilment
    names); ``inventory_ref`` / ``variant_ref`` identify the listing where the platform says."""

    line_ref: str
    sku: str
    quantity: int
    quantity_unfulfilled: int | None = None
    unit_price: Decimal | None = None
    title: str = ""
    inventory_ref: str = ""
    variant_ref: str = ""
    product_ref: str = ""


@dataclass(frozen=True)
class ChannelOrder:
    """An order as the channel holds it now. ``order_ref`` is the platform's id (unique in a
    store); ``number`` what the merchant and the buyer see (#1001)."""

    order_ref: str
    number: str
    status: OrderStatus
    created_at: datetime
    updated_at: datetime
    lines: tuple[ChannelOrderLine, ...]
    currency: str = ""
    total: Decimal | None = None
    shipping_total: Decimal | None = None
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    ship_to: OrderAddress = field(default_factory=OrderAddress)
    shipping_method: str = ""
    channel_status: str = ""  # the platform's own words (PAID / UNFULFILLED), for people
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ShipLine:
    line_ref: str
    quantity: int


@dataclass(frozen=True)
class Fulfilment:
    """Tell the channel that these lines left with this tracking number. ``carrier`` is Kucun's
    carrier code (auspost, fourpx, fastway, or "" for local delivery / pickup); the adapter maps
    it to the platform's own vocabulary, sending ``carrier_name`` where the platform takes free
    text. ``key`` is stable for one order's one shipment: a retry with the same key never makes
    a second fulfilment."""

    order_ref: str
    lines: tuple[ShipLine, ...]
    tracking_number: str
    carrier: str
    carrier_name: str
    shipped_at: datetime
    key: str
    tracking_url: str = ""
    note: str = ""


@dataclass(frozen=True)
class ShipResult:
    """What the channel answered: its fulfilment's id, and whether that fulfilment already
    existed (a replay found it instead of creating another)."""

    fulfilment_ref: str
    already_done: bool = False
