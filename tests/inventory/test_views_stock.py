"""The stock screen, its expandable rows, low stock on the home page, item page stock."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kucun.catalog.models import Item
from kucun.catalog.services import item_create
from kucun.inventory.selectors import low_stock_count
from kucun.inventory.selectors_console import items_with_stock
from tests.inventory.views_support import Site, make_bundle, make_site, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Site:
    site = make_site()
    receive("MEL", ("TEA-GREEN", 10, "A-01-1"), ("TEA-GREEN", 5, "S-01"), ("MUG-BLUE", 1, "A-01-2"))
    return site


def row_html(html: str, sku: str) -> str:
    start = html.index(f'data-sku="{sku}"')
    return html[start : html.index("</tr>", start)]


def test_stock_lists_on_hand_allocated_available(viewer_client: Client, site: Site) -> None:
    response = viewer_client.get("/inventory/stock/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-count="2"' in html
    tea = row_html(html, "TEA-GREEN")
    assert 'data-available="15"' in tea
    assert "15 / 15" in tea  # the MEL column: on hand / available
    mug = row_html(html, "MUG-BLUE")
    assert "data-low-stock" in mug
    assert "data-low-stock" not in tea
    assert 'data-total="on_hand">16<' in html
    assert 'data-total="available">16<' in html


def test_stock_filters_stay_in_the_url(viewer_client: Client, site: Site) -> None:
    html = viewer_client.get("/inventory/stock/?low_stock=on").content.decode()
    assert 'data-count="1"' in html
    assert 'data-sku="MUG-BLUE"' in html
    html = viewer_client.get("/inventory/stock/?q=green").content.decode()
    assert 'data-count="1"' in html
    assert 'data-sku="TEA-GREEN"' in html
    html = viewer_client.get("/inventory/stock/?zone_kind=storage").content.decode()
    assert 'data-count="1"' in html
    assert 'data-total="on_hand">5<' in html
    html = viewer_client.get("/inventory/stock/?warehouse=MEL&sort=-on_hand").content.decode()
    assert html.index('data-sku="TEA-GREEN"') < html.index('data-sku="MUG-BLUE"')
    assert "?warehouse=MEL&amp;sort=sku" in html or "warehouse=MEL&amp;sort=sku" in html


def test_bundle_shows_derived_availability(viewer_client: Client, site: Site) -> None:
    make_bundle("TEA-SET", [("TEA-GREEN", 4), ("MUG-BLUE", 1)])
    make_bundle("TEA-4", [("TEA-GREEN", 4)])
    html = viewer_client.get("/inventory/stock/?bundles=yes").content.decode()
    assert 'data-count="2"' in html
    assert 'data-available="1"' in row_html(html, "TEA-SET")
    assert 'data-available="3"' in row_html(html, "TEA-4")


def test_stock_page_query_count_does_not_grow(
    viewer_client: Client, site: Site, django_assert_max_num_queries: Any
) -> None:
    for number in range(70):
        item_create(user=None, sku=f"BULK-{number:03d}", name=f"Bulk {number}")
    make_bundle("TEA-SET", [("TEA-GREEN", 4), ("MUG-BLUE", 1)])
    with django_assert_max_num_queries(12):
        response = viewer_client.get("/inventory/stock/?sort=-available")
    assert response.content.decode().count('class="stock-detail-row"') == 50


def test_expanded_row_shows_warehouses_and_bins(viewer_client: Client, site: Site) -> None:
    html = viewer_client.get(f"/inventory/stock/{site.tea.pk}/").content.decode()
    assert 'data-warehouse="MEL"' in html
    assert 'data-bin="A-01-1"' in html
    assert 'data-bin="S-01"' in html
    assert 'data-bin="A-01-2"' not in html


def test_empty_stock_screen_says_what_to_do(viewer_client: Client) -> None:
    html = viewer_client.get("/inventory/stock/").content.decode()
    assert "data-empty" in html
    assert "record a receipt" in html


def test_low_stock_count_on_home_links_to_filtered_list(viewer_client: Client, site: Site) -> None:
    assert low_stock_count() == 1
    html = viewer_client.get("/").content.decode()
    assert 'data-figure="low-stock"' in html
    start = html.index('data-figure="low-stock"')
    assert ">1<" in html[start : start + 40]
    assert 'href="/inventory/stock/?low_stock=on"' in html


def test_items_with_stock_annotation_for_the_catalogue(site: Site) -> None:
    item_create(user=None, sku="NONE-YET", name="Nothing", reorder_point=0)
    rows = {item.sku: item for item in items_with_stock(Item.objects.all())}
    assert (rows["TEA-GREEN"].on_hand, rows["TEA-GREEN"].available) == (15, 15)
    assert rows["TEA-GREEN"].low_stock is False
    assert rows["MUG-BLUE"].low_stock is True
    assert (rows["NONE-YET"].on_hand, rows["NONE-YET"].low_stock) == (0, True)


def test_stock_screen_speaks_chinese(viewer_client: Client, site: Site, viewer: Any) -> None:
    viewer.language = "zh-hans"
    viewer.save(update_fields=["language"])
    html = viewer_client.get("/inventory/stock/").content.decode()
    assert "在库" in html
    assert "2 个货品符合条件" in html
    scan = viewer_client.get("/inventory/receipts/")
    assert "单号、参考号或 SKU" in scan.content.decode()


def test_totals_leave_out_inactive_items(viewer_client: Client, site: Site) -> None:
    from kucun.catalog.services import items_set_active

    items_set_active(user=None, item_ids=[site.mug.pk], active=False)
    html = viewer_client.get("/inventory/stock/").content.decode()
    assert 'data-count="1"' in html
    assert 'data-total="on_hand">15<' in html
    filtered = viewer_client.get("/inventory/stock/?q=e").content.decode()
    assert 'data-total="on_hand">15<' in filtered


def test_stock_export_is_a_post_form_with_the_filters(viewer_client: Client, site: Site) -> None:
    html = viewer_client.get("/inventory/stock/?q=green&low_stock=on&page=2").content.decode()

    export_form = html.split('<form method="post" action="/data/exports/new/"', 1)[1]
    export_form = export_form.split("</form>")[0]
    assert '<input type="hidden" name="kind" value="stock">' in export_form
    assert '<input type="hidden" name="q" value="green">' in export_form
    assert '<input type="hidden" name="low_stock" value="on">' in export_form
    assert 'name="page"' not in export_form
    assert 'name="csrfmiddlewaretoken"' in export_form
    assert 'id="stock-export"' in export_form
