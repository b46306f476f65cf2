import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kucun.inventory.services import DocumentLineInput, receipt_create
from kucun.orders.models import StoreOrderFeed
from kucun.web import navigation
from kucun.web.navigation import NavEntry, NavSection
from tests.factories import ItemFactory, WarehouseFactory
from tests.orders.console_support import make_order, make_store

pytestmark = pytest.mark.django_db


def test_home_requires_login() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_health_is_public_and_reports_the_database() -> None:
    response = Client().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


def test_unbuilt_screen_says_so_plainly(
    viewer_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every screen of the menu is built now: a screen planned but not built yet stands in.
    planned = NavSection("Later", (NavEntry("Forecasts", "reports:forecast_list", "forecasts"),))
    monkeypatch.setattr(navigation, "NAVIGATION", (*navigation.NAVIGATION, planned))
    response = viewer_client.get("/screens/forecasts/")
    assert response.status_code == 200
    assert b'data-not-built="forecasts"' in response.content


def test_unknown_screen_is_404(viewer_client: Client) -> None:
    assert viewer_client.get("/screens/nothing-here/").status_code == 404


def test_a_built_screen_reached_by_its_placeholder_address_goes_to_its_page(
    viewer_client: Client,
) -> None:
    response = viewer_client.get("/screens/warehouses/")
    assert response.status_code == 302
    assert response["Location"] == reverse("warehouses:warehouse_list")


def test_home_figures_link_to_their_filtered_lists_and_value_stock_per_warehouse(
    viewer_client: Client,
) -> None:
    warehouse = WarehouseFactory(code="MEL", name="Melbourne")
    WarehouseFactory(code="SYD", name="Sydney")
    ItemFactory(sku="TEA", cost_price=Decimal("2.50"), reorder_point=0)
    ItemFactory(sku="LOW", reorder_point=5)
    receipt_create(
        user=None,
        warehouse=warehouse.code,
        kind="purchase",
        lines=[DocumentLineInput("TEA", 1000)],
        post=True,
    )

    html = viewer_client.get("/").content.decode()
    day_before = timezone.localtime(timezone.now() - timedelta(hours=24))

    links = {
        figure: href for href, figure in re.findall(r'href="([^"]+)" data-figure="([\w-]+)"', html)
    }
    assert links == {
        "warehouses": reverse("warehouses:warehouse_list"),
        "items": reverse("catalog:item_list") + "?active=yes&amp;bundle=no",
        "bundles": reverse("catalog:bundle_list") + "?active=yes",
        "low-stock": reverse("inventory:stock") + "?low_stock=on",
        "failed-pushes": reverse("channels:sync_log")
        + f"?status=failed&amp;date_from={day_before:%Y-%m-%d}",
        **{
            f"orders-{tab}": reverse("orders:order_list") + f"?tab={tab}"
            for tab in (
                "to_confirm",
                "awaiting_stock",
                "needs_attention",
                "confirmed",
                "shipped",
                "cancelled",
            )
        },
    }
    for href in links.values():
        assert viewer_client.get(href.replace("&amp;", "&")).status_code == 200
    assert re.search(r'data-figure="low-stock">\s*1\s*<', html)
    rows = re.findall(
        r'<tr data-warehouse="(\w+)">.*?data-units="(\d+)".*?data-value="([\d.]+)">([^<]+)<'
        r'.*?style="width: (\d+)%"',
        html,
        re.S,
    )
    assert rows == [
        ("MEL", "1000", "2500.00", "2,500.00", "100"),
        ("SYD", "0", "0.00", "0.00", "0"),
    ]
    assert "Value at cost (AUD)" in html


def test_home_reports_the_last_stock_check(viewer_client: Client) -> None:
    from kucun.inventory.models import StockCheck

    assert 'data-check="none"' in viewer_client.get("/").content.decode()
    StockCheck.objects.create(drift_count=0)
    assert 'data-check="clean"' in viewer_client.get("/").content.decode()
    StockCheck.objects.create(drift_count=3, drifts=[])
    html = viewer_client.get("/").content.decode()
    assert 'data-check="drift"' in html
    assert "3 balances disagree with the ledger." in html
    assert reverse("inventory:stock_check_list") in html


def test_home_counts_orders_by_tab_and_names_stores_whose_download_failed(
    viewer_client: Client,
) -> None:
    shop, market = make_store("Shop"), make_store("Market")
    make_order(shop, "1001")
    make_order(shop, "1002", status="confirming")
    make_order(market, "2001", status="awaiting_stock")
    StoreOrderFeed.objects.create(store=market, last_error="401 Unauthorized: token revoked")
    StoreOrderFeed.objects.create(store=shop)

    html = viewer_client.get("/").content.decode()

    assert re.search(r'data-figure="orders-to_confirm">\s*1\s*<', html)
    assert re.search(r'data-figure="orders-awaiting_stock">\s*1\s*<', html)
    assert re.search(r'data-figure="orders-confirmed">\s*1\s*<', html)
    assert f'data-failed-download="{market.pk}">Market<' in html
    assert "401 Unauthorized: token revoked" in html
    assert f'data-failed-download="{shop.pk}"' not in html
