"""Labels (one-step and two-step), their PDFs, and orders that seal their shipments."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

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


def labels_body(shipment: dict[str, Any], *, wait: bool, all_items: bool = True) -> dict[str, Any]:
    """The doc's labels request (auspost.md §5) for this shipment."""
    body = golden("labels_request")
    body["wait_for_label_url"] = wait
    entry: dict[str, Any] = {"shipment_id": shipment["shipment_id"]}
    if not all_items:
        entry["items"] = [{"item_id": shipment["items"][0]["item_id"]}]
    body["shipments"] = [entry]
    return body


def pdf_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


# -- labels -------------------------------------------------------------------------------
def test_one_step_labels_answer_available_with_a_url_to_the_pdf(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    client = auspost()
    shipment = create(client, items=2)
    response = client.post("labels", json=labels_body(shipment, wait=True))
    assert response.status_code == 200
    label = response.json()["labels"][0]
    assert label["status"] == "AVAILABLE"
    assert label["shipment_ids"] == [shipment["shipment_id"]]
    assert label["shipments"][0]["items"] == [{"item_id": i["item_id"]} for i in shipment["items"]]
    assert label["url"].startswith(f"{sandbox.base_url}/sandbox/auspost/")
    download = httpx.get(label["url"])
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF-")
    pages = pdf_text(download.content)
    assert len(pages) == 2
    for page, article in zip(pages, articles(shipment), strict=True):
        assert article in page
        assert "ORD-1042" in page
    printed = client.get("shipments", params={"shipment_ids": shipment["shipment_id"]})
    assert printed.json()["shipments"][0]["shipment_summary"]["status"] == "Initiated"


def test_a_label_for_chosen_items_prints_only_those(auspost: AccountClient) -> None:
    client = auspost()
    shipment = create(client, items=2)
    body = labels_body(shipment, wait=True, all_items=False)
    label = client.post("labels", json=body).json()["labels"][0]
    pages = pdf_text(httpx.get(label["url"]).content)
    assert len(pages) == 1
    assert articles(shipment)[0] in pages[0]
    assert articles(shipment)[1] not in pages[0]


def test_two_step_labels_are_pending_for_the_configured_polls(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    client = auspost()
    sandbox.emu("auspost", "seed", {"settings": {"label_polls": 2}})
    shipment = create(client)
    pending = client.post("labels", json=labels_body(shipment, wait=False)).json()["labels"][0]
    assert pending["status"] == "PENDING"
    assert "url" not in pending
    request_id = pending["request_id"]
    statuses = [client.get(f"labels/{request_id}").json()["labels"][0] for _ in range(4)]
    assert [label["status"] for label in statuses] == [
        "PENDING",
        "PENDING",
        "AVAILABLE",
        "AVAILABLE",
    ]
    assert statuses[2]["url"] == statuses[3]["url"]
    assert articles(shipment)[0] in pdf_text(httpx.get(statuses[2]["url"]).content)[0]


def test_by_default_the_second_poll_is_available(auspost: AccountClient) -> None:
    client = auspost()
    shipment = create(client)
    request_id = client.post("labels", json=labels_body(shipment, wait=False)).json()["labels"][0][
        "request_id"
    ]
    assert [client.get(f"labels/{request_id}").json()["labels"][0]["status"] for _ in range(2)] == [
        "PENDING",
        "AVAILABLE",
    ]


def test_a_pending_labels_file_is_not_there_yet(auspost: AccountClient, sandbox: Sandbox) -> None:
    client = auspost()
    shipment = create(client)
    request_id = client.post("labels", json=labels_body(shipment, wait=False)).json()["labels"][0][
        "request_id"
    ]
    file_url = sandbox.url("auspost", f"files/labels/{request_id}.pdf")
    assert httpx.get(file_url).status_code == 404


def test_labels_of_unknown_shipments_or_items_are_refused(auspost: AccountClient) -> None:
    client = auspost()
    shipment = create(client)
    body = labels_body(shipment, wait=True)
    body["shipments"].append({"shipment_id": "nope"})
    body["shipments"][0]["items"] = [{"item_id": "other"}]
    response = client.post("labels", json=body)
    assert response.status_code == 400
    assert [entry["field"] for entry in response.json()["errors"]] == [
        "shipments[0].items[0].item_id",
        "shipments[1].shipment_id",
    ]
    assert client.get("labels/unknown").status_code == 404


def test_another_accounts_labels_are_not_found(auspost: AccountClient, sandbox: Sandbox) -> None:
    sandbox.emu(
        "auspost",
        "seed",
        {"accounts": [{"account_number": "0009876543", "api_key": "k2", "password": "p2"}]},
    )
    shipment = create(auspost())
    other = auspost("0009876543", "k2", "p2")
    assert other.post("labels", json=labels_body(shipment, wait=True)).status_code == 400


# -- orders -------------------------------------------------------------------------------
def order_body(*shipments: dict[str, Any]) -> dict[str, Any]:
    return {
        "order_reference": "EOD-2025-05-01",
        "payment_method": "CHARGE_TO_ACCOUNT",
        "shipments": [{"shipment_id": shipment["shipment_id"]} for shipment in shipments],
    }


def test_an_order_seals_its_shipments(auspost: AccountClient, sandbox: Sandbox) -> None:
    client = auspost()
    first, second = create(client, "ORD-1", items=2), create(client, "ORD-2")
    response = client.put("orders", json=order_body(first, second))
    assert response.status_code == 201
    order = response.json()["order"]
    assert order["order_reference"] == "EOD-2025-05-01"
    assert order["payment_method"] == "CHARGE_TO_ACCOUNT"
    assert order["order_creation_date"].endswith("+10:00")
    summary = order["order_summary"]
    assert summary["number_of_shipments"] == 2
    assert summary["number_of_items"] == 3
    assert summary["total_cost"] == pytest.approx(
        first["shipment_summary"]["total_cost"] + second["shipment_summary"]["total_cost"],
        abs=0.02,
    )
    assert [found["shipment_id"] for found in order["shipments"]] == [
        first["shipment_id"],
        second["shipment_id"],
    ]
    assert {found["shipment_summary"]["status"] for found in order["shipments"]} == {"Sealed"}
    assert [(found["status"], found["order_id"]) for found in emu_state(sandbox)["shipments"]] == [
        ("manifested", order["order_id"]),
        ("manifested", order["order_id"]),
    ]

    # Sealed: no delete, no labels, no second order.
    deleted = client.delete(f"shipments/{first['shipment_id']}")
    assert deleted.status_code == 400
    assert deleted.json()["errors"][0]["name"] == "SHIPMENT_ALREADY_IN_ORDER"
    assert client.post("labels", json=labels_body(first, wait=True)).status_code == 400
    again = client.put("orders", json=order_body(second))
    assert again.status_code == 400
    assert again.json()["errors"][0]["field"] == "shipments[0].shipment_id"
    assert [found["status"] for found in emu_state(sandbox)["shipments"]] == ["manifested"] * 2


def test_an_order_naming_an_unknown_shipment_seals_nothing(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    client = auspost()
    shipment = create(client)
    body = order_body(shipment)
    body["shipments"].append({"shipment_id": "nope"})
    response = client.put("orders", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "shipments[1].shipment_id"
    assert emu_state(sandbox)["shipments"][0]["status"] == "created"
    assert emu_state(sandbox)["accounts"]["0001234567"]["orders"] == []


def test_the_order_summary_is_a_pdf_listing_the_articles(auspost: AccountClient) -> None:
    client = auspost()
    shipment = create(client, items=2)
    order = client.put("orders", json=order_body(shipment)).json()["order"]
    summary = client.get(f"accounts/0001234567/orders/{order['order_id']}/summary")
    assert summary.status_code == 200
    assert summary.headers["Content-Type"] == "application/pdf"
    text = "".join(pdf_text(summary.content))
    assert order["order_id"] in text
    for article in articles(shipment):
        assert article in text
    assert client.get("accounts/0001234567/orders/AP9/summary").status_code == 404
    other = client.get(f"accounts/0009999999/orders/{order['order_id']}/summary")
    assert other.status_code == 403


def test_post_orders_creates_the_shipments_and_the_order_at_once(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    body = {"order_reference": "EOD-2", **shipment_body("ORD-50", items=2)}
    response = auspost().post("orders", json=body)
    assert response.status_code == 201
    order = response.json()["order"]
    assert order["shipments"][0]["shipment_reference"] == "ORD-50"
    assert emu_state(sandbox)["shipments"][0]["status"] == "manifested"
    refused = auspost().post("orders", json={"order_reference": "EOD-3", **shipment_body("ORD-50")})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["name"] == "DUPLICATE_SHIPMENT_REFERENCE"
    assert len(emu_state(sandbox)["accounts"]["0001234567"]["orders"]) == 1


# -- items update -------------------------------------------------------------------------
def test_items_are_updated_and_added_until_the_shipment_is_in_an_order(
    auspost: AccountClient, sandbox: Sandbox
) -> None:
    client = auspost()
    shipment = create(client)
    first = shipment["items"][0]
    item = golden("create_shipments_request")["shipments"][0]["items"][0]
    body = {"items": [{**item, "item_id": first["item_id"], "weight": 3}, {**item, "weight": 1}]}
    response = client.put(f"shipments/{shipment['shipment_id']}/items", json=body)
    assert response.status_code == 200
    updated = response.json()["shipments"][0]
    assert updated["items"][0]["item_id"] == first["item_id"]
    assert updated["items"][0]["tracking_details"] == first["tracking_details"]
    assert updated["items"][0]["weight"] == 3
    assert updated["items"][0]["item_summary"]["total_cost_ex_gst"] == 14.5  # 8.50 + 2.00 x 3
    assert updated["shipment_summary"]["number_of_items"] == 2
    added = updated["items"][1]["tracking_details"]["article_id"]
    assert added not in articles(shipment)
    assert emu_state(sandbox)["shipments"][0]["tracking_numbers"] == [*articles(shipment), added]
    tracked = client.get("track", params={"tracking_ids": added}).json()["tracking_results"][0]
    assert "errors" not in tracked

    unknown = client.put(
        f"shipments/{shipment['shipment_id']}/items", json={"items": [{**item, "item_id": "x"}]}
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "items[0].item_id"
    invalid = client.put(f"shipments/{shipment['shipment_id']}/items", json={"items": [{}]})
    assert {entry["field"] for entry in invalid.json()["errors"]} >= {
        "items[0].product_id",
        "items[0].weight",
    }

    client.put("orders", json=order_body(shipment))
    sealed = client.put(f"shipments/{shipment['shipment_id']}/items", json={"items": [item]})
    assert sealed.status_code == 400
    assert sealed.json()["errors"][0]["name"] == "SHIPMENT_ALREADY_IN_ORDER"
    assert len(emu_state(sandbox)["shipments"][0]["tracking_numbers"]) == 2
