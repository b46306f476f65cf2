"""The orders console: the list's tabs, counts, filters and search; an order's page with its
lines, allocations, customer, timeline and shipments; the payload for owners only; the
downloads page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kucun.catalog.models import Item
from kucun.orders.choices import OrderStatus
from kucun.orders.models import Order, OrderDownload, OrderShipment
from kucun.shipping.choices import RuleAction
from kucun.shipping.files import label_save
from kucun.shipping.models import CarrierAccount
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

pytestmark = pytest.mark.django_db
# A confirm (or retry) runs as the order's job once its mark commits; the test queue runs it
# then and there, so these tests commit for real.
committed = pytest.mark.django_db(transaction=True)


def console(role: str = "staff") -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def page(client: Client, url: str, **query: Any) -> str:
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_tab_counts_and_the_tabs_rows() -> None:
    store = make_store()
    make_order(store, "1001")
    make_order(store, "1002", status=OrderStatus.CONFIRMING)
    make_order(store, "1003", status=OrderStatus.NEEDS_ATTENTION, attention="SKU NOPE unknown")
    client = console("viewer")

    everything = page(client, reverse("orders:order_list"))
    confirmed = page(client, reverse("orders:order_list"), tab="confirmed")
    attention = page(client, reverse("orders:order_list"), tab="needs_attention")

    assert 'data-count="all">3<' in everything
    assert 'data-count="to_confirm">1<' in everything
    assert 'data-count="confirmed">1<' in everything
    assert all(f'data-order="{n}"' in everything for n in ("1001", "1002", "1003"))
    assert 'data-order="1002"' in confirmed
    assert 'data-order="1001"' not in confirmed
    assert "SKU NOPE unknown" in attention


def test_filters_and_search_stay_in_the_url_and_narrow_the_rows() -> None:
    warehouse = WarehouseFactory(code="MEL")
    webshop, market = make_store("Shop"), make_store("Market")
    make_order(webshop, "1001", [("TEA", 1)])
    shipped = make_order(market, "2001", [("MUG", 1)], status=OrderStatus.SHIPPED)
    ship(shipped, carrier_account(warehouse), "ABC000128B4C5")
    client = console("viewer")
    url = reverse("orders:order_list")

    by_store = page(client, url, store=market.pk)
    by_tracking = page(client, url, q="ABC000128B4C5")
    by_sku = page(client, url, q="tea", tab="to_confirm")
    nothing = page(client, url, q="nobody")

    assert 'data-order="2001"' in by_store
    assert 'data-order="1001"' not in by_store
    assert f'<option value="{market.pk}" selected>' in by_store
    assert 'data-order="2001"' in by_tracking
    assert 'data-order="1001"' not in by_tracking
    assert '<code class="tracking-number">ABC000128B4C5</code>' in by_tracking
    assert 'data-order="1001"' in by_sku
    assert '<input type="hidden" name="tab" value="to_confirm">' in by_sku
    assert "No order matches these filters." in nothing


def test_an_empty_list_says_what_to_do_first() -> None:
    assert "Bind a store with order download on" in page(console(), reverse("orders:order_list"))


def test_a_page_of_the_list_costs_a_fixed_number_of_queries() -> None:
    warehouse = WarehouseFactory(code="MEL")
    account = carrier_account(warehouse)
    store = make_store()
    client = console("viewer")
    first = make_order(store, "1", [("TEA", 1)])
    ship(first, account, "T-1")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("orders:order_list"))
        return len(captured)

    few = queries()
    for index in range(2, 12):
        order = make_order(store, str(index), [("TEA", 1), ("MUG", 2)], warehouse=warehouse)
        ship(order, account, f"T-{index}")
    assert queries() == few


def test_an_orders_page_shows_lines_allocations_customer_timeline_and_shipments() -> None:
    warehouse = WarehouseFactory(code="MEL", name="Melbourne")
    ItemFactory(sku="TEA")
    gift = ItemFactory(sku="GIFT", is_bundle=True, name="Gift box")
    BundleComponentFactory(bundle=gift, component=ItemFactory(sku="MUG", name="Blue mug"))
    stock(warehouse, "TEA", 10)
    stock(warehouse, "MUG", 10)
    order = make_order(
        make_store(), "1050", [("GIFT", 2), ("TEA", 1)], shipping_method="Express Post"
    )
    hold(order, warehouse)
    staff = UserFactory(username="sam", role="staff")
    event(order, "allocated", "MEL holds every line")
    event(order, "confirmed", actor=staff)
    link = ship(order, carrier_account(warehouse), "TRACK-1050", label=label_save(b"%PDF-1.4\n"))

    html = page(console("viewer"), reverse("orders:order_detail", args=[order.pk]))

    assert "Order 1050" in html
    assert 'data-component="MUG"' in html  # the bundle's item under its line
    assert 'data-allocation="MUG">MEL: 2 × MUG' in html
    assert 'data-allocation="TEA">MEL: 1 × TEA' in html
    assert 'data-warehouse="MEL">MEL · Melbourne: 3 units' in html
    assert "MEL holds every line" in html  # the routing note and the timeline
    assert "ada@example.com" in html
    assert "1 George St" in html
    assert "Express Post" in html
    assert ">sam<" in html
    assert '<code class="tracking-number">TRACK-1050</code>' in html
    label_url = reverse("shipping:shipment_label", args=[link.shipment_id])
    assert f'href="{label_url}"' in html
    assert 'id="order-payload"' not in html


def test_the_payload_the_store_sent_is_for_owners_only() -> None:
    order = make_order(make_store(), "1060", raw={"id": "gid-1060", "note": "leave at door"})
    url = reverse("orders:order_detail", args=[order.pk])

    for role in ("viewer", "staff"):
        assert "leave at door" not in page(console(role), url)
    owner_view = page(console("owner"), url)
    assert 'id="order-payload"' in owner_view
    assert "leave at door" in owner_view


def test_a_failed_confirm_shows_the_step_and_the_vendors_message() -> None:
    order = make_order(
        make_store(),
        "1070",
        confirm_step="label",
        confirm_error="AusPost: 503 Service Unavailable",
    )

    html = page(console(), reverse("orders:order_detail", args=[order.pk]))

    assert 'data-step="label"' in html
    assert "Stopped at “get the label”:" in html
    assert "AusPost: 503 Service Unavailable" in html


def test_an_unknown_order_is_not_found() -> None:
    assert console().get(reverse("orders:order_detail", args=[424242])).status_code == 404


def test_the_downloads_page_lists_runs_with_their_counts() -> None:
    webshop, market = make_store("Shop"), make_store("Market")
    OrderDownload.objects.create(
        store=webshop, trigger="schedule", status="succeeded", new_count=4, updated_count=2
    )
    OrderDownload.objects.create(
        store=market, trigger="manual", status="failed", error_count=1, error="401 Unauthorized"
    )
    client = console("viewer")
    url = reverse("orders:download_list")

    html = page(client, url)
    failed_only = page(client, url, status="failed")

    assert 'data-new="4"' in html
    assert 'data-updated="2"' in html
    assert "401 Unauthorized" in html
    assert 'data-status="succeeded"' not in failed_only
    assert 'data-status="failed"' in failed_only


# --- actions ----------------------------------------------------------------------------------
# Orders of the in-memory store, confirmed by a local-delivery rule (no carrier to call): the
# whole way to the store's fulfilment runs here.


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def follow(client: Client, url: str, data: dict[str, Any] | None = None) -> tuple[Any, str]:
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200
    return response, " | ".join(messages_of(response))


@committed
def test_staff_confirm_an_order_from_its_page_and_it_ships(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_client: Client,
) -> None:
    rule_for(RuleAction.LOCAL_DELIVERY, "Around the corner")
    order = order_place(shop, depot, [(goods.tea, 2)])
    url = reverse("orders:order_detail", args=[order.pk])
    assert 'id="order-confirm"' in page(staff_client, url)

    _response, said = follow(staff_client, reverse("orders:order_confirm", args=[order.pk]))

    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert said == f"Order {order.number} is confirmed and shipped."
    html = page(staff_client, url)
    assert 'id="order-confirm"' not in html
    assert 'data-event="shipped"' in html
    assert 'data-fulfilment="sent"' in html
    assert "Shipping rule “Around the corner” chose: local delivery" in html
    assert 'id="order-reship"' in html


@committed
def test_a_held_order_says_why(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_client: Client,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 1)])

    _response, said = follow(staff_client, reverse("orders:order_confirm", args=[order.pk]))

    assert said == f"Order {order.number} needs attention: held: no shipping rule matched"
    assert "held: no shipping rule matched" in page(
        staff_client, reverse("orders:order_list"), tab="to_confirm"
    )


@committed
def test_a_stopped_step_shows_the_vendors_message_and_retry_continues_it(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_client: Client,
) -> None:
    rule_for(RuleAction.LOCAL_DELIVERY, "Around the corner")
    order = order_place(shop, depot, [(goods.tea, 1)])
    shop.platform.fail_next_fulfilments = 1

    _response, said = follow(staff_client, reverse("orders:order_confirm", args=[order.pk]))

    order.refresh_from_db()
    assert order.confirm_step == "fulfilment"
    assert said.startswith(f"Order {order.number} stopped at “send the tracking number")
    html = page(staff_client, reverse("orders:order_detail", args=[order.pk]))
    assert 'id="order-confirm-error" data-step="fulfilment"' in html
    assert order.confirm_error in html
    assert 'id="order-retry"' in html

    _response, said = follow(staff_client, reverse("orders:order_retry", args=[order.pk]))

    order.refresh_from_db()
    assert (order.status, order.confirm_error) == (OrderStatus.SHIPPED, "")
    assert len(shop.fulfilments()) == 1


def test_viewers_may_look_but_not_act_and_nothing_changes(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
) -> None:
    rule_for(RuleAction.LOCAL_DELIVERY, "Around the corner")
    order = order_place(shop, depot, [(goods.tea, 1)])
    client = console("viewer")

    html = page(client, reverse("orders:order_detail", args=[order.pk]))
    answers = [
        client.post(reverse(name, args=[order.pk])).status_code
        for name in ("orders:order_confirm", "orders:order_cancel", "orders:order_set_carrier")
    ]
    bulk = client.post(reverse("orders:order_bulk_confirm"), {"ids": [order.pk]})

    assert 'id="order-confirm"' not in html
    assert 'id="orders-confirm"' not in page(client, reverse("orders:order_list"))
    assert answers == [403, 403, 403]
    assert bulk.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.TO_CONFIRM
    assert not order.events.exists()


def test_bulk_confirm_queues_the_orders_to_confirm_and_says_what_it_left(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_client: Client,
) -> None:
    first = order_place(shop, depot, [(goods.tea, 1)])
    second = order_place(shop, depot, [(goods.cup, 1)])
    waiting = order_place(shop, depot, [(goods.cup, 1)])
    Order.objects.filter(pk=waiting.pk).update(status=OrderStatus.AWAITING_STOCK)
    back = reverse("orders:order_list") + "?tab=to_confirm"

    response = staff_client.post(
        reverse("orders:order_bulk_confirm"),
        {"ids": [first.pk, second.pk, waiting.pk], "next": back},
    )

    assert response.status_code == 302
    assert response["Location"] == back
    listing = staff_client.get(back)
    assert messages_of(listing) == [
        "2 orders are being confirmed.",
        "1 selected order was left as it is: only orders to confirm, or stopped at a step, "
        "are confirmed.",
    ]
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: OrderStatus.CONFIRMING,
        second.pk: OrderStatus.CONFIRMING,
        waiting.pk: OrderStatus.AWAITING_STOCK,
    }


def test_nothing_selected_is_said_plainly(staff_client: Client) -> None:
    _response, said = follow(staff_client, reverse("orders:order_bulk_confirm"))

    assert said == "Select at least one order to confirm."


def test_cancelling_releases_the_stock_and_keeps_the_reason(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_client: Client,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 2)])
    assert level(goods.tea, depot).allocated == 2

    _response, said = follow(
        staff_client,
        reverse("orders:order_cancel", args=[order.pk]),
        {"reason": "customer changed their mind"},
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert said == f"Order {order.number} is cancelled; its stock is free."
    assert level(goods.tea, depot).allocated == 0
    html = page(staff_client, reverse("orders:order_detail", args=[order.pk]))
    assert "customer changed their mind" in html
    assert 'id="order-cancel"' not in html


@committed
def test_a_shipped_order_cannot_be_cancelled_and_says_why(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_client: Client,
) -> None:
    rule_for(RuleAction.LOCAL_DELIVERY, "Around the corner")
    order = order_place(shop, depot, [(goods.tea, 1)])
    follow(staff_client, reverse("orders:order_confirm", args=[order.pk]))

    _response, said = follow(staff_client, reverse("orders:order_cancel", args=[order.pk]))

    assert "it can no longer be cancelled here" in said
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED


def test_the_carrier_is_chosen_before_confirming_and_given_back_to_the_rules(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_client: Client,
) -> None:
    account = CarrierAccount.objects.create(
        name="AusPost MEL", carrier="auspost", sender_warehouse=depot.warehouse
    )
    order = order_place(shop, depot, [(goods.tea, 1)])
    url = reverse("orders:order_set_carrier", args=[order.pk])
    html = page(staff_client, reverse("orders:order_detail", args=[order.pk]))
    assert f'<option value="{account.pk}:T28">' in html  # Australia Post's own services

    follow(staff_client, url, {"carrier": f"{account.pk}:T28"})
    order.refresh_from_db()
    assert (order.carrier_account, order.service_code) == (account, "T28")
    html = page(staff_client, reverse("orders:order_detail", args=[order.pk]))
    assert f'<option value="{account.pk}:T28" selected>' in html

    follow(staff_client, url, {"carrier": ""})
    order.refresh_from_db()
    assert (order.carrier_account, order.service_code) == (None, "")

    _response, said = follow(staff_client, url, {"carrier": "999999:T28"})
    assert "Select a valid choice" in said


def ship_locally(at: Shop, site: Site, lines: list[tuple[Item, int]], client: Client) -> Order:
    rule_for(RuleAction.LOCAL_DELIVERY, "Around the corner")
    order = order_place(at, site, lines)
    follow(client, reverse("orders:order_confirm", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    return order


@committed
def test_chosen_lines_are_reshipped_and_too_many_is_refused_by_its_line(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_client: Client,
) -> None:
    order = ship_locally(shop, depot, [(goods.tea, 2), (goods.cup, 1)], staff_client)
    tea, cup = order.lines.order_by("position")
    url = reverse("orders:order_reship", args=[order.pk])
    assert f'name="quantity_{tea.pk}"' in page(staff_client, url)

    too_many = staff_client.post(url, {f"quantity_{tea.pk}": 3, "carrier": ""})
    nothing = staff_client.post(url, {"carrier": ""})

    assert too_many.status_code == 200
    assert f'data-error-for="quantity_{tea.pk}"' in too_many.content.decode()
    assert "Enter a quantity for at least one line." in nothing.content.decode()
    assert not OrderShipment.objects.filter(reship=True).exists()

    _response, said = follow(staff_client, url, {f"quantity_{cup.pk}": 1, "carrier": ""})

    (reshipment,) = OrderShipment.objects.filter(order=order, reship=True)
    assert reshipment.lines == [{"line": cup.pk, "quantity": 1}]
    assert said.startswith(f"Reshipment of order {order.number} made")
    assert level(goods.cup, depot).on_hand == 8


@committed
def test_returned_lines_go_into_the_bin_typed_and_an_unknown_bin_is_named(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_client: Client,
) -> None:
    order = ship_locally(shop, depot, [(goods.tea, 2)], staff_client)
    (tea,) = order.lines.all()
    url = reverse("orders:order_return", args=[order.pk])

    unknown = staff_client.post(url, {f"quantity_{tea.pk}": 1, "bin": "Z-99"})

    assert 'data-error-for="bin"' in unknown.content.decode()
    assert "No bin Z-99 in warehouse MEL." in unknown.content.decode()
    on_hand = level(goods.tea, depot).on_hand

    _response, said = follow(staff_client, url, {f"quantity_{tea.pk}": 1, "bin": "s-02"})

    assert said.startswith(f"Return of order {order.number} received: receipt ")
    assert level(goods.tea, depot).on_hand == on_hand + 1
    assert bin_quantity(goods.tea, depot, "S-02") == 1


def test_download_now_queues_one_store_or_every_store(
    shop: Shop,  # noqa: F811
    staff_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    shop.platform.add("TEA", quantity=5)
    shop.platform.place_order([("mem-1", 1)])
    url = reverse("orders:order_download_now")

    with django_capture_on_commit_callbacks(execute=True):
        _response, said = follow(staff_client, url, {"store": shop.store.pk})

    assert said.startswith("Downloading the orders of 1 store")
    (run,) = OrderDownload.objects.all()
    assert (run.store, run.trigger, run.new_count) == (shop.store, "manual", 1)
    _response, refused = follow(staff_client, url, {"store": "nope"})
    assert refused == "Choose the store whose orders to download."


def test_pick_list_and_packing_slip_are_pdfs(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff_client: Client,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 1), (goods.gift, 1)])

    slip = staff_client.get(reverse("orders:order_packing_slip", args=[order.pk]))
    single = staff_client.get(reverse("orders:order_pick_list", args=[order.pk]))
    batch = staff_client.post(reverse("orders:pick_list"), {"ids": [order.pk]})
    empty = staff_client.post(reverse("orders:pick_list"), {}, follow=True)

    for response in (slip, single, batch):
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    assert messages_of(empty) == ["Select at least one order to pick."]


def test_an_order_being_confirmed_shows_its_step(staff_client: Client) -> None:
    order = make_order(make_store(), "1080", status=OrderStatus.CONFIRMING, confirm_step="label")

    html = page(staff_client, reverse("orders:order_detail", args=[order.pk]))

    assert 'id="order-confirming" data-step="label"' in html
    assert "Being confirmed: now at “get the label”." in html
    assert 'id="order-confirm"' not in html


def test_an_orders_page_costs_the_same_queries_however_many_lines_and_events(
    staff_client: Client,
) -> None:
    warehouse = WarehouseFactory(code="MEL")
    account = carrier_account(warehouse)
    gift = ItemFactory(sku="GIFT", is_bundle=True)
    BundleComponentFactory(bundle=gift, component=ItemFactory(sku="TEA"))
    ItemFactory(sku="MUG")
    store = make_store()

    def queries(order: Order) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(reverse("orders:order_detail", args=[order.pk])).status_code
        return len(captured)

    small = make_order(store, "1", [("GIFT", 1)])
    ship(small, account, "T-1")
    event(small, "note", "one")
    large = make_order(store, "2", [("GIFT", 2), ("MUG", 1), ("TEA", 3), ("GIFT", 1)])
    ship(large, account, "T-2")
    for index in range(6):
        event(large, "note", f"note {index}")

    queries(small)  # the session's first request loads what every later one has cached
    assert queries(large) == queries(small)
