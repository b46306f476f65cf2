"""myFastway JSON ↔ canonical types, on golden payloads from integrations/fastway.md."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kucun.shipping.carriers.base import (
    Address,
    FieldProblem,
    Parcel,
    ShipmentOptions,
    ShipmentRefused,
    ShipmentRequest,
    TrackingStatus,
)
from kucun.shipping.carriers.fastway.mappers import (
    address_body,
    consignment_body,
    created_from,
    deleted_reason_id,
    delivery_options,
    error_problems,
    listed_consignment_id,
    package_type,
    rate_from,
    refused,
    scan_status,
    tracking_result_from,
    validated_address,
    wire_number,
)

FIXTURES = Path(__file__).parent / "fixtures"
SYDNEY = ZoneInfo("Australia/Sydney")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


TONY = Address(
    name="Tony Receiver",
    company="Tony's Tools",
    lines=("73 Katoomba St",),
    suburb="Katoomba",
    state="NSW",
    postcode="2780",
    country="AU",
    phone="0400 123 456",
    email="tony@example.com",
)
SENDER = Address(
    name="Kucun Melbourne", lines=("12 Dock Road",), suburb="PORT MELBOURNE", state="VIC",
    postcode="3207",
)  # fmt: skip


def doc_shipment(service_code: str = "P", **options: bool) -> ShipmentRequest:
    """The doc's §6 sample consignment as Kucun would ask for it."""
    return ShipmentRequest(
        reference="ORD-1042",
        sender=SENDER,
        receiver=TONY,
        parcels=(
            Parcel(
                reference="Parcel",
                weight_kg=Decimal("5.000"),
                length_cm=Decimal("25"),
                width_cm=Decimal("10"),
                height_cm=Decimal("10"),
            ),
        ),
        service_code=service_code,
        options=ShipmentOptions(**options),
    )


# --- requests ----------------------------------------------------------------------------------


def test_the_receiver_address_is_the_docs_validate_body() -> None:
    assert address_body(TONY) == fixture("address.validate.request.json")


def test_further_street_lines_are_additional_details() -> None:
    address = Address("Ann Lee", ("1 George Street", "Level 2", "Suite 4"), "SYDNEY", "NSW", "2000")

    body = address_body(address)

    assert body["streetAddress"] == "1 George Street"
    assert body["additionalDetails"] == "Level 2, Suite 4"


def test_a_parcel_consignment_matches_the_docs_create_request() -> None:
    golden = fixture("consignment.create.request.json")

    body = consignment_body(doc_shipment(authority_to_leave=True))

    assert body["to"] == golden["to"]
    assert body["externalRef1"] == golden["externalRef1"]
    assert body["services"] == golden["services"]
    assert body["items"] == [golden["items"][0]]
    assert json.loads(json.dumps(body)) == body  # plain JSON: no Decimal left


def test_a_satchel_consignment_sends_the_satchel_size_as_the_doc_does() -> None:
    golden = fixture("consignment.create.request.json")["items"][1]

    body = consignment_body(doc_shipment("S"), satchel_size="A4")

    item = body["items"][0]
    assert {key: item[key] for key in ("quantity", "packageType", "satchelSize")} == {
        key: golden[key] for key in ("quantity", "packageType", "satchelSize")
    }
    assert "weightDead" not in item


def test_each_parcel_is_an_item_of_quantity_one_so_each_gets_a_label() -> None:
    shipment = doc_shipment()
    two = ShipmentRequest(
        **{**shipment.__dict__, "parcels": (shipment.parcels[0], shipment.parcels[0])}
    )

    items = consignment_body(two)["items"]

    assert [item["quantity"] for item in items] == [1, 1]


def test_signature_wins_over_authority_to_leave_and_neither_sends_no_option() -> None:
    assert delivery_options(ShipmentOptions(authority_to_leave=True, signature=True)) == [
        {"serviceCode": "DELOPT", "serviceItemCode": "SGR"}
    ]
    assert delivery_options(ShipmentOptions()) == []


def test_a_parcel_without_its_dimensions_is_refused_before_sending() -> None:
    shipment = doc_shipment()
    flat = ShipmentRequest(
        **{**shipment.__dict__, "parcels": (Parcel(reference="X", weight_kg=Decimal("1")),)}
    )

    with pytest.raises(ShipmentRefused) as refusal:
        consignment_body(flat)

    assert {problem.field for problem in refusal.value.problems} == {
        "items[0].length",
        "items[0].width",
        "items[0].height",
    }


def test_service_codes_are_package_types() -> None:
    assert package_type("P") == "P"
    assert package_type("s") == "S"
    assert package_type("") == "P"
    with pytest.raises(ShipmentRefused, match="no service 'EXPRESS'"):
        package_type("EXPRESS")


def test_wire_numbers_are_integers_when_whole() -> None:
    assert wire_number(Decimal("5.000")) == 5
    assert isinstance(wire_number(Decimal("5.000")), int)
    assert wire_number(Decimal("1.250")) == 1.25


def test_the_validated_address_keeps_our_fields_with_myfastways_spelling() -> None:
    sent = fixture("address.validate.request.json")

    merged = validated_address(sent, fixture("address.validate.response.json")["data"])

    assert merged == {**sent, "locality": "KATOOMBA"}  # no lat, lng or ids


# --- answers -----------------------------------------------------------------------------------


def test_the_create_answer_gives_the_consignment_and_a_label_per_parcel() -> None:
    shipment = doc_shipment()

    created = created_from(
        fixture("consignment.create.response.json")["data"],
        reference=shipment.reference,
        parcels=shipment.parcels,
    )

    assert created.carrier == "fastway"
    assert created.reference == "ORD-1042"
    assert created.carrier_shipment_id == "1234567"
    assert created.tracking_numbers == ("MP0000000001",)
    assert created.parcels[0].reference == "Parcel"
    assert created.parcels[0].carrier_parcel_id == "MP0000000001"
    assert created.cost == Decimal("13.75")


def test_parcels_are_matched_by_position_when_the_carrier_drops_our_references() -> None:
    data = fixture("consignment.create.response.json")["data"]
    data["items"][0]["reference"] = ""
    shipment = doc_shipment()

    created = created_from(data, parcels=shipment.parcels)

    assert created.parcels[0].reference == "Parcel"


def test_an_answer_without_a_con_id_is_not_a_consignment() -> None:
    with pytest.raises(ValueError, match="conId"):
        created_from({"items": []})


def test_a_quote_is_the_total_including_tax() -> None:
    rate = rate_from(
        fixture("consignment.quote.response.json")["data"],
        service_code="P",
        service_name="Parcel",
        currency="AUD",
    )

    assert rate.price_inc_tax == Decimal("13.75")
    assert rate.tax == Decimal("1.25")
    assert (rate.service_code, rate.service_name, rate.currency) == ("P", "Parcel", "AUD")


def test_the_list_finds_the_newest_consignment_of_our_reference() -> None:
    rows = fixture("consignments.list.json")["data"]
    rows.append({**rows[1], "conId": 1234599})

    assert listed_consignment_id(rows, "ORD-1042") == "1234599"
    assert listed_consignment_id(rows, "ORD-1041") == "1234560"
    assert listed_consignment_id(rows, "ORD-9999") is None


def test_the_delete_reason_says_the_consignment_is_no_longer_wanted() -> None:
    reasons = fixture("consignments.deleted_reasons.json")["data"]

    assert deleted_reason_id(reasons) == "2"
    assert deleted_reason_id(reasons[:1]) == "1"
    assert deleted_reason_id([]) is None


# --- errors ------------------------------------------------------------------------------------


def test_address_suggestions_become_the_refusals_message() -> None:
    body = fixture("address.validate.suggestions.json")

    refusal = refused("myFastway could not validate the address", body, 400, field="to.address")

    assert "KATOOMBA NSW 2780" in refusal.message
    assert "LEURA NSW 2780" in refusal.message
    assert refusal.problems == (
        FieldProblem(
            field="to.address",
            message="Locality Katoomber NSW 2780 was not found "
            "(suggestions: KATOOMBA NSW 2780, LEURA NSW 2780)",
            code="InvalidLocality",
        ),
    )
    assert refusal.status == 400
    assert not refusal.retryable


def test_errors_without_a_field_are_named_by_their_code() -> None:
    problems = error_problems({"errors": [{"code": "DuplicateReference", "message": "Taken"}]})

    assert problems == (FieldProblem("DuplicateReference", "Taken", "DuplicateReference"),)


def test_model_state_errors_name_their_fields() -> None:
    problems = error_problems({"errors": {"Items[0].WeightDead": ["Required"]}})

    assert problems == (FieldProblem("Items[0].WeightDead", "Required"),)


# --- tracking ----------------------------------------------------------------------------------


def test_the_docs_scans_map_oldest_first_in_sydney_time() -> None:
    result = tracking_result_from("BD0010915392", fixture("track.label.json")["data"], SYDNEY)

    assert result.status == TrackingStatus.DELIVERED
    assert not result.error
    assert [event.raw_code for event in result.events] == ["P", "D"]
    assert [event.status for event in result.events] == [
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.DELIVERED,
    ]
    assert result.events[0].at == datetime(2025, 5, 1, 14, 2, 11, tzinfo=SYDNEY)
    assert result.events[1].description == "Delivered - Authority to leave"
    assert result.events[1].location == "Sydney"


def test_scans_out_of_order_are_put_oldest_first() -> None:
    scans = list(reversed(fixture("track.label.json")["data"]))

    result = tracking_result_from("BD0010915392", scans, SYDNEY)

    assert [event.raw_code for event in result.events] == ["P", "D"]
    assert result.status == TrackingStatus.DELIVERED


def test_a_never_scanned_label_is_information_received() -> None:
    result = tracking_result_from("MP0000000001", fixture("track.label.empty.json")["data"], SYDNEY)

    assert result.status == TrackingStatus.INFO_RECEIVED
    assert result.events == ()
    assert not result.error


def test_an_unscanned_number_that_is_no_label_number_is_unknown() -> None:
    result = tracking_result_from("ZZ0", [], SYDNEY)

    assert result.status == TrackingStatus.UNKNOWN
    assert result.error


def test_a_time_with_an_offset_keeps_it() -> None:
    scan = {**fixture("track.label.json")["data"][0], "scannedDateTime": "2025-05-01T04:02:11Z"}

    result = tracking_result_from("BD0010915392", [scan], SYDNEY)

    assert result.events[0].at == datetime(2025, 5, 1, 14, 2, 11, tzinfo=SYDNEY)


@pytest.mark.parametrize(
    ("scan_type", "description", "status"),
    [
        ("P", "Parcel picked up", TrackingStatus.IN_TRANSIT),
        ("T", "Arrived at Sydney depot", TrackingStatus.IN_TRANSIT),
        ("T", "Out for delivery", TrackingStatus.OUT_FOR_DELIVERY),
        ("T", "Received at depot", TrackingStatus.IN_TRANSIT),
        ("D", "Delivered - Authority to leave", TrackingStatus.DELIVERED),
        ("C", "Card left - unable to deliver", TrackingStatus.EXCEPTION),
        ("R", "Returned to sender", TrackingStatus.RETURNED),
        ("", "Consignment created - information received", TrackingStatus.INFO_RECEIVED),
        ("X", "Something else", TrackingStatus.UNKNOWN),
    ],
)
def test_scans_map_by_type_then_words(
    scan_type: str, description: str, status: TrackingStatus
) -> None:
    assert scan_status(scan_type, description) == status
