"""Consignments over real HTTP: create (fourpx.md §6) with its field errors, grams, duplicate
ref_no; lookup by any of its numbers or by a creation window of at most 7 days; cancel only
while forecast (§7)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest

from tests.sandbox.fourpx.conftest import FourPX, golden, order

pytestmark = pytest.mark.django_db(transaction=True)

CREATE, GET, CANCEL = "ds.xms.order.create", "ds.xms.order.get", "ds.xms.order.cancel"
FROZEN = "2026-03-01T00:00:00+00:00"
FROZEN_MS = int(datetime.fromisoformat(FROZEN).timestamp() * 1000)
DAY_MS = 24 * 3600 * 1000


def field_errors(fourpx: FourPX, body: dict[str, Any]) -> dict[str, str]:
    """error_msg by error_code + the field the message names first."""
    found = {}
    for error in fourpx.refused(CREATE, body):
        assert error["reference_code"] == (body.get("ref_no") or None)
        field = error["error_msg"].split(": ", 1)[1].split(" ", 1)[0]
        found[f"{error['error_code']} {field}"] = error["error_msg"]
    return found


def parcel_with(**changes: Any) -> list[dict[str, Any]]:
    parcel = dict(golden("order_create_request")["parcel_list"][0])
    parcel.update(changes)
    return [parcel]


# -- create ---------------------------------------------------------------------------------
def test_a_create_answers_the_docs_fields(fourpx: FourPX) -> None:
    answer = fourpx.call(CREATE, order("ORD-1042")).json()
    expected = golden("order_create_response")
    assert answer["result"] == expected["result"]
    assert answer["msg"] == expected["msg"]
    data = answer["data"]
    assert set(data) == set(expected["data"])
    assert re.fullmatch(r"DS\d{12}", data["ds_consignment_no"])
    assert re.fullmatch(r"\d{12}", data["4px_tracking_no"])
    assert data["ds_consignment_no"] == f"DS{data['4px_tracking_no']}"
    assert data["ref_no"] == "ORD-1042"
    assert data["label_barcode"] == ""
    assert data["oda_result_sign"] == "N"
    # F3's last-mile number comes later (see the clock test below).
    assert data["logistics_channel_no"] == ""
    assert data["logistics_channel_name"] == ""
    state = fourpx.state()["shipments"]
    assert [
        {name: found[name] for name in ("reference", "id", "status", "tracking_numbers")}
        for found in state
    ] == [
        {
            "reference": "ORD-1042",
            "id": data["ds_consignment_no"],
            "status": "created",
            "tracking_numbers": [data["4px_tracking_no"]],
        }
    ]


def test_each_consignment_gets_its_own_numbers(fourpx: FourPX) -> None:
    first, second = fourpx.create("ORD-1"), fourpx.create("ORD-2")
    assert first["4px_tracking_no"] != second["4px_tracking_no"]
    assert first["ds_consignment_no"] != second["ds_consignment_no"]


def test_a_product_with_its_last_mile_number_at_once(fourpx: FourPX) -> None:
    created = fourpx.create("ORD-PX", logistics_service_info={"logistics_product_code": "PX"})
    assert re.fullmatch(r"\d{12}", created["logistics_channel_no"])
    assert created["logistics_channel_name"] == "AUSPOST"


def test_a_late_last_mile_number_appears_on_the_clock(fourpx: FourPX) -> None:
    fourpx.emu("clock", {"freeze": FROZEN})
    created = fourpx.create("ORD-LATE")
    assert created["logistics_channel_no"] == ""
    info = fourpx.ok(GET, {"request_no": "ORD-LATE"})[0]["consignment_info"]
    assert info["logistics_channel_no"] == ""
    fourpx.advance(3600)
    info = fourpx.ok(GET, {"request_no": "ORD-LATE"})[0]["consignment_info"]
    assert re.fullmatch(r"\d{12}", info["logistics_channel_no"])
    assert info["logistics_channel_name"] == "AUSPOST"
    # Now the channel number finds it too.
    by_channel = fourpx.ok(GET, {"request_no": info["logistics_channel_no"]})
    assert by_channel[0]["consignment_info"]["ref_no"] == "ORD-LATE"


def test_the_channel_number_delay_is_a_setting(fourpx: FourPX) -> None:
    fourpx.emu("seed", {"settings": {"channel_no_after_seconds": 0}})
    assert fourpx.create("ORD-NOW")["logistics_channel_no"]


def test_a_pre_allocated_tracking_number_is_kept_and_not_reused(fourpx: FourPX) -> None:
    created = fourpx.create("ORD-PRE", **{"4px_tracking_no": "300482723836"})
    assert created["4px_tracking_no"] == "300482723836"
    errors = fourpx.refused(CREATE, order("ORD-PRE-2", **{"4px_tracking_no": "300482723836"}))
    assert [error["error_code"] for error in errors] == ["DS000004"]


def test_a_duplicate_ref_no_is_refused_with_DS000007(fourpx: FourPX) -> None:
    fourpx.create("ORD-DUP")
    errors = fourpx.refused(CREATE, order("ORD-DUP"))
    assert errors == [
        {
            "error_code": "DS000007",
            "error_msg": "Processing: Ref_no: ORD-DUP already exists",
            "reference_code": "ORD-DUP",
            "error_data": None,
        }
    ]
    assert len(fourpx.state()["shipments"]) == 1


def test_a_cancelled_ref_no_is_still_taken(fourpx: FourPX) -> None:
    fourpx.create("ORD-AGAIN")
    fourpx.ok(CANCEL, {"request_no": "ORD-AGAIN", "cancel_reason": "address changed"})
    assert fourpx.codes(CREATE, order("ORD-AGAIN")) == ["DS000007"]


def test_the_same_ref_no_on_another_app_is_another_consignment(fourpx: FourPX) -> None:
    fourpx.emu("seed", {"accounts": [{"app_key": "k-2", "app_secret": "s-2", "services": ["F3"]}]})
    fourpx.create("ORD-SHARED")
    fourpx.other_app("k-2", "s-2").create("ORD-SHARED")
    assert len(fourpx.state(None)["shipments"]) == 2
    assert len(fourpx.state("k-2")["shipments"]) == 1


@pytest.mark.parametrize(
    ("weight", "why"),
    [
        (1.25, "must be an integer number of grams, not 1.25"),
        (1250.0, "must be an integer number of grams, not 1250.0"),
        ("1.25", "must be an integer number of grams, not '1.25'"),
        (1, "1 g is under 10 g: weights are grams, not kilograms"),
        (2, "2 g is under 10 g: weights are grams, not kilograms"),
        (0, "0 g is under 10 g"),
        (-500, "-500 g is under 10 g"),
        (1_250_000, "1250000 g is over the 70000 g a parcel may weigh"),
        (None, "is required, in grams (an integer)"),
        (True, "is required, in grams (an integer)"),
    ],
)
def test_weights_are_whole_grams(fourpx: FourPX, weight: Any, why: str) -> None:
    errors = fourpx.refused(CREATE, order("ORD-G", parcel_list=parcel_with(weight=weight)))
    assert [error["error_code"] for error in errors] == ["DS000004"]
    assert errors[0]["error_msg"].startswith(f"Parameter error: parcel_list[0].weight {why}")
    assert fourpx.state()["shipments"] == []


@pytest.mark.parametrize("weight", [10, 1250, "1250", 70_000])
def test_whole_grams_are_accepted(fourpx: FourPX, weight: Any) -> None:
    fourpx.create("ORD-W", parcel_list=parcel_with(weight=weight))
    found = fourpx.ok(GET, {"request_no": "ORD-W"})[0]
    assert found["parcel_confirm_info"]["confirm_parcel_qty"] == "1"


def test_every_missing_required_field_is_named(fourpx: FourPX) -> None:
    body = order("ORD-MISSING")
    for name in ("business_type", "duty_type", "logistics_service_info", "deliver_type_info"):
        del body[name]
    body["sender"] = {"first_name": "Kucun", "country": "CN"}
    body["recipient_info"] = {**body["recipient_info"], "country": "Australia", "post_code": ""}
    errors = field_errors(fourpx, body)
    assert set(errors) == {
        "DS000004 business_type",
        "DS000004 duty_type",
        "DS000004 logistics_service_info",
        "DS000004 deliver_type_info",
        "DS000004 sender.city",
        "DS000004 sender.street",
        "DS000004 recipient_info.post_code",
        "DS000004 recipient_info.country",
    }
    assert "ISO 3166" in errors["DS000004 recipient_info.country"]


def test_a_missing_ref_no_is_DS000005(fourpx: FourPX) -> None:
    assert fourpx.codes(CREATE, order("")) == ["DS000005"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"business_type": "B2C"}, "DS000004 business_type"),
        ({"duty_type": "X"}, "DS000004 duty_type"),
        ({"cargo_type": "9"}, "DS000004 cargo_type"),
        ({"ref_no": "R" * 65}, "DS000004 ref_no"),
        ({"parcel_list": []}, "DS000004 parcel_list"),
        ({"parcel_qty": 2}, "DS000004 parcel_qty"),
        ({"deliver_type_info": {"deliver_type": "4"}}, "DS000004 deliver_type_info.deliver_type"),
        (
            {"logistics_service_info": {"logistics_product_code": "ZZ"}},
            "DS000110 logistics_service_info.logistics_product_code",
        ),
        (
            {"label_config_info": {"response_label_format": "ZPL"}},
            "DS000019 label_config_info.response_label_format",
        ),
        (
            {"label_config_info": {"label_size": "label_4x6"}},
            "DS000004 label_config_info.label_size",
        ),
        (
            {"parcel_list": parcel_with(declare_product_info=[])},
            "DS000004 parcel_list[0].declare_product_info",
        ),
        (
            {"parcel_list": parcel_with(currency="dollars")},
            "DS000004 parcel_list[0].currency",
        ),
        (
            {"parcel_list": parcel_with(length="long")},
            "DS000004 parcel_list[0].length",
        ),
    ],
)
def test_a_wrong_field_is_refused_by_name(
    fourpx: FourPX, changes: dict[str, Any], expected: str
) -> None:
    assert list(field_errors(fourpx, order("ORD-F", **changes))) == [expected]
    assert fourpx.state()["shipments"] == []


def test_a_domestic_parcel_needs_no_customs_lines(fourpx: FourPX) -> None:
    body = order("ORD-DOM", parcel_list=parcel_with(declare_product_info=[]))
    body["sender"] = {**body["sender"], "country": "AU", "city": "PORT MELBOURNE"}
    fourpx.ok(CREATE, body)


def test_several_parcels_get_a_child_barcode_each(fourpx: FourPX) -> None:
    created = fourpx.create("ORD-3P", parcels=3)
    found = fourpx.ok(GET, {"request_no": "ORD-3P"})[0]
    children = found["consignment_info"]["child_label_barcode"]
    assert children == [f"{created['4px_tracking_no']}{index:02d}" for index in (1, 2, 3)]
    assert found["parcel_confirm_info"]["confirm_parcel_qty"] == "3"
    assert fourpx.state()["shipments"][0]["tracking_numbers"] == children
    assert fourpx.ok(GET, {"request_no": children[1]})[0]["consignment_info"]["ref_no"] == "ORD-3P"


# -- get ------------------------------------------------------------------------------------
def test_get_answers_the_docs_fields_by_any_number(fourpx: FourPX) -> None:
    created = fourpx.create("ORD-GET")
    keys = golden("order_get_keys")
    for number in ("ORD-GET", created["4px_tracking_no"], created["ds_consignment_no"]):
        found = fourpx.ok(GET, {"request_no": number})
        assert len(found) == 1
        assert set(keys["consignment_info"]) <= set(found[0]["consignment_info"])
        assert set(keys["parcel_confirm_info"]) <= set(found[0]["parcel_confirm_info"])
        info = found[0]["consignment_info"]
        assert info["ref_no"] == "ORD-GET"
        assert info["consignment_status"] == "P"
        assert info["logistics_product_code"] == "F3"
        assert info["4px_inbound_date"] is None


def test_get_of_an_unknown_number_is_DS000017(fourpx: FourPX) -> None:
    errors = fourpx.refused(GET, {"request_no": "NOPE-1"})
    assert [(error["error_code"], error["reference_code"]) for error in errors] == [
        ("DS000017", "NOPE-1")
    ]


def test_another_apps_consignment_is_not_found(fourpx: FourPX) -> None:
    fourpx.emu("seed", {"accounts": [{"app_key": "k-2", "app_secret": "s-2"}]})
    fourpx.other_app("k-2", "s-2").create("ORD-THEIRS")
    assert fourpx.codes(GET, {"request_no": "ORD-THEIRS"}) == ["DS000017"]


def test_status_dates_and_weights_follow_the_clock(fourpx: FourPX) -> None:
    fourpx.emu("clock", {"freeze": FROZEN})
    fourpx.create("ORD-LIFE")
    seen = []
    for hours in (0, 6, 24, 26, 60):
        fourpx.emu("clock", {"freeze": f"2026-03-0{1 + hours // 24}T{hours % 24:02d}:00:00+00:00"})
        seen.append(fourpx.ok(GET, {"request_no": "ORD-LIFE"})[0])
    assert [found["consignment_info"]["consignment_status"] for found in seen] == list("PVHCF")
    last = seen[-1]
    assert last["consignment_info"]["consignment_create_date"] == FROZEN_MS
    assert last["consignment_info"]["4px_inbound_date"] == FROZEN_MS + DAY_MS
    assert last["consignment_info"]["4px_outbound_date"] == FROZEN_MS + DAY_MS + 2 * 3600_000
    assert seen[0]["parcel_confirm_info"]["confirm_parcel_weight"] == 0
    assert last["parcel_confirm_info"]["confirm_parcel_weight"] == 1250
    assert fourpx.state()["shipments"][0]["status"] == "manifested"


def window(start: int, end: int, **more: Any) -> dict[str, Any]:
    return {
        "start_time_of_create_consignment": start,
        "end_time_of_create_consignment": end,
        **more,
    }


def test_a_window_of_at_most_seven_days_finds_what_was_created_in_it(fourpx: FourPX) -> None:
    fourpx.emu("clock", {"freeze": FROZEN})
    fourpx.create("ORD-DAY0")
    fourpx.advance(3 * 24 * 3600)
    fourpx.create("ORD-DAY3")
    fourpx.advance(5 * 24 * 3600)
    fourpx.create("ORD-DAY8")

    def refs(body: dict[str, Any]) -> list[str]:
        return [found["consignment_info"]["ref_no"] for found in fourpx.ok(GET, body)]

    assert refs(window(FROZEN_MS, FROZEN_MS + 7 * DAY_MS)) == ["ORD-DAY0", "ORD-DAY3"]
    assert refs(window(FROZEN_MS + 1, FROZEN_MS + 7 * DAY_MS)) == ["ORD-DAY3"]  # bounds inclusive
    assert refs(window(FROZEN_MS + 3 * DAY_MS, FROZEN_MS + 8 * DAY_MS)) == ["ORD-DAY3", "ORD-DAY8"]
    assert refs(window(FROZEN_MS + 9 * DAY_MS, FROZEN_MS + 10 * DAY_MS)) == []
    # Epoch ms sent as strings are read too.
    assert refs(window(str(FROZEN_MS), str(FROZEN_MS))) == ["ORD-DAY0"]  # type: ignore[arg-type]


def test_a_window_wider_than_seven_days_is_DS000023(fourpx: FourPX) -> None:
    errors = fourpx.refused(GET, window(FROZEN_MS, FROZEN_MS + 7 * DAY_MS + 1))
    assert [(error["error_code"], error["error_msg"]) for error in errors] == [
        ("DS000023", "Time difference cannot exceed 7 days")
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "DS000021"),
        ({"start_time_of_create_consignment": FROZEN_MS}, "DS000022"),
        ({"end_time_of_create_consignment": FROZEN_MS}, "DS000021"),
        (window(FROZEN_MS, FROZEN_MS - 1), "DS000004"),
        (window("2026-03-01", FROZEN_MS), "DS000004"),  # type: ignore[arg-type]
        (window(FROZEN_MS, FROZEN_MS, consignment_status="Q"), "DS000004"),
    ],
)
def test_a_window_that_cannot_be_read_is_refused(
    fourpx: FourPX, body: dict[str, Any], code: str
) -> None:
    assert fourpx.codes(GET, body) == [code]


def test_a_window_narrowed_by_status(fourpx: FourPX) -> None:
    fourpx.emu("clock", {"freeze": FROZEN})
    fourpx.create("ORD-KEPT")
    fourpx.create("ORD-GONE")
    fourpx.ok(CANCEL, {"request_no": "ORD-GONE", "cancel_reason": "duplicate order"})
    whole_day = window(FROZEN_MS, FROZEN_MS + DAY_MS)

    def refs(status: str) -> list[str]:
        body = {**whole_day, "consignment_status": status}
        return [found["consignment_info"]["ref_no"] for found in fourpx.ok(GET, body)]

    assert refs("ALL") == ["ORD-KEPT", "ORD-GONE"]
    assert refs("P") == ["ORD-KEPT"]
    assert refs("X") == ["ORD-GONE"]


# -- cancel ---------------------------------------------------------------------------------
def test_a_forecast_consignment_is_cancelled_once(fourpx: FourPX) -> None:
    created = fourpx.create("ORD-CX")
    response = fourpx.call(CANCEL, {"request_no": created["4px_tracking_no"], "cancel_reason": "x"})
    assert response.json() == {
        "result": "1",
        "msg": "System processing succeeded",
        "errors": None,
        "data": None,
    }
    assert fourpx.state()["shipments"][0]["status"] == "cancelled"
    info = fourpx.ok(GET, {"request_no": "ORD-CX"})[0]["consignment_info"]
    assert info["consignment_status"] == "X"
    errors = fourpx.refused(CANCEL, {"request_no": "ORD-CX", "cancel_reason": "again"})
    assert [(error["error_code"], error["reference_code"]) for error in errors] == [
        ("DS000014", "ORD-CX")
    ]


def test_a_consignment_handed_over_cannot_be_cancelled(fourpx: FourPX) -> None:
    fourpx.emu("clock", {"freeze": FROZEN})
    fourpx.create("ORD-LATE-CX")
    fourpx.advance(6 * 3600 - 1)
    fourpx.create("ORD-STILL-P")
    fourpx.advance(1)
    assert fourpx.codes(CANCEL, {"request_no": "ORD-LATE-CX", "cancel_reason": "x"}) == ["DS000014"]
    fourpx.ok(CANCEL, {"request_no": "ORD-STILL-P", "cancel_reason": "x"})
    assert [found["status"] for found in fourpx.state()["shipments"]] == [
        "manifested",
        "cancelled",
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"cancel_reason": "x"}, "DS000005"),
        ({"request_no": "ORD-C"}, "DS000016"),
        ({"request_no": "NOPE", "cancel_reason": "x"}, "DS000017"),
    ],
)
def test_a_cancel_needs_a_known_number_and_a_reason(
    fourpx: FourPX, body: dict[str, Any], code: str
) -> None:
    fourpx.create("ORD-C")
    assert fourpx.codes(CANCEL, body) == [code]
    assert fourpx.state()["shipments"][0]["status"] == "created"


def test_creates_racing_with_one_ref_no_make_one_consignment(fourpx: FourPX) -> None:
    """The ref_no is the record's unique key: whichever create comes second is refused,
    however close together they arrive."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: fourpx.call(CREATE, order("ORD-RACE")).json(), range(4)))
    assert sorted(answer["result"] for answer in answers) == ["0", "0", "0", "1"]
    refused = [answer["errors"][0]["error_code"] for answer in answers if answer["result"] == "0"]
    assert refused == ["DS000007"] * 3
    assert [found["reference"] for found in fourpx.state()["shipments"]] == ["ORD-RACE"]
