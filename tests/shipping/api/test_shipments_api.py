"""/api/v1/shipments, /manifests and /box-presets against the memory carrier."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kucun.shipping.models import BoxPreset, CarrierAccount, Manifest, Shipment
from tests.conftest import ApiClient
from tests.shipping import fixtures_shipments as fixtures
from tests.shipping.fixtures_shipments import PARCEL, RECEIVER
from tests.shipping.memory_carrier import MemoryCarrierSide

pytestmark = pytest.mark.django_db
carrier_side = fixtures.carrier_side
dock = fixtures.dock
carrier_account = fixtures.carrier_account
lite_account = fixtures.lite_account


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def body(account: CarrierAccount, **more: Any) -> dict[str, Any]:
    return {"carrier_account": account.pk, "receiver": RECEIVER, "parcels": [PARCEL], **more}


def test_staff_create_a_shipment_and_get_its_label(
    staff_api: ApiClient, carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    answer = staff_api.post("/api/v1/shipments", body(carrier_account, service_code="EXP"))
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["status"] == "label_ready"
    assert data["service_code"] == "EXP"
    assert data["tracking_numbers"] == ["ME0000101"]
    assert data["carrier_account"] == {
        "id": carrier_account.pk,
        "name": "Memory post",
        "carrier": "memory",
    }
    assert data["receiver"]["lines"] == ["1 George Street", "Level 2"]
    assert data["parcels"][0]["weight_kg"] == "1.250"
    assert data["label_url"] == f"/api/v1/shipments/{data['id']}/label"

    label = staff_api.get(data["label_url"])
    assert label.status_code == 200
    assert label["Content-Type"] == "application/pdf"
    assert b"".join(label.streaming_content).startswith(b"%PDF-")


def test_a_shipment_from_items(
    staff_api: ApiClient, carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    from tests.factories import ItemFactory

    ItemFactory(sku="TONGS", weight_g=500)
    answer = staff_api.post(
        "/api/v1/shipments",
        {
            "carrier_account": carrier_account.pk,
            "receiver": RECEIVER,
            "items": [{"sku": "TONGS", "quantity": 3}],
        },
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["parcels"][0]["weight_kg"] == "1.500"


def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    staff_api: ApiClient, carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    answer = staff_api.post(
        "/api/v1/shipments",
        body(carrier_account, receiver={**RECEIVER, "postcode": "3000"}),
    )
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == ["receiver.postcode"]
    carrier_side.arm("create", "refuse")
    refused = staff_api.post("/api/v1/shipments", body(carrier_account))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "receiver.postcode"
    assert not Shipment.objects.exists()


def test_a_carrier_that_does_not_answer_leaves_a_draft_with_its_error(
    staff_api: ApiClient, carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    carrier_side.arm("create", "timeout")
    answer = staff_api.post("/api/v1/shipments", body(carrier_account))
    assert answer.status_code == 201
    data = answer.json()
    assert data["status"] == "draft"
    assert data["last_error"]
    assert data["attempts"] == 1
    assert data["details"]["outcome_unknown"] is True


def test_the_same_idempotency_key_creates_once(
    staff_api: ApiClient, carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    first = staff_api.post("/api/v1/shipments", body(carrier_account), **{"Idempotency-Key": "a1"})
    second = staff_api.post("/api/v1/shipments", body(carrier_account), **{"Idempotency-Key": "a1"})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    other = staff_api.post(
        "/api/v1/shipments", body(carrier_account, service_code="EXP"), **{"Idempotency-Key": "a1"}
    )
    assert other.status_code == 409
    assert Shipment.objects.count() == 1
    assert carrier_side.creates() == 1


def test_viewers_read_but_do_not_write(
    staff_api: ApiClient,
    viewer_api: ApiClient,
    carrier_account: CarrierAccount,
    carrier_side: MemoryCarrierSide,
) -> None:
    shipment_id = staff_api.post("/api/v1/shipments", body(carrier_account)).json()["id"]
    assert viewer_api.post("/api/v1/shipments", body(carrier_account)).status_code == 403
    assert viewer_api.post(f"/api/v1/shipments/{shipment_id}/cancel").status_code == 403
    assert viewer_api.post(f"/api/v1/shipments/{shipment_id}/track").status_code == 403
    assert viewer_api.post("/api/v1/manifests", {"carrier_account": 1}).status_code == 403
    assert viewer_api.get(f"/api/v1/shipments/{shipment_id}").status_code == 200
    assert viewer_api.get(f"/api/v1/shipments/{shipment_id}/label").status_code == 200
    assert viewer_api.get("/api/v1/shipments").json()["count"] == 1
    assert Shipment.objects.count() == 1


def test_the_list_filters_and_searches_in_a_fixed_number_of_queries(
    staff_api: ApiClient,
    carrier_account: CarrierAccount,
    lite_account: CarrierAccount,
    carrier_side: MemoryCarrierSide,
) -> None:
    for _ in range(3):
        staff_api.post("/api/v1/shipments", body(carrier_account))
    staff_api.post("/api/v1/shipments", body(lite_account))
    draft = staff_api.post(
        "/api/v1/shipments",
        body(carrier_account, submit=False, receiver={**RECEIVER, "name": "Bo Chen"}),
    ).json()

    with CaptureQueriesContext(connection) as queries:
        everything = staff_api.get("/api/v1/shipments").json()
    assert everything["count"] == 5
    # The user's token, the count, the page of shipments, their parcels.
    assert len(queries) <= 5
    assert staff_api.get("/api/v1/shipments", {"status": "draft"}).json()["count"] == 1
    by_account = staff_api.get("/api/v1/shipments", {"carrier_account": lite_account.pk})
    assert by_account.json()["count"] == 1
    assert (
        staff_api.get("/api/v1/shipments", {"search": "bo chen"}).json()["items"][0]["id"]
        == (draft["id"])
    )
    number = everything["items"][-1]["tracking_numbers"][0]
    found = staff_api.get("/api/v1/shipments", {"search": number}).json()
    assert [item["tracking_numbers"] for item in found["items"]] == [[number]]
    assert staff_api.get("/api/v1/shipments", {"status": "flying"}).status_code == 422


def test_cancel_track_and_the_shipment_detail(
    staff_api: ApiClient, carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    from kucun.shipping.carriers.base import TrackingStatus

    data = staff_api.post("/api/v1/shipments", body(carrier_account)).json()
    carrier_side.scan(data["tracking_numbers"][0], TrackingStatus.IN_TRANSIT, "Picked up")
    tracked = staff_api.post(f"/api/v1/shipments/{data['id']}/track")
    assert tracked.status_code == 200
    assert tracked.json()["new_events"] == 2
    assert tracked.json()["shipment"]["status"] == "in_transit"
    assert [e["description"] for e in tracked.json()["shipment"]["events"]] == [
        "Picked up",
        "Shipment information received",
    ]

    other = staff_api.post("/api/v1/shipments", body(carrier_account)).json()
    cancelled = staff_api.post(f"/api/v1/shipments/{other['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert staff_api.post(f"/api/v1/shipments/{other['id']}/cancel").status_code == 200
    assert staff_api.get("/api/v1/shipments/999999").status_code == 404


def test_manifests_are_closed_listed_and_their_pdf_served(
    staff_api: ApiClient,
    carrier_account: CarrierAccount,
    lite_account: CarrierAccount,
    carrier_side: MemoryCarrierSide,
) -> None:
    staff_api.post("/api/v1/shipments", body(carrier_account))
    closed = staff_api.post(
        "/api/v1/manifests", {"carrier_account": carrier_account.name}, **{"Idempotency-Key": "m1"}
    )
    assert closed.status_code == 201, closed.content
    manifest = closed.json()
    assert manifest["shipment_count"] == 1
    again = staff_api.post(
        "/api/v1/manifests", {"carrier_account": carrier_account.name}, **{"Idempotency-Key": "m1"}
    )
    assert again.json()["id"] == manifest["id"]
    assert Manifest.objects.count() == 1
    pdf = staff_api.get(manifest["pdf_url"])
    assert pdf["Content-Type"] == "application/pdf"
    listed = staff_api.get("/api/v1/manifests").json()
    assert [item["id"] for item in listed["items"]] == [manifest["id"]]

    refused = staff_api.post("/api/v1/manifests", {"carrier_account": lite_account.pk})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "carrier_account"


def test_box_presets_crud(staff_api: ApiClient, viewer_api: ApiClient) -> None:
    made = staff_api.post(
        "/api/v1/box-presets",
        {"name": "Small", "length_cm": 30, "width_cm": 20, "height_cm": 10, "tare_kg": "0.2"},
        **{"Idempotency-Key": "b1"},
    )
    assert made.status_code == 201, made.content
    box = made.json()
    assert box["length_cm"] == "30.0"
    repeat = staff_api.post(
        "/api/v1/box-presets",
        {"name": "Small", "length_cm": 30, "width_cm": 20, "height_cm": 10, "tare_kg": "0.2"},
        **{"Idempotency-Key": "b1"},
    )
    assert repeat.json()["id"] == box["id"]
    bad = staff_api.post(
        "/api/v1/box-presets", {"name": "Bad", "length_cm": 0, "width_cm": 1, "height_cm": 1}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "length_cm"
    assert viewer_api.get("/api/v1/box-presets").json()[0]["name"] == "Small"
    assert (
        viewer_api.patch(f"/api/v1/box-presets/{box['id']}", {"active": False}).status_code == 403
    )
    patched = staff_api.patch(f"/api/v1/box-presets/{box['id']}", {"active": False})
    assert patched.json()["active"] is False
    assert staff_api.get("/api/v1/box-presets", {"active": True}).json() == []
    assert staff_api.delete(f"/api/v1/box-presets/{box['id']}").status_code == 204
    assert not BoxPreset.objects.exists()
