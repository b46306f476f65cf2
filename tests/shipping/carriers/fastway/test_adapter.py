"""The myFastway adapter's calls against a scripted myFastway (httpx.MockTransport): the token
flow, what is and is not repeated, and how answers become results or errors."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from kucun.shipping.carriers.base import (
    Address,
    AuthenticationFailed,
    CarrierError,
    CreatedShipment,
    OutcomeUnknown,
    Parcel,
    ShipmentOptions,
    ShipmentRefused,
    ShipmentRequest,
    TrackingStatus,
    Unavailable,
)
from tests.shipping.carriers.fastway.fakes import (
    CLIENT_SECRET,
    TOKEN_URL,
    FakeMyFastway,
    answer,
    fixture,
    form,
    make_carrier,
)

VALIDATE = "/api/addresses/validate"
CONSIGNMENTS = "/api/consignments"
PDF = b"%PDF-1.4\n% a label\n%%EOF\n"

RECEIVER = Address(
    name="Tony Receiver",
    company="Tony's Tools",
    lines=("73 Katoomba St",),
    suburb="Katoomba",
    state="NSW",
    postcode="2780",
    phone="0400 123 456",
    email="tony@example.com",
)
SENDER = Address("Kucun", ("12 Dock Road",), "PORT MELBOURNE", "VIC", "3207")


def shipment(reference: str = "ORD-1042", service_code: str = "P") -> ShipmentRequest:
    return ShipmentRequest(
        reference=reference,
        sender=SENDER,
        receiver=RECEIVER,
        parcels=(
            Parcel(
                reference="Parcel",
                weight_kg=Decimal("5"),
                length_cm=Decimal("25"),
                width_cm=Decimal("10"),
                height_cm=Decimal("10"),
            ),
        ),
        service_code=service_code,
        options=ShipmentOptions(authority_to_leave=True),
    )


def created() -> CreatedShipment:
    return CreatedShipment(
        carrier="fastway",
        reference="ORD-1042",
        carrier_shipment_id="1234567",
        tracking_numbers=("MP0000000001",),
    )


def consigning(fake: FakeMyFastway) -> FakeMyFastway:
    fake.on("POST", VALIDATE, answer(200, fixture("address.validate.response.json")))
    return fake.on("POST", CONSIGNMENTS, answer(201, fixture("consignment.create.response.json")))


# --- token -------------------------------------------------------------------------------------


def test_the_token_is_fetched_with_the_client_credentials_and_sent_as_bearer() -> None:
    fake = consigning(FakeMyFastway())

    make_carrier(fake).create_shipment(shipment())

    token_request = fake.sent("POST", TOKEN_URL)[0]
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(token_request) == {
        "grant_type": "client_credentials",
        "client_id": "kucun-test-client",
        "client_secret": CLIENT_SECRET,
        "scope": "fw-fl2-api-au",
    }
    create = fake.sent("POST", CONSIGNMENTS)[0]
    assert create.headers["Authorization"] == "Bearer token-1"
    assert create.headers["Accept"] == "application/json; api-version=1.0"
    assert fake.tokens_issued == 1  # one token serves the validation and the create


def test_an_expired_token_is_refreshed_once_and_the_call_repeated() -> None:
    fake = FakeMyFastway().on(
        "GET",
        "/api/track/label/MP0000000001",
        answer(401),
        answer(200, fixture("track.label.empty.json")),
    )

    results = make_carrier(fake).track(["MP0000000001"])

    assert results[0].status == TrackingStatus.INFO_RECEIVED
    assert fake.tokens_issued == 2
    calls = fake.sent("GET", "/api/track/label/MP0000000001")
    assert [call.headers["Authorization"] for call in calls] == ["Bearer token-1", "Bearer token-2"]


def test_a_second_401_is_an_authentication_failure() -> None:
    fake = FakeMyFastway().on("GET", "/api/consignment-services", answer(401))

    with pytest.raises(AuthenticationFailed):
        make_carrier(fake).test_connection()

    assert len(fake.sent("GET", "/api/consignment-services")) == 2


def test_refused_client_credentials_say_so_without_the_secret() -> None:
    fake = FakeMyFastway().on("POST", TOKEN_URL, answer(400, fixture("token.invalid_client.json")))

    with pytest.raises(AuthenticationFailed) as refused:
        make_carrier(fake).test_connection()

    assert "invalid_client" in refused.value.message
    assert CLIENT_SECRET not in refused.value.message


def test_new_zealand_asks_for_the_nz_scope_when_none_is_given() -> None:
    fake = FakeMyFastway().on("GET", "/api/consignment-services", answer(200, {"data": []}))
    carrier = make_carrier(
        fake,
        options={"region": "NZ"},
        credentials={"client_id": "nz-client", "client_secret": CLIENT_SECRET},
    )

    carrier.test_connection()

    assert form(fake.sent("POST", TOKEN_URL)[0])["scope"] == "fw-fl2-api-nz"
    assert carrier.currency == "NZD"


def test_a_connection_test_proves_the_credentials_with_a_new_token() -> None:
    fake = FakeMyFastway().on(
        "GET",
        "/api/consignment-services",
        answer(200, {"data": [{"serviceCode": "DELOPT", "items": [{"serviceItemCode": "ATL"}]}]}),
    )
    carrier = make_carrier(fake)

    carrier.test_connection()
    info = carrier.test_connection()

    assert fake.tokens_issued == 2
    assert info.account_name
    assert {service.code for service in info.services} == {"P", "S"}
    assert info.details["delivery_options"] == "DELOPT, ATL"


# --- create ------------------------------------------------------------------------------------


def test_the_create_sends_the_validated_address_once() -> None:
    fake = consigning(FakeMyFastway())

    made = make_carrier(fake).create_shipment(shipment())

    assert made.tracking_numbers == ("MP0000000001",)
    assert made.carrier_shipment_id == "1234567"
    sent = json.loads(fake.sent("POST", CONSIGNMENTS)[0].content)
    assert sent["to"]["address"]["locality"] == "KATOOMBA"  # myFastway's spelling
    assert sent["externalRef1"] == "ORD-1042"
    assert sent["services"] == [{"serviceCode": "DELOPT", "serviceItemCode": "ATL"}]


def test_an_address_myfastway_does_not_know_is_refused_with_its_suggestions() -> None:
    fake = consigning(FakeMyFastway()).on(
        "POST", VALIDATE, answer(400, fixture("address.validate.suggestions.json"))
    )

    with pytest.raises(ShipmentRefused) as refused:
        make_carrier(fake).create_shipment(shipment())

    assert "KATOOMBA NSW 2780" in refused.value.message
    assert refused.value.problems[0].field == "to.address"
    assert fake.sent("POST", CONSIGNMENTS) == []


def test_a_refused_consignment_names_the_carriers_problems() -> None:
    fake = consigning(FakeMyFastway()).on(
        "POST",
        CONSIGNMENTS,
        answer(
            400,
            {"errors": [{"code": "DuplicateReference", "message": "ORD-1042 already exists"}]},
        ),
    )

    with pytest.raises(ShipmentRefused) as refused:
        make_carrier(fake).create_shipment(shipment())

    assert "ORD-1042 already exists" in refused.value.message
    assert refused.value.problems[0].code == "DuplicateReference"


def test_a_package_type_the_account_may_not_use_is_refused() -> None:
    fake = consigning(FakeMyFastway()).on(
        "POST",
        CONSIGNMENTS,
        answer(403, {"errors": [{"code": "packageType", "message": "Satchel is not permitted"}]}),
    )

    with pytest.raises(ShipmentRefused, match="Satchel is not permitted") as refused:
        make_carrier(fake).create_shipment(shipment(service_code="S"))

    assert refused.value.status == 403


def test_a_server_error_on_create_is_not_repeated() -> None:
    fake = consigning(FakeMyFastway()).on("POST", CONSIGNMENTS, answer(503, {}))

    with pytest.raises(Unavailable) as failed:
        make_carrier(fake).create_shipment(shipment())

    assert failed.value.retryable
    assert len(fake.sent("POST", CONSIGNMENTS)) == 1


def test_a_create_that_times_out_after_sending_is_an_unknown_outcome() -> None:
    def lost(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    fake = consigning(FakeMyFastway()).on("POST", CONSIGNMENTS, lost)

    with pytest.raises(OutcomeUnknown):
        make_carrier(fake).create_shipment(shipment())

    assert len(fake.sent("POST", CONSIGNMENTS)) == 1


def test_a_throttled_create_is_waited_out() -> None:
    fake = consigning(FakeMyFastway()).on(
        "POST",
        CONSIGNMENTS,
        answer(429, headers={"Retry-After": "1"}),
        answer(201, fixture("consignment.create.response.json")),
    )

    made = make_carrier(fake).create_shipment(shipment())

    assert made.tracking_numbers == ("MP0000000001",)


def test_a_quote_prices_the_asked_service() -> None:
    fake = FakeMyFastway()
    fake.on("POST", VALIDATE, answer(200, fixture("address.validate.response.json")))
    fake.on(
        "POST", "/api/consignments/quote", answer(200, fixture("consignment.quote.response.json"))
    )

    rates = make_carrier(fake).quote(shipment())

    assert [(rate.service_code, rate.price_inc_tax) for rate in rates] == [("P", Decimal("13.75"))]


# --- look-up, label, tracking, cancel ----------------------------------------------------------


def test_find_shipment_pages_the_list_then_reads_the_consignment() -> None:
    others = [{"conId": n, "externalRef1": f"OTHER-{n}"} for n in range(1000)]
    fake = FakeMyFastway().on(
        "GET",
        CONSIGNMENTS,
        answer(200, {"data": others}),
        answer(200, fixture("consignments.list.json")),
    )
    fake.on(
        "GET", f"{CONSIGNMENTS}/1234567", answer(200, fixture("consignment.create.response.json"))
    )

    found = make_carrier(fake).find_shipment("ORD-1042")

    assert found is not None
    assert found.carrier_shipment_id == "1234567"
    assert found.tracking_numbers == ("MP0000000001",)
    pages = [request.url.params for request in fake.sent("GET", CONSIGNMENTS)]
    assert [params["pageNumber"] for params in pages] == ["0", "1"]
    assert pages[0]["from"] < pages[0]["to"]


def test_find_shipment_answers_none_when_no_consignment_has_the_reference() -> None:
    fake = FakeMyFastway().on("GET", CONSIGNMENTS, answer(200, fixture("consignments.list.json")))

    assert make_carrier(fake).find_shipment("ORD-9999") is None
    assert len(fake.sent("GET", CONSIGNMENTS)) == 2  # the second page repeats the first


def test_find_shipment_reads_on_past_short_pages_until_an_empty_one() -> None:
    """The doc's 1000 rows a page is not relied on: a shorter page may not be the last."""
    fake = FakeMyFastway().on(
        "GET",
        CONSIGNMENTS,
        answer(200, {"data": [{"conId": 1, "externalRef1": "OTHER-1"}]}),
        answer(200, fixture("consignments.list.json")),
        answer(200, {"data": []}),
    )
    fake.on(
        "GET", f"{CONSIGNMENTS}/1234567", answer(200, fixture("consignment.create.response.json"))
    )

    assert make_carrier(fake).find_shipment("ORD-1042") is not None
    assert make_carrier(fake).find_shipment("ORD-9999") is None


def test_the_label_is_the_consignments_pdf() -> None:
    fake = FakeMyFastway().on(
        "GET",
        f"{CONSIGNMENTS}/1234567/labels",
        httpx.Response(200, content=PDF, headers={"Content-Type": "application/pdf"}),
    )

    assert make_carrier(fake).label(created()) == PDF


def test_a_label_answer_that_is_no_pdf_is_an_error() -> None:
    fake = FakeMyFastway().on("GET", f"{CONSIGNMENTS}/1234567/labels", answer(200, {"data": {}}))

    with pytest.raises(CarrierError, match="not a PDF"):
        make_carrier(fake).label(created())


def test_tracking_asks_one_label_per_call_and_answers_unknown_labels() -> None:
    fake = FakeMyFastway()
    fake.on(
        "GET",
        "/api/track/label/BD0010915392",
        answer(503),
        answer(200, fixture("track.label.json")),
    )
    fake.on(
        "GET",
        "/api/track/label/ZZ0000000000",
        answer(404, {"errors": [{"code": "NotFound", "message": "Label not found"}]}),
    )

    results = make_carrier(fake).track(["BD0010915392", "ZZ0000000000"])

    assert [result.tracking_number for result in results] == ["BD0010915392", "ZZ0000000000"]
    assert results[0].status == TrackingStatus.DELIVERED
    assert results[1].status == TrackingStatus.UNKNOWN
    assert results[1].error == "Label not found"


def test_cancel_deletes_with_a_reason_from_myfastways_list() -> None:
    fake = FakeMyFastway().on(
        "GET",
        f"{CONSIGNMENTS}/deleted-reasons",
        answer(200, fixture("consignments.deleted_reasons.json")),
    )
    fake.on("DELETE", f"{CONSIGNMENTS}/1234567/reason/2", answer(200, {"data": True}))

    make_carrier(fake).cancel(created())

    assert len(fake.sent("DELETE", f"{CONSIGNMENTS}/1234567/reason/2")) == 1


def test_a_consignment_already_picked_up_cannot_be_cancelled() -> None:
    fake = FakeMyFastway().on(
        "GET",
        f"{CONSIGNMENTS}/deleted-reasons",
        answer(200, fixture("consignments.deleted_reasons.json")),
    )
    fake.on(
        "DELETE",
        f"{CONSIGNMENTS}/1234567/reason/2",
        answer(400, {"errors": [{"code": "AlreadyPickedUp", "message": "Consignment picked up"}]}),
    )

    with pytest.raises(ShipmentRefused, match="Consignment picked up"):
        make_carrier(fake).cancel(created())


def test_there_is_no_manifest() -> None:
    fake = FakeMyFastway()

    assert make_carrier(fake).close_manifest([created()], "EOD-1") is None
    assert fake.requests == []
