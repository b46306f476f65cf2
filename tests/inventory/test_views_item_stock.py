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


def test_bundle_form_shows_what_the_typed_components_make(
    staff_client: Client, site: Site, django_assert_max_num_queries: Any
) -> None:
    receive("MEL", ("MUG-BLUE", 5, "A-01-2"))
    make_bundle("TEA-SET", [("TEA-GREEN", 2), ("MUG-BLUE", 1)])
    # The page loads the preview with the rows as typed, before anything is saved.
    page = staff_client.get("/catalog/bundles/new/").content.decode()
    assert 'hx-get="/catalog/bundles/preview/"' in page
    query = (
        "component_sku=TEA-SET&component_quantity=1"
        "&component_sku=tea-green&component_quantity=2"
        "&component_sku=NOPE&component_quantity=1"
        "&component_sku=MUG-BLUE&component_quantity=abc"
    )
    with django_assert_max_num_queries(8):
        html = staff_client.get(f"/catalog/bundles/preview/?{query}").content.decode()
    # One TEA-SET (2 tea + 1 mug) and 2 tea more: 4 tea (12 // 4 = 3) and 1 mug (5): 3 sets.
    assert 'data-warehouse="MEL"' in html
    assert 'data-available-total="3"' in html
    nothing = staff_client.get("/catalog/bundles/preview/?component_sku=NOPE").content.decode()
    assert 'data-available-total="0"' in nothing
    assert "data-warehouse" not in nothing


def test_bundle_preview_is_read_only_for_anyone_logged_in(
    viewer_client: Client, site: Site
) -> None:
    response = viewer_client.get(
        "/catalog/bundles/preview/?component_sku=TEA-GREEN&component_quantity=4"
    )
    assert response.status_code == 200
    assert 'data-available-total="3"' in response.content.decode()
