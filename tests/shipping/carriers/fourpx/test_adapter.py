"""Unit tests of the 4PX client and adapter: the gateway is played by an httpx.MockTransport
given to HttpClient as its ``transport`` (no network, no emulator). Against the emulator over
real HTTP the shared carrier contract suite runs the same adapter."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from kucun.shipping.carriers.base import (
    AuthenticationFailed,
    CarrierConfig,
    LabelNotReady,
    OutcomeUnknown,
    ShipmentRefused,
    Throttled,
    TrackingStatus,
    Unavailable,
)
from kucun.shipping.carriers.fourpx.adapter import CARRIER, FourPxCarrier
from kucun.shipping.carriers.fourpx.client import FourPxClient, signature
from kucun.shipping.carriers.fourpx.mappers import created_from_create
from tests.shipping.carriers.fourpx.test_mappers import golden, shipment

GATEWAY = "https://open-test.4px.com/router/api/service"
APP_KEY = "sandbox-4px-app-key"
APP_SECRET = "sandbox-4px-app-secret"
FIXED_MOMENT = 1532592413.187  # → timestamp 1532592413187
PDF = b"%PDF-1.4\n800900010807\n%%EOF"


@dataclass
class FakeGateway:
    """Answers in turn per ``method`` (the last answer repeats) and keeps every request."""

    answers: dict[str, list[Any]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, *answers: Any) -> None:
        self.answers[method] = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET":
            return httpx.Response(200, content=PDF, headers={"Content-Type": "application/pdf"})
        queue = self.answers.get(request.url.params["method"])
        if not queue:
            return httpx.Response(200, json={"result": "0", "errors": [{"error_code": "000011"}]})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    def calls(self, method: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.params.get("method") == method]


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def carrier(gateway: FakeGateway, sleeps: list[float]) -> Iterator[FourPxCarrier]:
    config = CarrierConfig(
        carrier="fourpx",
        base_url=GATEWAY,
        credentials={"app_key": APP_KEY, "app_secret": APP_SECRET},
        account_key=f"carrier:test-{uuid.uuid4().hex}",  # a limiter of its own
        label_poll_attempts=3,
        label_poll_seconds=0.5,
        backoff_cap_seconds=30.0,
    )
    made = FourPxCarrier(config, transport=httpx.MockTransport(gateway), sleep=sleeps.append)
    made.client.clock = lambda: FIXED_MOMENT
    yield made
    made.close()


def ok(data: Any = None) -> dict[str, Any]:
    return {"result": "1", "msg": "System processing succeeded", "errors": None, "data": data}


def refused(code: str, message: str) -> dict[str, Any]:
    return {
        "result": "0",
        "msg": "System processing failed",
        "errors": [{"error_code": code, "error_msg": message, "reference_code": "ORD-1042"}],
        "data": None,
    }


# --- signing ----------------------------------------------------------------------------------


def test_the_signature_of_the_documented_example_string() -> None:
    params = {
        "method": "ds.xms.order.create",
        "app_key": APP_KEY,
        "v": "1.0",
        "timestamp": "1532592413187",
        "format": "json",
        "language": "en",
    }
    # MD5 of 'app_keysandbox-4px-app-keyformatjsonmethodds.xms.order.createtimestamp
    # 1532592413187v1.0{"aa":"bb"}sandbox-4px-app-secret', computed by hand.
    assert signature(params, b'{"aa":"bb"}', APP_SECRET) == "dbe6d211bed8d003dd97a9abbc4d20fa"


def test_a_request_carries_the_public_parameters_and_signs_the_exact_body(
    carrier: FourPxCarrier, gateway: FakeGateway
) -> None:
    gateway.on("ds.xms.order.get", ok([]))
    assert carrier.find_shipment("ORD-1042") is None
    [request] = gateway.requests
    assert request.method == "POST"
    assert str(request.url).startswith(GATEWAY + "?")
    assert request.headers["Content-Type"] == "application/json"
    assert request.content == b'{"request_no":"ORD-1042"}'
    assert dict(request.url.params) == {
        "method": "ds.xms.order.get",
        "app_key": APP_KEY,
        "v": "1.1.0",
        "timestamp": "1532592413187",
        "format": "json",
        "language": "en",
        # MD5 of 'app_keysandbox-4px-app-keyformatjsonmethodds.xms.order.gettimestamp
        # 1532592413187v1.1.0{"request_no":"ORD-1042"}sandbox-4px-app-secret', by hand.
        "sign": "b196ac0dc2d3a2751b9e7de3b2d2b878",
    }
    assert APP_SECRET not in str(request.url)


def test_a_body_with_chinese_words_is_signed_as_its_utf8_bytes(gateway: FakeGateway) -> None:
    config = CarrierConfig(
        carrier="fourpx", base_url=GATEWAY, credentials={"app_key": "k", "app_secret": "s"}
    )
    client = FourPxClient(config, transport=httpx.MockTransport(gateway), clock=lambda: 1.0)
    gateway.on("ds.xms.order.cancel", ok())
    client.call("ds.xms.order.cancel", "1.0.0", {"cancel_reason": "取消"}, idempotent=False)
    [request] = gateway.requests
    assert request.content == '{"cancel_reason":"取消"}'.encode()
    params = dict(request.url.params)
    assert params["sign"] == signature(params, request.content, "s")
    client.close()


# --- the gateway's refusals -------------------------------------------------------------------


def test_a_signature_refusal_is_an_authentication_failure_without_the_secret(
    carrier: FourPxCarrier, gateway: FakeGateway
) -> None:
    gateway.on("ds.xms.logistics_product.getlist", refused("000012", "Signature error"))
    with pytest.raises(AuthenticationFailed) as failed:
        carrier.test_connection()
    assert "000012: Signature error" in failed.value.message
    assert APP_SECRET not in failed.value.message


def test_throttling_inside_a_200_is_waited_out_even_for_a_create(
    carrier: FourPxCarrier, gateway: FakeGateway, sleeps: list[float]
) -> None:
    gateway.on(
        "ds.xms.order.create",
        golden("throttled.response.json"),
        golden("order_create.response.json"),
    )
    created = carrier.create_shipment(shipment())
    assert created.carrier_shipment_id == "DS800900010807"
    assert len(gateway.calls("ds.xms.order.create")) == 2
    assert sleeps == [30.0]  # "one minute", within the configured cap


def test_throttling_that_lasts_is_throttled(carrier: FourPxCarrier, gateway: FakeGateway) -> None:
    gateway.on("tr.order.tracking.get", golden("throttled.response.json"))
    with pytest.raises(Throttled):
        carrier.track(["800900010807"])
    assert len(gateway.calls("tr.order.tracking.get")) == carrier.config.max_attempts


def test_a_create_that_times_out_after_sending_is_an_unknown_outcome_asked_once(
    carrier: FourPxCarrier, gateway: FakeGateway
) -> None:
    gateway.on("ds.xms.order.create", httpx.ReadTimeout("slow"))
    with pytest.raises(OutcomeUnknown):
        carrier.create_shipment(shipment())
    assert len(gateway.calls("ds.xms.order.create")) == 1


def test_a_gateway_timeout_code_on_create_is_an_unknown_outcome(
    carrier: FourPxCarrier, gateway: FakeGateway
) -> None:
    gateway.on("ds.xms.order.create", refused("000020", "Request timeout or exception"))
    with pytest.raises(OutcomeUnknown):
        carrier.create_shipment(shipment())


def test_a_server_error_on_a_read_is_retried(carrier: FourPxCarrier, gateway: FakeGateway) -> None:
    gateway.on("ds.xms.order.get", httpx.Response(503, json={}), ok([]))
    assert carrier.find_shipment("ORD-1042") is None
    assert len(gateway.calls("ds.xms.order.get")) == 2


def test_a_server_error_on_create_is_not_retried(
    carrier: FourPxCarrier, gateway: FakeGateway
) -> None:
    gateway.on("ds.xms.order.create", httpx.Response(502, json={}))
    with pytest.raises(Unavailable):
        carrier.create_shipment(shipment())
    assert len(gateway.calls("ds.xms.order.create")) == 1


# --- create, lookup, cancel -------------------------------------------------------------------


def test_create_sends_the_mapped_body_once(carrier: FourPxCarrier, gateway: FakeGateway) -> None:
    gateway.on("ds.xms.order.create", golden("order_create.response.json"))
    gateway.on("ds.xms.order.get", order_of("ORD-1042", []))
    created = carrier.create_shipment(shipment(parcels=2))
    [request] = gateway.calls("ds.xms.order.create")
    sent = json.loads(request.content)
    assert sent["ref_no"] == "ORD-1042"
    assert [parcel["weight"] for parcel in sent["parcel_list"]] == [1251, 1251]
    assert request.url.params["v"] == "1.0.0"
    assert created.tracking_numbers == ("800900010807", "800900010807")
    assert created.last_mile_carrier == "DHL 900900010237"


def order_of(reference: str, children: list[str]) -> dict[str, Any]:
    [entry] = golden("order_get.response.json")["data"]
    entry["consignment_info"].update(
        {"ref_no": reference, "4px_tracking_no": "800900010807", "child_label_barcode": children}
    )
    entry["parcel_confirm_info"]["confirm_parcel_qty"] = str(len(children) or 1)
    return ok([entry])


def test_several_parcels_take_the_child_barcodes_4px_lists(
    carrier: FourPxCarrier, gateway: FakeGateway
) -> None:
    gateway.on("ds.xms.order.create", golden("order_create.response.json"))
    gateway.on("ds.xms.order.get", order_of("ORD-1042", ["80090001080701", "80090001080702"]))
    created = carrier.create_shipment(shipment(parcels=2))
    assert created.tracking_numbers == ("80090001080701", "80090001080702")
    assert [(p.reference, p.tracking_number) for p in created.parcels] == [
        ("ORD-1042-1", "80090001080701"),
        ("ORD-1042-2", "80090001080702"),
    ]
    assert created.consignment_number == "800900010807"
    assert json.loads(gateway.calls("ds.xms.order.get")[0].content) == {"request_no": "ORD-1042"}


@pytest.mark.parametrize(
    "lookup",
    [
        httpx.Response(503, json={}),
        refused("DS000017", "Order not found"),
        {"result": "1", "data": []},
    ],
)
def test_several_parcels_share_the_4px_number_when_the_lookup_gives_none(
    carrier: FourPxCarrier, gateway: FakeGateway, lookup: Any
) -> None:
    gateway.on("ds.xms.order.create", golden("order_create.response.json"))
    gateway.on("ds.xms.order.get", lookup)
    created = carrier.create_shipment(shipment(parcels=2))
    assert created.tracking_numbers == ("800900010807", "800900010807")
    assert len(gateway.calls("ds.xms.order.create")) == 1


def test_one_parcel_needs_no_lookup(carrier: FourPxCarrier, gateway: FakeGateway) -> None:
    gateway.on("ds.xms.order.create", golden("order_create.response.json"))
    carrier.create_shipment(shipment())
    assert gateway.calls("ds.xms.order.get") == []


def test_business_errors_are_a_refusal_with_a_problem_each(
    carrier: FourPxCarrier, gateway: FakeGateway
) -> None:
    answer = refused("DS000004", "Parameter error")
    answer["errors"].append({"error_code": "DS000110", "error_msg": "Unknown product"})
    gateway.on("ds.xms.order.create", answer)
    with pytest.raises(ShipmentRefused) as refusal:
        carrier.create_shipment(shipment())
    assert [(p.code, p.message) for p in refusal.value.problems] == [
        ("DS000004", "Parameter error"),
        ("DS000110", "Unknown product"),
    ]
    assert "DS000110: Unknown product" in refusal.value.message


def test_a_reference_in_processing_is_a_refusal(
    carrier: FourPxCarrier, gateway: FakeGateway
) -> None:
    gateway.on("ds.xms.order.create", golden("order_create.in_processing.response.json"))
    with pytest.raises(ShipmentRefused, match="already has the reference ORD-1042"):
        carrier.create_shipment(shipment())


def test_find_shipment_asks_by_our_reference(carrier: FourPxCarrier, gateway: FakeGateway) -> None:
    gateway.on("ds.xms.order.get", golden("order_get.response.json"))
    found = carrier.find_shipment("AQ710216678CN")
    assert found is not None
    assert (found.carrier_shipment_id, found.tracking_numbers) == (
        "DS303367756838",
        ("305646756838",),
    )
    assert json.loads(gateway.requests[0].content) == {"request_no": "AQ710216678CN"}


def test_an_order_4px_does_not_find_is_none(carrier: FourPxCarrier, gateway: FakeGateway) -> None:
    gateway.on("ds.xms.order.get", refused("DS000017", "Order not found"))
    assert carrier.find_shipment("ORD-404") is None


def test_cancel_sends_the_4px_number_and_a_reason(
    carrier: FourPxCarrier, gateway: FakeGateway
) -> None:
    gateway.on("ds.xms.order.cancel", ok())
    created = created_from_create(golden("order_create.response.json")["data"], shipment(), "AUD")
    carrier.cancel(created)
    [request] = gateway.requests
    assert json.loads(request.content) == {
        "request_no": "800900010807",
        "cancel_reason": "Cancelled by the sender",
    }


@pytest.mark.parametrize("code", ["DS000014", "0"])
def test_a_consignment_4px_will_not_cancel_is_refused(
    carrier: FourPxCarrier, gateway: FakeGateway, code: str
) -> None:
    gateway.on("ds.xms.order.cancel", refused(code, "This order number cannot be cancelled"))
    created = created_from_create(golden("order_create.response.json")["data"], shipment(), "AUD")
    with pytest.raises(ShipmentRefused) as refusal:
        carrier.cancel(created)
    assert refusal.value.problems[0].code == code


def test_there_is_no_manifest(carrier: FourPxCarrier, gateway: FakeGateway) -> None:
    assert carrier.close_manifest([], "EOD-1") is None
    assert gateway.requests == []


# --- labels -----------------------------------------------------------------------------------


def label_answer(url: str) -> dict[str, Any]:
    return ok(
        {
            "label_barcode": "800900010807",
            "child_label_barcode": [],
            "label_url_info": {"logistics_label": url, "custom_label": "", "package_label": ""},
        }
    )


def test_a_label_not_ready_is_asked_again_with_a_doubling_wait(
    carrier: FourPxCarrier, gateway: FakeGateway, sleeps: list[float]
) -> None:
    not_ready = refused("DS000046", "Label for this ticket does not exist")
    gateway.on("ds.xms.label.get", not_ready, not_ready, label_answer("https://4px.example/l.pdf"))
    created = created_from_create(golden("order_create.response.json")["data"], shipment(), "AUD")
    assert carrier.label(created) == PDF
    assert sleeps == [0.5, 1.0]
    first = gateway.calls("ds.xms.label.get")[0]
    assert json.loads(first.content) == {
        **golden("label_get.request.json"),
        "request_no": "800900010807",
    }
    assert str(gateway.requests[-1].url) == "https://4px.example/l.pdf"


def test_a_label_that_never_comes_is_not_ready(
    carrier: FourPxCarrier, gateway: FakeGateway, sleeps: list[float]
) -> None:
    gateway.on("ds.xms.label.get", refused("DS000046", "Label for this ticket does not exist"))
    created = created_from_create(golden("order_create.response.json")["data"], shipment(), "AUD")
    with pytest.raises(LabelNotReady):
        carrier.label(created)
    assert len(gateway.calls("ds.xms.label.get")) == 3
    assert sleeps == [0.5, 1.0]


def test_a_label_sent_inline_is_decoded(carrier: FourPxCarrier, gateway: FakeGateway) -> None:
    import base64

    gateway.on("ds.xms.label.get", label_answer(base64.b64encode(PDF).decode()))
    created = created_from_create(golden("order_create.response.json")["data"], shipment(), "AUD")
    assert carrier.label(created) == PDF


# --- tracking and services --------------------------------------------------------------------


def test_tracking_asks_once_per_distinct_number_and_answers_in_order(
    carrier: FourPxCarrier, gateway: FakeGateway
) -> None:
    gateway.on(
        "tr.order.tracking.get",
        golden("tracking_get.response.json"),
        refused("DS000017", "No tracking information"),
    )
    results = carrier.track(["800900010807", "ZZ0", "800900010807"])
    assert [r.tracking_number for r in results] == ["800900010807", "ZZ0", "800900010807"]
    assert results[0].status == TrackingStatus.DELIVERED
    assert (results[1].status, results[1].error) == (
        TrackingStatus.UNKNOWN,
        "DS000017: No tracking information",
    )
    bodies = [json.loads(r.content) for r in gateway.requests]
    assert bodies == [{"deliveryOrderNo": "800900010807"}, {"deliveryOrderNo": "ZZ0"}]


def test_test_connection_lists_the_accounts_products(
    carrier: FourPxCarrier, gateway: FakeGateway
) -> None:
    gateway.on(
        "ds.xms.logistics_product.getlist",
        ok([{"logistics_product_code": "F3", "logistics_product_name_en": "Standard"}]),
    )
    info = carrier.test_connection()
    assert info.account_name == f"4PX app {APP_KEY}"
    assert [(s.code, s.name) for s in info.services] == [("F3", "Standard")]


def test_the_spec_describes_4px() -> None:
    assert (CARRIER.code, CARRIER.label) == ("fourpx", "4PX")
    assert [(f.name, f.secret) for f in CARRIER.credential_fields] == [
        ("app_key", False),
        ("app_secret", True),
    ]
    assert {s.code for s in CARRIER.services} == {"F3", "PX"}
    assert (CARRIER.capabilities.manifest, CARRIER.capabilities.cancel) == (False, True)
    assert (CARRIER.capabilities.track_batch, CARRIER.capabilities.weight_unit) == (1, "g")
    assert CARRIER.production_base_url({}) == "https://open.4px.com/router/api/service"
    assert CARRIER.test_base_url({}) == "https://open-test.4px.com/router/api/service"
    assert (
        CARRIER.sandbox_base_url("http://localhost:8000/", {})
        == "http://localhost:8000/sandbox/fourpx/router/api/service"
    )
    assert CARRIER.sandbox_credentials == {
        "app_key": "sandbox-4px-app-key",
        "app_secret": "sandbox-4px-app-secret",
    }
    assert [value for value, _label in CARRIER.label_sizes] == [
        "label_80x90",
        "label_100x100",
        "label_100x150",
    ]
