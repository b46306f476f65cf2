"""Prices and shipments of the emulated Australia Post API over real HTTP: the doc's samples,
validation naming fields, the unique reference, retrieval and deletion."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.auspost.conftest import (
    AccountClient,
    articles,
    create,
    emu_state,
    golden,
    shipment_body,
)
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)


def shape(document: Any) -> Any:
    """The keys of a JSON document, nested, without the values."""
    if isinstance(document, dict):
        return {key: shape(value) for key, value in document.items()}
    if isinstance(document, list):
        return [shape(document[0])] if document else []
    return None


def without_values_of(document: Any, sample: Any) -> Any:
    """``document`` narrowed to the keys the sample has (the emulator may say more)."""
    if isinstance(sample, dict):
        return {key: without_values_of(document.get(key), value) for key, value in sample.items()}
    if isinstance(sample, list) and sample:
        return [without_values_of(document[0], sample[0])] if document else []
    return None


# -- prices -------------------------------------------------------------------------------
def test_item_prices_of_the_doc_request_come_from_the_price_table(auspost: AccountClient) -> None:
    response = auspost().post("prices/items", json=golden("item_prices_request"))
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "item_reference": "P1",
                "weight": 1.5,
                "prices": [
                    {
                        "product_id": "T28",
                        "product_type": "PARCEL POST",
                        "calculated_price": 12.65,
                        "calculated_price_ex_gst": 11.5,
                        "calculated_gst": 1.15,
                    },
                    {
                        "product_id": "E34",
                        "product_type": "EXPRESS POST",
                        "calculated_price": 17.88,
                        "calculated_price_ex_gst": 16.25,
                        "calculated_gst": 1.63,
                    },
                ],
            }
        ]
    }


def test_item_prices_answer_problems_per_item_with_200(auspost: AccountClient) -> None:
    body = {
        "from": {"postcode": "3207"},
        "to": {"postcode": "2001"},
        "items": [
            {"item_reference": "A", "weight": 2, "product_ids": ["T28", "XX9"]},
            {"item_reference": "B", "product_ids": ["T28"]},
            {"item_reference": "C", "weight": 1},
        ],
    }
    response = auspost().post("prices/items", json=body)
    assert response.status_code == 200
    first, second, third = response.json()["items"]
    assert [error["field"] for error in first["errors"]] == ["product_ids"]
    assert "XX9" in first["errors"][0]["message"]
    assert [price["product_id"] for price in first["prices"]] == ["T28"]
    assert second["prices"] == []
    assert [error["field"] for error in second["errors"]] == ["weight"]
    # Without product_ids: every product of the contract.
    assert [price["product_id"] for price in third["prices"]] == ["T28", "E34"]
    assert "errors" not in third


def test_a_shipment_price_adds_the_fuel_surcharge_and_creates_nothing(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    response = auspost().post("prices/shipments", json=shipment_body())
    assert response.status_code == 200
    summary = response.json()["shipments"][0]["shipment_summary"]
    assert summary == {
        "total_cost": 13.64,
        "total_cost_ex_gst": 12.4,
        "total_gst": 1.24,
        "fuel_surcharge": 0.9,
        "number_of_items": 1,
    }
    assert emu_state(sandbox)["shipments"] == []


# -- create -------------------------------------------------------------------------------
def test_the_doc_request_creates_a_shipment_shaped_as_the_doc_answers(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    response = auspost().post("shipments", json=golden("create_shipments_request"))
    assert response.status_code == 201
    answer = response.json()
    sample = golden("create_shipments_response")
    assert without_values_of(answer, sample) == shape(sample)
    shipment = answer["shipments"][0]
    item = shipment["items"][0]
    assert shipment["shipment_reference"] == "ORD-1042"
    assert shipment["shipment_creation_date"].endswith("+10:00")
    assert len(shipment["shipment_id"]) == 24
    assert item["item_reference"] == "P1"
    assert item["product_id"] == "T28"
    consignment = item["tracking_details"]["consignment_id"]
    assert item["tracking_details"]["article_id"].startswith(consignment)
    assert item["item_summary"] == {
        "total_cost": 12.65,
        "total_cost_ex_gst": 11.5,
        "total_gst": 1.15,
        "status": "Created",
    }
    assert shipment["shipment_summary"] == {
        "total_cost": 13.64,
        "total_cost_ex_gst": 12.4,
        "total_gst": 1.24,
        "fuel_surcharge": 0.9,
        "status": "Created",
        "number_of_items": 1,
        "tracking_summary": {"Created": 1},
    }
    assert emu_state(sandbox)["shipments"] == [
        {
            "account": "0001234567",
            "reference": "ORD-1042",
            "id": shipment["shipment_id"],
            "status": "created",
            "tracking_numbers": articles(shipment),
            "consignment_id": consignment,
            "order_id": None,
        }
    ]


def test_each_item_gets_its_own_article_id_under_one_consignment(auspost: AccountClient) -> None:
    shipment = create(auspost(), items=3)
    numbers = articles(shipment)
    assert len(set(numbers)) == 3
    consignments = {item["tracking_details"]["consignment_id"] for item in shipment["items"]}
    assert len(consignments) == 1
    assert len({item["item_id"] for item in shipment["items"]}) == 3
    other = create(auspost(), reference="ORD-1043")
    assert other["items"][0]["tracking_details"]["consignment_id"] not in consignments


def test_every_problem_is_one_entry_naming_its_field(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    body = shipment_body(reference="R" * 51)
    shipment = body["shipments"][0]
    shipment["from"] = {**shipment["from"], "name": "N" * 41}
    shipment["to"] = {**shipment["to"], "postcode": "20011", "lines": ["1 George St", "L" * 41]}
    shipment["items"][0] = {**shipment["items"][0], "weight": None}
    del shipment["items"][0]["height"]
    response = auspost().post("shipments", json=body)
    assert response.status_code == 400
    entries = response.json()["errors"]
    assert sorted(entry["field"] for entry in entries) == [
        "shipments[0].from.name",
        "shipments[0].items[0].height",
        "shipments[0].items[0].weight",
        "shipments[0].shipment_reference",
        "shipments[0].to.lines[1]",
        "shipments[0].to.postcode",
    ]
    assert all(set(entry) == {"code", "name", "message", "field"} for entry in entries)
    assert emu_state(sandbox)["shipments"] == []


def test_more_than_twenty_items_and_unknown_products_are_refused(auspost: AccountClient) -> None:
    body = shipment_body(items=21)
    body["shipments"][0]["items"][3]["product_id"] = "XX9"
    response = auspost().post("shipments", json=body)
    assert response.status_code == 400
    assert [(entry["name"], entry["field"]) for entry in response.json()["errors"]] == [
        ("TOO_MANY_ITEMS", "shipments[0].items"),
        ("PRODUCT_NOT_AVAILABLE", "shipments[0].items[3].product_id"),
    ]


def test_email_tracking_needs_the_receivers_email(auspost: AccountClient) -> None:
    body = shipment_body()
    body["shipments"][0]["to"] = {**body["shipments"][0]["to"], "email": ""}
    response = auspost().post("shipments", json=body)
    assert [entry["field"] for entry in response.json()["errors"]] == ["shipments[0].to.email"]


def test_a_body_without_shipments_is_refused(auspost: AccountClient) -> None:
    response = auspost().post("shipments", content=b"not json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "shipments"


def test_a_reference_is_refused_while_a_shipment_holds_it(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    client = auspost()
    first = create(client, reference="ORD-7")
    again = client.post("shipments", json=shipment_body(reference="ORD-7"))
    assert again.status_code == 400
    assert again.json()["errors"] == [
        {
            "code": "44006",
            "name": "DUPLICATE_SHIPMENT_REFERENCE",
            "message": "A shipment with shipment_reference ORD-7 already exists.",
            "field": "shipments[0].shipment_reference",
        }
    ]
    assert [found["id"] for found in emu_state(sandbox)["shipments"]] == [first["shipment_id"]]
    # Deleted, the reference is free again.
    assert client.delete(f"shipments/{first['shipment_id']}").status_code == 200
    assert client.post("shipments", json=shipment_body(reference="ORD-7")).status_code == 201


def test_the_same_reference_twice_in_one_request_creates_neither(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    shipment = shipment_body(reference="ORD-8")["shipments"][0]
    response = auspost().post("shipments", json={"shipments": [shipment, shipment]})
    assert response.status_code == 400
    assert [entry["field"] for entry in response.json()["errors"]] == [
        "shipments[1].shipment_reference"
    ]
    assert emu_state(sandbox)["shipments"] == []


def test_references_are_per_account(auspost: AccountClient, sandbox: Sandbox) -> None:
    sandbox.emu(
        "auspost",
        "seed",
        {"accounts": [{"account_number": "0009876543", "api_key": "k2", "password": "p2"}]},
    )
    create(auspost(), reference="ORD-9")
    create(auspost("0009876543", "k2", "p2"), reference="ORD-9")


# -- retrieve and delete ------------------------------------------------------------------
def test_shipments_are_retrieved_by_ids_and_by_reference(auspost: AccountClient) -> None:
    client = auspost()
    first, second = create(client, "ORD-1"), create(client, "ORD-2")
    ids = f"{first['shipment_id']},{second['shipment_id']}"
    by_ids = client.get("shipments", params={"shipment_ids": ids})
    assert by_ids.status_code == 200
    assert by_ids.json()["shipments"] == [first, second]

    by_reference = client.get("shipments", params={"shipment_reference": "ORD-2"})
    assert by_reference.json() == {
        "shipments": [second],
        "pagination": {
            "total_number_of_records": 1,
            "number_of_records_per_page": 1000,
            "current_page_number": 1,
        },
    }
    none = client.get("shipments", params={"shipment_reference": "ORD-3"})
    assert none.status_code == 200
    assert none.json()["shipments"] == []
    missing = client.get("shipments", params={"shipment_ids": "nope"})
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["name"] == "SHIPMENT_NOT_FOUND"


def test_shipments_page_by_offset(auspost: AccountClient) -> None:
    client = auspost()
    created = [create(client, f"ORD-{number}") for number in range(3)]
    page = client.get("shipments", params={"offset": 2, "number_of_shipments": 2}).json()
    assert [found["shipment_id"] for found in page["shipments"]] == [created[2]["shipment_id"]]
    assert page["pagination"] == {
        "total_number_of_records": 3,
        "number_of_records_per_page": 2,
        "current_page_number": 2,
    }


def test_a_deleted_shipment_is_gone_and_cannot_be_deleted_again(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    client = auspost()
    shipment = create(client)
    deleted = client.delete(f"shipments/{shipment['shipment_id']}")
    assert deleted.status_code == 200
    assert deleted.content == b""
    assert emu_state(sandbox)["shipments"][0]["status"] == "cancelled"
    again = client.delete(f"shipments/{shipment['shipment_id']}")
    assert again.status_code == 404
    assert again.json()["errors"][0]["name"] == "SHIPMENT_NOT_FOUND"
    assert (
        client.get("shipments", params={"shipment_ids": shipment["shipment_id"]}).status_code == 404
    )
