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
from kucun.orders.models import Order, OrderDownload, OrderShipment
from kucun.shipping.choices import RuleAction
from kucun.shipping.models import CarrierAccount
from tests.conftest import ApiClient
from tests.factories import BundleComponentFactory, ItemFactory, UserFactory, WarehouseFactory
from tests.inventory.conftest import Site
from tests.orders.console_support import (
    carrier_account,
    event,
    hold,
    make_order,
    make_store,
    ship,
    stock,
)
from tests.orders.fixtures_confirm import (  # noqa: F401  (fixtures)
    Goods,
    Shop,
    bin_quantity,
    depot,
    goods,
    level,
    order_place,
    rule_for,
    shop,
)
from tests.permissions import ALL_ROLES, assert_role_matrix

pytestmark = pytest.mark.django_db
# A confirm (or retry) runs as the order's job once its mark commits; the test queue runs it
# then and there, so these tests commit for real.
committed = pytest.mark.django_db(transaction=True)
Factory = Callable[..., Any]


def test_the_list_is_filtered_paged_and_counts_each_tab(viewer_api: ApiClient) -> None:
    warehouse = WarehouseFactory(code="MEL")
    webshop, market = make_store("Shop"), make_store("Market")
    for index in range(3):
        make_order(webshop, f"S-{index}", warehouse=warehouse)
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
    webshop, market = make_store("Shop"), make_store("Market")
    OrderDownload.objects.create(store=webshop, trigger="schedule", status="succeeded", new_count=3)
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


# --- writes -------------------------------------------------------------------------------------
# Orders of the in-memory store confirmed by a local-delivery rule: no carrier to call.


@committed
def test_an_order_is_confirmed_once_per_idempotency_key(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_api: ApiClient,
) -> None:
    rule_for(RuleAction.LOCAL_DELIVERY, "Around the corner")
    order = order_place(shop, depot, [(goods.tea, 2)])
    url = f"/api/v1/orders/{order.pk}/confirm"

    first = staff_api.post(url, {}, **{"Idempotency-Key": "confirm-1"})
    again = staff_api.post(url, {}, **{"Idempotency-Key": "confirm-1"})
    other = staff_api.post(url, {"service_code": "X"}, **{"Idempotency-Key": "confirm-1"})

    assert first.status_code == 200
    assert first.json()["status"] == "shipped"
    assert first.json()["carrier_choice"] == {
        "method": "local_delivery",
        "rule": "Around the corner",
        "carrier_account": None,
        "service_code": "",
    }
    assert [line["quantity_shipped"] for line in first.json()["lines"]] == [2]
    assert again.status_code == 200
    assert again.json()["status"] == "shipped"
    assert len(shop.fulfilments()) == 1
    assert other.status_code == 409
    assert other.json()["errors"][0]["field"] == "idempotency_key"


def test_a_refused_confirm_names_why_and_changes_nothing(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_api: ApiClient,
    viewer_api: ApiClient,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 1)])
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.AWAITING_STOCK)

    refused = staff_api.post(f"/api/v1/orders/{order.pk}/confirm")
    viewer = viewer_api.post(f"/api/v1/orders/{order.pk}/confirm")
    unknown_account = staff_api.post(
        f"/api/v1/orders/{order.pk}/confirm", {"carrier_account": 999999}
    )

    assert refused.status_code == 409
    assert "only an order to confirm is confirmed" in refused.json()["detail"]
    assert viewer.status_code == 403
    assert unknown_account.status_code == 422
    assert unknown_account.json()["errors"][0]["field"] == "carrier_account"
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_STOCK
    assert not order.events.exists()


def test_bulk_confirm_queues_each_order_and_answers_where_each_stands(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_api: ApiClient,
) -> None:
    first = order_place(shop, depot, [(goods.tea, 1)])
    waiting = order_place(shop, depot, [(goods.cup, 1)])
    Order.objects.filter(pk=waiting.pk).update(status=OrderStatus.AWAITING_STOCK)

    response = staff_api.post(
        "/api/v1/orders/confirm", {"ids": [waiting.pk, first.pk]}, **{"Idempotency-Key": "b-1"}
    )
    replay = staff_api.post(
        "/api/v1/orders/confirm", {"ids": [first.pk, waiting.pk]}, **{"Idempotency-Key": "b-1"}
    )
    unknown = staff_api.post("/api/v1/orders/confirm", {"ids": [first.pk, 999999]})
    empty = staff_api.post("/api/v1/orders/confirm", {"ids": []})

    assert response.status_code == 202
    body = response.json()
    assert body["queued"] == 1
    assert [(row["id"], row["status"]) for row in body["orders"]] == [
        (first.pk, "confirming"),
        (waiting.pk, "awaiting_stock"),
    ]
    assert replay.json()["queued"] == 1
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0] == {"field": "ids", "message": "No order has id 999999."}
    assert empty.status_code == 422


@committed
def test_a_stopped_confirm_is_retried_from_its_step(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_api: ApiClient,
) -> None:
    rule_for(RuleAction.LOCAL_DELIVERY, "Around the corner")
    order = order_place(shop, depot, [(goods.tea, 1)])
    shop.platform.fail_next_fulfilments = 1

    stopped = staff_api.post(f"/api/v1/orders/{order.pk}/confirm").json()
    retried = staff_api.post(f"/api/v1/orders/{order.pk}/retry").json()
    nothing_to_retry = staff_api.post(f"/api/v1/orders/{order.pk}/retry")

    assert stopped["confirm_step"] == "fulfilment"
    assert stopped["confirm_error"]
    assert (retried["status"], retried["confirm_error"]) == ("shipped", "")
    assert len(shop.fulfilments()) == 1
    assert nothing_to_retry.status_code == 409


def test_an_order_is_cancelled_with_its_reason(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_api: ApiClient,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 2)])

    response = staff_api.post(f"/api/v1/orders/{order.pk}/cancel", {"reason": "duplicate"})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["lines"][0]["allocations"] == []
    assert "duplicate" in body["events"][-1]["message"]
    assert level(goods.tea, depot).allocated == 0


def test_the_carrier_is_chosen_by_patch_and_a_wrong_account_is_named(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_api: ApiClient,
) -> None:
    account = CarrierAccount.objects.create(
        name="AusPost MEL", carrier="auspost", sender_warehouse=depot.warehouse
    )
    order = order_place(shop, depot, [(goods.tea, 1)])
    url = f"/api/v1/orders/{order.pk}"

    chosen = staff_api.patch(url, {"carrier_account": account.pk, "service_code": "T28"})
    wrong = staff_api.patch(url, {"carrier_account": 999999})
    cleared = staff_api.patch(url, {"carrier_account": None})

    assert chosen.status_code == 200
    assert chosen.json()["carrier_account"]["name"] == "AusPost MEL"
    assert chosen.json()["service_code"] == "T28"
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "carrier_account"
    assert cleared.json()["carrier_account"] is None


@committed
def test_lines_of_a_shipped_order_are_reshipped_and_bad_lines_are_named(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_api: ApiClient,
) -> None:
    rule_for(RuleAction.LOCAL_DELIVERY, "Around the corner")
    order = order_place(shop, depot, [(goods.tea, 2)])
    staff_api.post(f"/api/v1/orders/{order.pk}/confirm")
    (line,) = order.lines.all()
    other = order_place(shop, depot, [(goods.cup, 1)]).lines.get()
    url = f"/api/v1/orders/{order.pk}/reship"

    refused = staff_api.post(
        url, {"lines": [{"line": line.pk, "quantity": 3}, {"line": other.pk, "quantity": 1}]}
    )
    made = staff_api.post(url, {"lines": [{"line": line.pk, "quantity": 1}]})

    assert refused.status_code == 422
    assert {error["field"] for error in refused.json()["errors"]} == {
        "lines[0].quantity",
        "lines[1].line",
    }
    assert made.status_code == 201
    assert made.json()["reship"] is True
    assert made.json()["lines"] == [{"line": line.pk, "quantity": 1}]
    assert OrderShipment.objects.filter(order=order, reship=True).count() == 1


def test_a_stores_orders_are_downloaded_now_by_staff_only(
    shop: Shop,  # noqa: F811
    staff_api: ApiClient,
    viewer_api: ApiClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    shop.platform.add("TEA", quantity=5)
    shop.platform.place_order([("mem-1", 1)])
    url = f"/api/v1/stores/{shop.store.pk}/order-downloads"

    refused = viewer_api.post(url)
    with django_capture_on_commit_callbacks(execute=True):
        queued = staff_api.post(url)
    unknown = staff_api.post("/api/v1/stores/999999/order-downloads")

    assert refused.status_code == 403
    assert queued.status_code == 202
    assert queued.json() == {"store_id": shop.store.pk, "queued": True}
    (run,) = staff_api.get("/api/v1/order-downloads").json()["items"]
    assert (run["store_id"], run["trigger"], run["new_count"]) == (shop.store.pk, "manual", 1)
    assert unknown.status_code == 404


@committed
def test_lines_come_back_into_a_bin_and_an_unknown_bin_is_named(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_api: ApiClient,
) -> None:
    rule_for(RuleAction.LOCAL_DELIVERY, "Around the corner")
    order = order_place(shop, depot, [(goods.tea, 2)])
    staff_api.post(f"/api/v1/orders/{order.pk}/confirm")
    (line,) = order.lines.all()
    url = f"/api/v1/orders/{order.pk}/return"

    unknown = staff_api.post(url, {"lines": [{"line": line.pk, "quantity": 1}], "bin": "Z-99"})
    too_many = staff_api.post(url, {"lines": [{"line": line.pk, "quantity": 3}], "bin": "S-02"})
    taken = staff_api.post(url, {"lines": [{"line": line.pk, "quantity": 1}], "bin": "s-02"})

    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "bin"
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "lines[0].quantity"
    assert taken.status_code == 201
    assert taken.json()["receipt_number"].startswith("RC-")
    assert taken.json()["order"]["events"][-1]["kind"] == "returned"
    assert bin_quantity(goods.tea, depot, "S-02") == 1
