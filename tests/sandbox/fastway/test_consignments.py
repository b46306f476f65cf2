"""Quotes, consignments, their look-ups, paging and deletion (fastway.md §5, §6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.fastway.conftest import Fastway, consignment, parcel, receiver

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"


def golden(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def today(fastway: Fastway) -> str:
    """The emulator's date in Sydney (consignments are listed by their local date)."""
    created = fastway.state()["shipments"][-1]["created_on"]
    return str(created[:10])


# -- quote ----------------------------------------------------------------------------------
def test_the_quote_prices_the_docs_parcel_as_the_doc_shows(fastway: Fastway) -> None:
    response = fastway.api().post("consignments/quote", json=consignment())
    assert response.status_code == 200
    quote = response.json()["data"]
    sample = golden("quote_response")["data"]
    assert {name: quote[name] for name in ("price", "tax", "total")} == {
        name: sample[name] for name in ("price", "tax", "total")
    }
    assert set(quote["items"][0]) == set(sample["items"][0])
    assert [(line["productType"], line["quantity"], line["price"]) for line in quote["items"]] == [
        ("Parcel", 1, 12.5),
        ("DELOPT", 1, 0.0),
    ]
    assert fastway.state()["shipments"] == []  # a quote keeps nothing


def test_satchels_signature_and_cubic_weight_change_the_price(fastway: Fastway) -> None:
    body = consignment(
        services=[{"serviceCode": "DELOPT", "serviceItemCode": "SGR"}],
        items=[
            parcel(weightDead=1, length=40, width=40, height=40),  # 16 kg cubic
            {"quantity": 2, "packageType": "S", "satchelSize": "A4"},
        ],
    )
    quote = fastway.api().post("consignments/quote", json=body).json()["data"]
    # 7.50 + 16 × 1.00, two A4 satchels at 9.50, signature 3.00; GST 10 %.
    assert (quote["price"], quote["tax"], quote["total"]) == (45.5, 4.55, 50.05)


# -- create ---------------------------------------------------------------------------------
def test_create_answers_the_docs_consignment(fastway: Fastway) -> None:
    response = fastway.api().post("consignments", json=consignment())
    assert response.status_code == 201
    created = response.json()["data"]
    sample = golden("consignment_create_response")["data"]
    for name in ("price", "tax", "total", "externalRef1", "items", "services"):
        if name == "services":
            assert [
                {key: service[key] for key in sample[name][0]} for service in created[name]
            ] == sample[name]
        else:
            assert created[name] == sample[name], name
    assert isinstance(created["conId"], int)
    assert created["to"]["address"]["lat"] == -33.715
    assert created["from"]["businessName"] == "Sandbox Fastway shipper"
    assert fastway.state()["shipments"] == [
        {
            "account": "sandbox-fastway-client",
            "reference": "ORD-1042",
            "id": str(created["conId"]),
            "status": "created",
            "picked_up": False,
            "tracking_numbers": ["MP0000000001"],
            "created_on": created["createdOn"],
            "total": 13.75,
            "delete_reason_id": None,
        }
    ]


def test_the_docs_request_gets_a_label_per_piece(fastway: Fastway) -> None:
    body = golden("consignment_create_request")
    body["items"][1]["quantity"] = 2
    created = fastway.api().post("consignments", json=body).json()["data"]
    assert [
        (item["conItemId"], item["label"], item["packageType"]) for item in created["items"]
    ] == [
        (1, "MP0000000001", "P"),
        (2, "MP0000000002", "S"),
        (3, "MP0000000003", "S"),
    ]
    assert created["price"] == 12.5 + 2 * 9.5


def test_request_json_is_case_insensitive(fastway: Fastway) -> None:
    body = {
        "To": receiver(),
        "ExternalRef1": "ORD-CASE",
        "Items": [
            {
                "Quantity": 1,
                "PackageType": "p",
                "WeightDead": 2,
                "Length": 10,
                "Width": 10,
                "Height": 10,
            }
        ],
    }
    response = fastway.api().post("consignments", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["data"]["externalRef1"] == "ORD-CASE"


def test_validation_names_every_field_and_keeps_nothing(fastway: Fastway) -> None:
    body = consignment(
        to=receiver(postalCode="2000"),
        services=[{"serviceCode": "DELOPT", "serviceItemCode": "XYZ"}],
        items=[
            parcel(weightDead=0, height=None),
            {"quantity": 1, "packageType": "S", "satchelSize": "B9"},
            {"quantity": 0, "packageType": "Q"},
        ],
    )
    response = fastway.api().post("consignments", json=body)
    assert response.status_code == 400
    assert [(error["code"], error["suggestedValues"]) for error in response.json()["errors"]] == [
        ("to.address.postalCode", ["KATOOMBA NSW 2780"]),
        ("items[0].weightDead", []),
        ("items[0].height", []),
        ("items[1].satchelSize", ["A5", "A4", "A3", "A2"]),
        ("items[2].quantity", []),
        ("items[2].packageType", ["P", "S"]),
        ("services[0].serviceItemCode", ["ATL", "SGR"]),
    ]
    assert all(error["message"] for error in response.json()["errors"])
    assert fastway.state()["shipments"] == []


def test_items_and_receiver_are_required(fastway: Fastway) -> None:
    api = fastway.api()
    response = api.post("consignments", json={"externalRef1": "X"})
    assert [error["code"] for error in response.json()["errors"]] == ["to", "items"]
    no_address = api.post("consignments", json=consignment(to={"contactName": "Ann"}))
    assert [error["code"] for error in no_address.json()["errors"]] == ["to.address"]
    too_long = api.post("consignments", json=consignment("R" * 51))
    assert [error["code"] for error in too_long.json()["errors"]] == ["externalRef1"]


def test_a_duplicate_external_reference_is_refused(fastway: Fastway) -> None:
    api = fastway.api()
    first = api.post("consignments", json=consignment("ORD-7")).json()["data"]
    again = api.post("consignments", json=consignment("ORD-7"))
    assert again.status_code == 400
    [error] = again.json()["errors"]
    assert error["code"] == "externalRef1"
    assert "ORD-7" in error["message"]
    assert str(first["conId"]) in error["message"]
    assert [shipment["reference"] for shipment in fastway.state()["shipments"]] == ["ORD-7"]
    assert api.post("consignments", json=consignment("ORD-8")).status_code == 201


def test_a_product_the_account_lacks_and_reseller_fields_are_403(fastway: Fastway) -> None:
    fastway.emu(
        "seed",
        {
            "accounts": [
                {"client_id": "parcels", "client_secret": "p-secret", "services": ["Parcel"]}
            ]
        },
    )
    api = fastway.api(fastway.token("parcels", "p-secret"))
    satchel = consignment(items=[{"quantity": 1, "packageType": "S", "satchelSize": "A4"}])
    refused = api.post("consignments", json=satchel)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "items[0].packageType"
    assert api.post("consignments", json=consignment(**{"from": receiver()})).status_code == 403
    assert api.post("consignments", json=consignment()).status_code == 201


def test_a_reseller_consigns_from_its_own_validated_sender(fastway: Fastway) -> None:
    fastway.emu(
        "seed",
        {"accounts": [{"client_id": "reseller", "client_secret": "r-secret", "reseller": True}]},
    )
    api = fastway.api(fastway.token("reseller", "r-secret"))
    sender = receiver(locality="Port Melbourne", stateOrProvince="VIC", postalCode="3207")
    created = api.post("consignments", json=consignment(**{"from": sender, "conTypeId": 5}))
    assert created.status_code == 201, created.text
    assert created.json()["data"]["from"]["address"]["locality"] == "Port Melbourne"
    wrong = receiver(locality="Port Melbourne", stateOrProvince="NSW", postalCode="3207")
    refused = api.post("consignments", json=consignment("ORD-R2", **{"from": wrong}))
    assert [error["code"] for error in refused.json()["errors"]] == ["from.address.stateOrProvince"]


# -- look-ups -------------------------------------------------------------------------------
def test_get_by_id_is_the_created_consignment_and_others_are_404(fastway: Fastway) -> None:
    api = fastway.api()
    created = api.post("consignments", json=consignment()).json()["data"]
    assert api.get(f"consignments/{created['conId']}").json() == {"data": created}
    missing = api.get("consignments/999")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "ConsignmentNotFound"
    fastway.emu("seed", {"accounts": [{"client_id": "other", "client_secret": "o-secret"}]})
    other = fastway.api(fastway.token("other", "o-secret"))
    assert other.get(f"consignments/{created['conId']}").status_code == 404


def test_the_list_finds_our_reference_within_the_dates(fastway: Fastway) -> None:
    api = fastway.api()
    for reference in ("ORD-1", "ORD-2"):
        api.post("consignments", json=consignment(reference))
    day = today(fastway)
    rows = api.get("consignments", params={"from": day, "to": day}).json()["data"]
    assert [row["externalRef1"] for row in rows] == ["ORD-1", "ORD-2"]
    assert set(rows[0]) >= {
        "conId",
        "toBusinessName",
        "toContactName",
        "toLocality",
        "toPostalCode",
        "total",
        "createdOn",
        "itemCount",
        "externalRef1",
        "externalRef2",
    }
    assert (rows[0]["toLocality"], rows[0]["itemCount"], rows[0]["total"]) == ("Katoomba", 1, 13.75)
    found = api.get(
        "consignments", params={"from": day, "to": day, "externalRef1": "ORD-2"}
    ).json()["data"]
    assert [row["externalRef1"] for row in found] == ["ORD-2"]
    fastway.advance(2 * 24 * 3600)
    api = fastway.api()  # the hour of the first token has passed
    assert api.get("consignments", params={"from": day, "to": day}).json()["data"] == rows
    later = fastway.emu("clock")["now"][:10]
    assert api.get("consignments", params={"from": later, "to": later}).json()["data"] == []


def test_the_list_needs_readable_dates(fastway: Fastway) -> None:
    api = fastway.api()
    response = api.get("consignments", params={"from": "yesterday"})
    assert [error["code"] for error in response.json()["errors"]] == ["from", "to"]
    backwards = api.get("consignments", params={"from": "2026-05-02", "to": "2026-05-01"})
    assert backwards.json()["errors"][0]["code"] == "to"


def test_the_list_pages_at_1000_rows_from_page_0(fastway: Fastway) -> None:
    fastway.emu(
        "seed",
        {
            "accounts": [
                {"client_id": "busy", "client_secret": "b-secret", "generate_consignments": 2500}
            ]
        },
    )
    api = fastway.api(fastway.token("busy", "b-secret"))
    day = fastway.state("busy")["shipments"][0]["created_on"][:10]
    pages = [
        api.get("consignments", params={"from": day, "to": day, "pageNumber": number}).json()[
            "data"
        ]
        for number in range(4)
    ]
    assert [len(rows) for rows in pages] == [1000, 1000, 500, 0]
    ids = [row["conId"] for rows in pages for row in rows]
    assert len(set(ids)) == 2500
    assert ids == sorted(ids)
    assert (
        api.get("consignments", params={"from": day, "to": day, "pageNumber": "-1"}).status_code
        == 400
    )


def test_pending_holds_consignments_until_pickup(fastway: Fastway) -> None:
    api = fastway.api()
    created = api.post("consignments", json=consignment()).json()["data"]
    assert [row["conId"] for row in api.get("consignments/pending").json()["data"]] == [
        created["conId"]
    ]
    fastway.advance(6 * 3600)
    assert fastway.api().get("consignments/pending").json()["data"] == []


# -- delete ---------------------------------------------------------------------------------
def test_delete_before_pickup_then_undelete(fastway: Fastway) -> None:
    api = fastway.api()
    reasons = api.get("consignments/deleted-reasons").json()["data"]
    assert reasons[0] == {"id": 1, "description": "Created in error"}
    con_id = api.post("consignments", json=consignment("ORD-9")).json()["data"]["conId"]
    deleted = api.delete(f"consignments/{con_id}/reason/1")
    assert (deleted.status_code, deleted.json()) == (200, {"data": True})
    assert fastway.state()["shipments"][0]["status"] == "cancelled"
    assert api.get(f"consignments/{con_id}").status_code == 404
    assert api.delete(f"consignments/{con_id}/reason/1").status_code == 404
    restored = api.put(f"consignments/{con_id}/undelete")
    assert restored.status_code == 200
    assert restored.json()["data"]["externalRef1"] == "ORD-9"
    assert fastway.state()["shipments"][0]["status"] == "created"


def test_a_deleted_reference_may_be_used_again_but_then_not_restored(fastway: Fastway) -> None:
    api = fastway.api()
    first = api.post("consignments", json=consignment("ORD-10")).json()["data"]["conId"]
    api.delete(f"consignments/{first}/reason/4")
    assert api.post("consignments", json=consignment("ORD-10")).status_code == 201
    refused = api.put(f"consignments/{first}/undelete")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "externalRef1"


def test_delete_is_refused_once_picked_up_or_for_an_unknown_reason(fastway: Fastway) -> None:
    api = fastway.api()
    con_id = api.post("consignments", json=consignment()).json()["data"]["conId"]
    unknown = api.delete(f"consignments/{con_id}/reason/42")
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["suggestedValues"] == ["1", "2", "3", "4", "5"]
    fastway.advance(6 * 3600)
    refused = fastway.api().delete(f"consignments/{con_id}/reason/1")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "ConsignmentPickedUp"
    assert fastway.state()["shipments"][0]["status"] == "created"
    assert fastway.state()["shipments"][0]["picked_up"] is True


def test_consignment_services_list_the_delivery_options(fastway: Fastway) -> None:
    [option] = fastway.api().get("consignment-services").json()["data"]
    assert option["code"] == "DELOPT"
    assert [item["code"] for item in option["items"]] == ["ATL", "SGR"]
