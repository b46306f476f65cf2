"""Bulk actions on the document lists: post or discard the selected drafts."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from kucun.core.models import AuditEntry, ExportRun
from kucun.inventory.choices import DocumentStatus, StocktakeStatus
from kucun.inventory.models import Issue, Receipt, ReceiptLine, StockMove, Stocktake, Transfer
from kucun.inventory.services import (
    DocumentLineInput,
    StocktakeCountInput,
    TransferLineInput,
    issue_create,
    receipt_create,
    receipt_post,
    stocktake_count,
    stocktake_create,
    transfer_create,
)
from tests.inventory.ledger_checks import snapshot
from tests.inventory.views_support import Site, make_site, on_hand, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Site:
    return make_site()


def draft_receipt(qty: int = 5, reference: str = "") -> Receipt:
    return receipt_create(
        user=None,
        warehouse="MEL",
        kind="purchase",
        lines=[DocumentLineInput("TEA-GREEN", qty, "A-01-1")],
        reference=reference,
    )


def draft_issue(qty: int) -> Issue:
    return issue_create(
        user=None,
        warehouse="MEL",
        kind="other",
        lines=[DocumentLineInput("TEA-GREEN", qty, "A-01-1")],
    )


def flash(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def state() -> dict[str, Any]:
    return {
        "receipts": list(Receipt.objects.order_by("pk").values_list("pk", "status")),
        "issues": list(Issue.objects.order_by("pk").values_list("pk", "status")),
        "lines": ReceiptLine.objects.count(),
        "ledger": snapshot(),
        "moves": StockMove.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


# --- the lists offer the selection ---------------------------------------------------------------


def test_receipt_list_offers_the_selection_and_its_actions(
    staff_client: Client, site: Site
) -> None:
    draft = draft_receipt()
    posted = draft_receipt()
    receipt_post(user=None, receipt_id=posted.pk)

    html = staff_client.get("/inventory/receipts/").content.decode()

    assert 'action="/inventory/receipts/bulk/" id="document-bulk"' in html
    assert 'data-select-all="ids"' in html
    for receipt in (draft, posted):
        assert f'name="ids" value="{receipt.pk}" form="document-bulk"' in html
    assert 'id="documents-post"' in html
    assert 'id="documents-discard"' in html
    assert 'data-confirm="Discard the selected drafts?' in html
    assert 'data-confirm="Post the selected documents?' in html
    assert 'id="documents-export-selected-csv" formaction="/data/exports/new/"' in html


def test_stocktake_list_offers_post_but_not_discard(staff_client: Client, site: Site) -> None:
    stocktake_create(user=None, warehouse="MEL", bins=["A-01-1"])

    html = staff_client.get("/inventory/stocktakes/").content.decode()

    assert 'id="documents-post"' in html
    assert 'id="documents-discard"' not in html


def test_viewers_may_tick_rows_to_export_but_not_post_or_discard(
    viewer_client: Client, site: Site
) -> None:
    draft = draft_receipt()

    html = viewer_client.get("/inventory/receipts/").content.decode()

    assert 'action="/data/exports/new/" id="document-bulk"' in html
    assert f'name="ids" value="{draft.pk}" form="document-bulk"' in html
    assert 'id="documents-export-selected-csv"' in html
    assert 'id="documents-post"' not in html
    assert 'id="documents-discard"' not in html


@pytest.mark.parametrize("segment", ["receipts", "issues", "transfers", "stocktakes"])
def test_document_list_query_count_is_pinned_with_the_selection(
    staff_client: Client, site: Site, segment: str, django_assert_num_queries: Any
) -> None:
    for _number in range(3):
        if segment == "receipts":
            draft_receipt()
        elif segment == "issues":
            draft_issue(1)
        elif segment == "transfers":
            transfer_create(
                user=None,
                warehouse="MEL",
                lines=[TransferLineInput("TEA-GREEN", 1, "A-01-1", "A-01-2")],
            )
        else:
            stocktake_create(user=None, warehouse="MEL", bins=["A-01-1"])
    staff_client.get(f"/inventory/{segment}/")  # the session and user are cached from here on

    # session, user, count, page of documents, warehouse choices
    with django_assert_num_queries(5):
        response = staff_client.get(f"/inventory/{segment}/")

    assert response.content.decode().count('form="document-bulk"') == 3


# --- post selected -------------------------------------------------------------------------------


def test_post_selected_posts_every_draft(staff_client: Client, site: Site) -> None:
    first, second = draft_receipt(5), draft_receipt(7)

    response = staff_client.post(
        "/inventory/receipts/bulk/",
        {
            "action": "post",
            "ids": [first.pk, second.pk],
            "next": "/inventory/receipts/?status=draft",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/inventory/receipts/?status=draft"
    assert set(Receipt.objects.values_list("status", flat=True)) == {DocumentStatus.POSTED}
    assert on_hand(site.tea, site.pick_1) == 12
    assert flash(response) == ["2 documents posted."]


def test_post_selected_names_the_refused_ones_and_posts_the_rest(
    staff_client: Client, site: Site
) -> None:
    receive("MEL", ("TEA-GREEN", 3, "A-01-1"))
    short = draft_issue(10)
    fine = draft_issue(2)

    response = staff_client.post(
        "/inventory/issues/bulk/", {"action": "post", "ids": [short.pk, fine.pk]}
    )

    assert response["Location"] == "/inventory/issues/"
    short.refresh_from_db()
    fine.refresh_from_db()
    assert short.status == DocumentStatus.DRAFT
    assert fine.status == DocumentStatus.POSTED
    assert on_hand(site.tea, site.pick_1) == 1
    done, failed = flash(response)
    assert done == "1 document posted."
    assert failed.startswith(f"1 not done: {short.number}: ")
    assert "TEA-GREEN" in failed


def test_post_selected_refuses_a_posted_document_and_changes_nothing(
    staff_client: Client, site: Site
) -> None:
    posted = draft_receipt()
    receipt_post(user=None, receipt_id=posted.pk)
    before = state()

    response = staff_client.post(
        "/inventory/receipts/bulk/", {"action": "post", "ids": [posted.pk]}
    )

    assert state() == before
    [failed] = flash(response)
    assert failed.startswith(f"1 not done: {posted.number}: ")


def test_post_selected_posts_counted_stocktakes(staff_client: Client, site: Site) -> None:
    stocktake = stocktake_create(user=None, warehouse="MEL", bins=["A-01-1"])
    stocktake_count(
        user=None,
        stocktake_id=stocktake.pk,
        counts=[StocktakeCountInput("A-01-1", "TEA-GREEN", 4)],
    )

    response = staff_client.post(
        "/inventory/stocktakes/bulk/", {"action": "post", "ids": [stocktake.pk]}
    )

    stocktake.refresh_from_db()
    assert stocktake.status == StocktakeStatus.POSTED
    assert on_hand(site.tea, site.pick_1) == 4
    assert flash(response) == ["1 document posted."]


# --- discard selected ----------------------------------------------------------------------------


def test_discard_selected_deletes_the_drafts_only(staff_client: Client, site: Site) -> None:
    first, second = draft_receipt(), draft_receipt()
    posted = draft_receipt()
    receipt_post(user=None, receipt_id=posted.pk)

    response = staff_client.post(
        "/inventory/receipts/bulk/",
        {"action": "discard", "ids": [first.pk, second.pk, posted.pk]},
    )

    assert list(Receipt.objects.values_list("pk", flat=True)) == [posted.pk]
    done, failed = flash(response)
    assert done == "2 drafts discarded."
    assert failed.startswith(f"1 not done: {posted.number}: ")


def test_discard_selected_transfers(staff_client: Client, site: Site) -> None:
    transfer = transfer_create(
        user=None, warehouse="MEL", lines=[TransferLineInput("TEA-GREEN", 1, "A-01-1", "A-01-2")]
    )

    staff_client.post("/inventory/transfers/bulk/", {"action": "discard", "ids": [transfer.pk]})

    assert not Transfer.objects.exists()


def test_stocktakes_cannot_be_discarded_in_bulk(staff_client: Client, site: Site) -> None:
    stocktake = stocktake_create(user=None, warehouse="MEL", bins=["A-01-1"])

    response = staff_client.post(
        "/inventory/stocktakes/bulk/", {"action": "discard", "ids": [stocktake.pk]}
    )

    assert Stocktake.objects.filter(pk=stocktake.pk).exists()
    assert flash(response) == ["Choose an action for the selected documents."]


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["post", "discard"])
def test_viewer_is_refused_and_nothing_changes(
    viewer_client: Client, site: Site, action: str
) -> None:
    draft = draft_receipt()
    before = state()

    response = viewer_client.post(
        "/inventory/receipts/bulk/", {"action": action, "ids": [draft.pk]}
    )

    assert response.status_code == 403
    assert state() == before


def test_nothing_selected_is_refused_with_a_message(staff_client: Client, site: Site) -> None:
    draft_receipt()
    before = state()

    response = staff_client.post("/inventory/receipts/bulk/", {"action": "post", "ids": ["x"]})

    assert state() == before
    assert flash(response) == ["Select at least one document first."]


def test_a_foreign_next_is_ignored(staff_client: Client, site: Site) -> None:
    draft = draft_receipt()

    response = staff_client.post(
        "/inventory/receipts/bulk/",
        {"action": "discard", "ids": [draft.pk], "next": "https://example.com/"},
    )

    assert response["Location"] == "/inventory/receipts/"


def test_get_is_not_allowed(staff_client: Client, site: Site) -> None:
    assert staff_client.get("/inventory/receipts/bulk/").status_code == 405


def test_bulk_actions_speak_chinese(staff_client: Client, site: Site, staff: Any) -> None:
    staff.language = "zh-hans"
    staff.save(update_fields=["language"])
    draft = draft_receipt()
    posted = draft_receipt()
    receipt_post(user=None, receipt_id=posted.pk)

    html = staff_client.get("/inventory/receipts/").content.decode()
    response = staff_client.post(
        "/inventory/receipts/bulk/", {"action": "discard", "ids": [draft.pk, posted.pk]}
    )

    assert ">过账所选</button>" in html
    assert ">作废所选</button>" in html
    assert 'aria-label="全选"' in html
    done, failed = flash(response)
    assert done == "已作废 1 张草稿。"
    assert failed.startswith(f"1 项未完成：{posted.number}：")


# --- export selected -----------------------------------------------------------------------------


def csv_lines(response: Any) -> list[str]:
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_export_selected_gives_only_the_ticked_documents(viewer_client: Client, site: Site) -> None:
    first = draft_receipt(5, reference="PO-1")
    draft_receipt(7, reference="PO-2")
    third = draft_receipt(2, reference="PO-3")
    receipt_post(user=None, receipt_id=third.pk)

    response = viewer_client.post(
        "/data/exports/new/",
        {
            "kind": "documents",
            "type": "receipt",
            "format": "csv",
            "ids": [third.pk, first.pk],
            "next": "/inventory/receipts/",
        },
    )

    assert response.status_code == 200
    lines = csv_lines(response)
    assert lines[0] == (
        "number,type,kind,warehouse,to_warehouse,reference,status,lines,units,"
        "created_by,created_at,posted_at"
    )
    rows = [line.split(",") for line in lines[1:]]
    assert [row[:10] for row in rows] == [
        [first.number, "receipt", "purchase", "MEL", "", "PO-1", "draft", "1", "5", ""],
        [third.number, "receipt", "purchase", "MEL", "", "PO-3", "posted", "1", "2", ""],
    ]
    assert rows[0][11] == ""
    assert rows[1][11] != ""
    run = ExportRun.objects.get()
    assert (run.kind, run.filters) == (
        "documents",
        {"type": "receipt", "ids": f"{third.pk},{first.pk}"},
    )


def test_export_of_documents_names_a_missing_type(viewer_client: Client, site: Site) -> None:
    response = viewer_client.post(
        "/data/exports/new/", {"kind": "documents", "format": "csv", "ids": ["1"]}
    )

    assert response.status_code == 422
    assert "Filter type must be one of receipt, issue, transfer, stocktake" in (
        response.content.decode()
    )
    assert not ExportRun.objects.exists()


def test_export_selected_transfers_name_both_warehouses(viewer_client: Client, site: Site) -> None:
    make_site("SYD")
    receive("MEL", ("TEA-GREEN", 3, "A-01-1"))
    transfer = transfer_create(
        user=None,
        warehouse="MEL",
        to_warehouse="SYD",
        lines=[TransferLineInput("TEA-GREEN", 2, "A-01-1", "A-01-1")],
    )

    response = viewer_client.post(
        "/data/exports/new/",
        {"kind": "documents", "type": "transfer", "format": "csv", "ids": [transfer.pk]},
    )

    [row] = [line.split(",") for line in csv_lines(response)[1:]]
    assert row[:9] == [transfer.number, "transfer", "", "MEL", "SYD", "", "draft", "1", "2"]


def test_the_export_kinds_speak_chinese(viewer_client: Client, site: Site, viewer: Any) -> None:
    viewer.language = "zh-hans"
    viewer.save(update_fields=["language"])

    documents = viewer_client.post("/data/exports/new/", {"kind": "documents", "type": "receipt"})
    refused = viewer_client.post(
        "/data/exports/new/", {"kind": "documents", "type": "order", "format": "csv"}
    )

    assert "库存单据" in documents.content.decode()
    assert "筛选条件 type 须为 receipt, issue, transfer, stocktake 之一，而不是“order”。" in (
        refused.content.decode()
    )


def test_a_long_list_of_refusals_names_ten_and_counts_the_rest(
    staff_client: Client, site: Site
) -> None:
    missing = list(range(900_001, 900_013))

    response = staff_client.post("/inventory/receipts/bulk/", {"action": "post", "ids": missing})

    [failed] = flash(response)
    assert failed.startswith("12 not done: RC-900001: ")
    assert "RC-900010: " in failed
    assert "RC-900011" not in failed
    assert failed.endswith(" (and 2 more)")
