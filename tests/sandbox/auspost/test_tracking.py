"""Tracking on the emulator clock: the doc's response shape, events newest first with
``+10:00`` offsets, unknown ids answered per result, and the batch limit."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.auspost.conftest import (
    AccountClient,
    articles,
    create,
    golden,
    shipment_body,
)
from tests.sandbox.auspost.test_shipments import shape, without_values_of
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)

HOUR = 3600


def track(client: Any, *ids: str) -> list[dict[str, Any]]:
    response = client.get("track", params={"tracking_ids": ",".join(ids)})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["tracking_results"]
    return results


def test_the_timeline_moves_with_the_clock(auspost: AccountClient, sandbox: Sandbox) -> None:
    client = auspost()
    sandbox.emu("auspost", "clock", {"freeze": "2025-05-01T00:15:00+00:00"})
    article = articles(create(client))[0]

    (created,) = track(client, article)
    assert created["status"] == "Created"
    assert created["trackable_items"][0]["events"] == [
        {
            "location": "PORT MELBOURNE VIC",
            "description": "Shipment information received",
            "date": "2025-05-01T10:15:00+10:00",
        }
    ]

    sandbox.emu("auspost", "clock", {"advance_seconds": 7 * HOUR})
    (picked_up,) = track(client, article)
    assert picked_up["status"] == "In transit"
    assert [event["description"] for event in picked_up["trackable_items"][0]["events"]] == [
        "Received and ready for processing",
        "Shipment information received",
    ]

    sandbox.emu("auspost", "clock", {"advance_seconds": 42 * HOUR})
    (on_board,) = track(client, article)
    assert on_board["status"] == "On Board for Delivery"
    assert on_board["trackable_items"][0]["events"][0] == {
        "location": "SYDNEY NSW",
        "description": "On Board for Delivery",
        "date": "2025-05-03T10:15:00+10:00",
    }

    sandbox.emu("auspost", "clock", {"advance_seconds": 12 * HOUR})
    (delivered,) = track(client, article)
    events = delivered["trackable_items"][0]["events"]
    assert delivered["status"] == "Delivered"
    assert events[0]["description"] == "Delivered - Left in a safe place"
    assert len(events) == 6
    dates = [event["date"] for event in events]
    assert dates == sorted(dates, reverse=True)
    assert all(date.endswith("+10:00") for date in dates)


def test_the_doc_response_shape_and_an_unknown_id(auspost: AccountClient, sandbox: Sandbox) -> None:
    client = auspost()
    sandbox.emu("auspost", "clock", {"freeze": "2025-05-01T00:15:00+00:00"})
    article = articles(create(client))[0]
    sandbox.emu("auspost", "clock", {"advance_seconds": 61 * HOUR})
    response = client.get("track", params={"tracking_ids": f"{article},XYZ"})
    answer = response.json()
    sample = golden("tracking_response")
    assert without_values_of(answer, sample) == shape(sample)
    assert answer["tracking_results"][1] == sample["tracking_results"][1]
    found = answer["tracking_results"][0]
    assert found["tracking_id"] == article
    assert found["trackable_items"][0]["article_id"] == article
    assert found["trackable_items"][0]["product_type"] == "Parcel Post"


def test_without_authority_to_leave_it_is_simply_delivered(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    client = auspost()
    body = shipment_body()
    body["shipments"][0]["items"][0]["authority_to_leave"] = False
    article = articles(client.post("shipments", json=body).json()["shipments"][0])[0]
    sandbox.emu("auspost", "clock", {"advance_seconds": 61 * HOUR})
    (result,) = track(client, article)
    assert result["trackable_items"][0]["events"][0]["description"] == "Delivered"


def test_a_consignment_id_tracks_all_its_articles(auspost: AccountClient) -> None:
    client = auspost()
    shipment = create(client, items=2)
    consignment = shipment["items"][0]["tracking_details"]["consignment_id"]
    (result,) = track(client, consignment)
    assert [item["article_id"] for item in result["trackable_items"]] == articles(shipment)


def test_deleted_and_other_accounts_articles_are_invalid_ids(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    sandbox.emu(
        "auspost",
        "seed",
        {"accounts": [{"account_number": "0009876543", "api_key": "k2", "password": "p2"}]},
    )
    client = auspost()
    kept, deleted = create(client, "ORD-1"), create(client, "ORD-2")
    client.delete(f"shipments/{deleted['shipment_id']}")
    results = track(client, articles(kept)[0], articles(deleted)[0])
    assert "errors" not in results[0]
    assert results[1]["errors"] == [{"code": "ESB-10001", "name": "Invalid tracking ID"}]
    (other,) = track(auspost("0009876543", "k2", "p2"), articles(kept)[0])
    assert other["errors"][0]["code"] == "ESB-10001"


def test_at_most_ten_ids_a_request(auspost: AccountClient, sandbox: Sandbox) -> None:
    client = auspost()
    ten = [f"ID{number}" for number in range(10)]
    assert len(track(client, *ten)) == 10
    response = client.get("track", params={"tracking_ids": ",".join([*ten, "ID10"])})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "tracking_ids"
    sandbox.control.post(sandbox.url("auspost", "__emu/settings"), json={"track_batch": 11})
    assert client.get("track", params={"tracking_ids": ",".join([*ten, "ID10"])}).status_code == 200
    assert client.get("track").status_code == 400
