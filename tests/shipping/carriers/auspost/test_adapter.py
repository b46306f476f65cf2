"""Unit tests of the Australia Post client and adapter: AusPost is played by an
httpx.MockTransport given to the HTTP client (no network, no emulator). Against the emulator
over real HTTP the shared carrier contract suite runs the same adapter."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
import pytest

from kucun.shipping.carriers.auspost.adapter import CARRIER, AusPostCarrier
from kucun.shipping.carriers.base import (
    AuthenticationFailed,
    CarrierConfig,
    CarrierError,
    CreatedParcel,
    CreatedShipment,
    LabelNotReady,
    OutcomeUnknown,
    ShipmentRefused,
    TrackingStatus,
    Unavailable,
)
from tests.shipping.carriers.auspost.test_mappers import golden, request

BASE = "https://digitalapi.auspost.com.au/test"
API = "/test/shipping/v1/"
ACCOUNT = "0001234567"
API_KEY = "auspost-key-value"
PASSWORD = "auspost-password-not-for-logs"
PDF = b"%PDF-1.4 ABC000128B4C5 %%EOF"

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeAusPost:
    """Answers in turn from ``answers`` per (method, path) (the last one repeats) and keeps
    every request."""

    answers: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, *answers: Answer) -> None:
        self.answers[(method, path)] = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix(API).removeprefix("/test/")
        if request.url.host != "digitalapi.auspost.com.au":
            path = str(request.url)
        queue = self.answers.get((request.method, path))
        if not queue:
            return httpx.Response(404, json={"errors": [{"code": "404", "name": "NOT_FOUND"}]})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request) if callable(answer) else answer

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == API + path]


@dataclass
class Sleeps:
    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def config(**options: str) -> CarrierConfig:
    return CarrierConfig(
        carrier="auspost",
        base_url=BASE,
        credentials={"account_number": ACCOUNT, "api_key": API_KEY, "password": PASSWORD},
        options=options,
        account_key=f"auspost-unit-{id(options)}",
        max_attempts=3,
        label_poll_attempts=4,
        label_poll_seconds=0.5,
        backoff_cap_seconds=1.5,
    )


@pytest.fixture
def fake() -> FakeAusPost:
    return FakeAusPost()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def carrier_for(fake: FakeAusPost, sleeps: Sleeps, **options: str) -> AusPostCarrier:
    return AusPostCarrier(config(**options), transport=httpx.MockTransport(fake), sleep=sleeps)


def created() -> CreatedShipment:
    return CreatedShipment(
        carrier="auspost",
        reference="ORD-1042",
        carrier_shipment_id="9lesEAOvOm4AAAFI3swaDRYB",
        tracking_numbers=("ABC000128B4C5",),
        parcels=(CreatedParcel("P1", "LDCsEAOvU_oAAAFI6MwaDRYB", "ABC000128B4C5"),),
        label_ref="T28",
    )


# -- the account and authentication ---------------------------------------------------------


def test_every_call_carries_basic_auth_and_the_account_number(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    fake.on("GET", f"accounts/{ACCOUNT}", httpx.Response(200, json=golden("account.response.json")))
    info = carrier_for(fake, sleeps).test_connection()
    assert info.account_name == "Kucun Test Merchant"
    assert {service.code for service in info.services} == {"T28", "E34", "FPP"}
    [sent] = fake.requests
    expected = base64.b64encode(f"{API_KEY}:{PASSWORD}".encode()).decode()
    assert sent.headers["Authorization"] == f"Basic {expected}"
    assert sent.headers["Account-Number"] == ACCOUNT
    assert sent.headers["Accept"] == "application/json"


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_keep_the_carriers_words_and_no_secret(
    fake: FakeAusPost, sleeps: Sleeps, status: int
) -> None:
    body = {"errors": [{"code": "41001", "name": "CUSTOMER_NOT_FOUND", "message": "Not found."}]}
    fake.on("GET", f"accounts/{ACCOUNT}", httpx.Response(status, json=body))
    with pytest.raises(AuthenticationFailed) as refused:
        carrier_for(fake, sleeps).test_connection()
    assert "CUSTOMER_NOT_FOUND" in refused.value.message
    assert PASSWORD not in refused.value.message
    assert API_KEY not in refused.value.message


# -- create ---------------------------------------------------------------------------------


def test_a_created_shipment_is_sent_once_with_our_reference(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    fake.on("POST", "shipments", httpx.Response(201, json=golden("shipments_create.response.json")))
    made = carrier_for(fake, sleeps).create_shipment(request())
    assert made.tracking_numbers == ("ABC000128B4C5",)
    assert made.consignment_number == "ABC000128"
    assert made.cost == Decimal("12.1")
    [sent] = fake.sent("POST", "shipments")
    assert json.loads(sent.content)["shipments"][0]["shipment_reference"] == "ORD-1042"


def test_validation_refusals_name_each_field(fake: FakeAusPost, sleeps: Sleeps) -> None:
    fake.on(
        "POST",
        "shipments",
        httpx.Response(400, json=golden("shipments_create.400.response.json")),
    )
    with pytest.raises(ShipmentRefused) as refused:
        carrier_for(fake, sleeps).create_shipment(request())
    assert [problem.field for problem in refused.value.problems] == [
        "shipments[0].to.postcode",
        "shipments[0].to.name",
    ]
    assert [problem.code for problem in refused.value.problems] == ["44013", "44020"]
    assert refused.value.status == 400
    assert not refused.value.retryable
    assert len(fake.requests) == 1


def test_a_server_error_on_create_is_not_repeated(fake: FakeAusPost, sleeps: Sleeps) -> None:
    fake.on("POST", "shipments", httpx.Response(503, json={}))
    with pytest.raises(Unavailable):
        carrier_for(fake, sleeps).create_shipment(request())
    assert len(fake.requests) == 1


def test_a_create_timing_out_after_sending_is_an_unknown_outcome(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    def lost(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    fake.on("POST", "shipments", lost)
    with pytest.raises(OutcomeUnknown):
        carrier_for(fake, sleeps).create_shipment(request())
    assert len(fake.requests) == 1


@pytest.mark.parametrize("body", [b"<html>gateway</html>", b'{"shipments": []}'])
def test_an_accepted_create_without_its_shipment_is_an_unknown_outcome(
    fake: FakeAusPost, sleeps: Sleeps, body: bytes
) -> None:
    fake.on("POST", "shipments", httpx.Response(201, content=body))
    with pytest.raises(OutcomeUnknown) as unknown:
        carrier_for(fake, sleeps).create_shipment(request())
    assert unknown.value.retryable
    assert len(fake.requests) == 1


def test_the_throttle_on_create_is_waited_out(fake: FakeAusPost, sleeps: Sleeps) -> None:
    fake.on(
        "POST",
        "shipments",
        httpx.Response(
            429,
            json=golden("too_many_requests.429.response.json"),
            headers={"Retry-After": "1"},
        ),
        httpx.Response(201, json=golden("shipments_create.response.json")),
    )
    made = carrier_for(fake, sleeps).create_shipment(request())
    assert made.carrier_shipment_id == "9lesEAOvOm4AAAFI3swaDRYB"
    assert len(fake.requests) == 2
    assert 1.0 in sleeps.waits


# -- find -----------------------------------------------------------------------------------


def test_find_reads_by_reference_and_checks_the_reference_itself(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    other = {"shipment_id": "S0", "shipment_reference": "OTHER", "items": []}
    ours = golden("shipments_create.response.json")["shipments"][0]
    fake.on("GET", "shipments", httpx.Response(200, json={"shipments": [other, ours]}))
    carrier = carrier_for(fake, sleeps)
    found = carrier.find_shipment("ORD-1042")
    assert found is not None
    assert found.carrier_shipment_id == "9lesEAOvOm4AAAFI3swaDRYB"
    assert found.tracking_numbers == ("ABC000128B4C5",)
    assert fake.requests[0].url.params["shipment_reference"] == "ORD-1042"
    assert carrier.find_shipment("NONE") is None


def test_find_pages_through_a_server_that_ignores_the_filter(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    ours = golden("shipments_create.response.json")["shipments"][0]

    def page(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        shipments = [ours] if offset == 100 else [{"shipment_id": "X", "shipment_reference": "X"}]
        pagination = {"total_number_of_records": 150}
        return httpx.Response(200, json={"shipments": shipments, "pagination": pagination})

    fake.on("GET", "shipments", page)
    found = carrier_for(fake, sleeps).find_shipment("ORD-1042")
    assert found is not None
    assert [r.url.params["offset"] for r in fake.requests] == ["0", "100"]


# -- labels ---------------------------------------------------------------------------------


def available(url: str = "https://digitalapi.auspost.com.au/test/files/L1.pdf") -> dict:
    return {"labels": [{"request_id": "L1", "status": "AVAILABLE", "url": url}]}


def test_a_one_step_label_is_downloaded_without_polling(fake: FakeAusPost, sleeps: Sleeps) -> None:
    fake.on("POST", "labels", httpx.Response(200, json=available()))
    fake.on("GET", "files/L1.pdf", httpx.Response(200, content=PDF))
    pdf = carrier_for(fake, sleeps).label(created())
    assert pdf == PDF
    body = json.loads(fake.sent("POST", "labels")[0].content)
    assert body["wait_for_label_url"] is True
    assert body["preferences"][0]["groups"][0]["group"] == "Parcel Post"
    assert body["preferences"][0]["groups"][0]["layout"] == "A4-1pp"
    assert sleeps.waits == []
    download = fake.requests[-1]
    assert download.headers["Account-Number"] == ACCOUNT  # the API's own host


def test_a_two_step_label_is_polled_with_a_doubling_wait(fake: FakeAusPost, sleeps: Sleeps) -> None:
    pending = {"labels": [{"request_id": "L1", "status": "PENDING"}]}
    fake.on("POST", "labels", httpx.Response(200, json=pending))
    fake.on(
        "GET",
        "labels/L1",
        httpx.Response(200, json=pending),
        httpx.Response(200, json=pending),
        httpx.Response(200, json=available("https://labels.example.net/L1.pdf")),
    )
    fake.on("GET", "https://labels.example.net/L1.pdf", httpx.Response(200, content=PDF))
    carrier = carrier_for(fake, sleeps, two_step_labels="on", label_size="A6-1pp")
    assert carrier.label(created()) == PDF
    body = json.loads(fake.sent("POST", "labels")[0].content)
    assert body["wait_for_label_url"] is False
    assert body["preferences"][0]["groups"][0]["layout"] == "A6-1pp"
    assert sleeps.waits == [0.5, 1.0, 1.5]
    download = fake.requests[-1]
    assert "Authorization" not in download.headers  # another host gets no credentials
    assert "Account-Number" not in download.headers


def test_a_label_still_pending_after_the_bounded_polls_is_not_ready(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    pending = {"labels": [{"request_id": "L1", "status": "PENDING"}]}
    fake.on("POST", "labels", httpx.Response(200, json=pending))
    fake.on("GET", "labels/L1", httpx.Response(200, json=pending))
    with pytest.raises(LabelNotReady) as late:
        carrier_for(fake, sleeps, two_step_labels="on").label(created())
    assert late.value.retryable
    assert len(fake.sent("GET", "labels/L1")) == 4
    assert sleeps.waits == [0.5, 1.0, 1.5, 1.5]


def test_a_failed_label_is_an_error_with_the_carriers_words(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    failed = {
        "labels": [
            {"request_id": "L1", "status": "ERROR", "errors": [{"code": "9", "name": "NO_LABEL"}]}
        ]
    }
    fake.on("POST", "labels", httpx.Response(200, json=failed))
    with pytest.raises(CarrierError, match="NO_LABEL"):
        carrier_for(fake, sleeps).label(created())


def test_a_shipment_without_product_ids_is_read_back_for_its_group(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    shipment = golden("shipments_create.response.json")["shipments"][0]
    express = {**shipment, "items": [{**shipment["items"][0], "product_id": "E34"}]}
    fake.on("GET", "shipments", httpx.Response(200, json={"shipments": [express]}))
    fake.on("POST", "labels", httpx.Response(200, json=available()))
    fake.on("GET", "files/L1.pdf", httpx.Response(200, content=PDF))
    bare = CreatedShipment(**{**created().__dict__, "label_ref": ""})
    carrier_for(fake, sleeps).label(bare)
    assert fake.requests[0].url.params["shipment_ids"] == "9lesEAOvOm4AAAFI3swaDRYB"
    body = json.loads(fake.sent("POST", "labels")[0].content)
    assert [g["group"] for g in body["preferences"][0]["groups"]] == ["Express Post"]


def test_an_unknown_products_group_comes_from_the_account(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    fake.on("GET", f"accounts/{ACCOUNT}", httpx.Response(200, json=golden("account.response.json")))
    fake.on("POST", "labels", httpx.Response(200, json=available()))
    fake.on("GET", "files/L1.pdf", httpx.Response(200, content=PDF))
    startrack = CreatedShipment(**{**created().__dict__, "label_ref": "FPP"})
    carrier_for(fake, sleeps).label(startrack)
    body = json.loads(fake.sent("POST", "labels")[0].content)
    assert [g["group"] for g in body["preferences"][0]["groups"]] == ["StarTrack"]


# -- tracking -------------------------------------------------------------------------------


def test_tracking_asks_ten_ids_a_request_and_answers_in_the_order_asked(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["tracking_ids"].split(",")
        results = [
            {
                "tracking_id": number,
                "status": "In transit",
                "trackable_items": [{"article_id": number, "status": "In transit", "events": []}],
            }
            for number in reversed(ids)
        ]
        return httpx.Response(200, json={"tracking_results": results})

    fake.on("GET", "track", answer)
    numbers = [f"A{index:02d}" for index in range(23)]
    results = carrier_for(fake, sleeps).track(numbers)
    assert [result.tracking_number for result in results] == numbers
    assert {result.status for result in results} == {TrackingStatus.IN_TRANSIT}
    sizes = [len(r.url.params["tracking_ids"].split(",")) for r in fake.requests]
    assert sizes == [10, 10, 3]


def test_tracking_retries_a_server_error(fake: FakeAusPost, sleeps: Sleeps) -> None:
    fake.on(
        "GET",
        "track",
        httpx.Response(503, json={}),
        httpx.Response(200, json=golden("track.response.json")),
    )
    [result] = carrier_for(fake, sleeps).track(["ABC000128B4C5"])
    assert result.status == TrackingStatus.DELIVERED
    assert len(fake.requests) == 2


# -- quote, cancel and the manifest ---------------------------------------------------------


def test_a_quote_prices_each_product_and_bills_the_service_asked(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    one = {"items": golden("prices_items.response.json")["items"][:1]}
    fake.on("POST", "prices/items", httpx.Response(200, json=one))
    summary = {"total_cost": 13.09, "total_gst": 1.19, "fuel_surcharge": 0.9}
    priced = golden("shipments_create.response.json")
    priced["shipments"][0]["shipment_summary"] = summary
    fake.on("POST", "prices/shipments", httpx.Response(200, json=priced))
    rates = carrier_for(fake, sleeps).quote(request())
    assert [(rate.service_code, rate.price_inc_tax, rate.tax) for rate in rates] == [
        ("T28", Decimal("13.09"), Decimal("1.19")),
        ("E34", Decimal("16.5"), Decimal("1.5")),
    ]
    assert [rate.service_name for rate in rates] == ["Parcel Post", "Express Post"]
    [items] = fake.sent("POST", "prices/items")
    assert "product_ids" not in json.loads(items.content)["items"][0]
    [billed] = fake.sent("POST", "prices/shipments")
    assert json.loads(billed.content)["shipments"][0]["items"][0]["product_id"] == "T28"


def test_a_refused_shipment_price_is_a_refusal(fake: FakeAusPost, sleeps: Sleeps) -> None:
    one = {"items": golden("prices_items.response.json")["items"][:1]}
    fake.on("POST", "prices/items", httpx.Response(200, json=one))
    refusal = golden("shipments_create.400.response.json")
    fake.on("POST", "prices/shipments", httpx.Response(400, json=refusal))
    with pytest.raises(ShipmentRefused) as refused:
        carrier_for(fake, sleeps).quote(request())
    assert refused.value.problems[0].field == "shipments[0].to.postcode"


def test_cancel_is_a_delete_and_a_refusal_says_so(fake: FakeAusPost, sleeps: Sleeps) -> None:
    path = "shipments/9lesEAOvOm4AAAFI3swaDRYB"
    refusal = {
        "errors": [{"code": "44044", "name": "SHIPMENT_IN_ORDER", "message": "In an order."}]
    }
    fake.on("DELETE", path, httpx.Response(200), httpx.Response(400, json=refusal))
    carrier = carrier_for(fake, sleeps)
    carrier.cancel(created())
    with pytest.raises(ShipmentRefused, match="SHIPMENT_IN_ORDER"):
        carrier.cancel(created())
    assert len(fake.sent("DELETE", path)) == 2


def test_closing_the_manifest_puts_an_order_and_fetches_its_summary(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    fake.on("PUT", "orders", httpx.Response(200, json=golden("orders_put.response.json")))
    summary = f"accounts/{ACCOUNT}/orders/AP0000002422/summary"
    fake.on("GET", summary, httpx.Response(200, content=b"%PDF-1.4 order %%EOF"))
    result = carrier_for(fake, sleeps).close_manifest([created()], "EOD-2025-05-01")
    assert result is not None
    assert (result.manifest_id, result.pdf, result.cost) == (
        "AP0000002422",
        b"%PDF-1.4 order %%EOF",
        Decimal("12.1"),
    )
    assert json.loads(fake.sent("PUT", "orders")[0].content) == golden("orders_put.request.json")


def test_a_lodged_order_whose_summary_fails_is_still_answered(
    fake: FakeAusPost, sleeps: Sleeps
) -> None:
    fake.on("PUT", "orders", httpx.Response(200, json=golden("orders_put.response.json")))
    fake.on("GET", f"accounts/{ACCOUNT}/orders/AP0000002422/summary", httpx.Response(503))
    result = carrier_for(fake, sleeps).close_manifest([created()], "EOD-2025-05-01")
    assert result is not None
    assert result.manifest_id == "AP0000002422"
    assert result.pdf is None


# -- the spec -------------------------------------------------------------------------------


def test_the_spec_declares_the_account_form_and_hosts() -> None:
    assert CARRIER.code == "auspost"
    assert [(f.name, f.secret) for f in CARRIER.credential_fields] == [
        ("account_number", False),
        ("api_key", True),
        ("password", True),
    ]
    assert [service.code for service in CARRIER.services] == ["T28", "E34"]
    capabilities = CARRIER.capabilities
    assert (capabilities.manifest, capabilities.cancel, capabilities.track_batch) == (
        True,
        True,
        10,
    )
    assert (capabilities.track_requests_per_minute, capabilities.max_parcels) == (10, 20)
    assert CARRIER.production_base_url({}) == "https://digitalapi.auspost.com.au"
    assert CARRIER.test_base_url({}) == "https://digitalapi.auspost.com.au/test"
    assert CARRIER.test_base_url({"test_path": "testbed"}).endswith("/testbed")
    assert CARRIER.sandbox_base_url("http://127.0.0.1:8000/", {}) == (
        "http://127.0.0.1:8000/sandbox/auspost"
    )
    assert [size for size, _ in CARRIER.label_sizes] == ["A4-1pp", "A4-3pp", "A4-4pp", "A6-1pp"]
    assert CARRIER.sandbox_credentials == {
        "account_number": "0001234567",
        "api_key": "sandbox-auspost-key",
        "password": "sandbox-auspost-password",
    }
    rules = CARRIER.address_rules
    assert "state" in rules.required
    assert "postcode" in rules.required
    assert (rules.name_max, rules.line_max, rules.max_lines) == (40, 40, 3)
    assert isinstance(CARRIER.build(config()), AusPostCarrier)
