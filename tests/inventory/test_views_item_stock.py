"""Stock on the catalogue's item page and item list."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kucun.catalog.models import Item
from kucun.inventory.services import DocumentLineInput, issue_create
from kucun.inventory.views.item_stock import item_stock_context, register_catalog_extensions
from tests.inventory.views_support import Site, make_bundle, make_site, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Site:
    site = make_site()
    receive("MEL", ("TEA-GREEN", 10, "A-01-1"), ("TEA-GREEN", 5, "S-01"))
    issue_create(
        user=None,
        warehouse="MEL",
        kind="other",
        lines=[DocumentLineInput(sku="TEA-GREEN", qty=3, bin="A-01-1")],
        post=True,
    )
    register_catalog_extensions()
    return site


def test_item_stock_context_lists_warehouses_and_bins(site: Site) -> None:
    context = item_stock_context(site.tea)
    [level] = context["levels"]
    assert (level.warehouse.code, level.on_hand, level.available) == ("MEL", 12, 12)
    assert [(b.code, b.on_hand) for b in level.bins] == [("A-01-1", 7), ("S-01", 5)]
    assert context["movements_url"] == f"/inventory/items/{site.tea.pk}/movements/"


def test_movement_history_has_a_running_balance(viewer_client: Client, site: Site) -> None:
    html = viewer_client.get(f"/inventory/items/{site.tea.pk}/movements/").content.decode()
    balances = [int(part.split('"')[1]) for part in html.split("data-balance=")[1:]]
    assert balances == [12, 15, 10]  # newest first: after the issue, the 2nd line, the 1st
    assert 'data-delta="-3"' in html


def test_movement_history_query_count_is_constant(
    viewer_client: Client, site: Site, django_assert_max_num_queries: Any
) -> None:
    for _ in range(60):
        receive("MEL", ("TEA-GREEN", 1, "A-01-2"))
    with django_assert_max_num_queries(6):
        response = viewer_client.get(f"/inventory/items/{site.tea.pk}/movements/?page=2")
    assert response.content.decode().count("data-move=") == 13


def test_item_page_shows_the_stock_section(viewer_client: Client, site: Site) -> None:
    response = viewer_client.get(f"/catalog/items/{site.tea.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-section="stock"' in html
    assert 'data-bin="A-01-1"' in html
    assert f"/inventory/items/{site.tea.pk}/movements/" in html


def test_item_list_shows_on_hand_available_and_low_stock(viewer_client: Client, site: Site) -> None:
    make_bundle("TEA-4", [("TEA-GREEN", 4)])
    Item.objects.filter(sku="MUG-BLUE").update(reorder_point=2)
    html = viewer_client.get("/catalog/items/?sort=-available").content.decode()
    assert 'data-available="12"' in html
    assert 'data-available="3"' in html  # the bundle: 12 // 4
    mug_row = html[html.index("MUG-BLUE") :]
    assert "data-low-stock" in mug_row[: mug_row.index("</tr>")]
