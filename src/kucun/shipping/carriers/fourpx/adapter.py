"""The 4PX carrier (integrations/fourpx.md): direct-shipment consignments (``ds.xms.*``) through
the signed Open Platform gateway.

* Services are the account's logistics products (``ds.xms.logistics_product.getlist``, §4);
  ``test_connection`` lists them.
* ``create_shipment`` sends ``ds.xms.order.create`` (§6) once: ``ref_no`` is our reference and
  4PX refuses it twice, so a lost answer is looked up with ``find_shipment`` (``ds.xms.order.get``
  by ``request_no`` = our reference, §7), never re-sent blindly.
* A consignment has one ``4px_tracking_no`` for all its parcels: each parcel carries that number
  (unless 4PX lists per-parcel numbers). ``logistics_channel_name``/``_no``, the destination
  carrier that delivers and its number, are kept as ``last_mile_carrier``.
* Labels (§8.1) may not exist right after create (``DS000046``): asked again with a bounded,
  doubling wait, then LabelNotReady; the URL 4PX answers is downloaded at once.
* Tracking (§8.2) is one number per request; 4PX's words are mapped to our statuses.
* Cancel (§7) only while the consignment is a forecast; ``DS000014`` is a refusal. There is no
  manifest: ``close_manifest`` answers None.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Mapping, Sequence

import httpx

from kucun.core.vendor.fields import FieldSpec
from kucun.core.vendor.http import Sleep
from kucun.shipping.carriers.base import (
    AddressRules,
    CarrierCapabilities,
    CarrierConfig,
    CarrierConnectionInfo,
    CarrierError,
    CarrierSpec,
    CreatedShipment,
    LabelNotReady,
    ManifestResult,
    Rate,
    ServiceInfo,
    ShipmentRefused,
    ShipmentRequest,
    TrackingResult,
)
from kucun.shipping.carriers.fourpx.client import FourPxClient
from kucun.shipping.carriers.fourpx.mappers import (
    CANNOT_CANCEL,
    IN_PROCESSING,
    LABEL_NOT_READY,
    ORDER_NOT_FOUND,
    Envelope,
    create_body,
    created_from_create,
    created_from_order,
    field_problems,
    label_body,
    label_location,
    label_size,
    order_with_reference,
    quote_body,
    rates_from_estimates,
    services_from_products,
    tracking_refused,
    tracking_result,
    with_parcel_numbers,
)

PRODUCTION_GATEWAY = "https://open.4px.com/router/api/service"
TEST_GATEWAY = "https://open-test.4px.com/router/api/service"
SANDBOX_PATH = "/sandbox/fourpx/router/api/service"
CANCEL_REASON = "Cancelled by the sender"

# (method, version) of each operation (fourpx.md §4–§8).
PRODUCTS = ("ds.xms.logistics_product.getlist", "1.0.0")
ESTIMATE = ("ds.xms.estimated_cost.get", "1.0.0")
CREATE = ("ds.xms.order.create", "1.0.0")
ORDER = ("ds.xms.order.get", "1.1.0")
CANCEL = ("ds.xms.order.cancel", "1.0.0")
LABEL = ("ds.xms.label.get", "1.1.0")
TRACKING = ("tr.order.tracking.get", "1.0.0")

CAPABILITIES = CarrierCapabilities(
    manifest=False,
    cancel=True,
    track_batch=1,  # tr.order.tracking.get takes one deliveryOrderNo
    track_requests_per_minute=60,
    max_parcels=20,
    weight_unit="g",
)
SERVICES = (
    ServiceInfo("F3", "4PX Standard Line (tracked)"),
    ServiceInfo("PX", "4PX Priority Post"),
)
LABEL_SIZES = (
    ("label_80x90", "80 × 90 mm"),
    ("label_100x100", "100 × 100 mm"),
    ("label_100x150", "100 × 150 mm"),
)
DELIVER_TYPES = (
    ("1", "4PX picks the parcels up"),
    ("2", "Sent by courier to a 4PX warehouse"),
    ("3", "Taken to a 4PX warehouse by the sender"),
    ("5", "Dropped at a 4PX store"),
)


class FourPxCarrier:
    def __init__(
        self,
        config: CarrierConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.config = config
        self.capabilities = CAPABILITIES
        self.sleep = sleep
        self.client = FourPxClient(config, transport=transport, sleep=sleep)

    def close(self) -> None:
        self.client.close()

    @property
    def currency(self) -> str:
        return self.config.options.get("currency", "AUD")

    def test_connection(self) -> CarrierConnectionInfo:
        """The account's logistics products, through a signed call (a wrong secret is refused
        with 000012)."""
        envelope = self.client.call(*PRODUCTS, {}, idempotent=True)
        raise_refusal(envelope, "4PX did not list the account's logistics products")
        return CarrierConnectionInfo(
            account_name=f"4PX app {self.client.app_key}",
            services=services_from_products(envelope.data),
            details={"gateway": self.config.base_url},
        )

    def quote(self, shipment: ShipmentRequest) -> list[Rate]:
        envelope = self.client.call(*ESTIMATE, quote_body(shipment), idempotent=True)
        raise_refusal(envelope, "4PX did not estimate the cost")
        names = {service.code: service.name for service in SERVICES}
        return rates_from_estimates(envelope.data, names)

    def create_shipment(self, shipment: ShipmentRequest) -> CreatedShipment:
        body = create_body(shipment, self.config.options)
        envelope = self.client.call(*CREATE, body, idempotent=False)
        if envelope.has(IN_PROCESSING):
            raise ShipmentRefused(
                f"4PX already has the reference {shipment.reference}: {envelope.words()}",
                problems=field_problems(envelope),
            )
        raise_refusal(envelope, "4PX refused the consignment")
        if not isinstance(envelope.data, Mapping):
            raise CarrierError("4PX accepted the consignment but sent no numbers", retryable=True)
        created = created_from_create(envelope.data, shipment, shipment.currency)
        if len(shipment.parcels) > 1:
            created = self.parcel_numbers_of(created)
        return created

    def parcel_numbers_of(self, created: CreatedShipment) -> CreatedShipment:
        """A consignment of several parcels: the create answers one 4PX number; the lookup
        may list a child barcode per parcel. The consignment exists whatever the lookup
        answers, so a failed lookup leaves the shared number on every parcel."""
        try:
            envelope = self.client.call(*ORDER, {"request_no": created.reference}, idempotent=True)
        except CarrierError:
            return created
        entry = order_with_reference(envelope.data, created.reference)
        if not envelope.succeeded or entry is None:
            return created
        return with_parcel_numbers(created, entry)

    def find_shipment(self, reference: str) -> CreatedShipment | None:
        envelope = self.client.call(*ORDER, {"request_no": reference}, idempotent=True)
        if envelope.has(ORDER_NOT_FOUND):
            return None
        raise_refusal(envelope, "4PX did not look the consignment up")
        entry = order_with_reference(envelope.data, reference)
        return created_from_order(entry, self.currency) if entry is not None else None

    def label(self, created: CreatedShipment) -> bytes:
        request_no = created.label_ref or created.consignment_number or created.reference
        size = label_size("", self.config.options)
        wait = self.config.label_poll_seconds
        for attempt in range(1, self.config.label_poll_attempts + 1):
            envelope = self.client.call(*LABEL, label_body(request_no, size), idempotent=True)
            if not envelope.has(LABEL_NOT_READY):
                raise_refusal(envelope, "4PX did not give the label")
                return self.label_file(label_location(envelope.data), request_no)
            if attempt < self.config.label_poll_attempts:
                self.sleep(wait)
                wait = min(wait * 2, self.config.backoff_cap_seconds)
        raise LabelNotReady(
            f"4PX had no label for {request_no} after "
            f"{self.config.label_poll_attempts} attempts; ask again later"
        )

    def label_file(self, location: str, request_no: str) -> bytes:
        """Download the URL 4PX answered (its files do not stay long), or decode a PDF sent
        inline in base64."""
        if not location:
            raise CarrierError(f"4PX answered no label for {request_no}")
        if location.startswith(("http://", "https://")):
            pdf = self.client.download(location)
        else:
            try:
                pdf = base64.b64decode(location, validate=True)
            except (binascii.Error, ValueError):
                pdf = b""
        if not pdf.startswith(b"%PDF-"):
            raise CarrierError(f"4PX's label for {request_no} is not a PDF", retryable=True)
        return pdf

    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        """One request per distinct number (the parcels of a consignment share theirs), the
        results in the order asked."""
        found: dict[str, TrackingResult] = {}
        for number in tracking_numbers:
            if number not in found:
                found[number] = self.track_one(number)
        return [found[number] for number in tracking_numbers]

    def track_one(self, number: str) -> TrackingResult:
        envelope = self.client.call(*TRACKING, {"deliveryOrderNo": number}, idempotent=True)
        if not envelope.succeeded:
            return tracking_refused(number, envelope.words())
        return tracking_result(number, envelope.data)

    def cancel(self, created: CreatedShipment) -> None:
        request_no = created.consignment_number or created.reference
        body = {"request_no": request_no, "cancel_reason": CANCEL_REASON}
        # Not repeated on a lost answer: a second cancel of a cancelled consignment is refused.
        envelope = self.client.call(*CANCEL, body, idempotent=False)
        if envelope.has(CANNOT_CANCEL, ORDER_NOT_FOUND):
            raise ShipmentRefused(
                f"4PX cannot cancel {request_no}: {envelope.words()}",
                problems=field_problems(envelope),
            )
        raise_refusal(envelope, f"4PX did not cancel {request_no}")

    def close_manifest(
        self, shipments: Sequence[CreatedShipment], reference: str
    ) -> ManifestResult | None:
        """4PX has no manifest: consignments are handed over as they are (deliver type)."""
        return None


def raise_refusal(envelope: Envelope, what: str) -> None:
    """A business refusal: ShipmentRefused with one FieldProblem per 4PX error."""
    if envelope.succeeded:
        return
    raise ShipmentRefused(f"{what}: {envelope.words()}", problems=field_problems(envelope))


def production_base_url(options: Mapping[str, str]) -> str:
    return PRODUCTION_GATEWAY


def test_base_url(options: Mapping[str, str]) -> str:
    return TEST_GATEWAY


def sandbox_base_url(server: str, credentials: Mapping[str, str]) -> str:
    return server.rstrip("/") + SANDBOX_PATH


def build(config: CarrierConfig) -> FourPxCarrier:
    return FourPxCarrier(config)


CARRIER = CarrierSpec(
    code="fourpx",
    label="4PX",
    credential_fields=(
        FieldSpec(
            "app_key",
            "App key",
            help_text="The app key of the app registered in the 4PX developer portal.",
        ),
        FieldSpec(
            "app_secret",
            "App secret",
            secret=True,
            help_text="The app secret issued with it; 4PX signs every request with it.",
        ),
    ),
    option_fields=(
        FieldSpec(
            "label_size",
            "Label size",
            required=False,
            default="label_100x150",
            choices=LABEL_SIZES,
        ),
        FieldSpec(
            "deliver_type",
            "Hand-over to 4PX",
            required=False,
            default="1",
            choices=DELIVER_TYPES,
            help_text="How the parcels reach 4PX.",
        ),
        FieldSpec(
            "warehouse_code",
            "4PX warehouse code",
            required=False,
            help_text="The 4PX warehouse that receives the parcels, when 4PX gave you one.",
        ),
        FieldSpec(
            "duty_type",
            "Duties",
            required=False,
            default="U",
            choices=(("U", "Paid by the receiver (DDU)"), ("P", "Paid by the sender (DDP)")),
        ),
    ),
    services=SERVICES,
    capabilities=CAPABILITIES,
    build=build,
    production_base_url=production_base_url,
    test_base_url=test_base_url,
    sandbox_base_url=sandbox_base_url,
    address_rules=AddressRules(),
    label_sizes=LABEL_SIZES,
    sandbox_credentials={
        "app_key": "sandbox-4px-app-key",
        "app_secret": "sandbox-4px-app-secret",
    },
)
