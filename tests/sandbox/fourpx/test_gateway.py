"""The FOP gateway over real HTTP: the signature recomputed from the bytes received, the
gateway's error codes inside HTTP 200, the per-app throttle and registered faults."""

from __future__ import annotations

import hashlib

import pytest

from kucun.sandbox.fourpx.gateway import sign_of
from kucun.sandbox.models import EmulatorRecord
from tests.sandbox.fourpx.conftest import FourPX, compact, doc_sign, golden, order

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCTS = "ds.xms.logistics_product.getlist"


def answer_of(response: object) -> dict[str, object]:
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    found: dict[str, object] = response.json()  # type: ignore[attr-defined]
    return found


# -- the signature --------------------------------------------------------------------------
def test_the_docs_example_string_is_what_the_emulator_signs() -> None:
    params = {
        "app_key": "<key>",
        "format": "json",
        "method": "ds.xms.order.create",
        "timestamp": "1532592413187",
        "v": "1.0",
        "sign": "ignored",
        "language": "en",
        "access_token": "ignored",
    }
    example = (
        "app_key<key>formatjsonmethodds.xms.order.createtimestamp1532592413187v1.0"
        '{"aa":"bb"}<secret>'
    )
    expected = hashlib.md5(example.encode(), usedforsecurity=False).hexdigest()
    assert sign_of(params, b'{"aa":"bb"}', "<secret>") == expected
    assert doc_sign(params, '{"aa":"bb"}', "<secret>") == expected


def test_a_request_signed_by_the_doc_is_served_with_the_success_envelope(fourpx: FourPX) -> None:
    response = fourpx.call(PRODUCTS, {})
    answer = answer_of(response)
    envelope = golden("envelope_success")
    assert list(answer) == list(envelope)
    assert answer["result"] == envelope["result"]
    assert answer["msg"] == envelope["msg"]
    assert answer["errors"] is None


def test_the_doc_example_request_passes_the_gateway_and_reaches_the_method(fourpx: FourPX) -> None:
    """§1.2's example (v 1.0, body {"aa":"bb"}): the signature is accepted, so the answer is
    the create's own refusal of the body, not 000012."""
    params = fourpx.params("ds.xms.order.create", v="1.0")
    params["timestamp"] = "1532592413187"
    params["sign"] = doc_sign(params, '{"aa":"bb"}', fourpx.app_secret)
    errors = answer_of(fourpx.send(params, '{"aa":"bb"}'))["errors"]
    codes = {error["error_code"] for error in errors}  # type: ignore[attr-defined]
    assert "000012" not in codes
    assert codes <= {"DS000004", "DS000005"}


def test_the_body_is_signed_as_sent_whatever_its_spacing(fourpx: FourPX) -> None:
    spaced = '{ "transport_mode" : "" }'
    params = fourpx.params(PRODUCTS)
    params["sign"] = doc_sign(params, spaced, fourpx.app_secret)
    assert answer_of(fourpx.send(params, spaced))["result"] == "1"


def test_a_tampered_body_is_refused_with_000012(fourpx: FourPX) -> None:
    body = compact(order("TAMPER-1"))
    params = fourpx.params("ds.xms.order.create")
    params["sign"] = doc_sign(params, body, fourpx.app_secret)
    tampered = body.replace('"weight":1250', '"weight":1350')
    assert tampered != body
    answer = answer_of(fourpx.send(params, tampered))
    assert answer["result"] == "0"
    assert answer["errors"] == [
        {
            "error_code": "000012",
            "error_msg": "Signature verification error",
            "reference_code": None,
            "error_data": None,
        }
    ]
    assert fourpx.state()["shipments"] == []
    # The same bytes as signed are accepted.
    assert answer_of(fourpx.send(params, body))["result"] == "1"


@pytest.mark.parametrize(
    "change",
    [
        {"timestamp": "1532592413188"},  # a signed parameter changed after signing
        {"extra": "1"},  # a parameter added after signing is signed too
    ],
)
def test_changed_or_added_parameters_break_the_signature(
    fourpx: FourPX, change: dict[str, str]
) -> None:
    params = fourpx.params(PRODUCTS)
    params["sign"] = doc_sign(params, "{}", fourpx.app_secret)
    params.update(change)
    assert answer_of(fourpx.send(params, "{}"))["errors"][0]["error_code"] == "000012"  # type: ignore[index]


def test_access_token_and_language_are_not_signed(fourpx: FourPX) -> None:
    params = fourpx.params(PRODUCTS)
    params["sign"] = doc_sign(params, "{}", fourpx.app_secret)
    params.update({"access_token": "anything", "language": "cn"})
    answer = answer_of(fourpx.send(params, "{}"))
    assert answer["result"] == "1"
    assert answer["msg"] == "系统处理成功"


def test_a_signature_made_with_another_secret_is_refused(fourpx: FourPX) -> None:
    stranger = fourpx.other_app(fourpx.app_key, "not-the-secret")
    assert stranger.codes(PRODUCTS) == ["000012"]


def test_an_uppercase_signature_is_not_the_docs_lowercase_one(fourpx: FourPX) -> None:
    params = fourpx.params(PRODUCTS)
    params["sign"] = doc_sign(params, "{}", fourpx.app_secret).upper()
    assert answer_of(fourpx.send(params, "{}"))["errors"][0]["error_code"] == "000012"  # type: ignore[index]


# -- the gateway's codes --------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["method", "app_key", "v", "timestamp", "format", "sign"])
def test_a_missing_public_parameter_is_000014(fourpx: FourPX, missing: str) -> None:
    params = fourpx.params(PRODUCTS)
    params["sign"] = doc_sign(params, "{}", fourpx.app_secret)
    del params[missing]
    errors = answer_of(fourpx.send(params, "{}"))["errors"]
    assert [error["error_code"] for error in errors] == ["000014"]  # type: ignore[attr-defined]
    assert missing in errors[0]["error_msg"]  # type: ignore[index]


@pytest.mark.parametrize("change", [{"format": "xml"}, {"timestamp": "2018-07-26 16:06:53"}])
def test_a_wrong_format_or_a_timestamp_not_in_ms_is_000014(
    fourpx: FourPX, change: dict[str, str]
) -> None:
    assert fourpx.codes(PRODUCTS, **change) == ["000014"]


def test_an_unknown_app_key_is_000013(fourpx: FourPX) -> None:
    assert fourpx.other_app("no-such-app", "x").codes(PRODUCTS) == ["000013"]


def test_an_unknown_method_is_000011(fourpx: FourPX) -> None:
    errors = fourpx.refused("ds.xms.order.teleport")
    assert errors[0]["error_code"] == "000011"
    assert errors[0]["error_msg"] == "API interface does not exist: ds.xms.order.teleport"


@pytest.mark.parametrize("body", ["{not json", "", '{"a": 1'])
def test_a_body_that_is_not_json_is_000004(fourpx: FourPX, body: str) -> None:
    params = fourpx.params(PRODUCTS)
    params["sign"] = doc_sign(params, body, fourpx.app_secret)
    errors = answer_of(fourpx.send(params, body))["errors"]
    assert [error["error_code"] for error in errors] == ["000004"]  # type: ignore[attr-defined]


def test_a_json_body_that_is_not_an_object_is_a_parameter_error(fourpx: FourPX) -> None:
    assert fourpx.codes(PRODUCTS, ["F3"]) == ["DS000004"]


def test_messages_follow_the_language_parameter(fourpx: FourPX) -> None:
    answer = answer_of(fourpx.call("ds.xms.order.teleport", {}, language="cn"))
    assert answer["msg"] == "系统处理失败"
    assert answer["errors"][0]["error_msg"].startswith("API接口不存在")  # type: ignore[index]


def test_the_gateway_answers_only_post(fourpx: FourPX) -> None:
    assert fourpx.http.get(fourpx.gateway, params=fourpx.params(PRODUCTS)).status_code == 405


def test_no_secret_appears_in_answers_state_or_the_stored_records(fourpx: FourPX) -> None:
    fourpx.create("SECRET-1")
    assert (
        fourpx.app_secret
        not in fourpx.sandbox.control.get(fourpx.sandbox.url("fourpx", "__emu/state")).text
    )
    assert fourpx.app_secret not in fourpx.other_app(fourpx.app_key, "wrong").call(PRODUCTS).text
    stored = " ".join(str(record.data) for record in EmulatorRecord.objects.filter(system="fourpx"))
    assert fourpx.app_secret not in stored


# -- throttling -----------------------------------------------------------------------------
def test_an_app_that_empties_its_bucket_is_refused_for_a_minute(fourpx: FourPX) -> None:
    fourpx.emu("clock", {"freeze": "2026-03-01T00:00:00+00:00"})
    fourpx.emu("rate-limit", {"capacity": 3, "refill_per_second": 1})
    for _ in range(3):
        fourpx.ok(PRODUCTS)
    throttled = answer_of(fourpx.call(PRODUCTS))
    expected = golden("throttled")
    assert throttled["result"] == expected["result"]
    assert [
        {name: error[name] for name in ("error_code", "error_msg")}
        for error in throttled["errors"]  # type: ignore[attr-defined]
    ] == expected["errors"]
    # Another app has its own bucket.
    fourpx.emu("seed", {"accounts": [{"app_key": "k-2", "app_secret": "s-2", "services": ["F3"]}]})
    fourpx.other_app("k-2", "s-2").ok(PRODUCTS)
    # The bucket refills in seconds, but the throttled app waits the minute out.
    fourpx.advance(30)
    assert fourpx.codes(PRODUCTS) == ["000017"]
    fourpx.advance(31)
    fourpx.ok(PRODUCTS)


def test_a_refused_signature_does_not_spend_the_bucket(fourpx: FourPX) -> None:
    fourpx.emu("clock", {"freeze": "2026-03-01T00:00:00+00:00"})
    fourpx.emu("rate-limit", {"capacity": 1, "refill_per_second": 0.01})
    assert fourpx.other_app(fourpx.app_key, "wrong").codes(PRODUCTS) == ["000012"]
    fourpx.ok(PRODUCTS)
    assert fourpx.codes(PRODUCTS) == ["000017"]


# -- faults ---------------------------------------------------------------------------------
def test_a_fault_matches_its_method_only_and_answers_once(fourpx: FourPX) -> None:
    fourpx.emu(
        "faults",
        {
            "match": {
                "method": "POST",
                "path_regex": "router/api/service",
                "op": "ds.xms.order.get",
            },
            "response": {"status": 503, "body": "Service Unavailable"},
            "times": 1,
        },
    )
    fourpx.ok(PRODUCTS)  # another method is left alone
    failed = fourpx.call("ds.xms.order.get", {"request_no": "X"})
    assert failed.status_code == 503
    assert failed.text == "Service Unavailable"
    assert fourpx.codes("ds.xms.order.get", {"request_no": "X"}) == ["DS000017"]


def test_a_fault_before_the_create_applies_nothing(fourpx: FourPX) -> None:
    fourpx.emu(
        "faults",
        {"match": {"op": "ds.xms.order.create"}, "response": {"status": 502, "body": "{}"}},
    )
    assert fourpx.call("ds.xms.order.create", order("FAULT-1")).status_code == 502
    assert fourpx.state()["shipments"] == []
    fourpx.create("FAULT-1")
    assert [found["reference"] for found in fourpx.state()["shipments"]] == ["FAULT-1"]


def test_a_fault_after_the_create_loses_the_answer_but_keeps_the_consignment(
    fourpx: FourPX,
) -> None:
    fourpx.emu(
        "faults",
        {
            "match": {"op": "ds.xms.order.create"},
            "response": {"status": 502, "body": "{}"},
            "after_apply": True,
        },
    )
    assert fourpx.call("ds.xms.order.create", order("LOST-1")).status_code == 502
    found = fourpx.ok("ds.xms.order.get", {"request_no": "LOST-1"})
    assert found[0]["consignment_info"]["ref_no"] == "LOST-1"
    assert fourpx.codes("ds.xms.order.create", order("LOST-1")) == ["DS000007"]
    assert len(fourpx.state()["shipments"]) == 1


def test_a_throttle_fault_answers_the_vendors_own_signal(fourpx: FourPX) -> None:
    throttle = golden("throttled")
    fourpx.emu(
        "faults",
        {"match": {"op": "tr.order.tracking.get"}, "response": {"status": 200, "body": throttle}},
    )
    assert fourpx.codes("tr.order.tracking.get", {"deliveryOrderNo": "1"}) == ["000017"]


def test_requests_are_logged_by_app_and_method(fourpx: FourPX) -> None:
    fourpx.ok(PRODUCTS)
    fourpx.other_app("nobody", "x").call(PRODUCTS)
    logged = fourpx.sandbox.control.get(
        fourpx.sandbox.url("fourpx", "__emu/requests"), params={"account": fourpx.app_key}
    ).json()
    assert logged == {"count": 1}
