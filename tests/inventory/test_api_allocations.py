"""/api/v1/allocations: list by reference or prefix, allocate a whole order, release and
consume by quantity; roles, idempotency keys and query counts."""

from __future__ import annotations

from typing import Any

import pytest

from kucun.inventory.models import Allocation, Issue, StockMove
from tests.inventory.conftest import Site, build_bundle, build_item, receive
from tests.inventory.ledger_checks import assert_ledger_consistent
from tests.inventory.test_api import level


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lines": [
            {"reference": "order:shop1:1001:1", "sku": "KIT", "qty": 2},
            {"reference": "order:shop1:1001:2", "sku": "W-1", "qty": 1},
        ],
        "warehouses": ["SYD", "MEL"],
    }
    body.update(overrides)
    return body


@pytest.fixture
def stocked(site: Site, other_site: Site) -> None:
    widget = build_item("W-1")
    gadget = build_item("G-1")
    build_bundle("KIT", [(widget, 2), (gadget, 1)])
    receive(site, "W-1", 10, "S-01")
    receive(site, "G-1", 10, "S-01")
    receive(other_site, "W-1", 1, "S-01")


def test_a_whole_order_is_allocated_and_listed_by_prefix(
    stocked: None, site: Site, staff_api: Any, viewer_api: Any
) -> None:
    created = staff_api.post(
        "/api/v1/allocations/orders", order_body(), **{"Idempotency-Key": "order-1001"}
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["warehouse"] == "MEL"
    assert [
        (row["reference"], row["sku"], row["line_sku"], row["line_qty"], row["qty"])
        for row in body["allocations"]
    ] == [
        ("order:shop1:1001:1", "G-1", "KIT", 2, 2),
        ("order:shop1:1001:1", "W-1", "KIT", 2, 4),
        ("order:shop1:1001:2", "W-1", "W-1", 1, 1),
    ]
    replay = staff_api.post(
        "/api/v1/allocations/orders", order_body(), **{"Idempotency-Key": "order-1001"}
    )
    assert (replay.status_code, replay.json()) == (201, body)
    listed = viewer_api.get("/api/v1/allocations", {"reference_prefix": "order:shop1:1001:"})
    assert listed.status_code == 200
    assert listed.json()["count"] == 3
    assert listed.json()["items"] == body["allocations"]
    one = viewer_api.get("/api/v1/allocations", {"reference": "order:shop1:1001:2"}).json()
    assert [row["id"] for row in one["items"]] == [body["allocations"][2]["id"]]
    assert viewer_api.get("/api/v1/allocations", {"warehouse": "SYD"}).json()["count"] == 0


def test_an_order_no_warehouse_can_fill_is_a_409_naming_each(stocked: None, staff_api: Any) -> None:
    refused = staff_api.post(
        "/api/v1/allocations/orders",
        order_body(lines=[{"reference": "order:s:1:1", "sku": "W-1", "qty": 11}]),
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "Not enough stock of W-1 in warehouse SYD: needed 11, available 1. "
        "Not enough stock of W-1 in warehouse MEL: needed 11, available 10."
    )
    bad = staff_api.post(
        "/api/v1/allocations/orders",
        order_body(lines=[{"reference": "order:s:1:1", "sku": "W-1", "qty": "many"}]),
    )
    assert bad.status_code == 422
    assert Allocation.objects.count() == 0


def test_release_and_consume_by_quantity(stocked: None, site: Site, staff_api: Any) -> None:
    from kucun.catalog.models import Item

    widget = Item.objects.get(sku="W-1")
    staff_api.post("/api/v1/allocations/orders", order_body())
    released = staff_api.post(
        "/api/v1/allocations/release", {"reference": "order:shop1:1001:1", "qty": 1}
    )
    assert released.json() == {"reference": "order:shop1:1001:1", "released": 1}
    assert level(widget, site) == (10, 10, 3)
    shipped = staff_api.post(
        "/api/v1/allocations/consume",
        {"reference": "order:shop1:1001:1", "qty": 1},
        **{"Idempotency-Key": "ship-1"},
    )
    assert shipped.status_code == 201, shipped.json()
    assert (shipped.json()["kind"], shipped.json()["status"]) == ("order_shipment", "posted")
    again = staff_api.post(
        "/api/v1/allocations/consume",
        {"reference": "order:shop1:1001:1", "qty": 1},
        **{"Idempotency-Key": "ship-1"},
    )
    assert again.json()["id"] == shipped.json()["id"]
    assert Issue.objects.count() == 1
    assert level(widget, site) == (8, 8, 1)
    too_many = staff_api.post(
        "/api/v1/allocations/consume", {"reference": "order:shop1:1001:2", "qty": 2}
    )
    assert too_many.status_code == 409
    unknown = staff_api.post("/api/v1/allocations/consume", {"reference": "nope", "qty": 1})
    assert unknown.status_code == 404
    assert StockMove.objects.filter(kind="issue").count() == 1
    assert_ledger_consistent()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/allocations/orders", order_body()),
        ("/api/v1/allocations/consume", {"reference": "order:shop1:1001:1", "qty": 1}),
    ],
)
def test_allocation_writes_need_staff(
    stocked: None, viewer_api: Any, api_client_for: Any, path: str, body: dict[str, Any]
) -> None:
    assert viewer_api.post(path, body).status_code == 403
    assert api_client_for(None).post(path, body).status_code == 401
    assert api_client_for(None).get("/api/v1/allocations").status_code == 401
    assert Allocation.objects.count() == 0


def test_listing_allocations_is_a_fixed_number_of_queries(
    stocked: None, staff_api: Any, viewer_api: Any, django_assert_max_num_queries: Any
) -> None:
    staff_api.post("/api/v1/allocations/orders", order_body())
    with django_assert_max_num_queries(5):
        page = viewer_api.get("/api/v1/allocations", {"reference_prefix": "order:"})
    assert page.json()["count"] == 3


def test_an_order_shipment_posted_through_post_issues_consumes_its_lines_allocations(
    stocked: None, site: Site, staff_api: Any
) -> None:
    allocated = staff_api.post(
        "/api/v1/allocations/orders",
        {
            "lines": [{"reference": "order:shop1:2001:1", "sku": "W-1", "qty": 3}],
            "warehouse": "MEL",
        },
    )
    assert allocated.status_code == 201, allocated.content
    issued = staff_api.post(
        "/api/v1/issues",
        {
            "warehouse": "MEL",
            "kind": "order_shipment",
            "lines": [{"sku": "W-1", "qty": 2, "allocation_reference": "order:shop1:2001:1"}],
            "post": True,
        },
    )
    assert issued.status_code == 201, issued.content
    # Two of the three allocated units shipped: one stays allocated under the reference.
    assert list(
        Allocation.objects.filter(reference="order:shop1:2001:1").values_list("qty", flat=True)
    ) == [1]
    refused = staff_api.post(
        "/api/v1/issues",
        {
            "warehouse": "MEL",
            "kind": "other",
            "lines": [{"sku": "W-1", "qty": 1, "allocation_reference": "order:shop1:2001:1"}],
            "post": True,
        },
    )
    assert refused.status_code == 422
    assert "lines[0].allocation_reference" in refused.content.decode()
    assert_ledger_consistent()
