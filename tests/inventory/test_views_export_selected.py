"""Stock and movements: tick rows, export just those (posted to the export endpoint as ids)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from kucun.catalog.services import item_create
from kucun.core.models import ExportRun
from kucun.inventory.models import StockMoveLine
from tests.inventory.views_support import Site, make_site, receive

pytestmark = pytest.mark.django_db

EXPORT = "/data/exports/new/"


@pytest.fixture
def site() -> Site:
    site = make_site()
    make_site("SYD")
    receive("MEL", ("TEA-GREEN", 10, "A-01-1"), ("MUG-BLUE", 2, "S-01"))
    receive("SYD", ("TEA-GREEN", 3, "A-01-1"))
    item_create(user=None, sku="CUP-RED", name="Red cup")
    return site


def csv_rows(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- stock ---------------------------------------------------------------------------------------


def test_stock_rows_carry_item_ids_in_a_reusable_selection_form(
    viewer_client: Client, site: Site
) -> None:
    html = viewer_client.get("/inventory/stock/?warehouse=MEL").content.decode()

    assert f'action="{EXPORT}" id="stock-selection"' in html
    assert '<input type="hidden" name="kind" value="stock">' in html
    assert '<input type="hidden" name="warehouse" value="MEL">' in html
    assert 'data-select-all="ids"' in html
    for item in (site.tea, site.mug):
        assert f'name="ids" value="{item.pk}" form="stock-selection"' in html
    assert 'id="stock-export-selected-csv"' in html
    assert 'id="stock-export-selected-xlsx"' in html


def test_export_selected_stock_gives_only_the_ticked_items(
    viewer_client: Client, site: Site
) -> None:
    response = viewer_client.post(EXPORT, {"kind": "stock", "format": "csv", "ids": [site.tea.pk]})

    assert response.status_code == 200
    assert csv_rows(response) == [
        ["sku", "name", "warehouse", "on_hand", "allocated", "available"],
        ["TEA-GREEN", "Green tea", "MEL", "10", "0", "10"],
        ["TEA-GREEN", "Green tea", "SYD", "3", "0", "3"],
    ]
    run = ExportRun.objects.get()
    assert run.filters == {"ids": str(site.tea.pk)}


def test_export_selected_stock_keeps_the_screens_warehouse(
    viewer_client: Client, site: Site
) -> None:
    response = viewer_client.post(
        EXPORT,
        {"kind": "stock", "format": "csv", "warehouse": "SYD", "ids": [site.tea.pk, site.mug.pk]},
    )

    # The mug has no stock in SYD, so it is not on the SYD screen and not in its export.
    assert csv_rows(response)[1:] == [["TEA-GREEN", "Green tea", "SYD", "3", "0", "3"]]
    assert ExportRun.objects.get().filters == {
        "warehouse": "SYD",
        "ids": f"{site.tea.pk},{site.mug.pk}",
    }


def test_bad_ids_are_refused_naming_the_filter_and_nothing_is_recorded(
    viewer_client: Client, site: Site
) -> None:
    response = viewer_client.post(EXPORT, {"kind": "stock", "format": "csv", "ids": ["1", "x"]})

    assert response.status_code == 422
    assert "Filter ids must list at most 10000 row ids" in response.content.decode()
    assert not ExportRun.objects.exists()


def test_stock_page_query_count_is_pinned_with_the_selection(
    viewer_client: Client, site: Site, django_assert_num_queries: Any
) -> None:
    for number in range(60):
        item_create(user=None, sku=f"BULK-{number:03d}", name=f"Bulk {number}")
    viewer_client.get("/inventory/stock/")

    # The selection costs no query; the note naming stores whose sync is off costs one.
    with django_assert_num_queries(10):
        response = viewer_client.get("/inventory/stock/")

    assert response.content.decode().count('form="stock-selection"') == 50


# --- movements -----------------------------------------------------------------------------------


def test_movement_rows_carry_their_line_ids(viewer_client: Client, site: Site) -> None:
    html = viewer_client.get("/inventory/moves/").content.decode()

    assert f'action="{EXPORT}" id="move-selection"' in html
    assert '<input type="hidden" name="kind" value="moves">' in html
    for line in StockMoveLine.objects.all():
        assert f'name="ids" value="{line.pk}" form="move-selection"' in html


def test_export_selected_movements_gives_only_the_ticked_lines(
    viewer_client: Client, site: Site
) -> None:
    mug_line = StockMoveLine.objects.get(item=site.mug)

    response = viewer_client.post(EXPORT, {"kind": "moves", "format": "csv", "ids": [mug_line.pk]})

    rows = csv_rows(response)
    assert len(rows) == 2
    assert rows[1][4:9] == ["MUG-BLUE", "Blue mug", "SUPPLIER", "MEL:S-01", "2"]
    assert ExportRun.objects.get().filters == {"ids": str(mug_line.pk)}


def test_export_selected_in_xlsx_goes_the_same_way(viewer_client: Client, site: Site) -> None:
    line = StockMoveLine.objects.order_by("pk").first()
    assert line is not None

    response = viewer_client.post(EXPORT, {"kind": "moves", "format": "xlsx", "ids": [line.pk]})

    assert response.status_code == 200
    run = ExportRun.objects.get()
    assert (run.file_format, run.row_count) == ("xlsx", 1)


def test_movement_list_query_count_is_pinned_with_the_selection(
    viewer_client: Client, site: Site, django_assert_num_queries: Any
) -> None:
    for _number in range(30):
        receive("MEL", ("TEA-GREEN", 1, "A-01-1"), ("MUG-BLUE", 1, "A-01-2"))
    viewer_client.get("/inventory/moves/")

    # As many as before the page had checkboxes: the selection costs no query.
    with django_assert_num_queries(5):
        response = viewer_client.get("/inventory/moves/")

    assert response.content.decode().count('form="move-selection"') == 50


def test_export_selected_needs_the_csrf_token(site: Site, viewer: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)

    response = client.post(EXPORT, {"kind": "moves", "format": "csv", "ids": ["1"]})

    assert response.status_code == 403
    assert not ExportRun.objects.exists()


def test_export_selected_speaks_chinese(viewer_client: Client, site: Site, viewer: Any) -> None:
    viewer.language = "zh-hans"
    viewer.save(update_fields=["language"])

    html = viewer_client.get("/inventory/stock/").content.decode()
    refused = viewer_client.post(EXPORT, {"kind": "stock", "format": "csv", "ids": ["x"]})

    assert 'id="stock-export-selected-csv">导出所选（CSV）</button>' in html
    assert "筛选条件 ids 须为以逗号分隔的行编号（最多 10000 个），例如 12,15,40。" in (
        refused.content.decode()
    )
