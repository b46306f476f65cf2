"""The stock API: documents, stock query, ledger, allocations; roles and idempotency keys."""

from __future__ import annotations

from typing import Any

import pytest

from kucun.catalog.models import Item
from kucun.core.models import IdempotencyRecord
from kucun.inventory.models import BinStock, Receipt, StockLevel, StockMove, Transfer
from tests.inventory.conftest import Site, build_bundle, build_item, receive
from tests.inventory.ledger_checks import assert_ledger_consistent


def receipt_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "warehouse": "MEL",
        "kind": "purchase",
        "lines": [{"sku": "W-1", "qty": 5, "bin": "S-01"}, {"sku": "W-1", "qty": 2}],
        "reference": "PO-1",
        "post": True,
    }
    body.update(overrides)
    return body


def level(item: Item, site: Site) -> tuple[int, int, int]:
    row = StockLevel.objects.filter(item=item, warehouse=site.warehouse).first()
    return (row.on_hand, row.sellable_on_hand, row.allocated) if row else (0, 0, 0)


def test_create_and_post_receipt(site: Site, staff_api: Any) -> None:
    widget = build_item("W-1")
    response = staff_api.post("/api/v1/receipts", receipt_body())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == f"RC-{body['id']:06d}"
    assert body["status"] == "posted"
    assert body["posted_by"] == "sam"
    assert body["lines"] == [
        {"sku": "W-1", "qty": 5, "bin": "S-01", "from_bin": None, "to_bin": None, "picks": None},
        {
            "sku": "W-1",
            "qty": 2,
            "bin": "RECEIVING",
            "from_bin": None,
            "to_bin": None,
            "picks": None,
        },
    ]
    assert level(widget, site) == (7, 7, 0)


def test_draft_then_post_then_reverse(site: Site, staff_api: Any) -> None:
    widget = build_item("W-1")
    created = staff_api.post("/api/v1/receipts", receipt_body(post=False)).json()
    assert created["status"] == "draft"
    posted = staff_api.post(f"/api/v1/receipts/{created['id']}/post")
    assert posted.status_code == 200
    assert posted.json()["status"] == "posted"
    again = staff_api.post(f"/api/v1/receipts/{created['id']}/post")
    assert again.status_code == 409
    reversed_ = staff_api.post(f"/api/v1/receipts/{created['id']}/reverse")
    assert reversed_.status_code == 200
    assert reversed_.json()["status"] == "reversed"
    assert reversed_.json()["reversal_move_id"] is not None
    assert level(widget, site) == (0, 0, 0)
    assert staff_api.post(f"/api/v1/receipts/{created['id']}/reverse").status_code == 409


def test_idempotency_key_replays_first_result_and_refuses_other_payload(
    site: Site, staff_api: Any
) -> None:
    widget = build_item("W-1")
    first = staff_api.post("/api/v1/receipts", receipt_body(), **{"Idempotency-Key": "abc"})
    second = staff_api.post("/api/v1/receipts", receipt_body(), **{"Idempotency-Key": "abc"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Receipt.objects.count() == 1
    assert level(widget, site) == (7, 7, 0)
    other = staff_api.post(
        "/api/v1/receipts", receipt_body(reference="PO-2"), **{"Idempotency-Key": "abc"}
    )
    assert other.status_code == 409
    assert other.json()["errors"][0]["field"] == "idempotency_key"
    assert Receipt.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_idempotency_keys_belong_to_the_user_who_sent_them(
    site: Site, staff_api: Any, owner_api: Any
) -> None:
    widget = build_item("W-1")
    key = {"Idempotency-Key": "shared-key"}
    staffs = staff_api.post("/api/v1/receipts", receipt_body(), **key)
    owners = owner_api.post("/api/v1/receipts", receipt_body(), **key)
    assert staffs.status_code == owners.status_code == 201
    assert owners.json()["id"] != staffs.json()["id"]
    assert (staffs.json()["posted_by"], owners.json()["posted_by"]) == ("sam", "olivia")
    # Each user's retry replays their own receipt.
    assert staff_api.post("/api/v1/receipts", receipt_body(), **key).json() == staffs.json()
    assert owner_api.post("/api/v1/receipts", receipt_body(), **key).json() == owners.json()
    assert Receipt.objects.count() == 2
    assert StockMove.objects.filter(idempotency_key="shared-key").count() == 2
    assert level(widget, site) == (14, 14, 0)
    # Another body under the owner's key is still refused for the owner only.
    other = owner_api.post("/api/v1/receipts", receipt_body(reference="PO-2"), **key)
    assert other.status_code == 409


def test_calls_without_a_user_share_their_own_scope(site: Site, staff: Any) -> None:
    from kucun.inventory.services.inputs import DocumentLineInput
    from kucun.inventory.services.receipts_issues import receipt_create

    build_item("W-1")
    arguments: dict[str, Any] = {
        "warehouse": "MEL",
        "kind": "purchase",
        "lines": [DocumentLineInput(sku="W-1", qty=3)],
        "post": True,
        "idempotency_key": "nightly-1",
    }
    internal = receipt_create(user=None, **arguments)
    assert receipt_create(user=None, **arguments).pk == internal.pk
    users = receipt_create(user=staff, **arguments)
    assert users.pk != internal.pk
    assert sorted(IdempotencyRecord.objects.values_list("scope", flat=True)) == [
        "internal",
        f"user:{staff.pk}",
    ]


@pytest.mark.parametrize("bad", [0, -3, 1.5, "x", None, True])
def test_quantity_errors_name_the_line(site: Site, staff_api: Any, bad: Any) -> None:
    build_item("W-1")
    lines = [{"sku": "W-1", "qty": 1}, {"sku": "W-1", "qty": 1}, {"sku": "W-1", "qty": bad}]
    response = staff_api.post("/api/v1/receipts", receipt_body(lines=lines))
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [
        {"field": "lines[2].qty", "message": "must be a positive whole number"}
    ]
    assert body["detail"] == "lines[2].qty: must be a positive whole number"
    assert Receipt.objects.count() == 0


def test_bundle_line_is_422_on_its_field_with_every_other_bad_line(
    site: Site, staff_api: Any
) -> None:
    cup = build_item("CUP")
    build_bundle("KIT", [(cup, 2)])
    lines = [
        {"sku": "GHOST", "qty": 1},
        {"sku": "kit", "qty": 2},
        {"sku": "CUP", "qty": 1, "bin": "Z-99"},
    ]
    response = staff_api.post("/api/v1/issues", receipt_body(kind="other", lines=lines))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "lines[0].sku", "message": "Unknown SKU GHOST."},
        {
            "field": "lines[1].sku",
            "message": "Line 2: KIT is a bundle, which holds no stock: enter its components "
            "instead (per bundle: 2 × CUP).",
        },
        {"field": "lines[2].bin", "message": "Unknown bin Z-99 in warehouse MEL."},
    ]
    assert not StockMove.objects.exists()


def test_malformed_bodies_are_422_not_500(site: Site, staff_api: Any) -> None:
    build_item("W-1")
    assert staff_api.post("/api/v1/receipts", {"warehouse": "MEL"}).status_code == 422
    assert staff_api.post("/api/v1/receipts", receipt_body(lines="W-1")).status_code == 422
    assert (
        staff_api.post("/api/v1/receipts", receipt_body(lines=[{"sku": ["W-1"], "qty": 1}]))
    ).status_code == 422
    assert staff_api.post("/api/v1/receipts", receipt_body(lines=[])).status_code == 422
    assert staff_api.post("/api/v1/receipts", receipt_body(kind="gift")).status_code == 422
    assert staff_api.post("/api/v1/receipts", receipt_body(warehouse="NOPE")).status_code == 404
    assert staff_api.get("/api/v1/receipts", {"page": 0}).status_code == 422
    assert staff_api.get("/api/v1/receipts/99999999999999999999").status_code in (404, 422)
    assert Receipt.objects.count() == 0


def test_roles(site: Site, viewer_api: Any, api_client_for: Any) -> None:
    build_item("W-1")
    assert viewer_api.get("/api/v1/receipts").status_code == 200
    assert viewer_api.get("/api/v1/stock").status_code == 200
    assert viewer_api.post("/api/v1/receipts", receipt_body()).status_code == 403
    assert viewer_api.post("/api/v1/allocations/release", {"reference": "x"}).status_code == 403
    anonymous = api_client_for(None)
    assert anonymous.get("/api/v1/receipts").status_code == 401
    assert anonymous.post("/api/v1/receipts", receipt_body()).status_code == 401
    assert Receipt.objects.count() == 0


def test_issue_shortage_is_409_naming_sku(site: Site, staff_api: Any) -> None:
    build_item("W-1")
    staff_api.post("/api/v1/receipts", receipt_body())
    response = staff_api.post(
        "/api/v1/issues",
        {"warehouse": "MEL", "kind": "other", "lines": [{"sku": "W-1", "qty": 9}], "post": True},
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Not enough stock of W-1 in warehouse MEL: needed 9, available 7."
    )


def test_issue_records_picks(site: Site, staff_api: Any) -> None:
    build_item("W-1")
    staff_api.post("/api/v1/receipts", receipt_body())
    response = staff_api.post(
        "/api/v1/issues",
        {
            "warehouse": "MEL",
            "kind": "order_shipment",
            "lines": [{"sku": "W-1", "qty": 6}],
            "post": True,
        },
    )
    assert response.status_code == 201
    assert response.json()["lines"][0]["picks"] == [
        {"sku": "W-1", "bin": "S-01", "qty": 5},
        {"sku": "W-1", "bin": "RECEIVING", "qty": 1},
    ]


def test_transfer_between_warehouses_ship_and_receive(
    site: Site, other_site: Site, staff_api: Any
) -> None:
    widget = build_item("W-1")
    staff_api.post("/api/v1/receipts", receipt_body())
    created = staff_api.post(
        "/api/v1/transfers",
        {
            "warehouse": "MEL",
            "to_warehouse": "SYD",
            "lines": [{"sku": "W-1", "qty": 3, "from_bin": "S-01", "to_bin": "P-01"}],
            "post": True,
        },
    )
    assert created.status_code == 201
    assert created.json()["status"] == "shipped"
    received = staff_api.post(f"/api/v1/transfers/{created.json()['id']}/receive")
    assert received.status_code == 200
    assert received.json()["status"] == "posted"
    assert level(widget, other_site) == (3, 3, 0)
    assert_ledger_consistent()


def test_transfer_bundle_line_is_422_on_its_field_with_every_other_bad_line(
    site: Site, other_site: Site, staff_api: Any
) -> None:
    cup = build_item("CUP")
    build_bundle("KIT", [(cup, 2)])
    receive(site, "CUP", 10, "S-01")
    lines = [
        {"sku": "CUP", "qty": 1, "from_bin": "S-01", "to_bin": "Z-99"},
        {"sku": "kit", "qty": 2, "from_bin": "S-01", "to_bin": "P-01"},
    ]
    moves = StockMove.objects.count()
    response = staff_api.post(
        "/api/v1/transfers",
        {"warehouse": "MEL", "to_warehouse": "SYD", "lines": lines, "post": True},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "lines[0].to_bin", "message": "Unknown bin Z-99 in warehouse SYD."},
        {
            "field": "lines[1].sku",
            "message": "Line 2: KIT is a bundle, which holds no stock: enter its components "
            "instead (per bundle: 2 × CUP).",
        },
    ]
    assert Transfer.objects.count() == 0
    assert StockMove.objects.count() == moves


def test_stocktake_flow(site: Site, staff_api: Any) -> None:
    widget = build_item("W-1")
    staff_api.post("/api/v1/receipts", receipt_body())
    created = staff_api.post("/api/v1/stocktakes", {"warehouse": "MEL", "bins": ["S-01"]})
    assert created.status_code == 201
    stocktake_id = created.json()["id"]
    counted = staff_api.put(
        f"/api/v1/stocktakes/{stocktake_id}/counts",
        {"counts": [{"bin": "S-01", "sku": "W-1", "counted": 4}]},
    )
    assert counted.status_code == 200
    assert counted.json()["lines"][0]["difference"] == -1
    bad = staff_api.put(
        f"/api/v1/stocktakes/{stocktake_id}/counts",
        {"counts": [{"bin": "S-01", "sku": "W-1", "counted": -1}]},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "counts[0].counted"
    posted = staff_api.post(f"/api/v1/stocktakes/{stocktake_id}/post")
    assert posted.status_code == 200
    assert level(widget, site) == (6, 6, 0)


def test_stock_query_pages_with_constant_queries(
    site: Site, viewer_api: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(60):
        build_item(f"A-{n:03d}", reorder_point=3)
    cup = Item.objects.get(sku="A-000")
    build_bundle("KIT", [(cup, 2)])
    staff_lines = [{"sku": f"A-{n:03d}", "qty": n + 1} for n in range(60)]
    from kucun.inventory.services import DocumentLineInput, receipt_create

    receipt_create(
        user=None,
        warehouse="MEL",
        kind="purchase",
        lines=[DocumentLineInput(line["sku"], line["qty"]) for line in staff_lines],
        post=True,
    )
    viewer_api.get("/api/v1/stock")  # warm the token lookup path
    with django_assert_max_num_queries(12):
        response = viewer_api.get("/api/v1/stock", {"page_size": 50})
    body = response.json()
    assert body["count"] == 61
    assert len(body["items"]) == 50
    first = body["items"][0]
    assert (first["sku"], first["on_hand"], first["available"], first["low_stock"]) == (
        "A-000",
        1,
        1,
        True,
    )
    assert first["warehouses"] == [
        {"warehouse": "MEL", "on_hand": 1, "sellable_on_hand": 1, "allocated": 0, "available": 1}
    ]
    low = viewer_api.get("/api/v1/stock", {"low_stock": True}).json()
    assert [row["sku"] for row in low["items"]] == ["A-000", "A-001", "A-002"]
    bundles = viewer_api.get("/api/v1/stock", {"bundles": True}).json()
    assert [(row["sku"], row["available"]) for row in bundles["items"]] == [("KIT", 0)]
    by_available = viewer_api.get("/api/v1/stock", {"sort": "-available", "page_size": 1})
    assert by_available.json()["items"][0]["sku"] == "A-059"


def test_moves_filters(site: Site, staff_api: Any, viewer_api: Any) -> None:
    build_item("W-1")
    build_item("G-2")
    receipt = staff_api.post("/api/v1/receipts", receipt_body()).json()
    staff_api.post(
        "/api/v1/receipts",
        receipt_body(lines=[{"sku": "G-2", "qty": 1, "bin": "P-01"}], reference="PO-2"),
    )
    everything = viewer_api.get("/api/v1/moves").json()
    assert everything["count"] == 3
    by_sku = viewer_api.get("/api/v1/moves", {"sku": "w-1"}).json()
    assert {row["sku"] for row in by_sku["items"]} == {"W-1"}
    assert by_sku["count"] == 2
    by_bin = viewer_api.get("/api/v1/moves", {"bin": "P-01"}).json()
    assert [row["sku"] for row in by_bin["items"]] == ["G-2"]
    by_document = viewer_api.get("/api/v1/moves", {"document": receipt["number"]}).json()
    assert by_document["count"] == 2
    assert {row["document"] for row in by_document["items"]} == {receipt["number"]}
    by_user = viewer_api.get("/api/v1/moves", {"user": "sam"}).json()
    assert by_user["count"] == 3
    assert viewer_api.get("/api/v1/moves", {"user": "nobody"}).json()["count"] == 0
    assert viewer_api.get("/api/v1/moves", {"kind": "issue"}).json()["count"] == 0
    refused = viewer_api.get("/api/v1/moves", {"date_from": "2030-01-02", "date_to": "2030-01-01"})
    assert refused.status_code == 422
    assert viewer_api.get("/api/v1/moves", {"date_from": "not a date"}).status_code == 422


def test_allocate_and_release(site: Site, staff_api: Any) -> None:
    widget = build_item("W-1")
    staff_api.post("/api/v1/receipts", receipt_body())
    body = {"reference": "order:shop:1:1", "sku": "W-1", "warehouse": "MEL", "qty": 4}
    created = staff_api.post("/api/v1/allocations", body, **{"Idempotency-Key": "alloc-1"})
    assert created.status_code == 201
    assert created.json() == {
        "reference": "order:shop:1:1",
        "allocations": [{"sku": "W-1", "warehouse": "MEL", "qty": 4}],
    }
    replay = staff_api.post("/api/v1/allocations", body, **{"Idempotency-Key": "alloc-1"})
    assert (replay.status_code, replay.json()) == (201, created.json())
    assert level(widget, site) == (7, 7, 4)
    short = staff_api.post("/api/v1/allocations", {**body, "reference": "order:2", "qty": 4})
    assert short.status_code == 409
    assert "needed 4, available 3" in short.json()["detail"]
    bad = staff_api.post("/api/v1/allocations", {**body, "qty": "many"})
    assert bad.status_code == 422
    released = staff_api.post("/api/v1/allocations/release", {"reference": "order:shop:1:1"})
    assert released.json() == {"reference": "order:shop:1:1", "released": 4}
    assert level(widget, site) == (7, 7, 0)
    assert StockMove.objects.count() == 1
    assert BinStock.objects.filter(on_hand__lt=0).count() == 0


def test_document_and_move_lists_use_constant_queries(
    site: Site, staff_api: Any, viewer_api: Any, django_assert_max_num_queries: Any
) -> None:
    build_item("W-1")
    for n in range(12):
        staff_api.post("/api/v1/receipts", receipt_body(reference=f"PO-{n}"))
    viewer_api.get("/api/v1/receipts")  # warm the token lookup path
    with django_assert_max_num_queries(6):
        receipts = viewer_api.get("/api/v1/receipts", {"page_size": 10}).json()
    assert receipts["count"] == 12
    assert len(receipts["items"]) == 10
    assert receipts["items"][0]["reference"] == "PO-11"
    assert receipts["items"][0]["lines_count"] == 2
    assert receipts["items"][0]["lines"] is None
    with django_assert_max_num_queries(6):
        moves = viewer_api.get("/api/v1/moves", {"page_size": 20}).json()
    assert moves["count"] == 24
    assert len(moves["items"]) == 20
    found = viewer_api.get("/api/v1/receipts", {"q": "PO-3"}).json()
    assert [row["reference"] for row in found["items"]] == ["PO-3"]
    by_number = viewer_api.get("/api/v1/receipts", {"q": receipts["items"][0]["number"]}).json()
    assert [row["reference"] for row in by_number["items"]] == ["PO-11"]


WRITES = [
    ("post", "/api/v1/receipts"),
    ("post", "/api/v1/receipts/1/post"),
    ("post", "/api/v1/receipts/1/reverse"),
    ("post", "/api/v1/issues"),
    ("post", "/api/v1/issues/1/post"),
    ("post", "/api/v1/issues/1/reverse"),
    ("post", "/api/v1/transfers"),
    ("post", "/api/v1/transfers/1/post"),
    ("post", "/api/v1/transfers/1/receive"),
    ("post", "/api/v1/transfers/1/reverse"),
    ("post", "/api/v1/stocktakes"),
    ("put", "/api/v1/stocktakes/1/counts"),
    ("post", "/api/v1/stocktakes/1/post"),
    ("post", "/api/v1/stocktakes/1/reverse"),
    ("post", "/api/v1/allocations"),
    ("post", "/api/v1/allocations/release"),
]
BODIES = {
    "/api/v1/receipts": {"warehouse": "MEL", "lines": [{"sku": "W-1", "qty": 1}]},
    "/api/v1/issues": {"warehouse": "MEL", "lines": [{"sku": "W-1", "qty": 1}]},
    "/api/v1/transfers": {
        "warehouse": "MEL",
        "lines": [{"sku": "W-1", "qty": 1, "from_bin": "S-01", "to_bin": "P-01"}],
    },
    "/api/v1/stocktakes": {"warehouse": "MEL"},
    "/api/v1/stocktakes/1/counts": {"counts": [{"bin": "S-01", "sku": "W-1", "counted": 1}]},
    "/api/v1/allocations": {"reference": "r", "sku": "W-1", "warehouse": "MEL", "qty": 1},
    "/api/v1/allocations/release": {"reference": "r"},
}


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_writes_need_staff_and_a_login(
    site: Site, viewer_api: Any, api_client_for: Any, method: str, path: str
) -> None:
    build_item("W-1")
    body = BODIES.get(path, {})
    assert getattr(viewer_api, method)(path, body).status_code == 403
    assert getattr(api_client_for(None), method)(path, body).status_code == 401
    assert StockMove.objects.count() == 0
    assert Receipt.objects.count() == 0


def test_transfer_and_stocktake_reversal_through_the_api(site: Site, staff_api: Any) -> None:
    widget = build_item("W-1")
    staff_api.post("/api/v1/receipts", receipt_body())
    transfer = staff_api.post(
        "/api/v1/transfers",
        {
            "warehouse": "MEL",
            "lines": [{"sku": "W-1", "qty": 2, "from_bin": "S-01", "to_bin": "Q-01"}],
            "post": True,
        },
    ).json()
    assert transfer["status"] == "posted"
    assert level(widget, site) == (7, 5, 0)
    reversed_transfer = staff_api.post(f"/api/v1/transfers/{transfer['id']}/reverse").json()
    assert reversed_transfer["status"] == "reversed"
    assert level(widget, site) == (7, 7, 0)
    stocktake = staff_api.post("/api/v1/stocktakes", {"warehouse": "MEL", "skus": ["W-1"]}).json()
    assert {line["bin"] for line in stocktake["lines"]} == {"S-01", "RECEIVING"}
    staff_api.put(
        f"/api/v1/stocktakes/{stocktake['id']}/counts",
        {"counts": [{"bin": "RECEIVING", "sku": "W-1", "counted": 0}]},
    )
    staff_api.post(f"/api/v1/stocktakes/{stocktake['id']}/post")
    assert level(widget, site) == (5, 5, 0)
    undone = staff_api.post(f"/api/v1/stocktakes/{stocktake['id']}/reverse")
    assert undone.status_code == 200
    assert undone.json()["status"] == "reversed"
    assert level(widget, site) == (7, 7, 0)
    listed = staff_api.get("/api/v1/stocktakes", {"status": "reversed"}).json()
    assert [row["id"] for row in listed["items"]] == [stocktake["id"]]
    assert_ledger_consistent()


def test_the_api_gives_the_stock_value_per_warehouse(site: Site, viewer_api: Any) -> None:
    from decimal import Decimal

    build_item("TEA", cost_price=Decimal("2.50"))
    receive(site, "TEA", 3, "P-01")
    response = viewer_api.get("/api/v1/stock/value")
    assert response.status_code == 200
    assert response.json() == [
        {"warehouse": "MEL", "name": "Warehouse MEL", "units": 3, "value": "7.50"}
    ]


def test_receipt_created_and_posted_in_one_call_is_a_few_plain_statements(
    site: Site, staff_api: Any
) -> None:
    """The API's usual receipt: created and posted in one call, one line without a bin. The
    token and its user in one statement; the warehouse, the item; the receiving bin and the
    supplier location in one statement (on PostgreSQL share-locking them); the receipt with its
    line (one statement on PostgreSQL) and its audit row; the level, then the move (one
    statement on PostgreSQL, which also marks the receipt posted, adds to the bin and records
    the availability change: five on SQLite). The answer is built from what was written: the
    receipt is not read back. Plus the savepoint and its release around the service here
    (outside a test the service's own transaction, and on PostgreSQL the connection's health
    check at the request's start)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    widget = build_item("W-1")
    build_item("FIRST")
    # The first posting creates the supplier location; measured are the ones after it.
    receive(site, "FIRST", 1)
    # The token's first use of the minute records it (one more statement); not measured here.
    assert staff_api.get("/api/v1/me").status_code == 200
    body = {"warehouse": "MEL", "lines": [{"sku": "W-1", "qty": 2}], "post": True}
    for _ in range(2):  # the first creates the level, the second adds to it
        with CaptureQueriesContext(connection) as queries:
            response = staff_api.post("/api/v1/receipts", body)
        assert response.status_code == 201, response.json()
        statements = [query["sql"] for query in queries.captured_queries]
        assert len(statements) == (10 if connection.vendor == "postgresql" else 15), statements
    assert level(widget, site) == (4, 4, 0)
    assert_ledger_consistent()


def test_a_receipt_created_in_one_call_answers_as_it_reads_back(site: Site, staff_api: Any) -> None:
    """The answer to the create is built from what the call wrote; it is the receipt as any
    later read shows it (lines in order, their bins as named in any case, the default
    receiving bin)."""
    build_item("W-1")
    build_item("G-2")
    lines = [
        {"sku": "w-1", "qty": 5, "bin": "s-01"},
        {"sku": "G-2", "qty": 1},
        {"sku": "W-1", "qty": 3, "bin": "P-01"},
    ]
    for post in (True, False):
        created = staff_api.post(
            "/api/v1/receipts", receipt_body(lines=lines, post=post, note="dock 3")
        )
        assert created.status_code == 201, created.json()
        read = staff_api.get(f"/api/v1/receipts/{created.json()['id']}")
        assert created.json() == read.json()
        assert [line["bin"] for line in read.json()["lines"]] == ["S-01", "RECEIVING", "P-01"]
        assert read.json()["lines_count"] == 3
        assert read.json()["status"] == ("posted" if post else "draft")
