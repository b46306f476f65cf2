"""The Australia Post carrier (integrations/auspost.md), for eParcel contract accounts.

* Create: ``POST /shipping/v1/shipments`` with our reference as ``shipment_reference``; never
  repeated blindly. After a lost answer ``find_shipment(reference)`` reads
  ``GET /shipping/v1/shipments`` filtered by that reference (and checks the reference itself).
  Tracking numbers are the items' ``article_id`` in our parcels' order.
* Labels: ``POST /shipping/v1/labels`` one-step (``wait_for_label_url``) or two-step as the
  account's option says; a label still PENDING is polled at ``GET /labels/{request_id}`` with
  a bounded, doubling wait (CarrierConfig.label_poll_*), then LabelNotReady. The PDF is
  downloaded from the label's URL.
* Tracking: ``GET /shipping/v1/track`` ten ids at a time, about ten requests a minute; free-text
  statuses mapped by keyword (mappers.tracking_status), events oldest first.
* Cancel: ``DELETE /shipping/v1/shipments/{id}``; AusPost's refusal (a lodged shipment, one
  already gone) is ShipmentRefused.
* Manifest: ``PUT /shipping/v1/orders`` then the order summary PDF.
* Refusals (400/404/409/422) are ShipmentRefused with one FieldProblem per error entry; 429
  ``API_002`` is waited out by the HTTP client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import httpx

from kucun.core.vendor.fields import FieldSpec
from kucun.core.vendor.http import Sleep
from kucun.shipping.carriers.auspost import mappers
from kucun.shipping.carriers.auspost.client import AusPostClient, carrier_words, decoded
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
    OutcomeUnknown,
    Rate,
    ServiceInfo,
    ShipmentRefused,
    ShipmentRequest,
    TrackingResult,
    TrackingStatus,
)

logger = logging.getLogger(__name__)

PRODUCTION_BASE_URL = "https://digitalapi.auspost.com.au"
TEST_PATHS = {"test": "/test", "testbed": "/testbed"}
TRACK_BATCH = 10
SHIPMENTS_PAGE_SIZE = 100
DEFAULT_LAYOUT = "A4-1pp"
REFUSAL_STATUSES = frozenset({400, 404, 409, 422})

SERVICES = (
    ServiceInfo("T28", "Parcel Post"),
    ServiceInfo("E34", "Express Post"),
)
SERVICE_NAMES = {service.code: service.name for service in SERVICES}

CAPABILITIES = CarrierCapabilities(
    manifest=True,
    cancel=True,
    track_batch=TRACK_BATCH,
    track_requests_per_minute=10,
    max_parcels=20,
    weight_unit="kg",
)

LABEL_SIZES = (
    ("A4-1pp", "A4, one label a page"),
    ("A4-3pp", "A4, three labels a page"),
    ("A4-4pp", "A4, four labels a page"),
    ("A6-1pp", "A6 thermal, one label"),
)
ON_OFF = (("on", "On"), ("off", "Off"))


def option_on(options: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = str(options.get(name, "")).strip().lower()
    if not value:
        return default
    return value in {"on", "true", "yes", "1"}


class AusPostCarrier:
    capabilities = CAPABILITIES

    def __init__(
        self,
        config: CarrierConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.config = config
        self.sleep = sleep
        self.client = AusPostClient(config, transport=transport, sleep=sleep)
        self._account_groups: dict[str, str] | None = None

    def close(self) -> None:
        self.client.close()

    # -- the account ----------------------------------------------------------------------
    def account(self) -> Any:
        response = self.client.account()
        if response.status_code >= 400:
            raise CarrierError(carrier_words(response), status=response.status_code)
        return decoded(response)

    def test_connection(self) -> CarrierConnectionInfo:
        """The account's details and its postage products (the services it may use)."""
        payload = self.account()
        self._account_groups = mappers.account_groups(payload)
        return mappers.connection_info(payload, self.client.account_number)

    def account_groups(self) -> dict[str, str]:
        """Product id → label group from the account, read once per adapter."""
        if self._account_groups is None:
            self._account_groups = mappers.account_groups(self.account())
        return self._account_groups

    # -- quotes and shipments -------------------------------------------------------------
    def quote(self, shipment: ShipmentRequest) -> list[Rate]:
        """The contract's item prices for these parcels, one rate per product; the service
        asked for is priced as the shipment would be billed (its shipment price, surcharges
        such as fuel included, which item prices leave out)."""
        response = self.client.item_prices(mappers.item_prices_body(shipment))
        refuse_unless_ok(response)
        rates = mappers.rates_from_item_prices(
            decoded(response),
            parcels=len(shipment.parcels),
            currency=shipment.currency,
            names=SERVICE_NAMES,
        )
        return [
            self.binding(shipment, rate) if rate.service_code == shipment.service_code else rate
            for rate in rates
        ]

    def binding(self, shipment: ShipmentRequest, rate: Rate) -> Rate:
        response = self.client.shipment_price(mappers.create_shipments_body(shipment))
        refuse_unless_ok(response)
        return mappers.priced_rate(decoded(response), rate)

    def create_shipment(self, shipment: ShipmentRequest) -> CreatedShipment:
        body = mappers.create_shipments_body(
            shipment, email_tracking=option_on(self.config.options, "email_tracking")
        )
        response = self.client.create_shipments(body)
        refuse_unless_ok(response)
        try:
            created = mappers.first_shipment(response.json())
        except ValueError:
            created = None
        if created is None:
            # Accepted, but the answer does not say what was made: it may exist.
            raise OutcomeUnknown(
                "Australia Post accepted the shipment but its answer holds no shipment",
                status=response.status_code,
            )
        found = mappers.created_shipment(created, [parcel.reference for parcel in shipment.parcels])
        return found if found.reference else replace(found, reference=shipment.reference)

    def find_shipment(self, reference: str) -> CreatedShipment | None:
        """The live shipment AusPost holds under our ``shipment_reference`` (a cancelled one is
        not found: it no longer exists there)."""
        offset = 0
        while True:
            params = {
                "shipment_reference": reference,
                "offset": offset,
                "number_of_shipments": SHIPMENTS_PAGE_SIZE,
            }
            response = self.client.shipments(params)
            if response.status_code == 404:
                return None
            refuse_unless_ok(response)
            payload = decoded(response)
            for shipment in mappers.shipments_with_reference(payload, reference):
                if mappers.shipment_status(shipment).lower() not in {"cancelled", "deleted"}:
                    return mappers.created_shipment(shipment)
            if not mappers.more_pages(payload, offset, SHIPMENTS_PAGE_SIZE):
                return None
            offset += SHIPMENTS_PAGE_SIZE

    def shipment_by_id(self, shipment_id: str) -> CreatedShipment | None:
        response = self.client.shipments({"shipment_ids": shipment_id})
        if response.status_code == 404:
            return None
        refuse_unless_ok(response)
        found = mappers.first_shipment(decoded(response))
        return None if found is None else mappers.created_shipment(found)

    # -- labels ---------------------------------------------------------------------------
    def label(self, created: CreatedShipment) -> bytes:
        body = mappers.labels_body(
            created,
            groups=self.label_groups(created),
            layout=self.config.options.get("label_size") or DEFAULT_LAYOUT,
            wait_for_label_url=not option_on(self.config.options, "two_step_labels"),
            branded=option_on(self.config.options, "branded_labels", default=True),
        )
        response = self.client.create_labels(body)
        refuse_unless_ok(response)
        entry = mappers.label_entry(decoded(response))
        entry = self.until_available(entry)
        return self.download(entry)

    def label_groups(self, created: CreatedShipment) -> list[str]:
        """The label group of each product of the shipment (from ``label_ref``, or the
        shipment read back when a record has none)."""
        products = [product for product in created.label_ref.split(",") if product]
        if not products:
            found = self.shipment_by_id(created.carrier_shipment_id)
            products = [p for p in (found.label_ref if found else "").split(",") if p]
        known = all(product in mappers.PRODUCT_GROUPS for product in products)
        groups = {} if known else self.account_groups()
        return [mappers.label_group(product, groups) for product in products] or [
            mappers.DEFAULT_LABEL_GROUP
        ]

    def until_available(self, entry: Mapping[str, Any]) -> Mapping[str, Any]:
        """Poll a PENDING label request with a doubling wait, at most
        ``label_poll_attempts`` times."""
        wait = self.config.label_poll_seconds
        for _ in range(self.config.label_poll_attempts):
            status = mappers.label_status(entry)
            if status == mappers.LABEL_AVAILABLE and entry.get("url"):
                return entry
            if status in mappers.LABEL_FAILED_STATUSES:
                raise CarrierError(mappers.label_failure(entry), retryable=True)
            request_id = mappers.text(entry.get("request_id"))
            if not request_id:
                raise CarrierError(
                    "Australia Post's label answer has neither a URL nor a request id",
                    retryable=True,
                )
            self.sleep(wait)
            wait = min(wait * 2, self.config.backoff_cap_seconds)
            response = self.client.label(request_id)
            refuse_unless_ok(response)
            entry = mappers.label_entry(decoded(response)) or entry
        if mappers.label_status(entry) == mappers.LABEL_AVAILABLE and entry.get("url"):
            return entry
        raise LabelNotReady(
            f"Australia Post's label is still {mappers.label_status(entry) or 'pending'}; "
            "ask for it again shortly"
        )

    def download(self, entry: Mapping[str, Any]) -> bytes:
        response = self.client.download(str(entry["url"]))
        if response.status_code >= 400:
            raise CarrierError(
                f"The label could not be downloaded: {carrier_words(response)}",
                status=response.status_code,
                retryable=True,
            )
        if not response.content.startswith(b"%PDF-"):
            raise CarrierError("Australia Post's label link did not answer a PDF", retryable=True)
        return response.content

    # -- tracking -------------------------------------------------------------------------
    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        numbers = list(dict.fromkeys(number for number in tracking_numbers if number))
        found: dict[str, TrackingResult] = {}
        for start in range(0, len(numbers), TRACK_BATCH):
            batch = numbers[start : start + TRACK_BATCH]
            response = self.client.track(batch)
            if response.status_code >= 400:
                raise CarrierError(carrier_words(response), status=response.status_code)
            for result in mappers.tracking_results(decoded(response), batch):
                found[result.tracking_number] = result
        return [
            found.get(number)
            or TrackingResult(number, TrackingStatus.UNKNOWN, error="no tracking number")
            for number in tracking_numbers
        ]

    # -- cancel and manifest --------------------------------------------------------------
    def cancel(self, created: CreatedShipment) -> None:
        response = self.client.delete_shipment(created.carrier_shipment_id)
        refuse_unless_ok(response)

    def close_manifest(
        self, shipments: Sequence[CreatedShipment], reference: str
    ) -> ManifestResult | None:
        """One AusPost order of the shipments, and its summary PDF. The order cannot be undone,
        so a summary that fails to download leaves the result without its PDF rather than
        hiding that the shipments were lodged."""
        shipment_ids = [shipment.carrier_shipment_id for shipment in shipments]
        response = self.client.create_order(mappers.order_body(shipment_ids, reference))
        refuse_unless_ok(response)
        order = mappers.order_of(decoded(response))
        order_id = mappers.text(order.get("order_id"))
        if not order_id:
            raise CarrierError("Australia Post's answer to the order holds no order id")
        return mappers.manifest_result(order, reference, self.order_summary(order_id))

    def order_summary(self, order_id: str) -> bytes | None:
        try:
            response = self.client.order_summary(order_id)
        except CarrierError as error:
            logger.warning("AusPost order %s summary not downloaded: %s", order_id, error)
            return None
        if response.status_code >= 400 or not response.content.startswith(b"%PDF-"):
            logger.warning(
                "AusPost order %s summary not downloaded: HTTP %s", order_id, response.status_code
            )
            return None
        return response.content


def refuse_unless_ok(response: httpx.Response) -> None:
    """A refusal (400, 404, 409, 422) is ShipmentRefused naming AusPost's fields; any other
    error answer a CarrierError with AusPost's words."""
    if response.status_code < 400:
        return
    words = carrier_words(response)
    if response.status_code in REFUSAL_STATUSES:
        try:
            problems = mappers.field_problems(response.json())
        except ValueError:
            problems = ()
        raise ShipmentRefused(words, problems=problems, status=response.status_code)
    raise CarrierError(words, status=response.status_code)


def production_base_url(options: Mapping[str, str]) -> str:
    return PRODUCTION_BASE_URL


def test_environment_base_url(options: Mapping[str, str]) -> str:
    path = TEST_PATHS.get(options.get("test_path") or "test", TEST_PATHS["test"])
    return PRODUCTION_BASE_URL + path


def sandbox_base_url(server: str, credentials: Mapping[str, str]) -> str:
    return f"{server.rstrip('/')}/sandbox/auspost"


def build(config: CarrierConfig) -> AusPostCarrier:
    return AusPostCarrier(config)


CARRIER = CarrierSpec(
    code="auspost",
    label="Australia Post",
    credential_fields=(
        FieldSpec(
            "account_number",
            "Account number",
            help_text="Your eParcel charge account number (10 digits).",
            placeholder="0001234567",
        ),
        FieldSpec(
            "api_key",
            "API key",
            secret=True,
            help_text="The Shipping and Tracking API key Australia Post issued.",
        ),
        FieldSpec(
            "password",
            "API password",
            secret=True,
            help_text="The password issued with the API key.",
        ),
    ),
    option_fields=(
        FieldSpec(
            "two_step_labels",
            "Two-step labels",
            required=False,
            default="off",
            choices=ON_OFF,
            help_text="Ask for labels and collect them when ready, for large shipments.",
        ),
        FieldSpec(
            "branded_labels",
            "Branded labels",
            required=False,
            default="on",
            choices=ON_OFF,
            help_text="Print the Australia Post brand on the labels.",
        ),
        FieldSpec(
            "email_tracking",
            "Tracking emails",
            required=False,
            default="off",
            choices=ON_OFF,
            help_text="Australia Post emails the receiver tracking updates (needs their email).",
        ),
        FieldSpec(
            "test_path",
            "Test environment",
            required=False,
            default="test",
            choices=(("test", "/test"), ("testbed", "/testbed")),
            help_text="The test address your onboarding email names.",
        ),
    ),
    services=SERVICES,
    capabilities=CAPABILITIES,
    build=build,
    production_base_url=production_base_url,
    test_base_url=test_environment_base_url,
    sandbox_base_url=sandbox_base_url,
    address_rules=AddressRules(
        # Every AusPost address has a state and a postcode (domestic Parcel and Express Post).
        required=("name", "lines", "suburb", "state", "postcode", "country"),
        name_max=40,
        line_max=40,
        max_lines=3,
    ),
    label_sizes=LABEL_SIZES,
    sandbox_credentials={
        "account_number": "0001234567",
        "api_key": "sandbox-auspost-key",
        "password": "sandbox-auspost-password",
    },
)
