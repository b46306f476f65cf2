"""4PX payloads copied from integrations/fourpx.md (and the portal pages it cites), mapped
field for field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kucun.shipping.carriers.base import (
    Address,
    CreatedParcel,
    CreatedShipment,
    FieldProblem,
    Parcel,
    ParcelContent,
    ShipmentOptions,
    ShipmentRequest,
    TrackingStatus,
)
from kucun.shipping.carriers.fourpx.mappers import (
    create_body,
    created_from_create,
    created_from_order,
    envelope_from_json,
    event_time,
    field_problems,
    grams,
    label_body,
    order_with_reference,
    quote_body,
    rates_from_estimates,
    services_from_products,
    status_of_event,
    throttle_codes_in,
    tracking_result,
)

FIXTURES = Path(__file__).parent / "fixtures"


def golden(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


SENDER = Address(
    name="Zhang Yu",
    lines=("Caifugang Building D", "25F"),
    suburb="Shenzhen",
    state="Guangdong",
    postcode="518000",
    country="CN",
    company="fpx",
    phone="8956232659",
    email="sender@example.com",
)
RECEIVER = Address(
    name="Ann Lee",
    lines=("1 George Street",),
    suburb="SYDNEY",
    state="NSW",
    postcode="2000",
    country="au",
    phone="0412345678",
    email="ann@example.com",
)


def shipment(parcels: int = 1, **more: Any) -> ShipmentRequest:
    return ShipmentRequest(
        reference="ORD-1042",
        sender=SENDER,
        receiver=RECEIVER,
        parcels=tuple(
            Parcel(
                reference=f"ORD-1042-{index}",
                weight_kg=Decimal("1.2501"),
                length_cm=Decimal("30"),
                width_cm=Decimal("20.5"),
                height_cm=Decimal("10"),
                description="Kitchen tongs",
                value=Decimal("24.00"),
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
            for index in range(1, parcels + 1)
        ),
        service_code="F3",
        **more,
    )


# --- units -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kilograms", "expected"),
    [("1.25", 1250), ("1.2501", 1251), ("0.0001", 1), ("2", 2000), ("0.999", 999)],
)
def test_kilograms_become_whole_grams_rounded_up(kilograms: str, expected: int) -> None:
    assert grams(Decimal(kilograms)) == expected


# --- create ----------------------------------------------------------------------------------


def test_the_create_body_has_the_documented_shape() -> None:
    body = create_body(shipment(), {"warehouse_code": "SZ01"})
    assert body["ref_no"] == "ORD-1042"
    assert (body["business_type"], body["duty_type"], body["cargo_type"]) == ("BDS", "U", "5")
    assert body["logistics_service_info"] == {
        "logistics_product_code": "F3",
        "customs_service": "N",
        "signature_service": "N",
        "value_added_services": "",
    }
    [parcel] = body["parcel_list"]
    assert parcel["weight"] == 1251
    assert (parcel["length"], parcel["width"], parcel["height"]) == (30, 20.5, 10)
    assert (parcel["parcel_value"], parcel["currency"], parcel["include_battery"]) == (
        24,
        "AUD",
        "N",
    )
    assert parcel["product_list"] == [
        {
            "sku_code": "BBQ-TONGS",
            "product_name": "BBQ tongs",
            "product_description": "BBQ tongs",
            "product_unit_price": 12,
            "currency": "AUD",
            "qty": 2,
        }
    ]
    [declared] = parcel["declare_product_info"]
    assert declared["declare_product_name_en"] == "BBQ tongs"
    assert declared["declare_product_code_qty"] == 2
    assert declared["unit_net_weight"] == 500
    assert (declared["origin_country"], declared["hscode_export"]) == ("CN", "821599")
    assert body["recipient_info"] == {
        "first_name": "Ann",
        "last_name": "Lee",
        "company": "",
        "phone": "0412345678",
        "email": "ann@example.com",
        "post_code": "2000",
        "country": "AU",
        "state": "NSW",
        "city": "SYDNEY",
        "street": "1 George Street",
    }
    assert body["sender"]["street"] == "Caifugang Building D, 25F"
    assert body["deliver_type_info"]["deliver_type"] == "1"
    assert body["deliver_type_info"]["warehouse_code"] == "SZ01"
    assert body["deliver_type_info"]["pick_up_info"]["pick_up_address_info"] == body["sender"]
    assert body["label_config_info"] == {
        "label_size": "label_100x150",
        "response_label_format": "PDF",
        "create_logistics_label": "Y",
        "create_package_label": "N",
    }
    assert body["is_insure"] == "N"
    json.dumps(body)  # nothing that JSON cannot carry (Decimals)


def test_options_choose_the_hand_over_duties_label_and_insurance() -> None:
    request = shipment(
        options=ShipmentOptions(signature=True, insurance_value=Decimal("50")),
        label_size="label_80x90",
    )
    body = create_body(request, {"deliver_type": "3", "duty_type": "P"})
    assert body["deliver_type_info"] == {"deliver_type": "3"}
    assert body["duty_type"] == "P"
    assert body["label_config_info"]["label_size"] == "label_80x90"
    assert body["logistics_service_info"]["signature_service"] == "Y"
    assert (body["is_insure"], body["insurance_info"]) == (
        "Y",
        {"insure_value": 50, "currency": "AUD"},
    )


def test_a_parcel_without_contents_declares_itself() -> None:
    bare = shipment()
    bare = ShipmentRequest(
        reference=bare.reference,
        sender=SENDER,
        receiver=RECEIVER,
        parcels=(Parcel(reference="P-1", weight_kg=Decimal("0.3"), value=Decimal("9.5")),),
        service_code="F3",
    )
    [parcel] = create_body(bare, {})["parcel_list"]
    assert "length" not in parcel
    [declared] = parcel["declare_product_info"]
    assert declared["declare_product_name_en"] == "Goods"
    assert (declared["declare_product_code_qty"], declared["declare_unit_price_export"]) == (
        1,
        9.5,
    )


def test_the_documented_create_answer_is_one_consignment_its_number_on_every_parcel() -> None:
    envelope = envelope_from_json(golden("order_create.response.json"))
    assert envelope.succeeded
    created = created_from_create(envelope.data, shipment(parcels=2), "AUD")
    assert created == CreatedShipment(
        carrier="fourpx",
        reference="ORD-1042",
        carrier_shipment_id="DS800900010807",
        tracking_numbers=("800900010807", "800900010807"),
        parcels=(
            CreatedParcel("ORD-1042-1", "1", "800900010807"),
            CreatedParcel("ORD-1042-2", "2", "800900010807"),
        ),
        consignment_number="800900010807",
        label_ref="800900010807",
        currency="AUD",
        last_mile_carrier="DHL 900900010237",
    )


def test_per_parcel_numbers_are_used_when_4px_lists_them() -> None:
    data = {
        **golden("order_create.response.json")["data"],
        "parcel_list": [{"4px_tracking_no": "4PX0001CN"}, {"4px_tracking_no": "4PX0002CN"}],
    }
    created = created_from_create(data, shipment(parcels=2), "AUD")
    assert created.tracking_numbers == ("4PX0001CN", "4PX0002CN")
    assert created.consignment_number == "800900010807"


def test_a_last_mile_number_not_yet_given_leaves_the_carrier_name_alone() -> None:
    data = {**golden("order_create.response.json")["data"], "logistics_channel_no": ""}
    assert created_from_create(data, shipment(), "AUD").last_mile_carrier == "DHL"


def test_a_duplicate_reference_names_4pxs_error() -> None:
    envelope = envelope_from_json(golden("order_create.in_processing.response.json"))
    assert not envelope.succeeded
    assert envelope.has("DS000007")
    assert field_problems(envelope) == (
        FieldProblem(field="", message="Ref_no: 736017796559863808 in processing", code="DS000007"),
    )
    assert envelope.words() == "DS000007: Ref_no: 736017796559863808 in processing"


def test_camel_case_duplicates_do_not_hide_the_error() -> None:
    envelope = envelope_from_json(golden("order_hold.refused.response.json"))
    [error] = envelope.errors
    assert (error.code, error.message, error.reference) == (
        "DS000031",
        "This product can not be intercepted",
        "UG044286942CN",
    )


def test_a_field_named_in_error_data_is_the_problems_field() -> None:
    envelope = envelope_from_json(
        {
            "result": "0",
            "errors": [
                {"error_code": "DS000004", "error_msg": "must be integer", "error_data": "weight"}
            ],
        }
    )
    assert field_problems(envelope) == (FieldProblem("weight", "must be integer", "DS000004"),)


def test_data_sent_as_a_json_string_is_decoded() -> None:
    payload = golden("order_create.response.json")
    payload["data"] = json.dumps(payload["data"])
    assert envelope_from_json(payload).data["ds_consignment_no"] == "DS800900010807"


def test_the_throttle_signal_is_000017_in_the_body() -> None:
    assert throttle_codes_in(golden("throttled.response.json"))
    assert not throttle_codes_in(golden("order_create.in_processing.response.json"))
    assert not throttle_codes_in("<html>")


# --- lookup ----------------------------------------------------------------------------------


def test_the_documented_order_get_answer_is_the_consignment_of_our_reference() -> None:
    data = envelope_from_json(golden("order_get.response.json")).data
    assert order_with_reference(data, "SOMEONE-ELSE") is None
    entry = order_with_reference(data, "AQ710216678CN")
    assert entry is not None
    found = created_from_order(entry, "AUD")
    assert found.reference == "AQ710216678CN"
    assert found.carrier_shipment_id == "DS303367756838"
    assert found.tracking_numbers == ("305646756838",)
    assert found.parcels == (CreatedParcel("", "1", "305646756838"),)
    assert found.last_mile_carrier == "420766679365559903506222909294"


def test_a_consignment_of_several_parcels_is_looked_up_with_a_number_per_parcel() -> None:
    [entry] = golden("order_get.response.json")["data"]
    entry["parcel_confirm_info"]["confirm_parcel_qty"] = "2"
    assert created_from_order(entry, "AUD").tracking_numbers == ("305646756838",) * 2


# --- services and quotes ---------------------------------------------------------------------


def test_products_become_services_with_their_english_names() -> None:
    data = [
        {
            "logistics_product_code": "F3",
            "logistics_product_name_cn": "联邮通",
            "logistics_product_name_en": "Standard Registered",
        },
        {"logistics_product_code": "PX", "logistics_product_name_cn": "专线"},
        {"logistics_product_name_en": "no code"},
    ]
    services = services_from_products({"logistics_product_list": data})
    assert [(service.code, service.name) for service in services] == [
        ("F3", "Standard Registered"),
        ("PX", "专线"),
    ]


def test_the_quote_body_weighs_the_whole_shipment_in_grams() -> None:
    body = quote_body(shipment(parcels=2))
    assert body == {
        "country_code": "AU",
        "post_code": "2000",
        "weight": 2502,
        "cargo_type": "5",
        "logistics_product_code": ["F3"],
    }
    assert quote_body(shipment())["length"] == 30


def test_estimates_become_rates_in_renminbi() -> None:
    data = [
        {
            "logistics_product_code": "F3",
            "lump_sum_fee": "88.40",
            "estimated_time": "7-12",
            "charge_weight": 1300,
        },
        {"logistics_product_code": "PX"},
    ]
    [rate] = rates_from_estimates(data, {"F3": "Standard Registered"})
    assert (rate.service_code, rate.service_name) == ("F3", "Standard Registered")
    assert (rate.price_inc_tax, rate.currency, rate.eta_days) == (Decimal("88.40"), "CNY", 12)


# --- labels and tracking -----------------------------------------------------------------------


def test_the_label_body_is_the_documented_one() -> None:
    sample = golden("label_get.request.json")
    assert label_body("<4px no or ref_no>", "label_100x150") == sample


def test_the_documented_tracking_answer_is_delivered() -> None:
    data = envelope_from_json(golden("tracking_get.response.json")).data
    result = tracking_result("800900010807", data)
    assert result.status == TrackingStatus.DELIVERED
    [event] = result.events
    assert event.at == datetime(2025, 5, 3, 2, 12, tzinfo=UTC)  # 10:12 in China
    assert (event.location, event.description, event.raw_code) == (
        "Sydney",
        "Delivered",
        "<event code>",
    )
    assert not result.error


def test_events_are_oldest_first_and_the_latest_meaningful_one_decides() -> None:
    data = {
        "trackingList": [
            {
                "businessLinkCode": "X",
                "occurDatetime": "2025-05-03 10:00:00",
                "trackingContent": "Weather report",
            },
            {
                "businessLinkCode": "FPX_I",
                "occurDatetime": "2025-05-01 09:00:00",
                "trackingContent": "Shipment information received",
            },
            {
                "businessLinkCode": "FPX_C",
                "occurDatetime": "2025-05-02 09:00:00",
                "trackingContent": "Departed from the facility",
            },
        ]
    }
    result = tracking_result("N1", data)
    assert [event.raw_code for event in result.events] == ["FPX_I", "FPX_C", "X"]
    assert [event.status for event in result.events] == [
        TrackingStatus.INFO_RECEIVED,
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.UNKNOWN,
    ]
    assert result.status == TrackingStatus.IN_TRANSIT


@pytest.mark.parametrize(
    ("words", "status"),
    [
        ("Parcel information received", TrackingStatus.INFO_RECEIVED),
        ("Picked up by 4PX", TrackingStatus.IN_TRANSIT),
        ("Arrived at the sorting centre", TrackingStatus.IN_TRANSIT),
        ("Out for delivery", TrackingStatus.OUT_FOR_DELIVERY),
        ("Delivered, signed by ANN", TrackingStatus.DELIVERED),
        ("Delivery attempted, card left", TrackingStatus.EXCEPTION),
        ("Returned to sender", TrackingStatus.RETURNED),
        ("快件已签收", TrackingStatus.DELIVERED),
        ("派送中", TrackingStatus.OUT_FOR_DELIVERY),
        ("", TrackingStatus.UNKNOWN),
    ],
)
def test_4pxs_words_map_to_our_statuses(words: str, status: TrackingStatus) -> None:
    assert status_of_event("", words) == status


def test_event_times_with_a_zone_or_in_epoch_milliseconds() -> None:
    assert event_time("2025-05-03T10:12:00+10:00") == datetime(2025, 5, 3, 0, 12, tzinfo=UTC)
    assert event_time("2025-05-03T10:12:00Z") == datetime(2025, 5, 3, 10, 12, tzinfo=UTC)
    assert event_time(1611810365000) == datetime(2021, 1, 28, 5, 6, 5, tzinfo=UTC)


def test_a_scan_naming_its_time_zone_is_read_in_it() -> None:
    data = {
        "trackingList": [
            {
                "occurDatetime": "2025-05-03 10:12:00",
                "timeZone": "UTC+10:00",
                "trackingContent": "Delivered",
            },
            {
                "occurDatetime": "2025-05-03 10:12:00",
                "timeZone": "UTC-05:00",
                "trackingContent": "Out for delivery",
            },
        ]
    }
    result = tracking_result("N1", data)
    assert [event.at for event in result.events] == [
        datetime(2025, 5, 3, 0, 12, tzinfo=UTC),
        datetime(2025, 5, 3, 15, 12, tzinfo=UTC),
    ]


def test_a_scan_time_not_understood_is_answered_as_an_error() -> None:
    result = tracking_result("N1", {"trackingList": [{"occurDatetime": "yesterday"}]})
    assert (result.status, result.events) == (TrackingStatus.UNKNOWN, ())
    assert "yesterday" in result.error
