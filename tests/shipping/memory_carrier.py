"""An in-memory carrier for service tests: a Carrier whose "carrier" is a dict in this process.

Service tests use it to check what shipping does (which rows, which statuses, how many
shipments the carrier ends up with) without HTTP; everything that talks to a real carrier's
wire format is tested against the sandbox emulators over real HTTP. It keeps what a carrier
keeps: shipments by our reference (a duplicate refused), labels that may not be ready, tracking
events, cancellations refused once lodged, manifests; and failures a test arms per operation:

* ``unavailable`` — a 503 before anything applied;
* ``lost`` — applied, then the answer lost (a 502 after the write);
* ``timeout`` — applied, then no answer in time (OutcomeUnknown);
* ``throttle`` — a 429 (Throttled), nothing applied;
* ``refuse`` — the carrier's validation refusal, naming the receiver's postcode.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from kucun.core.vendor.fields import FieldSpec
from kucun.sandbox.pdf import LabelPage, label_pdf, summary_pdf
from kucun.shipping.carriers.base import (
    AddressRules,
    CarrierCapabilities,
    CarrierConfig,
    CarrierConnectionInfo,
    CarrierSpec,
    CreatedParcel,
    CreatedShipment,
    FieldProblem,
    LabelNotReady,
    ManifestResult,
    OutcomeUnknown,
    Rate,
    ServiceInfo,
    ShipmentRefused,
    ShipmentRequest,
    Throttled,
    TrackingEvent,
    TrackingResult,
    TrackingStatus,
    Unavailable,
)

CODE = "memory"
NO_MANIFEST_CODE = "memorylite"
SERVICES = (ServiceInfo("STD", "Standard"), ServiceInfo("EXP", "Express"))
CAPABILITIES = CarrierCapabilities(
    manifest=True, cancel=True, track_batch=3, track_requests_per_minute=100, max_parcels=5
)


@dataclass
class Held:
    """One shipment on the carrier's side."""

    created: CreatedShipment
    request: ShipmentRequest
    status: str = "created"  # created | cancelled | manifested
    label_polls: int = 0


@dataclass
class MemoryCarrierSide:
    """The carrier's side of one account: what it holds, what it saw, the failures armed."""

    shipments: dict[str, Held] = field(default_factory=dict)
    events: dict[str, list[TrackingEvent]] = field(default_factory=dict)
    statuses: dict[str, TrackingStatus] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    track_requests: list[list[str]] = field(default_factory=list)
    manifests: list[ManifestResult] = field(default_factory=list)
    label_not_ready_polls: int = 0  # label calls answering "not ready" per shipment
    create_seconds: float = 0.0  # how long a create takes (to overlap concurrent senders)
    sequence: int = 0

    def arm(self, operation: str, *kinds: str) -> None:
        """The next calls of ``operation`` (create, find, label, track, cancel, manifest)
        fail in these ways, one each."""
        self.faults.setdefault(operation, []).extend(kinds)

    def fault(self, operation: str) -> str:
        queue = self.faults.get(operation) or []
        return queue.pop(0) if queue else ""

    def creates(self) -> int:
        return self.calls.count("create")

    def with_reference(self, reference: str) -> list[Held]:
        return [held for held in self.shipments.values() if held.created.reference == reference]

    def scan(
        self,
        number: str,
        status: TrackingStatus,
        description: str,
        *,
        at: datetime | None = None,
        location: str = "SYDNEY NSW",
    ) -> None:
        """A scan of a parcel (oldest first), as the carrier would record it."""
        events = self.events.setdefault(number, [])
        moment = at or datetime(2026, 1, 5, 9, 0, tzinfo=UTC) + timedelta(hours=len(events))
        events.append(
            TrackingEvent(
                at=moment,
                description=description,
                location=location,
                raw_code=description.upper()[:20],
                status=status,
            )
        )
        self.statuses[number] = status


SIDES: dict[str, MemoryCarrierSide] = {}


def side_of(account: str) -> MemoryCarrierSide:
    return SIDES.setdefault(account, MemoryCarrierSide())


def raise_for(kind: str, operation: str) -> None:
    """Failures that happen before anything applied."""
    if kind == "unavailable":
        raise Unavailable(f"503: memory carrier unavailable ({operation})", status=503)
    if kind == "throttle":
        raise Throttled("429: too many requests", status=429, retry_after=1)
    if kind == "refuse":
        raise ShipmentRefused(
            "Validation failed",
            problems=(FieldProblem("shipments[0].to.postcode", "Postcode not found", "44003"),),
            status=400,
        )


def raise_after(kind: str, operation: str) -> None:
    """Failures after the write applied: the answer is lost."""
    if kind == "lost":
        raise Unavailable(f"502: bad gateway after {operation}", status=502)
    if kind == "timeout":
        raise OutcomeUnknown(f"no answer to {operation} in time")


class MemoryCarrier:
    def __init__(self, config: CarrierConfig, capabilities: CarrierCapabilities) -> None:
        self.side = side_of(config.credentials.get("account", ""))
        self.capabilities = capabilities
        self.prefix = config.credentials.get("account", "M")[:2].upper()

    def test_connection(self) -> CarrierConnectionInfo:
        return CarrierConnectionInfo(account_name="Memory carrier", services=SERVICES)

    def quote(self, shipment: ShipmentRequest) -> list[Rate]:
        return [Rate(service.code, service.name, Decimal("12.50")) for service in SERVICES]

    def create_shipment(self, shipment: ShipmentRequest) -> CreatedShipment:
        self.side.calls.append("create")
        time.sleep(self.side.create_seconds)
        kind = self.side.fault("create")
        raise_for(kind, "create")
        if self.side.with_reference(shipment.reference):
            raise ShipmentRefused(
                f"Shipment reference {shipment.reference} is used already",
                problems=(FieldProblem("shipment_reference", "duplicate", "DUP"),),
            )
        if not shipment.parcels:
            raise ShipmentRefused("no parcels")
        self.side.sequence += 1
        number = self.side.sequence
        parcels = tuple(
            CreatedParcel(
                reference=parcel.reference,
                carrier_parcel_id=f"item-{number}-{position}",
                tracking_number=f"{self.prefix}{number:05d}{position:02d}",
            )
            for position, parcel in enumerate(shipment.parcels, start=1)
        )
        created = CreatedShipment(
            carrier=CODE,
            reference=shipment.reference,
            carrier_shipment_id=f"ship-{number}",
            tracking_numbers=tuple(parcel.tracking_number for parcel in parcels),
            parcels=parcels,
            consignment_number=f"CON{number:05d}",
            cost=Decimal("12.50") * len(parcels),
        )
        self.side.shipments[created.carrier_shipment_id] = Held(created, shipment)
        for parcel in parcels:
            self.side.scan(
                parcel.tracking_number,
                TrackingStatus.INFO_RECEIVED,
                "Shipment information received",
            )
        raise_after(kind, "create")
        return created

    def find_shipment(self, reference: str) -> CreatedShipment | None:
        self.side.calls.append("find")
        kind = self.side.fault("find")
        raise_for(kind, "find")
        found = self.side.with_reference(reference)
        return found[0].created if found else None

    def label(self, created: CreatedShipment) -> bytes:
        self.side.calls.append("label")
        raise_for(self.side.fault("label"), "label")
        held = self.side.shipments[created.carrier_shipment_id]
        held.label_polls += 1
        if held.label_polls <= self.side.label_not_ready_polls:
            raise LabelNotReady("the label is still being produced")
        return label_pdf(
            [
                LabelPage(
                    carrier="Memory",
                    tracking_number=number,
                    service="Memory Standard",
                    sender=("Kucun",),
                    receiver=(held.request.receiver.name,),
                    reference=created.reference,
                )
                for number in created.tracking_numbers
            ]
        )

    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        self.side.calls.append("track")
        self.side.track_requests.append(list(tracking_numbers))
        raise_for(self.side.fault("track"), "track")
        results = []
        for number in tracking_numbers:
            if number not in self.side.statuses:
                results.append(
                    TrackingResult(number, TrackingStatus.UNKNOWN, error="Invalid tracking ID")
                )
                continue
            results.append(
                TrackingResult(
                    number, self.side.statuses[number], tuple(self.side.events.get(number, ()))
                )
            )
        return results

    def cancel(self, created: CreatedShipment) -> None:
        self.side.calls.append("cancel")
        raise_for(self.side.fault("cancel"), "cancel")
        held = self.side.shipments.get(created.carrier_shipment_id)
        if held is None or held.status != "created":
            raise ShipmentRefused("The shipment cannot be cancelled: it is lodged or gone.")
        held.status = "cancelled"

    def close_manifest(
        self, shipments: Sequence[CreatedShipment], reference: str
    ) -> ManifestResult | None:
        self.side.calls.append("manifest")
        if not self.capabilities.manifest:
            return None
        kind = self.side.fault("manifest")
        raise_for(kind, "manifest")
        for created in shipments:
            held = self.side.shipments.get(created.carrier_shipment_id)
            if held is None or held.status != "created":
                raise ShipmentRefused(f"{created.reference} cannot be lodged")
        for created in shipments:
            self.side.shipments[created.carrier_shipment_id].status = "manifested"
        result = ManifestResult(
            manifest_id=f"order-{len(self.side.manifests) + 1}",
            reference=reference,
            pdf=summary_pdf(f"Manifest {reference}", [s.reference for s in shipments]),
            cost=Decimal("12.50") * len(shipments),
        )
        self.side.manifests.append(result)
        raise_after(kind, "manifest")
        return result

    def close(self) -> None:
        pass


def make_spec(code: str, capabilities: CarrierCapabilities, rules: AddressRules) -> CarrierSpec:
    return CarrierSpec(
        code=code,
        label=f"Memory carrier ({code})",
        credential_fields=(
            FieldSpec("account", "Account"),
            FieldSpec("api_key", "API key", secret=True),
        ),
        option_fields=(),
        services=SERVICES,
        capabilities=capabilities,
        build=lambda config: MemoryCarrier(config, capabilities),
        production_base_url=lambda options: "memory://",
        test_base_url=lambda options: "memory://",
        sandbox_base_url=lambda server, options: "memory://",
        address_rules=rules,
    )


RULES = AddressRules(phone_required=False)
SPEC = make_spec(CODE, CAPABILITIES, RULES)
NO_MANIFEST_SPEC = make_spec(
    NO_MANIFEST_CODE, replace(CAPABILITIES, manifest=False, cancel=False), RULES
)
