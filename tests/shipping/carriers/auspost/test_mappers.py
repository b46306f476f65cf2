"""Australia Post payloads mapped field for field. The samples in ``fixtures/`` are copied from
integrations/auspost.md (prices request, create response, labels request, order request,
tracking response, error envelope); the account, item prices answer and 400 answer are modelled
on the shapes that file and AusPost's reference describe."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kucun.shipping.carriers.auspost import mappers
from kucun.shipping.carriers.base import (
    Address,
    CreatedParcel,
    CreatedShipment,
    FieldProblem,
    Parcel,
    ParcelContent,
    Rate,
    ServiceInfo,
    ShipmentOptions,
    ShipmentRequest,
    TrackingStatus,
)

FIXTURES = Path(__file__).parent / "fixtures"
AEST = timezone(timedelta(hours=10))

SENDER = Address(
    name="Kucun Melbourne",
    lines=("12 Dock Road",),
    suburb="PORT MELBOURNE",
    state="VIC",
    postcode="3207",
    phone="0390001111",
    email="dock@example.com",
)
RECEIVER = Address(
    name="Ann Lee",
    company="Lee Trading",
    lines=("1 George Street", "Level 2"),
    suburb="SYDNEY",
    state="NSW",
    postcode="2001",
    phone="0412345678",
    email="ann@example.com",
)


def golden(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def request(**changes: Any) -> ShipmentRequest:
    base = ShipmentRequest(
        reference="ORD-1042",
        sender=SENDER,
        receiver=RECEIVER,
        parcels=(
            Parcel(
                reference="P1",
                weight_kg=Decimal("1.5"),
                length_cm=Decimal("20"),
                width_cm=Decimal("15"),
                height_cm=Decimal("10"),
                description="Kitchen tongs",
            ),
        ),
        service_code="T28",
    )
    return ShipmentRequest(**{**base.__dict__, **changes})


# -- create -------------------------------------------------------------------------------------


def test_the_create_body_carries_our_reference_addresses_and_items() -> None:
    [shipment] = mappers.create_shipments_body(request())["shipments"]
    assert shipment["shipment_reference"] == "ORD-1042"
    assert shipment["customer_reference_1"] == "ORD-1042"
    assert shipment["from"] == {
        "name": "Kucun Melbourne",
        "lines": ["12 Dock Road"],
        "suburb": "PORT MELBOURNE",
        "state": "VIC",
        "postcode": "3207",
        "country": "AU",
        "phone": "0390001111",
        "email": "dock@example.com",
    }
    assert shipment["to"]["business_name"] == "Lee Trading"
    assert shipment["to"]["lines"] == ["1 George Street", "Level 2"]
    # The item's sizes and weight are the doc's sample item's (prices request, same fields).
    sample = golden("prices_items.request.json")["items"][0]
    [item] = shipment["items"]
    assert {name: item[name] for name in ("length", "width", "height", "weight")} == {
        name: sample[name] for name in ("length", "width", "height", "weight")
    }
    assert item == {
        "item_reference": "P1",
        "product_id": "T28",
        "item_description": "Kitchen tongs",
        "length": 20,
        "width": 15,
        "height": 10,
        "weight": 1.5,
        "authority_to_leave": False,
    }
    assert "email_tracking_enabled" not in shipment


def test_weights_keep_three_decimals_and_cover_is_the_docs_feature() -> None:
    options = ShipmentOptions(authority_to_leave=True, insurance_value=Decimal("100"))
    parcel = Parcel(reference="P1", weight_kg=Decimal("1.2345"))
    [item] = mappers.create_shipments_body(request(parcels=(parcel,), options=options))[
        "shipments"
    ][0]["items"]
    assert item["weight"] == 1.235
    assert "length" not in item
    assert item["authority_to_leave"] is True
    assert item["features"] == golden("prices_items.request.json")["items"][0]["features"]


def test_a_signature_wanted_means_no_authority_to_leave() -> None:
    options = ShipmentOptions(authority_to_leave=True, signature=True, dangerous_goods=True)
    [item] = mappers.create_shipments_body(request(options=options))["shipments"][0]["items"]
    assert item["authority_to_leave"] is False
    assert item["contains_dangerous_goods"] is True


def test_tracking_emails_need_the_option_and_the_receivers_email() -> None:
    body = mappers.create_shipments_body(request(), email_tracking=True)
    assert body["shipments"][0]["email_tracking_enabled"] is True
    silent = request(receiver=Address(**{**RECEIVER.__dict__, "email": ""}))
    body = mappers.create_shipments_body(silent, email_tracking=True)
    assert "email_tracking_enabled" not in body["shipments"][0]


def test_an_international_item_declares_its_contents() -> None:
    abroad = Address(
        name="Bo Chen", lines=("8 Queen St",), suburb="AUCKLAND", state="", postcode="1010",
        country="NZ",
    )  # fmt: skip
    parcel = Parcel(
        reference="P1",
        weight_kg=Decimal("1"),
        contents=(
            ParcelContent(
                sku="BBQ-TONGS",
                description="BBQ tongs",
                quantity=2,
                unit_value=Decimal("12.00"),
                unit_weight_kg=Decimal("0.5"),
                country_of_origin="CN",
                tariff_code="821599",
            ),
        ),
    )
    [item] = mappers.create_shipments_body(
        request(receiver=abroad, parcels=(parcel,), service_code="PTI8")
    )["shipments"][0]["items"]
    assert item["classification_type"] == "SALE_OF_GOODS"
    assert item["item_contents"] == [
        {
            "description": "BBQ tongs",
            "quantity": 2,
            "value": 12,
            "weight": 0.5,
            "tariff_code": "821599",
            "country_of_origin": "CN",
        }
    ]


def test_the_create_answer_is_a_created_shipment() -> None:
    shipment = mappers.first_shipment(golden("shipments_create.response.json"))
    assert shipment is not None
    created = mappers.created_shipment(shipment, ["P1"])
    assert created == CreatedShipment(
        carrier="auspost",
        reference="ORD-1042",
        carrier_shipment_id="9lesEAOvOm4AAAFI3swaDRYB",
        tracking_numbers=("ABC000128B4C5",),
        parcels=(CreatedParcel("P1", "LDCsEAOvU_oAAAFI6MwaDRYB", "ABC000128B4C5"),),
        consignment_number="ABC000128",
        label_ref="T28",
        cost=Decimal("12.1"),
    )


def test_tracking_numbers_follow_our_parcels_order() -> None:
    shipment = {
        "shipment_id": "S1",
        "shipment_reference": "R",
        "items": [
            {"item_id": "I2", "item_reference": "R-2", "product_id": "T28",
             "tracking_details": {"article_id": "A2"}},
            {"item_id": "IX", "item_reference": "other", "product_id": "E34",
             "tracking_details": {"article_id": "AX"}},
            {"item_id": "I1", "item_reference": "R-1", "product_id": "T28",
             "tracking_details": {"article_id": "A1"}},
        ],
    }  # fmt: skip
    created = mappers.created_shipment(shipment, ["R-1", "R-2"])
    assert created.tracking_numbers == ("A1", "A2", "AX")
    assert created.label_ref == "T28,E34"
    assert created.cost is None


def test_a_retrieve_answer_is_checked_for_our_reference() -> None:
    payload = {
        "shipments": [
            {"shipment_id": "S1", "shipment_reference": "R-1"},
            {"shipment_id": "S2", "shipment_reference": "R-2"},
        ],
        "pagination": {"total_number_of_records": 250},
    }
    assert [s["shipment_id"] for s in mappers.shipments_with_reference(payload, "R-2")] == ["S2"]
    assert mappers.shipments_with_reference(payload, "R-3") == []
    assert mappers.more_pages(payload, 0, 100)
    assert not mappers.more_pages(payload, 248, 100)
    assert not mappers.more_pages({"shipments": []}, 0, 100)


# -- errors -------------------------------------------------------------------------------------


def test_each_error_entry_is_a_field_problem_with_either_naming() -> None:
    problems = mappers.field_problems(golden("shipments_create.400.response.json"))
    assert problems == (
        FieldProblem(
            "shipments[0].to.postcode", "The postcode 9999 is not valid for SYDNEY NSW.", "44013"
        ),
        FieldProblem("shipments[0].to.name", "The name must be 40 characters or fewer.", "44020"),
    )
    words = mappers.error_text(golden("shipments_create.400.response.json"))
    assert words.startswith("44013 INVALID_POSTCODE: The postcode 9999")
    assert "44020 FIELD_TOO_LONG: The name must be" in words


def test_the_gateways_body_and_the_throttle_are_read_too() -> None:
    [problem] = mappers.field_problems(golden("gateway.422.response.json"))
    assert problem.code == "unprocessable_entity"
    assert problem.message.endswith("try again.; weight is required")
    assert mappers.error_text(golden("too_many_requests.429.response.json")) == (
        "API_002 Too many requests"
    )
    assert mappers.field_problems({"unexpected": True}) == ()
    assert mappers.error_text("not json") == ""


# -- prices -------------------------------------------------------------------------------------


def test_the_item_prices_body_is_the_docs_without_a_product_filter() -> None:
    sample = golden("prices_items.request.json")
    body = mappers.item_prices_body(request(receiver=Address(**{**RECEIVER.__dict__})))
    assert body["from"] == sample["from"]
    assert body["to"] == sample["to"]
    fields = ("item_reference", "length", "width", "height", "weight")
    assert body["items"] == [{name: sample["items"][0][name] for name in fields}]


def test_rates_add_up_the_items_and_skip_a_product_missing_for_one() -> None:
    rates = mappers.rates_from_item_prices(
        golden("prices_items.response.json"), parcels=2, currency="AUD", names={}
    )
    assert rates == [Rate("T28", "Parcel Post", Decimal("22.0"), Decimal("2.0"), "AUD")]
    one_parcel = {"items": golden("prices_items.response.json")["items"][:1]}
    named = mappers.rates_from_item_prices(
        one_parcel, parcels=1, currency="AUD", names={"T28": "PP"}
    )
    assert [(rate.service_code, rate.service_name) for rate in named] == [
        ("T28", "PP"),
        ("E34", "Express Post"),
    ]


def test_the_shipment_price_bills_the_rate_with_surcharges() -> None:
    rate = Rate("T28", "Parcel Post", Decimal("12.1"), Decimal("1.1"))
    # The create answer's summary is the shape of the shipment price's (§3.2).
    priced = mappers.priced_rate(golden("shipments_create.response.json"), rate)
    assert (priced.price_inc_tax, priced.tax) == (Decimal("12.1"), Decimal("1.1"))
    surcharged = {"shipments": [{"shipment_summary": {"total_cost": 13.09}}]}
    assert mappers.priced_rate(surcharged, rate).price_inc_tax == Decimal("13.09")
    assert mappers.priced_rate(surcharged, rate).tax == Decimal("1.1")
    assert mappers.priced_rate({"shipments": []}, rate) is rate


# -- labels -------------------------------------------------------------------------------------


def test_the_labels_body_is_the_docs() -> None:
    sample = golden("labels_create.request.json")
    created = CreatedShipment(
        carrier="auspost",
        reference="ORD-1042",
        carrier_shipment_id="9lesEAOvOm4AAAFI3swaDRYB",
        tracking_numbers=("ABC000128B4C5",),
        parcels=(CreatedParcel("P1", "LDCsEAOvU_oAAAFI6MwaDRYB", "ABC000128B4C5"),),
    )
    body = mappers.labels_body(
        created, groups=["Parcel Post", "Parcel Post"], layout="A4-1pp", wait_for_label_url=True
    )
    assert body["wait_for_label_url"] is sample["wait_for_label_url"]
    assert body["shipments"] == sample["shipments"]
    [preference] = body["preferences"]
    [sample_preference] = sample["preferences"]
    assert {k: preference[k] for k in ("type", "format")} == {
        k: sample_preference[k] for k in ("type", "format")
    }
    assert preference["groups"] == [sample_preference["groups"][0]]  # one entry per family
    two_step = mappers.labels_body(
        created, groups=["Express Post"], layout="A6-1pp", wait_for_label_url=False, branded=False
    )
    assert two_step["wait_for_label_url"] is False
    assert two_step["preferences"][0]["groups"] == [
        {**sample_preference["groups"][1], "layout": "A6-1pp"}
    ]


def test_label_groups_come_from_the_account_before_the_known_table() -> None:
    groups = mappers.account_groups(golden("account.response.json"))
    assert groups == {"T28": "Parcel Post", "E34": "Express Post", "FPP": "StarTrack"}
    assert mappers.label_group("FPP", groups) == "StarTrack"
    assert mappers.label_group("E34", {}) == "Express Post"
    assert mappers.label_group("ZZZ", {}) == "Parcel Post"


def test_a_label_entry_and_its_status() -> None:
    pending = {"labels": [{"request_id": "R1", "status": "pending"}]}
    assert mappers.label_status(mappers.label_entry(pending)) == "PENDING"
    failed = {"request_id": "R1", "status": "ERROR", "errors": [{"code": "1", "name": "BAD"}]}
    assert mappers.label_failure(failed) == "1 BAD"
    assert mappers.label_entry({}) == {}


# -- tracking -----------------------------------------------------------------------------------


def test_the_docs_tracking_answer_oldest_event_first() -> None:
    [known, unknown] = mappers.tracking_results(
        golden("track.response.json"), ["ABC000128B4C5", "XYZ"]
    )
    assert known.status == TrackingStatus.DELIVERED
    assert not known.error
    assert [event.at for event in known.events] == [
        datetime(2022, 8, 12, 13, 24, 21, tzinfo=AEST),
        datetime(2022, 8, 18, 11, 45, 57, tzinfo=AEST),
    ]
    first, last = known.events
    assert (first.description, first.location, first.raw_code, first.status) == (
        "Shipment information received",
        "Sydney,NSW",
        "Shipment information received",
        TrackingStatus.INFO_RECEIVED,
    )
    assert (last.location, last.status) == ("PARREARRA QLD", TrackingStatus.DELIVERED)
    assert last.at.astimezone(UTC) == datetime(2022, 8, 18, 1, 45, 57, tzinfo=UTC)
    assert unknown.status == TrackingStatus.UNKNOWN
    assert unknown.error == "ESB-10001 Invalid tracking ID"
    assert unknown.events == ()


def test_a_number_left_out_of_the_answer_is_unknown_in_the_order_asked() -> None:
    results = mappers.tracking_results(golden("track.response.json"), ["NOPE", "ABC000128B4C5"])
    assert [result.tracking_number for result in results] == ["NOPE", "ABC000128B4C5"]
    assert results[0].status == TrackingStatus.UNKNOWN
    assert results[0].error


def test_an_unknown_item_status_falls_back_to_the_latest_event() -> None:
    events = [
        {"description": "On Board for Delivery", "date": "2025-05-03T08:00:00+10:00"},
        {"description": "In transit to next facility", "date": "2025-05-02T08:00:00+10:00"},
        {"description": "no date"},
    ]
    item = {"article_id": "A1", "status": "Something new", "events": events}
    payload = {"tracking_results": [{"tracking_id": "A1", "trackable_items": [item]}]}
    [result] = mappers.tracking_results(payload, ["A1"])
    assert result.status == TrackingStatus.OUT_FOR_DELIVERY
    assert [event.status for event in result.events] == [
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.OUT_FOR_DELIVERY,
    ]


@pytest.mark.parametrize(
    ("words", "status"),
    [
        # The statuses auspost.md §7 lists as seen.
        ("Created", TrackingStatus.INFO_RECEIVED),
        ("Sealed", TrackingStatus.INFO_RECEIVED),
        ("Initiated", TrackingStatus.INFO_RECEIVED),
        ("In transit", TrackingStatus.IN_TRANSIT),
        ("Awaiting collection", TrackingStatus.OUT_FOR_DELIVERY),
        ("On Board for Delivery", TrackingStatus.OUT_FOR_DELIVERY),
        ("Possible delay", TrackingStatus.EXCEPTION),
        ("Cannot be delivered", TrackingStatus.EXCEPTION),
        ("Article damaged", TrackingStatus.EXCEPTION),
        ("Delivered", TrackingStatus.DELIVERED),
        ("Unsuccessful pickup", TrackingStatus.EXCEPTION),
        # Event descriptions.
        ("Shipment information received", TrackingStatus.INFO_RECEIVED),
        ("Received and ready for processing", TrackingStatus.IN_TRANSIT),
        ("Processed through facility", TrackingStatus.IN_TRANSIT),
        ("Delivered - Left in a safe place", TrackingStatus.DELIVERED),
        ("Attempted delivery - card left", TrackingStatus.EXCEPTION),
        ("Item returned to sender", TrackingStatus.RETURNED),
        ("  delivered  ", TrackingStatus.DELIVERED),
        ("Undelivered", TrackingStatus.EXCEPTION),
        ("Something else entirely", TrackingStatus.UNKNOWN),
        ("", TrackingStatus.UNKNOWN),
    ],
)
def test_tracking_words_map_by_keyword(words: str, status: TrackingStatus) -> None:
    assert mappers.tracking_status(words) == status


# -- orders and the account ---------------------------------------------------------------------


def test_the_order_body_and_answer_are_the_docs() -> None:
    assert mappers.order_body(["9lesEAOvOm4AAAFI3swaDRYB"], "EOD-2025-05-01") == golden(
        "orders_put.request.json"
    )
    order = mappers.order_of(golden("orders_put.response.json"))
    result = mappers.manifest_result(order, "EOD-2025-05-01", b"%PDF-1.4")
    assert (result.manifest_id, result.reference, result.pdf, result.cost) == (
        "AP0000002422",
        "EOD-2025-05-01",
        b"%PDF-1.4",
        Decimal("12.1"),
    )


def test_the_account_names_itself_and_its_products() -> None:
    info = mappers.connection_info(golden("account.response.json"), "0001234567")
    assert info.account_name == "Kucun Test Merchant"
    assert info.services == (
        ServiceInfo("T28", "PARCEL POST"),
        ServiceInfo("E34", "EXPRESS POST"),
        ServiceInfo("FPP", "STARTRACK PREMIUM"),
    )
    assert info.details["account_number"] == "0001234567"
    assert info.details["merchant_location_id"] == "ABC"
    bare = mappers.connection_info({}, "0009999999")
    assert bare.account_name == "Australia Post 0009999999"
    assert bare.services == ()
