"""Fastway (Aramex Australia / NZ) as a Kucun carrier: the myFastway REST API
(integrations/fastway.md).

A shipment is a myFastway *consignment*: one item of quantity 1 per parcel, so that each parcel
gets its own label number, which is its tracking number. Our service code is the package type
(``P`` parcel, ``S`` satchel of the account's satchel size); authority to leave and signature
are the ``DELOPT`` delivery options. Our reference travels as ``externalRef1``.

Before a quote or a consignment the receiver's address is validated (§4: "do this before
quoting/consigning"); an address myFastway does not know is refused with its suggestions. A
create is never repeated: there is no idempotency key, so a lost answer is an OutcomeUnknown and
``find_shipment(reference)`` looks for the consignment by ``externalRef1`` in the consignment
list. There is no manifest (drivers scan the labels at pickup); a consignment may be deleted
(cancelled) until it is picked up. Tracking asks one label per call (§8).

Addresses: ``https://api.myfastway.com.au`` (NZ ``https://api.myfastway.co.nz``), tokens from
``https://identity.fastway.org/connect/token``; both may be replaced per account (options
``test_base_url`` and ``token_url``). Kucun's sandbox serves the API under ``/sandbox/fastway``
and the identity host's token endpoint under ``/sandbox/fastway/identity/connect/token``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kucun.core.vendor.fields import FieldSpec
from kucun.core.vendor.http import RateLimiter, Sleep, TokenCache, limiter_for, token_cache
from kucun.shipping.carriers.base import (
    AddressRules,
    CarrierCapabilities,
    CarrierConfig,
    CarrierConnectionInfo,
    CarrierError,
    CarrierSpec,
    CreatedShipment,
    ManifestResult,
    Rate,
    ServiceInfo,
    ShipmentRefused,
    ShipmentRequest,
    TrackingResult,
)
from kucun.shipping.carriers.fastway.client import (
    DEFAULT_REGION,
    PRODUCTION_API,
    SCOPES,
    FastwayClient,
    json_or_none,
    region_of,
    token_url_for,
)
from kucun.shipping.carriers.fastway.mappers import (
    DEFAULT_SATCHEL_SIZE,
    PARCEL,
    SATCHEL,
    address_body,
    consignment_body,
    created_from,
    deleted_reason_id,
    envelope_data,
    error_problems,
    listed_consignment_id,
    package_type,
    problems_message,
    rate_from,
    refused,
    text,
    tracking_result_from,
    unknown_label,
    validated_address,
)

__all__ = ["CARRIER", "FastwayCarrier"]

CODE = "fastway"
SERVICES = (ServiceInfo(PARCEL, "Parcel"), ServiceInfo(SATCHEL, "Satchel"))
SERVICE_NAMES = {service.code: service.name for service in SERVICES}
CURRENCIES = {"AU": "AUD", "NZ": "NZD"}
# §8 gives scan times without an offset: the region's time.
TIME_ZONES = {"AU": "Australia/Sydney", "NZ": "Pacific/Auckland"}
# §9: no published limit; "≤ 5 requests/second per client".
LIMITER_CAPACITY = 5.0
LIMITER_RATE = 5.0
# find_shipment reads the consignment list this many days back (and a day ahead, for the
# difference between our clock and the carrier's).
LOOKUP_DAYS_BACK = 31
LOOKUP_DAYS_AHEAD = 2
MAX_LIST_PAGES = 100

CAPABILITIES = CarrierCapabilities(
    manifest=False,  # §6: "No end-of-day manifest call exists"
    cancel=True,  # §6: DELETE …/reason/{id} before pickup
    track_batch=1,  # §8: "One label per call"
    track_requests_per_minute=60,  # well within §8's "≤ 5 req/s"
    max_parcels=20,
    weight_unit="kg",
)


class FastwayCarrier:
    """One myFastway account (a client id and secret of the portal's API keys).

    ``tokens`` and ``limiter`` default to the process-wide ones (one per credential);
    ``transport`` and ``sleep`` let unit tests answer without a network and without waiting.
    """

    capabilities = CAPABILITIES

    def __init__(
        self,
        config: CarrierConfig,
        *,
        tokens: TokenCache | None = None,
        limiter: RateLimiter | None = None,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        if limiter is None:
            owner = config.account_key or config.credentials.get("client_id", "")
            limiter = limiter_for(f"fastway:{owner}", LIMITER_CAPACITY, LIMITER_RATE)
        self.client = FastwayClient(
            config,
            tokens=tokens if tokens is not None else token_cache,
            limiter=limiter,
            sleep=sleep,
            transport=transport,
        )
        self.region = self.client.region
        self.currency = CURRENCIES[self.region]
        self.local_time = ZoneInfo(TIME_ZONES[self.region])
        self.satchel_size = (
            config.options.get("satchel_size") or ""
        ).strip().upper() or DEFAULT_SATCHEL_SIZE
        self._reason_id: str | None = None

    def close(self) -> None:
        self.client.close()

    # --- connection ----------------------------------------------------------------------------

    def test_connection(self) -> CarrierConnectionInfo:
        """A new token (the credentials, not a cached token, are what is tested) and the
        account's delivery options (§6 ``consignment-services``), a small authenticated read."""
        self.client.forget_token()
        response = self.client.consignment_services()
        body = self._read(response, "myFastway delivery options")
        options = _service_words(envelope_data(body))
        details = {"region": self.region, "scope": self.client.scope}
        if options:
            details["delivery_options"] = ", ".join(options)
        return CarrierConnectionInfo(
            account_name=f"myFastway {self.client.client_id} ({self.region})",
            services=SERVICES,
            details=details,
        )

    # --- quote and create ----------------------------------------------------------------------

    def quote(self, shipment: ShipmentRequest) -> list[Rate]:
        """§5 prices exactly what would be consigned: the shipment's service, or each of ours
        when it names none (a service the carrier refuses for it is left out)."""
        normalised = self._validated_receiver(shipment)
        if shipment.service_code:
            return [self._quote_one(shipment, shipment.service_code, normalised)]
        rates: list[Rate] = []
        for service in SERVICES:
            try:
                rates.append(self._quote_one(shipment, service.code, normalised))
            except ShipmentRefused:
                continue
        return rates

    def _quote_one(
        self, shipment: ShipmentRequest, service_code: str, normalised: Mapping[str, str]
    ) -> Rate:
        body = self._consignment_body(shipment, service_code, normalised)
        response = self.client.quote(body)
        data = envelope_data(self._read(response, "myFastway quote", refusal=True))
        code = package_type(service_code)
        try:
            return rate_from(
                data,
                service_code=service_code,
                service_name=SERVICE_NAMES.get(code, code),
                currency=self.currency,
            )
        except ValueError as error:
            raise CarrierError(f"myFastway quote: {error}") from None

    def create_shipment(self, shipment: ShipmentRequest) -> CreatedShipment:
        """§6 create, after §4's validation. Sent once: a timeout after sending is an
        OutcomeUnknown, a 5xx an Unavailable, and the caller looks the reference up."""
        normalised = self._validated_receiver(shipment)
        body = self._consignment_body(shipment, shipment.service_code, normalised)
        response = self.client.create_consignment(body)
        answer = self._read(response, "myFastway refused the consignment", refusal=True)
        try:
            return created_from(
                envelope_data(answer),
                reference=shipment.reference,
                parcels=shipment.parcels,
                currency=self.currency,
            )
        except ValueError as error:
            raise CarrierError(f"myFastway consignment: {error}") from None

    def _consignment_body(
        self, shipment: ShipmentRequest, service_code: str, normalised: Mapping[str, str]
    ) -> dict[str, Any]:
        chosen = replace(shipment, service_code=service_code)
        return consignment_body(
            chosen, satchel_size=self.satchel_size, normalised_address=normalised
        )

    def _validated_receiver(self, shipment: ShipmentRequest) -> dict[str, str]:
        """§4: the receiver's address as myFastway normalised it; an address it does not know
        is refused with its suggestions in the message."""
        sent = address_body(shipment.receiver)
        response = self.client.validate_address(sent)
        if response.status_code in (400, 404, 422):
            raise refused(
                "myFastway could not validate the receiver's address",
                json_or_none(response) or response.text,
                response.status_code,
                field="to.address",
            )
        body = self._read(response, "myFastway address validation")
        return validated_address(sent, envelope_data(body))

    # --- look-up -------------------------------------------------------------------------------

    def find_shipment(self, reference: str) -> CreatedShipment | None:
        """§6: the consignment list (a month back, 1000 rows a page) has each consignment's
        ``externalRef1``; the full consignment then gives its label numbers."""
        con_id = self._listed_consignment(reference)
        if con_id is None:
            return None
        response = self.client.consignment(con_id)
        if response.status_code == 404:
            return None
        body = self._read(response, f"myFastway consignment {con_id}")
        try:
            return created_from(envelope_data(body), reference=reference, currency=self.currency)
        except ValueError as error:
            raise CarrierError(f"myFastway consignment {con_id}: {error}") from None

    def _listed_consignment(self, reference: str) -> str | None:
        """Every page of the window until an empty one: the doc's 1000 rows a page is not
        relied on to spot the last page, since stopping early would miss the consignment and
        lead to a second one. A page repeating the one before ends the reading too."""
        today = datetime.now(self.local_time).date()
        window = {
            "date_from": _day(today - timedelta(days=LOOKUP_DAYS_BACK)),
            "date_to": _day(today + timedelta(days=LOOKUP_DAYS_AHEAD)),
        }
        previous: list[Any] = []
        for page in range(MAX_LIST_PAGES):
            response = self.client.consignments_page(**window, page=page)
            if response.status_code == 404:
                return None
            rows = envelope_data(self._read(response, "myFastway consignment list"))
            if not isinstance(rows, list) or not rows or rows == previous:
                return None
            found = listed_consignment_id(rows, reference)
            if found is not None:
                return found
            previous = rows
        raise CarrierError(
            f"myFastway lists more than {MAX_LIST_PAGES} pages of consignments in "
            f"{LOOKUP_DAYS_BACK} days; {reference} was not among them"
        )

    # --- label ---------------------------------------------------------------------------------

    def label(self, created: CreatedShipment) -> bytes:
        """§7: the consignment's labels, one PDF (myFastway makes them at create)."""
        con_id = created.label_ref or created.carrier_shipment_id
        response = self.client.labels(con_id)
        if response.status_code >= 400:
            self._read(response, f"myFastway labels of consignment {con_id}")
        if not response.content.startswith(b"%PDF-"):
            raise CarrierError(
                f"myFastway's labels of consignment {con_id} are not a PDF "
                f"({response.headers.get('Content-Type', 'no content type')})",
                status=response.status_code,
            )
        return response.content

    # --- tracking ------------------------------------------------------------------------------

    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        """§8: one label per call, the limiter keeping the pace; a label myFastway does not
        know is answered with its words, not raised."""
        return [self._track_one(number) for number in tracking_numbers]

    def _track_one(self, number: str) -> TrackingResult:
        label = number.strip()
        if not label:
            return unknown_label(number, "no label number")
        response = self.client.track_label(label)
        if response.status_code in (400, 404):
            body = json_or_none(response)
            words = problems_message(error_problems(body)) or text(response.text)[:300]
            return unknown_label(number, words or f"myFastway does not know label {label}")
        body = self._read(response, f"myFastway tracking of {label}")
        result = tracking_result_from(label, envelope_data(body), self.local_time)
        return result if label == number else _renamed(result, number)

    # --- cancel and manifest -------------------------------------------------------------------

    def cancel(self, created: CreatedShipment) -> None:
        """§6: delete the consignment with a reason from myFastway's list; refused once it is
        picked up (or already deleted)."""
        con_id = created.carrier_shipment_id
        reason = self._delete_reason()
        response = self.client.delete_consignment(con_id, reason)
        if response.status_code in (400, 404, 405, 409, 422):
            body = json_or_none(response)
            if response.status_code == 404 and not error_problems(body):
                raise ShipmentRefused(
                    f"myFastway has no consignment {con_id} to delete (already deleted?)",
                    status=404,
                )
            raise refused(
                f"myFastway refused to delete consignment {con_id}", body, response.status_code
            )
        self._read(response, f"myFastway delete of consignment {con_id}")

    def _delete_reason(self) -> str:
        if self._reason_id is None:
            configured = (self.config.options.get("delete_reason_id") or "").strip()
            if configured:
                self._reason_id = configured
            else:
                response = self.client.deleted_reasons()
                body = self._read(response, "myFastway deletion reasons")
                found = deleted_reason_id(envelope_data(body))
                if found is None:
                    raise CarrierError("myFastway lists no reason to delete a consignment")
                self._reason_id = found
        return self._reason_id

    def close_manifest(
        self, shipments: Sequence[CreatedShipment], reference: str
    ) -> ManifestResult | None:
        """None: §6 "No end-of-day manifest call exists (drivers scan labels at pickup)"."""
        return None

    # --- answers -------------------------------------------------------------------------------

    def _read(self, response: httpx.Response, what: str, *, refusal: bool = False) -> Any:
        """The JSON of a 2xx answer. When the call is one the carrier may refuse (a quote, a
        consignment), a 400 ``errors`` answer or a 403 (§3: "not permitted for account", e.g. a
        package type the account does not have) is a ShipmentRefused; otherwise a CarrierError
        with myFastway's words."""
        body = json_or_none(response)
        status = response.status_code
        if status < 400:
            if body is None:
                raise CarrierError(f"{what}: the answer is not JSON", status=status)
            return body
        if status in (400, 403) and refusal:
            raise refused(what, body, status)
        words = problems_message(error_problems(body)) or text(response.text)[:300]
        words = self.client.scrub(words or f"HTTP {status}")
        if status == 403:
            words = f"myFastway does not permit this for the account ({words})"
        raise CarrierError(f"{what}: {words}", status=status)


def _service_words(data: Any) -> list[str]:
    """Names of the delivery options in a ``consignment-services`` answer, whatever its
    nesting (services with their items)."""
    found: list[str] = []
    if isinstance(data, list):
        for entry in data:
            found.extend(_service_words(entry))
    elif isinstance(data, Mapping):
        name = text(
            data.get("serviceItemCode")
            or data.get("serviceCode")
            or data.get("code")
            or data.get("description")
            or data.get("name")
        )
        if name:
            found.append(name)
        for key in ("items", "serviceItems", "options"):
            found.extend(_service_words(data.get(key)))
    return found


def _renamed(result: TrackingResult, number: str) -> TrackingResult:
    return TrackingResult(
        tracking_number=number, status=result.status, events=result.events, error=result.error
    )


def _day(value: date) -> str:
    return value.isoformat()


# --- the spec ----------------------------------------------------------------------------------


def build(config: CarrierConfig) -> FastwayCarrier:
    return FastwayCarrier(config)


def production_base_url(options: Mapping[str, str]) -> str:
    return PRODUCTION_API[region_of(options)]


def vendor_test_base_url(options: Mapping[str, str]) -> str:
    """§2: no separate test host is documented (test accounts are arranged with Aramex): the
    production host unless the account names another."""
    return (options.get("test_base_url") or "").strip() or production_base_url(options)


def sandbox_base_url(server: str, credentials: Mapping[str, str]) -> str:
    return f"{server.rstrip('/')}/sandbox/{CODE}"


def auth_url(base_url: str, options: Mapping[str, str]) -> str:
    return token_url_for(base_url, options)


CARRIER = CarrierSpec(
    code=CODE,
    label="Fastway (Aramex)",
    credential_fields=(
        FieldSpec(
            "client_id",
            "Client ID",
            help_text="From myFastway: Administration → API Keys.",
        ),
        FieldSpec(
            "client_secret",
            "Client secret",
            secret=True,
            help_text="The secret of that API key.",
        ),
        FieldSpec(
            "scope",
            "Scope",
            required=False,
            default=SCOPES[DEFAULT_REGION],
            help_text="fw-fl2-api-au for Australia, fw-fl2-api-nz for New Zealand.",
        ),
    ),
    option_fields=(
        FieldSpec(
            "region",
            "Region",
            default=DEFAULT_REGION,
            choices=(("AU", "Australia"), ("NZ", "New Zealand")),
            help_text="api.myfastway.com.au or api.myfastway.co.nz.",
        ),
        FieldSpec(
            "satchel_size",
            "Satchel size",
            required=False,
            default=DEFAULT_SATCHEL_SIZE,
            help_text="The pre-paid satchel the Satchel service sends (A4, A3…).",
        ),
        FieldSpec(
            "test_base_url",
            "Test API address",
            required=False,
            help_text="Aramex's test host for this account, if it gave one; "
            "else the production host.",
            placeholder="https://api.myfastway.com.au",
        ),
        FieldSpec(
            "token_url",
            "Token address",
            required=False,
            help_text="Left empty: https://identity.fastway.org/connect/token.",
            placeholder="https://identity.fastway.org/connect/token",
        ),
    ),
    services=SERVICES,
    capabilities=CAPABILITIES,
    build=build,
    production_base_url=production_base_url,
    test_base_url=vendor_test_base_url,
    sandbox_base_url=sandbox_base_url,
    address_rules=AddressRules(countries=("AU", "NZ")),
    sandbox_credentials={
        "client_id": "sandbox-fastway-client",
        "client_secret": "sandbox-fastway-secret",
        "scope": SCOPES[DEFAULT_REGION],
    },
    auth_url=auth_url,
)
