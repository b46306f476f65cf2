"""The console's and API's reads of orders: tabs and their counts, every filter and search,
one order's lines with bundles expanded and what each holds where, and the downloads."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kucun.core.errors import NotFound
from kucun.orders.choices import OrderStatus
from kucun.orders.models import OrderDownload
from kucun.orders.selectors_console import (
    OrderFilters,
    order_by_number,
    order_detail,
    order_downloads_query,
    order_status_counts,
    order_tab_counts,
    order_tracking_numbers,
    orders_query,
)
from tests.factories import BundleComponentFactory, ItemFactory, WarehouseFactory
from tests.orders.console_support import (
    carrier_account,
    event,
    hold,
    make_order,
    make_store,
    ship,
    stock,
)

pytestmark = pytest.mark.django_db


def numbers(rows: object) -> list[str]:
    return [order.number for order in rows]  # type: ignore[attr-defined]


def test_each_tab_holds_its_statuses_and_confirming_counts_as_confirmed() -> None:
    store = make_store()
    for number, status in [
        ("1001", OrderStatus.TO_CONFIRM),
        ("1002", OrderStatus.TO_CONFIRM),
        ("1003", OrderStatus.AWAITING_STOCK),
        ("1004", OrderStatus.NEEDS_ATTENTION),
        ("1005", OrderStatus.CONFIRMING),
        ("1006", OrderStatus.CONFIRMED),
        ("1007", OrderStatus.SHIPPED),
        ("1008", OrderStatus.CANCELLED),
    ]:
        make_order(store, number, status=status)

    counts = order_tab_counts()

    assert counts == {
        "to_confirm": 2,
        "awaiting_stock": 1,
        "needs_attention": 1,
        "confirmed": 2,
        "shipped": 1,
        "cancelled": 1,
        "all": 8,
    }
    assert sorted(numbers(orders_query(tab="confirmed"))) == ["1005", "1006"]
    assert numbers(orders_query(status=OrderStatus.CONFIRMING)) == ["1005"]
    assert order_status_counts()["confirming"] == 1
    assert order_status_counts()["to_confirm"] == 2


def test_filters_narrow_the_list_and_the_counts_alike() -> None:
    melbourne, sydney = WarehouseFactory(code="MEL"), WarehouseFactory(code="SYD")
    shop, market = make_store("Shop"), make_store("Market", platform="ebay")
    account, other = carrier_account(melbourne), carrier_account(sydney, "Fastway SYD")
    day = datetime.datetime(2026, 11, 20, 2, 0, tzinfo=datetime.UTC)
    make_order(shop, "S-1", placed_at=day, warehouse=melbourne)
    make_order(shop, "S-2", placed_at=day + datetime.timedelta(days=2), warehouse=sydney)
    chosen = make_order(market, "M-1", placed_at=day, carrier_account=other, service_code="X")
    shipped = make_order(market, "M-2", placed_at=day, status=OrderStatus.SHIPPED)
    ship(shipped, account, "TRACK0001")

    assert numbers(orders_query(OrderFilters(store=shop.pk))) == ["S-2", "S-1"]
    assert numbers(orders_query(OrderFilters(warehouse=sydney.pk))) == ["S-2"]
    assert numbers(orders_query(OrderFilters(carrier_account=other.pk))) == [chosen.number]
    assert numbers(orders_query(OrderFilters(carrier_account=account.pk))) == ["M-2"]
    # Both ends of the range are whole days, included.
    one_day = OrderFilters(date_from=day.date(), date_to=day.date())
    assert sorted(numbers(orders_query(one_day))) == ["M-1", "M-2", "S-1"]
    assert numbers(orders_query(OrderFilters(date_from=day.date() + datetime.timedelta(1)))) == [
        "S-2"
    ]
    counts = order_tab_counts(OrderFilters(store=market.pk))
    assert (counts["all"], counts["to_confirm"], counts["shipped"]) == (2, 1, 1)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("1042", ["1042"]),
        ("grace", ["1043"]),
        ("GRACE@navy", ["1043"]),
        ("mug-blue", ["1043"]),
        ("ABC000128", []),  # a tracking number matches whole, not in part
        ("ABC000128B4C5", ["1042"]),
        ("nobody", []),
    ],
)
def test_search_finds_number_customer_email_sku_and_tracking(text: str, found: list[str]) -> None:
    warehouse = WarehouseFactory(code="MEL")
    store = make_store()
    first = make_order(store, "1042", [("TEA", 1)])
    make_order(
        store,
        "1043",
        [("TEA", 1), ("MUG-BLUE", 2)],
        customer_name="Grace Hopper",
        customer_email="grace@navy.example",
        ship_name="Grace Hopper",
    )
    ship(first, carrier_account(warehouse), "ABC000128B4C5")

    assert numbers(orders_query(OrderFilters(search=text))) == found


def test_a_page_of_orders_costs_the_same_queries_however_many_lines_and_shipments() -> None:
    warehouse = WarehouseFactory(code="MEL")
    account = carrier_account(warehouse)
    store = make_store()
    order = make_order(store, "1", [("TEA", 1), ("MUG", 2)])
    ship(order, account, "T-1")

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            rows = list(orders_query()[:50])
            for row in rows:
                order_tracking_numbers(row)
                list(row.lines.all())
        return len(captured)

    few = page_queries()
    for index in range(2, 8):
        more = make_order(store, str(index), [("TEA", 1), ("MUG", 3), ("JAM", 1)])
        ship(more, account, f"T-{index}")
    assert page_queries() == few
    assert orders_query().get(number="2").units == 5


def test_an_orders_page_shows_bundles_expanded_and_what_each_line_holds_where() -> None:
    warehouse = WarehouseFactory(code="MEL", name="Melbourne")
    tea, mug = ItemFactory(sku="TEA"), ItemFactory(sku="MUG")
    gift = ItemFactory(sku="GIFT", is_bundle=True)
    BundleComponentFactory(bundle=gift, component=tea, quantity=2)
    BundleComponentFactory(bundle=gift, component=mug, quantity=1)
    stock(warehouse, "TEA", 20)
    stock(warehouse, "MUG", 20)
    order = make_order(make_store(), "1050", [("GIFT", 3), ("TEA", 1), ("NOPE", 1)])
    # Another order whose number starts the same holds stock too: it is not this one's.
    make_order(order.store, "10500", [("TEA", 1)], external_id="ext-1050-0")
    order.lines.filter(sku="NOPE").delete()
    hold(order, warehouse)
    hold(order.store.orders.get(number="10500"), warehouse)
    event(order, "allocated", "MEL holds every line")
    ship(order, carrier_account(warehouse), "TRACK-1050")

    detail = order_detail(order.pk)

    gift_line, tea_line = detail.lines
    assert [(part.item.sku, part.per_unit, part.total) for part in gift_line.components] == [
        ("MUG", 1, 3),
        ("TEA", 2, 6),
    ]
    assert sorted((a.item.sku, a.qty) for a in gift_line.allocations) == [("MUG", 3), ("TEA", 6)]
    assert gift_line.allocated_units == 3
    assert tea_line.components == []
    assert [(a.item.sku, a.qty) for a in tea_line.allocations] == [("TEA", 1)]
    assert [(row.code, row.units) for row in detail.by_warehouse] == [("MEL", 10)]
    assert [entry.message for entry in detail.events] == ["MEL holds every line"]
    assert detail.tracking_numbers == ["TRACK-1050"]


def test_an_order_is_found_by_id_number_or_channel_id_and_a_missing_one_is_named() -> None:
    store, other = make_store(), make_store("Other")
    order = make_order(store, "#1001", external_id="gid-9")
    make_order(store, "2002")
    make_order(other, "2002")

    assert order_by_number(str(order.pk)) == order
    assert order_by_number("#1001") == order
    assert order_by_number("gid-9") == order
    with pytest.raises(NotFound, match="More than one order has the number 2002"):
        order_by_number("2002")
    with pytest.raises(NotFound, match="No order has the number or id #9999"):
        order_by_number("#9999")
    with pytest.raises(NotFound, match="No order has id 999999"):
        order_detail(999999)


def test_downloads_are_newest_first_and_filtered() -> None:
    shop, market = make_store("Shop"), make_store("Market")
    first = OrderDownload.objects.create(store=shop, trigger="schedule", status="succeeded")
    failed = OrderDownload.objects.create(store=market, trigger="manual", status="failed")
    latest = OrderDownload.objects.create(store=shop, trigger="webhook", status="succeeded")

    assert list(order_downloads_query()) == [latest, failed, first]
    assert list(order_downloads_query(store=shop.pk)) == [latest, first]
    assert list(order_downloads_query(status="failed")) == [failed]
    assert list(order_downloads_query(trigger="schedule")) == [first]
