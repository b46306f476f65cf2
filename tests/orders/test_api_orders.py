"""/api/v1/orders and /order-downloads: filtered and paged as the console's list, one order
with its lines, allocations, timeline and shipments, the payload for owners only, and who may
do what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kucun.orders.choices import OrderStatus
from kucun.orders.models import OrderDownload
from tests.conftest import ApiClient
from tests.factories import BundleComponentFactory, ItemFactory, UserFactory, WarehouseFactory
from tests.orders.console_support import (
    carrier_account,
    event,
    hold,
    make_order,
    make_store,
    ship,
    stock,
)
from tests.permissions import ALL_ROLES, assert_role_matrix

pytestmark = pytest.mark.django_db
Factory = Callable[..., Any]


def test_the_list_is_filtered_paged_and_counts_each_tab(viewer_api: ApiClient) -> None:
    warehouse = WarehouseFactory(code="MEL")
    shop, market = make_store("Shop"), make_store("Market")
    for index in range(3):
        make_order(shop, f"S-{index}", warehouse=warehouse)
    shipped = make_order(market, "M-1", [("MUG", 2)], status=OrderStatus.SHIPPED)
    ship(shipped, carrier_account(warehouse), "ABC000128B4C5")
    make_order(market, "M-2", status=OrderStatus.CONFIRMING)

    everything = viewer_api.get("/api/v1/orders", {"page_size": 2}).json()
    by_store = viewer_api.get("/api/v1/orders", {"store": market.pk}).json()
    confirmed = viewer_api.get("/api/v1/orders", {"tab": "confirmed"}).json()
    tracked = viewer_api.get("/api/v1/orders", {"search": "ABC000128B4C5"}).json()

    assert everything["count"] == 5
    assert len(everything["items"]) == 2
    assert everything["tabs"]["to_confirm"] == 3
    assert [row["number"] for row in by_store["items"]] == ["M-2", "M-1"]
    assert by_store["tabs"] == {
        "to_confirm": 0,
        "awaiting_stock": 0,
        "needs_attention": 0,
        "confirmed": 1,
        "shipped": 1,
        "cancelled": 0,
        "all": 2,
    }
    assert [row["number"] for row in confirmed["items"]] == ["M-2"]
    (row,) = tracked["items"]
    assert (row["number"], row["units"], row["tracking_numbers"]) == ("M-1", 2, ["ABC000128B4C5"])
    assert row["store"] == {"id": market.pk, "name": "Market", "platform": "shopify"}
    assert row["ship_to"]["postcode"] == "2000"


def test_bad_filters_are_refused_naming_the_field(viewer_api: ApiClient) -> None:
    tab = viewer_api.get("/api/v1/orders", {"tab": "lost"})
    day = viewer_api.get("/api/v1/orders", {"date_from": "yesterday"})

    assert tab.status_code == 422
    assert tab.json()["errors"][0]["field"] == "tab"
    assert day.status_code == 422
    assert day.json()["errors"][0]["field"] == "date_from"


def test_a_page_of_the_list_costs_a_fixed_number_of_queries(viewer_api: ApiClient) -> None:
    warehouse = WarehouseFactory(code="MEL")
    account = carrier_account(warehouse)
    store = make_store()
    ship(make_order(store, "1"), account, "T-1")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert viewer_api.get("/api/v1/orders").status_code == 200
        return len(captured)

    queries()  # the token's first use is recorded once
    few = queries()
    for index in range(2, 10):
        order = make_order(store, str(index), [("TEA", 1), ("MUG", 1)], warehouse=warehouse)
        ship(order, account, f"T-{index}")
    assert queries() == few


def test_an_order_comes_with_lines_allocations_events_and_shipments(
    viewer_api: ApiClient, owner_api: ApiClient
) -> None:
    warehouse = WarehouseFactory(code="MEL")
    gift = ItemFactory(sku="GIFT", is_bundle=True)
    BundleComponentFactory(
        bundle=gift, component=ItemFactory(sku="TEA", name="Green tea"), quantity=2
    )
    stock(warehouse, "TEA", 10)
    order = make_order(make_store(), "1050", [("GIFT", 2)], raw={"id": "gid-1050"})
    hold(order, warehouse)
    event(order, "allocated", "MEL holds every line", actor=UserFactory(username="sam"))
    ship(order, carrier_account(warehouse), "TRACK-1050")

    body = viewer_api.get(f"/api/v1/orders/{order.pk}").json()
    owner_body = owner_api.get(f"/api/v1/orders/{order.pk}").json()

    (line,) = body["lines"]
    assert line["components"] == [{"sku": "TEA", "name": "Green tea", "per_unit": 2, "quantity": 4}]
    assert line["allocations"] == [{"warehouse": "MEL", "sku": "TEA", "quantity": 4}]
    assert line["allocated"] == 2
    assert line["reference"] == f"{order.reference_prefix}:1050-1"
    assert body["warehouse"]["code"] == "MEL"
    assert body["routing_note"] == "MEL holds every line"
    assert [(e["kind"], e["actor"], e["message"]) for e in body["events"]] == [
        ("allocated", "sam", "MEL holds every line")
    ]
    (shipment,) = body["shipments"]
    assert shipment["tracking_numbers"] == ["TRACK-1050"]
    assert shipment["method"] == "carrier"
    assert body["tracking_numbers"] == ["TRACK-1050"]
    assert body["raw"] is None
    assert owner_body["raw"] == {"id": "gid-1050"}


def test_an_unknown_order_is_a_404_naming_it(viewer_api: ApiClient) -> None:
    response = viewer_api.get("/api/v1/orders/424242")

    assert response.status_code == 404
    assert response.json()["detail"] == "No order has id 424242."


def test_download_runs_are_listed_newest_first_and_filtered(viewer_api: ApiClient) -> None:
    shop, market = make_store("Shop"), make_store("Market")
    OrderDownload.objects.create(store=shop, trigger="schedule", status="succeeded", new_count=3)
    OrderDownload.objects.create(store=market, trigger="manual", status="failed", error="401")

    everything = viewer_api.get("/api/v1/order-downloads").json()
    failed = viewer_api.get("/api/v1/order-downloads", {"status": "failed"}).json()

    assert [(run["store_name"], run["new_count"]) for run in everything["items"]] == [
        ("Market", 0),
        ("Shop", 3),
    ]
    assert [run["error"] for run in failed["items"]] == ["401"]


def test_every_role_reads_orders(api_client_for: Factory, user_for_role: Factory) -> None:
    order = make_order(make_store(), "1001")
    for path in ("/api/v1/orders", f"/api/v1/orders/{order.pk}", "/api/v1/order-downloads"):
        assert_role_matrix(
            api_client_for, user_for_role, "GET", path, allowed_roles=ALL_ROLES, allowed_status=200
        )
