"""The Carrier interface (integrations/README.md §1.3) and how a carrier describes itself.

Each carrier package (``carriers/<code>/``) exposes ``CARRIER: CarrierSpec`` in its ``adapter``
module: its name, the fields its account form needs, its services, its capabilities and a
``build(config)`` returning a Carrier. ``shipping`` finds carriers through that value only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kucun.core.vendor.fields import FieldSpec
from kucun.shipping.carriers.base.types import (
    CarrierConfig,
    CarrierConnectionInfo,
    CreatedShipment,
    ManifestResult,
    Rate,
    ServiceInfo,
    ShipmentRequest,
    TrackingResult,
)


@dataclass(frozen=True)
class CarrierCapabilities:
    manifest: bool = False  # close_manifest does something (AusPost orders)
    cancel: bool = True  # shipments may be cancelled before lodgement
    track_batch: int = 10  # tracking numbers per track() request
    track_requests_per_minute: int = 10  # the scheduled refresh stays within this
    max_parcels: int = 20  # parcels per shipment
    weight_unit: str = "kg"  # what the carrier's wire format uses (4PX: g)


@dataclass(frozen=True)
class AddressRules:
    """What a carrier requires of a receiver before a shipment is sent: checked by ``shipping``
    (errors name the field) so that the carrier is not asked to refuse it."""

    required: tuple[str, ...] = ("name", "lines", "suburb", "postcode", "country")
    name_max: int = 40
    line_max: int = 40
    max_lines: int = 3
    phone_required: bool = False
    email_required: bool = False
    countries: tuple[str, ...] = ()  # empty: any country


class Carrier(Protocol):
    """One carrier account, as the rest of Kucun sees it."""

    capabilities: CarrierCapabilities

    def test_connection(self) -> CarrierConnectionInfo:
        """A cheap authenticated call; raises CarrierError with the carrier's words."""
        ...

    def quote(self, shipment: ShipmentRequest) -> list[Rate]: ...

    def create_shipment(self, shipment: ShipmentRequest) -> CreatedShipment:
        """Create it at the carrier. Never repeated blindly: on OutcomeUnknown the caller
        looks it up with ``find_shipment(reference)`` first."""
        ...

    def find_shipment(self, reference: str) -> CreatedShipment | None:
        """The shipment created under our reference, or None when the carrier has none."""
        ...

    def label(self, created: CreatedShipment) -> bytes:
        """The label PDF; polls an asynchronous label with a bounded backoff, then raises
        LabelNotReady."""
        ...

    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        """One result per number asked (batched to ``capabilities.track_batch``)."""
        ...

    def cancel(self, created: CreatedShipment) -> None:
        """Raises ShipmentRefused when the carrier no longer allows it."""
        ...

    def close_manifest(
        self, shipments: Sequence[CreatedShipment], reference: str
    ) -> ManifestResult | None:
        """Lodge the day's shipments (AusPost order + summary PDF); None where the carrier
        has no manifest."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class CarrierSpec:
    """A carrier as ``shipping`` knows it. ``production_base_url(options)`` and
    ``test_base_url(options)`` give the vendor's hosts by environment; ``sandbox_base_url(server,
    credentials)`` the built-in emulator's API root; ``sandbox_path`` the emulator's system name
    under ``/sandbox/``; ``sandbox_credentials`` values that the emulator accepts, offered in the
    form when the account is a sandbox one."""

    code: str
    label: str
    credential_fields: tuple[FieldSpec, ...]
    option_fields: tuple[FieldSpec, ...]
    services: tuple[ServiceInfo, ...]
    capabilities: CarrierCapabilities
    build: Callable[[CarrierConfig], Carrier]
    production_base_url: Callable[[Mapping[str, str]], str]
    test_base_url: Callable[[Mapping[str, str]], str]
    sandbox_base_url: Callable[[str, Mapping[str, str]], str]
    address_rules: AddressRules = field(default_factory=AddressRules)
    label_sizes: tuple[tuple[str, str], ...] = ()  # (value, label)
    sandbox_credentials: Mapping[str, str] = field(default_factory=dict)
    auth_url: Callable[[str, Mapping[str, str]], str] | None = None  # (base_url, options)
