"""Receipts, issues, transfers and stocktakes through the console."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from kucun.inventory.choices import DocumentStatus, StocktakeStatus, TransferStatus
from kucun.inventory.models import (
    Issue,
    Receipt,
    ReceiptLine,
    StockMove,
    Stocktake,
    Transfer,
    TransferLine,
)
from kucun.inventory.services import (
    DocumentLineInput,
    TransferLineInput,
    receipt_create,
    transfer_create,
)
from kucun.warehouses.services import bin_create, bin_update
from tests.inventory.views_support import Site, level, make_bundle, make_site, on_hand, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Site:
    return make_site()


def receipt_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "purchase",
        "warehouse": "MEL",
        "reference": "PO-1001",
        "note": "",
        "line_sku": ["TEA-GREEN", "MUG-BLUE"],
        "line_qty": ["12", "3"],
        "line_bin": ["A-01-1", ""],
        "action": "post",
        "idempotency_key": "k1",
    }
    data.update(overrides)
    return data


# --- receipts ---------------------------------------------------------------------------------


def test_receipt_editor_renders_with_scan_box(staff_client: Client, site: Site) -> None:
    response = staff_client.get("/inventory/receipts/new/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="scan-input"' in html
    assert 'id="scan-status"' in html
    assert 'aria-live="assertive"' in html
    assert 'id="post-document"' in html
    assert 'id="save-draft"' in html
    assert "inventory/scan.js" in html


def test_posting_a_receipt_moves_stock(staff_client: Client, site: Site) -> None:
    response = staff_client.post("/inventory/receipts/new/", receipt_form())
    receipt = Receipt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/inventory/receipts/{receipt.pk}/"
    assert receipt.status == DocumentStatus.POSTED
    assert receipt.reference == "PO-1001"
    assert on_hand(site.tea, site.pick_1) == 12
    receiving = site.warehouse.locations.get(is_default_receiving=True)
    assert on_hand(site.mug, receiving) == 3
    assert level(site.tea, site.warehouse) == (12, 0)


def test_resending_the_same_editor_form_posts_once(staff_client: Client, site: Site) -> None:
    staff_client.post("/inventory/receipts/new/", receipt_form())
    staff_client.post("/inventory/receipts/new/", receipt_form())
    assert Receipt.objects.count() == 1
    assert on_hand(site.tea, site.pick_1) == 12


def test_saving_a_draft_then_posting_it(staff_client: Client, site: Site) -> None:
    staff_client.post("/inventory/receipts/new/", receipt_form(action="save"))
    receipt = Receipt.objects.get()
    assert receipt.status == DocumentStatus.DRAFT
    assert on_hand(site.tea, site.pick_1) == 0
    detail = staff_client.get(f"/inventory/receipts/{receipt.pk}/")
    assert 'id="post-document"' in detail.content.decode()

    response = staff_client.post(f"/inventory/receipts/{receipt.pk}/post/")
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.status == DocumentStatus.POSTED
    assert on_hand(site.tea, site.pick_1) == 12


def test_unknown_sku_is_shown_next_to_its_line_and_the_form_kept(
    staff_client: Client, site: Site
) -> None:
    response = staff_client.post(
        "/inventory/receipts/new/",
        receipt_form(line_sku=["TEA-GREEN", "NO-SUCH"], line_bin=["A-01-1", "Z-99"]),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Unknown SKU NO-SUCH." in html
    assert "Unknown bin Z-99 in warehouse MEL." in html
    assert 'value="PO-1001"' in html
    assert 'value="NO-SUCH"' in html
    assert 'value="12"' in html
    assert Receipt.objects.count() == 0
    assert StockMove.objects.count() == 0


def test_bad_quantity_and_missing_lines_are_refused(staff_client: Client, site: Site) -> None:
    response = staff_client.post("/inventory/receipts/new/", receipt_form(line_qty=["0", "two"]))
    assert response.status_code == 422
    assert response.content.decode().count("must be a whole number of at least 1") == 2
    empty = staff_client.post(
        "/inventory/receipts/new/", receipt_form(line_sku=[], line_qty=[], line_bin=[])
    )
    assert "Add at least one line" in empty.content.decode()
    assert Receipt.objects.count() == 0


def test_reversing_a_posted_receipt_links_the_reversal(staff_client: Client, site: Site) -> None:
    staff_client.post("/inventory/receipts/new/", receipt_form())
    receipt = Receipt.objects.get()
    detail = staff_client.get(f"/inventory/receipts/{receipt.pk}/").content.decode()
    assert 'id="reverse-document"' in detail
    assert "data-confirm=" in detail

    response = staff_client.post(f"/inventory/receipts/{receipt.pk}/reverse/")
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.status == DocumentStatus.REVERSED
    assert on_hand(site.tea, site.pick_1) == 0
    html = staff_client.get(f"/inventory/receipts/{receipt.pk}/").content.decode()
    assert 'id="reversal-link"' in html
    assert f"#{receipt.reversal_move_id}" in html


# --- issues ------------------------------------------------------------------------------------


def test_issue_short_of_stock_names_the_sku_keeps_the_form_and_writes_nothing(
    staff_client: Client, site: Site
) -> None:
    receive("MEL", ("TEA-GREEN", 4, "A-01-1"))
    moves_before = StockMove.objects.count()
    response = staff_client.post(
        "/inventory/issues/new/",
        {
            "kind": "other",
            "warehouse": "MEL",
            "reference": "damaged",
            "line_sku": ["TEA-GREEN"],
            "line_qty": ["9"],
            "line_bin": [""],
            "action": "post",
            "idempotency_key": "i1",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "TEA-GREEN" in html
    assert "needed 9" in html
    assert "available 4" in html
    assert "data-line-error" in html
    assert 'value="damaged"' in html
    assert 'value="9"' in html
    assert Issue.objects.count() == 0
    assert StockMove.objects.count() == moves_before
    assert on_hand(site.tea, site.pick_1) == 4


def test_issue_without_bin_picks_automatically(staff_client: Client, site: Site) -> None:
    receive("MEL", ("TEA-GREEN", 4, "S-01"), ("TEA-GREEN", 3, "A-01-1"))
    response = staff_client.post(
        "/inventory/issues/new/",
        {
            "kind": "other",
            "warehouse": "MEL",
            "line_sku": ["tea-green"],
            "line_qty": ["5"],
            "line_bin": [""],
            "action": "post",
            "idempotency_key": "i2",
        },
    )
    assert response.status_code == 302
    assert on_hand(site.tea, site.pick_1) == 0
    assert on_hand(site.tea, site.store_1) == 2
    issue = Issue.objects.get()
    html = staff_client.get(f"/inventory/issues/{issue.pk}/").content.decode()
    assert "A-01-1" in html
    assert "S-01" in html


# --- transfers ---------------------------------------------------------------------------------


def test_transfer_within_a_warehouse(staff_client: Client, site: Site) -> None:
    receive("MEL", ("MUG-BLUE", 10, "S-01"))
    response = staff_client.post(
        "/inventory/transfers/new/",
        {
            "warehouse": "MEL",
            "to_warehouse": "",
            "line_sku": ["MUG-BLUE"],
            "line_qty": ["6"],
            "line_from_bin": ["s-01"],
            "line_to_bin": ["A-01-2"],
            "action": "post",
            "idempotency_key": "t1",
        },
    )
    assert response.status_code == 302
    assert Transfer.objects.get().status == TransferStatus.POSTED
    assert on_hand(site.mug, site.store_1) == 4
    assert on_hand(site.mug, site.pick_2) == 6


def test_transfer_between_warehouses_ships_then_receives(staff_client: Client, site: Site) -> None:
    other = make_site("SYD")
    receive("MEL", ("MUG-BLUE", 10, "S-01"))
    staff_client.post(
        "/inventory/transfers/new/",
        {
            "warehouse": "MEL",
            "to_warehouse": "SYD",
            "line_sku": ["MUG-BLUE"],
            "line_qty": ["4"],
            "line_from_bin": ["S-01"],
            "line_to_bin": ["A-01-1"],
            "action": "post",
            "idempotency_key": "t2",
        },
    )
    transfer = Transfer.objects.get()
    assert transfer.status == TransferStatus.SHIPPED
    assert on_hand(site.mug, site.store_1) == 6
    assert on_hand(site.mug, other.pick_1) == 0
    html = staff_client.get(f"/inventory/transfers/{transfer.pk}/").content.decode()
    assert 'id="receive-transfer"' in html

    staff_client.post(f"/inventory/transfers/{transfer.pk}/receive/")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.POSTED
    assert on_hand(site.mug, other.pick_1) == 4


def test_transfer_editor_prefilled_from_a_bin(staff_client: Client, site: Site) -> None:
    html = staff_client.get(
        "/inventory/transfers/new/?warehouse=MEL&bin=S-01&sku=MUG-BLUE&qty=3"
    ).content.decode()
    assert 'name="line_from_bin"' in html
    assert 'value="S-01"' in html
    assert 'value="MUG-BLUE"' in html
    assert 'data-initial-bin="S-01"' in html


# --- stocktakes --------------------------------------------------------------------------------


def test_stocktake_counts_show_difference_and_post(staff_client: Client, site: Site) -> None:
    receive("MEL", ("TEA-GREEN", 10, "A-01-1"), ("MUG-BLUE", 2, "A-01-1"))
    response = staff_client.post(
        "/inventory/stocktakes/new/", {"warehouse": "MEL", "bins": "a-01-1", "skus": ""}
    )
    stocktake = Stocktake.objects.get()
    assert response["Location"] == f"/inventory/stocktakes/{stocktake.pk}/"
    page = staff_client.get(f"/inventory/stocktakes/{stocktake.pk}/").content.decode()
    assert 'data-expected="10"' in page
    assert 'data-expected="2"' in page

    saved = staff_client.post(
        f"/inventory/stocktakes/{stocktake.pk}/count/",
        {
            "line_bin": ["A-01-1", "A-01-1"],
            "line_sku": ["TEA-GREEN", "MUG-BLUE"],
            "line_counted": ["8", ""],
            "action": "count",
        },
    )
    assert saved.status_code == 302
    page = staff_client.get(f"/inventory/stocktakes/{stocktake.pk}/").content.decode()
    assert "-2" in page
    assert on_hand(site.tea, site.pick_1) == 10

    staff_client.post(
        f"/inventory/stocktakes/{stocktake.pk}/count/",
        {
            "line_bin": ["A-01-1", "A-01-1"],
            "line_sku": ["TEA-GREEN", "MUG-BLUE"],
            "line_counted": ["8", "2"],
            "action": "post",
        },
    )
    stocktake.refresh_from_db()
    assert stocktake.status == StocktakeStatus.POSTED
    assert on_hand(site.tea, site.pick_1) == 8
    assert on_hand(site.mug, site.pick_1) == 2


def test_stocktake_needs_bins_or_items(staff_client: Client, site: Site) -> None:
    response = staff_client.post(
        "/inventory/stocktakes/new/", {"warehouse": "MEL", "bins": "", "skus": ""}
    )
    assert response.status_code == 422
    assert "Choose the bins or the items to count." in response.content.decode()
    assert Stocktake.objects.count() == 0


def test_stocktake_refused_count_keeps_what_was_typed(staff_client: Client, site: Site) -> None:
    receive("MEL", ("TEA-GREEN", 10, "A-01-1"))
    staff_client.post("/inventory/stocktakes/new/", {"warehouse": "MEL", "bins": "A-01-1"})
    stocktake = Stocktake.objects.get()
    response = staff_client.post(
        f"/inventory/stocktakes/{stocktake.pk}/count/",
        {"line_bin": ["A-01-1"], "line_sku": ["TEA-GREEN"], "line_counted": ["-3"]},
    )
    assert response.status_code == 422
    assert "must be a whole number, 0 or more" in response.content.decode()
    assert stocktake.lines.get().counted is None


# --- lists and roles ---------------------------------------------------------------------------


@pytest.mark.parametrize("segment", ["receipts", "issues", "transfers", "stocktakes"])
def test_document_lists_render_empty(viewer_client: Client, site: Site, segment: str) -> None:
    response = viewer_client.get(f"/inventory/{segment}/")
    assert response.status_code == 200
    assert b"data-empty" in response.content
    assert b'data-count="0"' in response.content


def test_receipt_list_filters_search_and_counts(staff_client: Client, site: Site) -> None:
    receive("MEL", ("TEA-GREEN", 5, None))
    receipt_create(
        user=None,
        warehouse="MEL",
        kind="other",
        lines=[DocumentLineInput(sku="MUG-BLUE", qty=2)],
        reference="FOUND",
    )
    html = staff_client.get("/inventory/receipts/").content.decode()
    assert 'data-count="2"' in html
    by_status = staff_client.get("/inventory/receipts/?status=draft").content.decode()
    assert 'data-count="1"' in by_status
    assert "FOUND" in by_status
    by_sku = staff_client.get("/inventory/receipts/?q=tea-green").content.decode()
    assert 'data-count="1"' in by_sku
    first = Receipt.objects.order_by("pk").first()
    assert first is not None
    by_number = staff_client.get(f"/inventory/receipts/?q={first.number}").content.decode()
    assert 'data-count="1"' in by_number
    assert first.number in by_number
    by_kind = staff_client.get("/inventory/receipts/?kind=other&sort=-units").content.decode()
    assert 'data-count="1"' in by_kind


def test_receipt_list_query_count_is_constant(
    staff_client: Client, site: Site, django_assert_max_num_queries: Any
) -> None:
    for number in range(60):
        receipt_create(
            user=None,
            warehouse="MEL",
            kind="purchase",
            lines=[DocumentLineInput(sku="TEA-GREEN", qty=number + 1)],
        )
    with django_assert_max_num_queries(8):
        response = staff_client.get("/inventory/receipts/?sort=units")
    assert response.status_code == 200
    assert response.content.decode().count("data-number=") == 50


def test_viewer_sees_no_buttons_and_is_refused_on_post(viewer_client: Client, site: Site) -> None:
    receive("MEL", ("TEA-GREEN", 5, "A-01-1"))
    receipt = Receipt.objects.get()
    detail = viewer_client.get(f"/inventory/receipts/{receipt.pk}/").content.decode()
    assert 'id="reverse-document"' not in detail
    listing = viewer_client.get("/inventory/receipts/").content.decode()
    assert 'id="receipt-new"' not in listing

    assert viewer_client.get("/inventory/receipts/new/").status_code == 403
    assert viewer_client.get("/inventory/transfers/new/").status_code == 403
    assert viewer_client.post("/inventory/receipts/new/", receipt_form()).status_code == 403
    assert viewer_client.post(f"/inventory/receipts/{receipt.pk}/reverse/").status_code == 403
    assert viewer_client.post("/inventory/stocktakes/new/", {"warehouse": "MEL"}).status_code == 403
    receipt.refresh_from_db()
    assert receipt.status == DocumentStatus.POSTED
    assert Receipt.objects.count() == 1
    assert on_hand(site.tea, site.pick_1) == 5


def test_posting_a_short_draft_marks_its_line_and_changes_nothing(
    staff_client: Client, site: Site
) -> None:
    from kucun.inventory.services import issue_create

    receive("MEL", ("TEA-GREEN", 4, "A-01-1"))
    issue = issue_create(
        user=None,
        warehouse="MEL",
        kind="other",
        lines=[
            DocumentLineInput(sku="MUG-BLUE", qty=1, bin=None),
            DocumentLineInput(sku="TEA-GREEN", qty=6, bin=None),
        ],
    )
    moves_before = StockMove.objects.count()
    response = staff_client.post(f"/inventory/issues/{issue.pk}/post/")
    assert response.status_code == 422
    html = response.content.decode()
    assert "data-line-error" in html
    assert "Not enough stock" in html
    issue.refresh_from_db()
    assert issue.status == DocumentStatus.DRAFT
    assert StockMove.objects.count() == moves_before
    assert on_hand(site.tea, site.pick_1) == 4


@pytest.mark.parametrize(
    ("path", "mode"),
    [
        ("/inventory/issues/new/", "lines"),
        ("/inventory/transfers/new/", "transfer"),
    ],
)
def test_every_editor_has_the_scan_box(
    staff_client: Client, site: Site, path: str, mode: str
) -> None:
    html = staff_client.get(path).content.decode()
    assert 'id="scan-input"' in html
    assert f'data-scan-mode="{mode}"' in html


def test_stocktake_page_scans_for_staff_and_is_read_only_for_viewers(
    staff_client: Client, viewer_client: Client, site: Site
) -> None:
    staff_client.post("/inventory/stocktakes/new/", {"warehouse": "MEL", "skus": "TEA-GREEN"})
    stocktake = Stocktake.objects.get()
    staff_html = staff_client.get(f"/inventory/stocktakes/{stocktake.pk}/").content.decode()
    assert 'data-scan-mode="stocktake"' in staff_html
    assert 'id="post-document"' in staff_html
    viewer_html = viewer_client.get(f"/inventory/stocktakes/{stocktake.pk}/").content.decode()
    assert 'id="scan-input"' not in viewer_html
    assert 'id="post-document"' not in viewer_html
    refused = viewer_client.post(
        f"/inventory/stocktakes/{stocktake.pk}/count/",
        {"line_bin": ["A-01-1"], "line_sku": ["TEA-GREEN"], "line_counted": ["3"]},
    )
    assert refused.status_code == 403
    assert stocktake.lines.filter(counted__isnull=False).count() == 0


def test_receipt_list_offers_import_from_a_file(staff_client: Client, site: Site) -> None:
    html = staff_client.get("/inventory/receipts/").content.decode()
    assert 'href="/data/imports/new/?kind=receipt"' in html
    assert 'href="/data/imports/templates/receipt.csv"' in html


def test_a_service_refusal_lands_on_its_line(staff_client: Client, site: Site) -> None:
    receive("MEL", ("TEA-GREEN", 5, "A-01-1"), ("MUG-BLUE", 1, "S-01"))
    response = staff_client.post(
        "/inventory/transfers/new/",
        {
            "warehouse": "MEL",
            "line_sku": ["TEA-GREEN", "MUG-BLUE"],
            "line_qty": ["2", "3"],
            "line_from_bin": ["A-01-1", "S-01"],
            "line_to_bin": ["A-01-2", "A-01-2"],
            "action": "post",
            "idempotency_key": "t9",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    first_row = html[html.index('value="TEA-GREEN"') :]
    first_row = first_row[: first_row.index("</tr>")]
    second_row = html[html.index('value="MUG-BLUE"') :]
    second_row = second_row[: second_row.index("</tr>")]
    assert "data-line-error" not in first_row
    assert "data-line-error" in second_row
    assert "MUG-BLUE" in second_row
    assert Transfer.objects.count() == 0
    assert on_hand(site.tea, site.pick_1) == 5
    assert on_hand(site.mug, site.store_1) == 1


# --- bundles and every bad line at once -------------------------------------------------------


def line_values(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}"[^>]*value="([^"]*)"', html)


def test_a_bundle_line_is_replaced_by_its_components_before_anything_is_saved(
    staff_client: Client, site: Site
) -> None:
    make_bundle("TEA-SET", [("TEA-GREEN", 4), ("MUG-BLUE", 2)])
    response = staff_client.post(
        "/inventory/receipts/new/",
        receipt_form(
            line_sku=["TEA-GREEN", "tea-set", "MUG-BLUE"],
            line_qty=["1", "3", "5"],
            line_bin=["A-01-1", "A-01-1", "S-01"],
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    # Merged into the tea line of the same bin; the mugs go to a new line in that bin.
    assert line_values(html, "line_sku")[:3] == ["TEA-GREEN", "MUG-BLUE", "MUG-BLUE"]
    assert line_values(html, "line_qty")[:3] == ["13", "6", "5"]
    assert line_values(html, "line_bin")[:3] == ["A-01-1", "A-01-1", "S-01"]
    assert "tea-set" not in line_values(html, "line_sku")
    assert (
        "3 × tea-set is a bundle, which holds no stock: its line was replaced by its components "
        "(6 × MUG-BLUE, 12 × TEA-GREEN)." in html
    )
    assert Receipt.objects.count() == 0
    assert StockMove.objects.count() == 0

    posted = staff_client.post(
        "/inventory/receipts/new/",
        receipt_form(
            line_sku=["TEA-GREEN", "MUG-BLUE", "MUG-BLUE"],
            line_qty=["13", "6", "5"],
            line_bin=["A-01-1", "A-01-1", "S-01"],
        ),
    )
    assert posted.status_code == 302
    assert on_hand(site.tea, site.pick_1) == 13
    assert on_hand(site.mug, site.pick_1) == 6


def test_every_bad_line_is_reported_at_once(staff_client: Client, site: Site) -> None:
    make_bundle("TEA-SET", [("TEA-GREEN", 4)])
    closed = bin_create(user=None, zone_id=site.pick_1.zone_id, code="A-09")
    bin_update(user=None, bin_id=closed.pk, active=False)
    response = staff_client.post(
        "/inventory/issues/new/",
        receipt_form(
            kind="other",
            line_sku=["TEA-GREEN", "NO-SUCH", "MUG-BLUE", "MUG-BLUE", "TEA-SET"],
            line_qty=["0", "1", "1", "1", "2"],
            line_bin=["", "", "Z-99", "A-09", ""],
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Quantity must be a whole number of at least 1." in html
    assert "Unknown SKU NO-SUCH." in html
    assert "Unknown bin Z-99 in warehouse MEL." in html
    assert "Bin A-09 is inactive." in html
    assert "2 × TEA-SET is a bundle" in html
    assert line_values(html, "line_qty")[4] == "8"
    assert Issue.objects.count() == 0


def test_editing_a_draft_saved_with_a_bundle_line_shows_it_expanded(
    staff_client: Client, site: Site
) -> None:
    bundle = make_bundle("MUG-PAIR", [("MUG-BLUE", 2)])
    receipt = receipt_create(
        user=None, warehouse="MEL", kind="purchase", lines=[DocumentLineInput("TEA-GREEN", 1)]
    )
    ReceiptLine.objects.create(receipt=receipt, item=bundle, qty=3, bin=site.store_1)
    html = staff_client.get(f"/inventory/receipts/{receipt.pk}/edit/").content.decode()
    assert line_values(html, "line_sku")[:2] == ["TEA-GREEN", "MUG-BLUE"]
    assert line_values(html, "line_qty")[:2] == ["1", "6"]
    assert "3 × MUG-PAIR is a bundle" in html


def transfer_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "warehouse": "MEL",
        "to_warehouse": "",
        "reference": "",
        "note": "",
        "action": "post",
        "idempotency_key": "t-bundle",
    }
    data.update(overrides)
    return data


def test_a_bundle_line_on_a_transfer_is_replaced_by_its_components_in_its_bins(
    staff_client: Client, site: Site
) -> None:
    make_bundle("TEA-SET", [("TEA-GREEN", 4), ("MUG-BLUE", 2)])
    receive("MEL", ("TEA-GREEN", 20, "A-01-1"), ("MUG-BLUE", 10, "A-01-1"), ("MUG-BLUE", 5, "S-01"))
    moves = StockMove.objects.count()
    response = staff_client.post(
        "/inventory/transfers/new/",
        transfer_form(
            line_sku=["TEA-GREEN", "tea-set", "MUG-BLUE"],
            line_qty=["1", "3", "5"],
            line_from_bin=["A-01-1", "A-01-1", "S-01"],
            line_to_bin=["A-01-2", "A-01-2", "A-01-2"],
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    # Merged into the tea line of the same from-bin and to-bin; the mugs from A-01-1 go to a
    # new line with the bundle's bins, not onto the mugs taken from S-01.
    assert line_values(html, "line_sku")[:3] == ["TEA-GREEN", "MUG-BLUE", "MUG-BLUE"]
    assert line_values(html, "line_qty")[:3] == ["13", "6", "5"]
    assert line_values(html, "line_from_bin")[:3] == ["A-01-1", "A-01-1", "S-01"]
    assert line_values(html, "line_to_bin")[:3] == ["A-01-2", "A-01-2", "A-01-2"]
    assert "tea-set" not in line_values(html, "line_sku")
    assert (
        "3 × tea-set is a bundle, which holds no stock: its line was replaced by its components "
        "(6 × MUG-BLUE, 12 × TEA-GREEN)." in html
    )
    assert Transfer.objects.count() == 0
    assert StockMove.objects.count() == moves

    posted = staff_client.post(
        "/inventory/transfers/new/",
        transfer_form(
            line_sku=line_values(html, "line_sku")[:3],
            line_qty=line_values(html, "line_qty")[:3],
            line_from_bin=line_values(html, "line_from_bin")[:3],
            line_to_bin=line_values(html, "line_to_bin")[:3],
        ),
    )
    assert posted.status_code == 302
    assert on_hand(site.tea, site.pick_2) == 13
    assert on_hand(site.mug, site.pick_2) == 11
    assert on_hand(site.mug, site.pick_1) == 4


def test_a_bundle_line_on_a_refused_transfer_is_expanded_with_the_other_errors(
    staff_client: Client, site: Site
) -> None:
    make_bundle("TEA-SET", [("TEA-GREEN", 4)])
    response = staff_client.post(
        "/inventory/transfers/new/",
        transfer_form(
            line_sku=["TEA-SET", "MUG-BLUE"],
            line_qty=["2", "1"],
            line_from_bin=["S-01", "Z-99"],
            line_to_bin=["A-01-1", "A-01-1"],
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "2 × TEA-SET is a bundle" in html
    assert "Unknown bin Z-99 in warehouse MEL." in html
    assert line_values(html, "line_sku")[:2] == ["TEA-GREEN", "MUG-BLUE"]
    assert line_values(html, "line_qty")[:2] == ["8", "1"]
    assert line_values(html, "line_from_bin")[:2] == ["S-01", "Z-99"]
    assert Transfer.objects.count() == 0


def test_editing_a_draft_transfer_saved_with_a_bundle_line_shows_it_expanded(
    staff_client: Client, site: Site
) -> None:
    bundle = make_bundle("MUG-PAIR", [("MUG-BLUE", 2)])
    transfer = transfer_create(
        user=None,
        warehouse="MEL",
        lines=[TransferLineInput("TEA-GREEN", 1, "A-01-1", "A-01-2")],
    )
    TransferLine.objects.create(
        transfer=transfer, item=bundle, qty=3, from_bin=site.store_1, to_bin=site.pick_1
    )
    html = staff_client.get(f"/inventory/transfers/{transfer.pk}/edit/").content.decode()
    assert line_values(html, "line_sku")[:2] == ["TEA-GREEN", "MUG-BLUE"]
    assert line_values(html, "line_qty")[:2] == ["1", "6"]
    assert line_values(html, "line_from_bin")[:2] == ["A-01-1", "S-01"]
    assert line_values(html, "line_to_bin")[:2] == ["A-01-2", "A-01-1"]
    assert "3 × MUG-PAIR is a bundle" in html

    # A bundle typed on a line while editing is expanded too, and nothing is saved.
    response = staff_client.post(
        f"/inventory/transfers/{transfer.pk}/edit/",
        transfer_form(
            line_sku=["TEA-GREEN", "mug-pair"],
            line_qty=["1", "2"],
            line_from_bin=["A-01-1", "S-01"],
            line_to_bin=["A-01-2", "A-01-1"],
        ),
    )
    assert response.status_code == 200
    edited = response.content.decode()
    assert line_values(edited, "line_sku")[:2] == ["TEA-GREEN", "MUG-BLUE"]
    assert line_values(edited, "line_qty")[:2] == ["1", "4"]
    assert "2 × mug-pair is a bundle" in edited
    assert sorted(transfer.lines.values_list("item__sku", "qty")) == [
        ("MUG-PAIR", 3),
        ("TEA-GREEN", 1),
    ]
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DRAFT
