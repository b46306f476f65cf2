"""The canonical model every carrier adapter speaks (integrations/README.md §1.1, §1.3).

Plain data: no Django, no models. Weights are kilograms and sizes centimetres (Decimal); money is
Decimal in the account's currency; times are aware datetimes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class CarrierConfig:
    """Everything an adapter needs to reach one carrier account; built by ``shipping`` from a
    CarrierAccount. ``base_url`` is the API root (the carrier's host or the sandbox emulator's
    address); ``auth_url`` the token host where it differs. ``credentials`` hold the decrypted
    secrets and ids by the names the carrier's ``credential_fields`` declare, ``options`` its
    other settings. ``account_key`` identifies the credential for the rate limiter and token
    cache."""

    carrier: str
    base_url: str
    credentials: Mapping[str, str]
    options: Mapping[str, str] = field(default_factory=dict)
    account_key: str = ""
    auth_url: str = ""
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    backoff_cap_seconds: float = 30.0
    label_poll_attempts: int = 8  # bounded polling of asynchronous labels
    label_poll_seconds: float = 0.5  # first wait; doubles, capped by backoff_cap_seconds


@dataclass(frozen=True)
class Address:
    """A sender or a receiver. ``lines`` are the street lines (1 to 3); ``country`` ISO-3166
    alpha-2; ``state`` the state or territory code (VIC, NSW) where the country has them."""

    name: str
    lines: tuple[str, ...]
    suburb: str
    state: str
    postcode: str
    country: str = "AU"
    company: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class ParcelContent:
    """One SKU in a parcel (for customs declarations and the carrier's item list)."""

    sku: str
    description: str
    quantity: int
    unit_value: Decimal = Decimal("0")
    unit_weight_kg: Decimal = Decimal("0")
    country_of_origin: str = ""
    tariff_code: str = ""


@dataclass(frozen=True)
class Parcel:
    reference: str  # ours, unique within the shipment (e.g. "SHP-00012-1")
    weight_kg: Decimal
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    description: str = ""
    value: Decimal = Decimal("0")
    contents: tuple[ParcelContent, ...] = ()


@dataclass(frozen=True)
class ShipmentOptions:
    authority_to_leave: bool = False
    signature: bool = False
    insurance_value: Decimal | None = None
    dangerous_goods: bool = False


@dataclass(frozen=True)
class ShipmentRequest:
    """One shipment to one address. ``reference`` is ours and unique per carrier account: it is
    the key a lost answer is looked up by (AusPost shipment_reference, 4PX ref_no, myFastway
    external reference)."""

    reference: str
    sender: Address
    receiver: Address
    parcels: tuple[Parcel, ...]
    service_code: str
    options: ShipmentOptions = field(default_factory=ShipmentOptions)
    currency: str = "AUD"
    label_format: str = "PDF"
    label_size: str = ""


@dataclass(frozen=True)
class Rate:
    service_code: str
    service_name: str
    price_inc_tax: Decimal
    tax: Decimal = Decimal("0")
    currency: str = "AUD"
    eta_days: int | None = None


@dataclass(frozen=True)
class CreatedParcel:
    reference: str  # our parcel reference, as sent
    carrier_parcel_id: str  # AusPost item_id, myFastway label number, 4PX parcel index
    tracking_number: str


@dataclass(frozen=True)
class CreatedShipment:
    """What the carrier answered to a create (or a lookup by reference). ``tracking_numbers``
    one per parcel, in the parcels' order; ``label_ref`` what ``label()`` needs (a request id,
    a consignment number) when it differs from the shipment id."""

    carrier: str
    reference: str
    carrier_shipment_id: str
    tracking_numbers: tuple[str, ...]
    parcels: tuple[CreatedParcel, ...] = ()
    consignment_number: str = ""
    label_ref: str = ""
    cost: Decimal | None = None
    currency: str = "AUD"
    last_mile_carrier: str = ""  # 4PX: the destination carrier that delivers


class TrackingStatus(enum.StrEnum):
    """The canonical tracking statuses; each adapter maps its carrier's words onto them."""

    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class TrackingEvent:
    at: datetime
    description: str
    location: str = ""
    raw_code: str = ""  # the carrier's own status word or code
    status: TrackingStatus = TrackingStatus.UNKNOWN


@dataclass(frozen=True)
class TrackingResult:
    """One tracking number's status and events (oldest first). ``error`` is the carrier's words
    when it does not know the number; the status is then UNKNOWN."""

    tracking_number: str
    status: TrackingStatus
    events: tuple[TrackingEvent, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    name: str


@dataclass(frozen=True)
class CarrierConnectionInfo:
    """What a cheap authenticated call answered: the account's name, the services it may use,
    and other details worth showing to the merchant."""

    account_name: str
    services: tuple[ServiceInfo, ...] = ()
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ManifestResult:
    """A closed manifest (AusPost order): its id on the carrier's side and its PDF."""

    manifest_id: str
    reference: str
    pdf: bytes | None = None
    cost: Decimal | None = None
