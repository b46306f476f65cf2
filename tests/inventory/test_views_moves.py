"""The movements page (the ledger) and bin lookup."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kucun.inventory.models import Receipt
from tests.inventory.views_support import Site, make_site, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Site:
    site = make_site()
    receive("MEL", ("TEA-GREEN", 10, "A-01-1"), ("MUG-BLUE", 2, "S-01"))
    return site


def test_movements_list_every_line(viewer_client: Client, site: Site) -> None:
    html = viewer_client.get("/inventory/moves/").content.decode()
    assert 'data-count="2"' in html
    receipt = Receipt.objects.get()
    assert receipt.number in html
    assert "MEL:A-01-1" in html


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("item=tea-green", 1),
        ("bin=s-01", 1),
        ("move_kind=receipt", 2),
        ("move_kind=issue", 0),
        ("warehouse=MEL", 2),
        ("user=nobody", 0),
        ("date_from=2000-01-01&date_to=2999-01-01", 2),
        ("date_to=2000-01-01", 0),
    ],
)
def test_movements_filters(viewer_client: Client, site: Site, query: str, count: int) -> None:
    html = viewer_client.get(f"/inventory/moves/?{query}").content.decode()
    assert f'data-count="{count}"' in html


def test_movements_filter_by_document_number(viewer_client: Client, site: Site) -> None:
    receive("MEL", ("MUG-BLUE", 1, None))
    first = Receipt.objects.order_by("pk").first()
    assert first is not None
    html = viewer_client.get(f"/inventory/moves/?document={first.number}").content.decode()
    assert 'data-count="2"' in html


def test_movements_query_count_is_constant(
    viewer_client: Client, site: Site, django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        receive("MEL", ("TEA-GREEN", 1, "A-01-1"), ("MUG-BLUE", 1, "A-01-2"))
    with django_assert_max_num_queries(7):
        response = viewer_client.get("/inventory/moves/?sort=qty")
    assert response.content.decode().count("data-move=") == 50


def test_bin_lookup_by_sku_bin_and_empty(viewer_client: Client, site: Site) -> None:
    html = viewer_client.get("/warehouses/bin-lookup/?q=tea").content.decode()
    assert 'data-count="1"' in html
    assert 'data-bin="A-01-1"' in html
    html = viewer_client.get("/warehouses/bin-lookup/?q=a-01").content.decode()
    assert 'data-count="2"' in html
    assert 'data-bin="A-01-2" data-empty-bin' in html
    html = viewer_client.get("/warehouses/bin-lookup/?q=9300000000011").content.decode()
    assert 'data-count="1"' in html
    html = viewer_client.get(
        "/warehouses/bin-lookup/?occupancy=empty&warehouse=MEL"
    ).content.decode()
    assert 'data-bin="A-01-2"' in html
    assert 'data-bin="A-01-1"' not in html
    html = viewer_client.get("/warehouses/bin-lookup/?zone_kind=storage").content.decode()
    assert 'data-count="2"' in html  # S-01 and the default receiving bin
    assert 'data-bin="S-01"' in html
    assert 'data-bin="RECEIVING"' in html
    assert 'data-bin="A-01-1"' not in html


def test_bin_lookup_links_transfer_from_the_bin(staff_client: Client, site: Site) -> None:
    html = staff_client.get("/warehouses/bin-lookup/?q=S-01").content.decode()
    assert 'data-transfer-from="S-01"' in html
    assert "/inventory/transfers/new/?warehouse=MEL&amp;bin=S-01&amp;sku=MUG-BLUE&amp;qty=2" in html


def test_bin_lookup_query_count_is_constant(
    viewer_client: Client, site: Site, django_assert_max_num_queries: Any
) -> None:
    from kucun.warehouses.services import bin_create

    zone = site.pick_1.zone
    assert zone is not None
    for number in range(60):
        bin_create(user=None, zone_id=zone.pk, code=f"X-{number:02d}")
    with django_assert_max_num_queries(8):
        response = viewer_client.get("/warehouses/bin-lookup/")
    assert response.content.decode().count("data-bin=") >= 50


def test_export_link_keeps_the_filters_apart_from_the_export_kind(
    viewer_client: Client, site: Site
) -> None:
    html = viewer_client.get("/inventory/moves/?move_kind=receipt&item=TEA-GREEN").content.decode()
    export_form = html.split('<form method="post" action="/data/exports/new/"', 1)[1]
    export_form = export_form.split("</form>")[0]
    assert '<input type="hidden" name="kind" value="moves">' in export_form
    assert '<input type="hidden" name="move_kind" value="receipt">' in export_form
    assert '<input type="hidden" name="item" value="TEA-GREEN">' in export_form
    assert 'id="moves-export"' in export_form
