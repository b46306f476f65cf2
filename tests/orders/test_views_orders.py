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

from kucun.orders.choices import OrderStatus
from kucun.orders.models import OrderDownload
from kucun.shipping.files import label_save
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

pytestmark = pytest.mark.django_db


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
    shop, market = make_store("Shop"), make_store("Market")
    make_order(shop, "1001", [("TEA", 1)])
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
    shop, market = make_store("Shop"), make_store("Market")
    OrderDownload.objects.create(
        store=shop, trigger="schedule", status="succeeded", new_count=4, updated_count=2
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
