"""Throttling (ebay.md §8, README.md §2.1) on the emulator clock, and registered faults."""

from __future__ import annotations

import pytest

from tests.sandbox.ebay.conftest import INVENTORY, WRITE_HEADERS, Ebay, golden

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_empty_bucket_answers_429_error_2001_and_refills_on_the_clock(ebay: Ebay) -> None:
    token = ebay.user_token()
    ebay.emu("clock", {"freeze": "2026-06-01T00:00:00+00:00"})
    ebay.emu("rate-limit", {"capacity": 2, "refill_per_second": 0.5})
    path = f"{INVENTORY}/inventory_item"
    assert [ebay.call("GET", path, token).status_code for _ in range(2)] == [200, 200]
    refused = ebay.call("GET", path, token)
    assert refused.status_code == 429
    assert refused.json() == golden("error.too_many_requests")
    assert "Retry-After" not in refused.headers
    # The clock is frozen: waiting on the wall clock refills nothing.
    assert ebay.call("GET", path, token).status_code == 429
    ebay.emu("clock", {"advance_seconds": 2})
    assert ebay.call("GET", path, token).status_code == 200
    assert ebay.call("GET", path, token).status_code == 429


def test_each_seller_has_a_bucket_of_its_own(ebay: Ebay) -> None:
    ebay.emu(
        "seed",
        {"sellers": [{"username": "other_seller", "refresh_token": "v^1.1#other-seller"}]},
    )
    ebay.emu("clock", {"freeze": "2026-06-01T00:00:00+00:00"})
    ebay.emu("rate-limit", {"capacity": 1, "refill_per_second": 0.1})
    mine, theirs = ebay.user_token(), ebay.user_token(refresh_token="v^1.1#other-seller")
    path = f"{INVENTORY}/inventory_item"
    assert ebay.call("GET", path, mine).status_code == 200
    assert ebay.call("GET", path, mine).status_code == 429
    assert ebay.call("GET", path, theirs).status_code == 200


def test_a_fault_answers_before_the_call_and_changes_nothing(ebay: Ebay) -> None:
    token = ebay.user_token()
    ebay.emu(
        "faults",
        {
            "match": {"method": "POST", "op": "bulkUpdatePriceQuantity"},
            "response": {"status": 503, "body": {"errors": [{"errorId": 25001}]}},
            "times": 1,
        },
    )
    body = {"requests": [{"sku": "EB-MUG-01", "shipToLocationAvailability": {"quantity": 3}}]}
    path = f"{INVENTORY}/bulk_update_price_quantity"
    first = ebay.call("POST", path, token, headers=WRITE_HEADERS, json=body)
    assert first.status_code == 503
    assert first.json() == {"errors": [{"errorId": 25001}]}
    assert ebay.state()["quantities"]["EB-MUG-01"] == 12
    assert ebay.call("POST", path, token, headers=WRITE_HEADERS, json=body).status_code == 200
    assert ebay.state()["quantities"]["EB-MUG-01"] == 3


def test_a_lost_answer_fault_applies_the_write_first(ebay: Ebay) -> None:
    token = ebay.user_token()
    ebay.emu(
        "faults",
        {
            "match": {"path_regex": "bulk_update_price_quantity"},
            "response": {"status": 502, "body": "{}"},
            "after_apply": True,
        },
    )
    answer = ebay.call(
        "POST",
        f"{INVENTORY}/bulk_update_price_quantity",
        token,
        headers=WRITE_HEADERS,
        json={"requests": [{"sku": "EB-TEA-02", "shipToLocationAvailability": {"quantity": 1}}]},
    )
    assert answer.status_code == 502
    assert ebay.state()["quantities"]["EB-TEA-02"] == 1


def test_a_fault_on_the_token_endpoint(ebay: Ebay) -> None:
    ebay.emu(
        "faults",
        {"match": {"op": "token"}, "response": {"status": 500, "body": "{}"}, "times": 1},
    )
    assert ebay.token({"grant_type": "client_credentials"}).status_code == 500
    assert ebay.application_token()


def test_user_rate_limit_reports_the_sellers_bucket(ebay: Ebay) -> None:
    token = ebay.user_token()
    ebay.emu("clock", {"freeze": "2026-06-01T00:00:00+00:00"})
    ebay.emu("rate-limit", {"capacity": 10, "refill_per_second": 1})
    for _ in range(3):
        assert ebay.call("GET", f"{INVENTORY}/inventory_item", token).status_code == 200
    report = ebay.call("GET", "developer/analytics/v1_beta/user_rate_limit/", token).json()
    rate = report["rateLimits"][0]["resources"][0]["rates"][0]
    # Three calls and the report itself have been taken from the bucket of ten.
    assert rate == {
        "count": 4,
        "limit": 10,
        "remaining": 6,
        "reset": "2026-06-01T00:00:04.000Z",
        "timeWindow": 10,
    }
    application = ebay.application_token()
    assert (
        ebay.call("GET", "developer/analytics/v1_beta/rate_limit/", application).status_code == 200
    )
    assert (
        ebay.call("GET", "developer/analytics/v1_beta/user_rate_limit/", application).status_code
        == 403
    )
