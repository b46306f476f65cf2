"""Changing and discarding a draft receipt, issue or transfer in the console."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from kucun.core.models import AuditEntry
from kucun.inventory.models import (
    Issue,
    IssueLine,
    Receipt,
    ReceiptLine,
    StockMove,
    Transfer,
    TransferLine,
)
from kucun.inventory.services import (
    DocumentLineInput,
    TransferLineInput,
    issue_create,
    receipt_create,
    receipt_post,
    stocktake_create,
    transfer_create,
)
from kucun.warehouses.services import warehouse_create
from tests.inventory.ledger_checks import snapshot
from tests.inventory.views_support import Site, make_site, on_hand, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Site:
    return make_site()


def draft_receipt(reference: str = "PO-1") -> Receipt:
    return receipt_create(
        user=None,
        warehouse="MEL",
        kind="purchase",
        lines=[DocumentLineInput("TEA-GREEN", 5, "A-01-1")],
        reference=reference,
    )


def receipt_lines(receipt: Receipt) -> list[tuple[str, int, str]]:
    return list(
        ReceiptLine.objects.filter(receipt=receipt)
        .order_by("id")
        .values_list("item__sku", "qty", "bin__code")
    )


def state_of(receipt: Receipt) -> dict[str, Any]:
    row = Receipt.objects.filter(pk=receipt.pk).values_list(
        "kind", "reference", "note", "status", "warehouse"
    )
    return {
        "header": list(row),
        "lines": receipt_lines(receipt),
        "ledger": snapshot(),
        "moves": StockMove.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def edit_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "sales_return",
        "reference": "PO-1 rev",
        "note": "recounted",
        "line_sku": ["TEA-GREEN", "MUG-BLUE"],
        "line_qty": ["2", "7"],
        "line_bin": ["A-01-2", ""],
        "action": "save",
        "idempotency_key": "edit-1",
    }
    data.update(overrides)
    return data


def line_values(html: str, name: str) -> list[str]:
    """Values of one column of the editor's line table (not the blank row template)."""
    body = html.split('id="lines-body">')[1].split("</tbody>")[0]
    return re.findall(rf'name="line_{name}"[^>]*value="([^"]*)"', body)


def flash(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- detail page buttons -------------------------------------------------------------------------


def test_draft_detail_offers_edit_and_discard(staff_client: Client, site: Site) -> None:
    receipt = draft_receipt()

    html = staff_client.get(f"/inventory/receipts/{receipt.pk}/").content.decode()

    assert f'id="edit-document" href="/inventory/receipts/{receipt.pk}/edit/"' in html
    assert 'id="discard-document"' in html
    assert f'action="/inventory/receipts/{receipt.pk}/discard/" data-confirm="Discard draft' in html


def test_posted_detail_offers_neither(staff_client: Client, site: Site) -> None:
    receipt = draft_receipt()
    receipt_post(user=None, receipt_id=receipt.pk)

    html = staff_client.get(f"/inventory/receipts/{receipt.pk}/").content.decode()

    assert 'id="edit-document"' not in html
    assert 'id="discard-document"' not in html


def test_viewer_sees_no_buttons_and_is_refused(viewer_client: Client, site: Site) -> None:
    receipt = draft_receipt()
    before = state_of(receipt)

    html = viewer_client.get(f"/inventory/receipts/{receipt.pk}/").content.decode()
    edit_page = viewer_client.get(f"/inventory/receipts/{receipt.pk}/edit/")
    edit_post = viewer_client.post(f"/inventory/receipts/{receipt.pk}/edit/", edit_form())
    discard = viewer_client.post(f"/inventory/receipts/{receipt.pk}/discard/")

    assert 'id="edit-document"' not in html
    assert 'id="discard-document"' not in html
    assert (edit_page.status_code, edit_post.status_code, discard.status_code) == (403, 403, 403)
    assert state_of(receipt) == before


# --- the editor, prefilled -----------------------------------------------------------------------


def test_edit_page_is_the_editor_prefilled(
    staff_client: Client, site: Site, django_assert_max_num_queries: Any
) -> None:
    receipt = receipt_create(
        user=None,
        warehouse="MEL",
        kind="sales_return",
        lines=[DocumentLineInput("TEA-GREEN", 5, "A-01-1"), DocumentLineInput("MUG-BLUE", 2)],
        reference="RMA-4",
        note="two boxes",
    )

    with django_assert_max_num_queries(8):
        response = staff_client.get(f"/inventory/receipts/{receipt.pk}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Edit draft {receipt.number}" in html
    assert 'id="scan-input"' in html
    assert "inventory/scan.js" in html
    assert re.search(r'<option value="sales_return" selected>', html)
    assert 'value="RMA-4"' in html
    assert "two boxes</textarea>" in html
    assert re.search(r'<select name="warehouse"[^>]*disabled', html)
    assert "The warehouse cannot change once the document exists." in html
    assert line_values(html, "sku") == ["TEA-GREEN", "MUG-BLUE"]
    assert line_values(html, "qty") == ["5", "2"]
    assert line_values(html, "bin") == ["A-01-1", "RECEIVING"]
    assert "Green tea" in html
    assert 'id="save-draft">Save draft<' in html
    assert 'id="post-document"' in html
    assert f'href="/inventory/receipts/{receipt.pk}/" id="cancel-edit"' in html


def test_edit_page_query_count_does_not_grow_with_lines(
    staff_client: Client, site: Site, django_assert_max_num_queries: Any
) -> None:
    receipt = receipt_create(
        user=None,
        warehouse="MEL",
        kind="purchase",
        lines=[
            DocumentLineInput("TEA-GREEN" if n % 2 else "MUG-BLUE", n + 1, "A-01-1")
            for n in range(60)
        ],
    )

    with django_assert_max_num_queries(8):
        response = staff_client.get(f"/inventory/receipts/{receipt.pk}/edit/")

    assert response.status_code == 200
    assert len(line_values(response.content.decode(), "sku")) == 60


def test_issue_and_transfer_edit_pages_prefilled(
    staff_client: Client, site: Site, django_assert_max_num_queries: Any
) -> None:
    warehouse_create(user=None, code="SYD", name="SYD warehouse")
    issue = issue_create(
        user=None,
        warehouse="MEL",
        kind="order_shipment",
        lines=[DocumentLineInput("MUG-BLUE", 3, None)],
    )
    transfer = transfer_create(
        user=None,
        warehouse="MEL",
        to_warehouse="SYD",
        lines=[TransferLineInput("TEA-GREEN", 4, "A-01-1", "RECEIVING")],
    )

    with django_assert_max_num_queries(10):
        issue_html = staff_client.get(f"/inventory/issues/{issue.pk}/edit/").content.decode()
    with django_assert_max_num_queries(10):
        transfer_html = staff_client.get(
            f"/inventory/transfers/{transfer.pk}/edit/"
        ).content.decode()

    assert line_values(issue_html, "bin") == [""]
    assert re.search(r'<option value="order_shipment" selected>', issue_html)
    assert line_values(transfer_html, "from_bin") == ["A-01-1"]
    assert line_values(transfer_html, "to_bin") == ["RECEIVING"]
    assert re.search(r'<option value="SYD" selected>', transfer_html)
    assert 'data-scan-mode="transfer"' in transfer_html


# --- saving and posting --------------------------------------------------------------------------


def test_save_draft_replaces_header_and_lines(staff_client: Client, site: Site) -> None:
    receipt = draft_receipt()

    response = staff_client.post(f"/inventory/receipts/{receipt.pk}/edit/", edit_form())

    assert response.status_code == 302
    assert response["Location"] == f"/inventory/receipts/{receipt.pk}/"
    assert flash(response) == [f"{receipt.number} saved as a draft."]
    receipt.refresh_from_db()
    assert (receipt.kind, receipt.reference, receipt.note, receipt.status) == (
        "sales_return",
        "PO-1 rev",
        "recounted",
        "draft",
    )
    assert receipt_lines(receipt) == [("TEA-GREEN", 2, "A-01-2"), ("MUG-BLUE", 7, "RECEIVING")]
    assert StockMove.objects.count() == 0


def test_post_from_the_editor_moves_exactly_the_new_quantities(
    staff_client: Client, site: Site
) -> None:
    receipt = draft_receipt()

    response = staff_client.post(
        f"/inventory/receipts/{receipt.pk}/edit/", edit_form(action="post")
    )

    assert response.status_code == 302
    assert flash(response) == [f"{receipt.number} posted."]
    receipt.refresh_from_db()
    assert receipt.status == "posted"
    assert on_hand(site.tea, site.pick_1) == 0
    assert on_hand(site.tea, site.pick_2) == 2
    assert StockMove.objects.count() == 1
    assert sorted(receipt.move.lines.values_list("item__sku", "qty")) == [  # type: ignore[union-attr]
        ("MUG-BLUE", 7),
        ("TEA-GREEN", 2),
    ]


def test_the_warehouse_posted_by_a_tampered_form_is_ignored(
    staff_client: Client, site: Site
) -> None:
    warehouse_create(user=None, code="SYD", name="SYD warehouse")
    receipt = draft_receipt()

    response = staff_client.post(
        f"/inventory/receipts/{receipt.pk}/edit/", edit_form(warehouse="SYD")
    )

    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.warehouse.code == "MEL"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"line_sku": ["TEA-GREEN", "NOPE-1"]}, "Unknown SKU NOPE-1."),
        ({"line_qty": ["2", "0"]}, "Quantity must be a whole number of at least 1."),
        ({"line_qty": ["2", "many"]}, "Quantity must be a whole number of at least 1."),
        ({"line_bin": ["A-01-2", "Z-9"]}, "Unknown bin Z-9 in warehouse MEL."),
    ],
)
def test_refused_edit_keeps_the_form_and_changes_nothing(
    staff_client: Client, site: Site, overrides: dict[str, Any], message: str
) -> None:
    receipt = draft_receipt()
    before = state_of(receipt)

    response = staff_client.post(f"/inventory/receipts/{receipt.pk}/edit/", edit_form(**overrides))

    assert response.status_code == 422
    html = response.content.decode()
    rows = html.split("<tr data-line")[1:3]
    assert message not in rows[0]
    assert f"data-line-error>{message}</div>" in rows[1]
    assert 'value="PO-1 rev"' in html
    assert f"Edit draft {receipt.number}" in html
    assert state_of(receipt) == before


def test_an_edit_without_lines_is_refused(staff_client: Client, site: Site) -> None:
    receipt = draft_receipt()
    before = state_of(receipt)

    response = staff_client.post(
        f"/inventory/receipts/{receipt.pk}/edit/",
        edit_form(line_sku=[""], line_qty=[""], line_bin=[""]),
    )

    assert response.status_code == 422
    assert "Add at least one line: scan an item or search for a SKU." in response.content.decode()
    assert state_of(receipt) == before


def test_issue_post_short_of_stock_keeps_the_draft_as_it_was(
    staff_client: Client, site: Site
) -> None:
    receive("MEL", ("MUG-BLUE", 3, "A-01-1"))
    issue = issue_create(
        user=None, warehouse="MEL", kind="other", lines=[DocumentLineInput("MUG-BLUE", 1, None)]
    )
    before = (snapshot(), AuditEntry.objects.count())

    response = staff_client.post(
        f"/inventory/issues/{issue.pk}/edit/",
        {
            "kind": "other",
            "reference": "more",
            "note": "",
            "line_sku": ["MUG-BLUE"],
            "line_qty": ["5"],
            "line_bin": [""],
            "action": "post",
            "idempotency_key": "i-1",
        },
    )

    assert response.status_code == 422
    assert (
        "data-line-error>Not enough stock of MUG-BLUE in warehouse MEL: needed 5, available 3."
        in response.content.decode()
    )
    issue.refresh_from_db()
    assert (issue.status, issue.reference) == ("draft", "")
    assert list(IssueLine.objects.filter(issue=issue).values_list("qty", flat=True)) == [1]
    assert (snapshot(), AuditEntry.objects.count()) == before


def test_transfer_edit_changes_destination_and_lines(staff_client: Client, site: Site) -> None:
    syd = warehouse_create(user=None, code="SYD", name="SYD warehouse")
    receive("MEL", ("TEA-GREEN", 10, "S-01"))
    transfer = transfer_create(
        user=None, warehouse="MEL", lines=[TransferLineInput("TEA-GREEN", 4, "S-01", "A-01-1")]
    )

    response = staff_client.post(
        f"/inventory/transfers/{transfer.pk}/edit/",
        {
            "to_warehouse": "SYD",
            "reference": "",
            "note": "",
            "line_sku": ["TEA-GREEN"],
            "line_qty": ["6"],
            "line_from_bin": ["S-01"],
            "line_to_bin": ["RECEIVING"],
            "action": "save",
            "idempotency_key": "t-1",
        },
    )

    assert response.status_code == 302, response.content.decode()
    transfer.refresh_from_db()
    assert transfer.to_warehouse_id == syd.pk
    line = TransferLine.objects.select_related("to_bin").get(transfer=transfer)
    assert (line.qty, line.to_bin.warehouse_id) == (6, syd.pk)


# --- documents no longer drafts ------------------------------------------------------------------


def test_edit_page_of_a_posted_document_sends_back_to_it(staff_client: Client, site: Site) -> None:
    receipt = draft_receipt()
    receipt_post(user=None, receipt_id=receipt.pk)

    response = staff_client.get(f"/inventory/receipts/{receipt.pk}/edit/")

    assert response.status_code == 302
    assert response["Location"] == f"/inventory/receipts/{receipt.pk}/"
    assert flash(response) == [f"{receipt.number} is posted; only drafts can be changed."]


def test_saving_after_someone_posted_is_refused_and_changes_nothing(
    staff_client: Client, site: Site
) -> None:
    receipt = draft_receipt()
    assert staff_client.get(f"/inventory/receipts/{receipt.pk}/edit/").status_code == 200
    receipt_post(user=None, receipt_id=receipt.pk)
    before = state_of(receipt)

    response = staff_client.post(
        f"/inventory/receipts/{receipt.pk}/edit/", edit_form(action="post")
    )

    assert response.status_code == 302
    assert response["Location"] == f"/inventory/receipts/{receipt.pk}/"
    assert flash(response) == [f"{receipt.number} is posted; only drafts can be changed."]
    assert state_of(receipt) == before


def test_stocktakes_have_no_edit_or_discard(staff_client: Client, site: Site) -> None:
    receive("MEL", ("TEA-GREEN", 1, "A-01-1"))
    stocktake = stocktake_create(user=None, warehouse="MEL", bins=["A-01-1"])

    assert staff_client.get(f"/inventory/stocktakes/{stocktake.pk}/edit/").status_code == 404
    assert staff_client.post(f"/inventory/stocktakes/{stocktake.pk}/discard/").status_code == 404


# --- discarding ----------------------------------------------------------------------------------


def test_discard_deletes_the_draft(staff_client: Client, site: Site) -> None:
    keep = draft_receipt("KEEP")
    receipt = draft_receipt()

    response = staff_client.post(f"/inventory/receipts/{receipt.pk}/discard/")

    assert response.status_code == 302
    assert response["Location"] == "/inventory/receipts/"
    assert flash(response) == [f"{receipt.number} discarded."]
    assert list(Receipt.objects.values_list("pk", flat=True)) == [keep.pk]
    assert list(ReceiptLine.objects.values_list("receipt", flat=True)) == [keep.pk]
    assert staff_client.get(f"/inventory/receipts/{receipt.pk}/").status_code == 404


def test_discard_issue_and_transfer(staff_client: Client, site: Site) -> None:
    issue = issue_create(
        user=None, warehouse="MEL", kind="other", lines=[DocumentLineInput("MUG-BLUE", 1, None)]
    )
    transfer = transfer_create(
        user=None, warehouse="MEL", lines=[TransferLineInput("TEA-GREEN", 4, "S-01", "A-01-1")]
    )

    issue_response = staff_client.post(f"/inventory/issues/{issue.pk}/discard/")
    transfer_response = staff_client.post(f"/inventory/transfers/{transfer.pk}/discard/")

    assert issue_response["Location"] == "/inventory/issues/"
    assert transfer_response["Location"] == "/inventory/transfers/"
    assert (Issue.objects.count(), Transfer.objects.count()) == (0, 0)


def test_discarding_a_posted_document_is_refused_and_changes_nothing(
    staff_client: Client, site: Site
) -> None:
    receipt = draft_receipt()
    receipt_post(user=None, receipt_id=receipt.pk)
    before = state_of(receipt)

    response = staff_client.post(f"/inventory/receipts/{receipt.pk}/discard/")
    get_instead = staff_client.get(f"/inventory/receipts/{receipt.pk}/discard/")

    assert response.status_code == 422
    assert (
        f'id="document-error">{receipt.number} is posted; only drafts can be discarded. '
        "Reverse it instead.</div>" in response.content.decode()
    )
    assert get_instead.status_code == 405
    assert state_of(receipt) == before


def test_draft_screens_speak_chinese(staff_client: Client, site: Site, staff: Any) -> None:
    staff.language = "zh-hans"
    staff.save(update_fields=["language"])
    receipt = draft_receipt()

    detail = staff_client.get(f"/inventory/receipts/{receipt.pk}/").content.decode()
    editor = staff_client.get(f"/inventory/receipts/{receipt.pk}/edit/").content.decode()

    assert 'id="edit-document"' in detail
    assert ">编辑</a>" in detail
    assert ">作废草稿</button>" in detail
    assert f"作废草稿 {receipt.number}？草稿及其明细行将被删除；库存未发生任何移动。" in detail
    assert f"编辑草稿 {receipt.number}" in editor
    assert 'id="save-draft">保存草稿<' in editor
    assert "单据创建后仓库不能更改。" in editor
