"""Who may call the emulated Australia Post API, its bucket per account, and registered
faults before and after a write is applied."""

from __future__ import annotations

import pytest

from tests.sandbox.auspost.conftest import AccountClient, create, emu_state, shipment_body
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)

UNAUTHORISED = {
    "errors": [
        {
            "code": "API_001",
            "name": "UNAUTHORISED",
            "message": (
                "Full authentication is required: the API key and password were not accepted."
            ),
        }
    ]
}


# -- access -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("api_key", "password"),
    [(None, None), ("sandbox-auspost-key", "wrong"), ("unknown-key", "sandbox-auspost-password")],
)
def test_missing_or_wrong_credentials_are_401(
    auspost: AccountClient, sandbox: Sandbox, api_key: str | None, password: str | None
) -> None:
    response = auspost("0001234567", api_key, password).post("shipments", json=shipment_body())
    assert response.status_code == 401
    assert response.json() == UNAUTHORISED
    assert "sandbox-auspost-password" not in response.text
    assert emu_state(sandbox)["shipments"] == []


def test_a_malformed_authorization_header_is_401(auspost: AccountClient) -> None:
    client = auspost()
    response = client.get("accounts/0001234567", headers={"Authorization": "Basic %%%"})
    assert response.status_code == 401


def test_an_unknown_or_missing_account_number_is_403_customer_not_found(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    sandbox.emu(
        "auspost",
        "seed",
        {"accounts": [{"account_number": "0009876543", "api_key": "k2", "password": "p2"}]},
    )
    unknown = auspost("0000000001").get("track", params={"tracking_ids": "X"})
    assert unknown.status_code == 403
    assert unknown.json() == {
        "errors": [
            {
                "code": "41001",
                "name": "CUSTOMER_NOT_FOUND",
                "message": "The customer 0000000001 was not found.",
            }
        ]
    }
    # An account that exists, but under another API key, is not this key's customer.
    assert auspost("0009876543").get("accounts/0009876543").status_code == 403
    missing = auspost(None).get("accounts/0001234567")
    assert missing.status_code == 403
    assert missing.json()["errors"][0]["code"] == "41001"


def test_account_details_name_the_account_and_its_products(auspost: AccountClient) -> None:
    response = auspost().get("accounts/0001234567")
    assert response.status_code == 200
    account = response.json()
    assert account["account_number"] == "0001234567"
    assert account["name"] == "Sandbox eParcel merchant"
    assert account["expired"] is False
    assert [
        (product["product_id"], product["group"], product["type"])
        for product in account["postage_products"]
    ] == [("T28", "Parcel Post", "PARCEL POST"), ("E34", "Express Post", "EXPRESS POST")]
    assert set(account["details"]) >= {"lodgement_postcode"}
    assert auspost().get("accounts/0009999999").status_code == 403


def test_an_unsupported_method_is_refused(auspost: AccountClient) -> None:
    assert auspost().put("track").status_code == 405


# -- throttling ---------------------------------------------------------------------------
def test_an_empty_bucket_answers_429_api_002_until_it_refills(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    sandbox.emu("auspost", "clock", {"freeze": "2025-05-01T00:00:00+00:00"})
    sandbox.control.post(
        sandbox.url("auspost", "__emu/rate-limit"), json={"capacity": 2, "refill_per_second": 0.5}
    )
    client = auspost()
    statuses = [client.get("track", params={"tracking_ids": "X"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = client.post("shipments", json=shipment_body())
    assert throttled.status_code == 429
    assert throttled.json() == {
        "errors": [{"code": "API_002", "name": "Too many requests", "message": "Too many requests"}]
    }
    assert throttled.headers["Retry-After"] == "2"
    assert emu_state(sandbox)["shipments"] == []
    sandbox.emu("auspost", "clock", {"advance_seconds": 2})
    assert client.get("track", params={"tracking_ids": "X"}).status_code == 200


def test_buckets_are_per_account(auspost: AccountClient, sandbox: Sandbox) -> None:
    sandbox.emu(
        "auspost",
        "seed",
        {"accounts": [{"account_number": "0009876543", "api_key": "k2", "password": "p2"}]},
    )
    sandbox.emu("auspost", "clock", {"freeze": "2025-05-01T00:00:00+00:00"})
    sandbox.control.post(
        sandbox.url("auspost", "__emu/rate-limit"), json={"capacity": 1, "refill_per_second": 0.1}
    )
    first, second = auspost(), auspost("0009876543", "k2", "p2")
    assert first.get("accounts/0001234567").status_code == 200
    assert first.get("accounts/0001234567").status_code == 429
    assert second.get("accounts/0009876543").status_code == 200


# -- faults -------------------------------------------------------------------------------
def test_a_fault_before_the_write_creates_nothing(auspost: AccountClient, sandbox: Sandbox) -> None:
    sandbox.emu(
        "auspost",
        "faults",
        {"match": {"op": "create_shipments"}, "response": {"status": 503, "body": "{}"}},
    )
    client = auspost()
    # The op is matched: another call on the same path is not faulted.
    assert client.get("shipments").status_code == 200
    response = client.post("shipments", json=shipment_body())
    assert response.status_code == 503
    assert emu_state(sandbox)["shipments"] == []
    create(client)


def test_a_fault_after_the_write_loses_the_answer_of_a_created_shipment(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    sandbox.emu(
        "auspost",
        "faults",
        {
            "match": {"method": "POST", "path_regex": "/shipping/v1/shipments$"},
            "response": {"status": 502, "body": "{}"},
            "after_apply": True,
        },
    )
    client = auspost()
    response = client.post("shipments", json=shipment_body("ORD-LOST"))
    assert response.status_code == 502
    found = client.get("shipments", params={"shipment_reference": "ORD-LOST"}).json()
    assert [shipment["shipment_reference"] for shipment in found["shipments"]] == ["ORD-LOST"]
    assert [shipment["status"] for shipment in emu_state(sandbox)["shipments"]] == ["created"]
    again = client.post("shipments", json=shipment_body("ORD-LOST"))
    assert again.status_code == 400


def test_a_throttle_fault_answers_as_the_vendor_does(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    sandbox.emu(
        "auspost",
        "faults",
        {
            "match": {"op": "track_items"},
            "response": {
                "status": 429,
                "body": {"errors": [{"code": "API_002", "name": "Too many requests"}]},
                "headers": {"Retry-After": "1"},
            },
        },
    )
    client = auspost()
    assert client.get("track", params={"tracking_ids": "X"}).status_code == 429
    assert client.get("track", params={"tracking_ids": "X"}).status_code == 200
