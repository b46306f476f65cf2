"""Changing and discarding draft receipts, issues and transfers: services, races and the API."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from kucun.core.errors import Conflict, NotFound, ValidationFailed
from kucun.core.models import AuditEntry, IdempotencyRecord
from kucun.inventory.errors import DocumentNotEditable, InsufficientStock, UnknownSku
from kucun.inventory.models import (
    BinStock,
    Issue,
    IssueLine,
    Receipt,
    ReceiptLine,
    StockMove,
    StockMoveLine,
    Transfer,
    TransferLine,
)
from kucun.inventory.services import (
    DocumentLineInput,
    TransferLineInput,
    document_discard,
    issue_create,
    issue_update,
    receipt_create,
    receipt_post,
    receipt_update,
    transfer_create,
    transfer_update,
)
from tests.inventory.conftest import Site, build_item, build_site, receive
from tests.inventory.ledger_checks import assert_ledger_consistent, snapshot


def draft_receipt(site: Site, *lines: tuple[str, int, str | None], reference: str = "") -> Receipt:
    return receipt_create(
        user=None,
        warehouse=site.code,
        kind="purchase",
        lines=[DocumentLineInput(sku, qty, bin_code) for sku, qty, bin_code in lines],
        reference=reference,
    )


def receipt_lines(receipt: Receipt) -> list[tuple[str, int, str]]:
    return list(
        ReceiptLine.objects.filter(receipt=receipt)
        .order_by("id")
        .values_list("item__sku", "qty", "bin__code")
    )


def bin_on_hand(site: Site) -> dict[tuple[str, str], int]:
    return {
        (sku, code): qty
        for sku, code, qty in BinStock.objects.filter(
            location__warehouse=site.warehouse, on_hand__gt=0
        ).values_list("item__sku", "location__code", "on_hand")
    }


def state_of(receipt: Receipt) -> dict[str, Any]:
    """Everything an edit could touch: header, lines, ledger, balances, audit rows."""
    row = Receipt.objects.get(pk=receipt.pk)
    return {
        "header": (row.kind, row.reference, row.note, row.status, row.move_id),
        "lines": receipt_lines(receipt),
        "ledger": snapshot(),
        "audit": AuditEntry.objects.count(),
        "moves": StockMove.objects.count(),
    }


@pytest.fixture
def items(db: None) -> None:
    build_item("W-1")
    build_item("W-2")


# --- receipts ------------------------------------------------------------------------------------


def test_edit_lines_then_post_moves_exactly_the_new_quantities(
    site: Site, items: None, staff: Any
) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"), reference="PO-1")

    updated = receipt_update(
        user=staff,
        receipt_id=receipt.pk,
        lines=[DocumentLineInput("W-1", 3, "S-02"), DocumentLineInput("W-2", 4, None)],
        reference="PO-1b",
        post=True,
    )

    assert updated.pk == receipt.pk
    receipt.refresh_from_db()
    assert (receipt.status, receipt.reference, receipt.posted_by) == ("posted", "PO-1b", staff)
    assert receipt_lines(receipt) == [("W-1", 3, "S-02"), ("W-2", 4, "RECEIVING")]
    assert bin_on_hand(site) == {("W-1", "S-02"): 3, ("W-2", "RECEIVING"): 4}
    assert list(
        StockMoveLine.objects.filter(move=receipt.move).values_list(
            "item__sku", "to_location__code", "qty"
        )
    ) == [("W-1", "S-02", 3), ("W-2", "RECEIVING", 4)]
    update_entry = AuditEntry.objects.get(action="receipt.update", object_id=str(receipt.pk))
    assert (update_entry.actor, update_entry.summary) == (
        staff,
        f"{receipt.number} changed: 2 lines",
    )
    assert_ledger_consistent()


def test_edit_header_only_keeps_the_lines_and_posts_nothing(site: Site, items: None) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))

    receipt_update(
        user=None, receipt_id=receipt.pk, kind="other", reference="  RMA-9 ", note="count twice"
    )

    receipt.refresh_from_db()
    assert (receipt.kind, receipt.reference, receipt.note, receipt.status) == (
        "other",
        "RMA-9",
        "count twice",
        "draft",
    )
    assert receipt_lines(receipt) == [("W-1", 5, "S-01")]
    assert StockMove.objects.count() == 0
    entry = AuditEntry.objects.get(action="receipt.update")
    assert entry.summary == f"{receipt.number} changed"
    assert entry.data == {"fields": ["kind", "reference", "note"], "lines_replaced": False}


def test_refused_edit_with_unknown_sku_changes_nothing(site: Site, items: None) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"), reference="PO-1")
    before = state_of(receipt)

    with pytest.raises(UnknownSku) as refused:
        receipt_update(
            user=None,
            receipt_id=receipt.pk,
            reference="PO-2",
            lines=[DocumentLineInput("W-1", 2, "S-01"), DocumentLineInput("NOPE", 1, "S-01")],
            post=True,
        )

    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("lines[1].sku", "Unknown SKU NOPE.")
    ]
    assert state_of(receipt) == before


@pytest.mark.parametrize(
    ("qty", "bin_code", "field", "message"),
    [
        (0, "S-01", "lines[0].qty", "must be a positive whole number"),
        ("two", "S-01", "lines[0].qty", "must be a positive whole number"),
        (-3, "S-01", "lines[0].qty", "must be a positive whole number"),
        (2, "Z-99", "lines[0].bin", "Unknown bin Z-99 in warehouse MEL."),
    ],
)
def test_refused_edit_with_bad_line_changes_nothing(
    site: Site, items: None, qty: Any, bin_code: str, field: str, message: str
) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))
    before = state_of(receipt)

    with pytest.raises(ValidationFailed) as refused:
        receipt_update(
            user=None, receipt_id=receipt.pk, lines=[DocumentLineInput("W-1", qty, bin_code)]
        )

    assert [(e.field, e.message) for e in refused.value.errors] == [(field, message)]
    assert state_of(receipt) == before


def test_refused_edit_with_no_lines_or_unknown_kind(site: Site, items: None) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))
    before = state_of(receipt)

    with pytest.raises(ValidationFailed) as no_lines:
        receipt_update(user=None, receipt_id=receipt.pk, lines=[])
    with pytest.raises(ValidationFailed) as bad_kind:
        receipt_update(user=None, receipt_id=receipt.pk, kind="gift", reference="X")

    assert [(e.field, e.message) for e in no_lines.value.errors] == [
        ("lines", "Add at least one line.")
    ]
    assert [(e.field, e.message) for e in bad_kind.value.errors] == [
        ("kind", "Choose one of: purchase, sales_return, other.")
    ]
    assert state_of(receipt) == before


def test_the_warehouse_cannot_change(site: Site, other_site: Site, items: None) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))
    before = state_of(receipt)

    with pytest.raises(ValidationFailed) as refused:
        receipt_update(user=None, receipt_id=receipt.pk, warehouse="SYD", reference="X")

    assert refused.value.errors[0].field == "warehouse"
    assert refused.value.detail == (
        f"The warehouse of {receipt.number} is MEL and cannot change; discard the draft and "
        "create a new one for another warehouse."
    )
    assert state_of(receipt) == before
    receipt_update(user=None, receipt_id=receipt.pk, warehouse=" mel ", reference="X")
    assert Receipt.objects.get(pk=receipt.pk).reference == "X"


def test_editing_a_posted_receipt_is_refused_and_changes_nothing(site: Site, items: None) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"), reference="PO-1")
    receipt_post(user=None, receipt_id=receipt.pk)
    before = state_of(receipt)

    with pytest.raises(DocumentNotEditable) as refused:
        receipt_update(
            user=None,
            receipt_id=receipt.pk,
            reference="PO-2",
            lines=[DocumentLineInput("W-1", 50, "S-01")],
            post=True,
        )

    assert str(refused.value) == f"{receipt.number} is posted; only drafts can be changed."
    assert refused.value.status_code == 409
    assert state_of(receipt) == before


def test_editing_a_missing_document_is_not_found(db: None) -> None:
    with pytest.raises(NotFound):
        receipt_update(user=None, receipt_id=999_999, reference="X")


def test_same_key_replays_and_another_payload_conflicts(site: Site, items: None) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))
    lines = [DocumentLineInput("W-1", 7, "S-02")]

    first = receipt_update(user=None, receipt_id=receipt.pk, lines=lines, idempotency_key="k-1")
    again = receipt_update(user=None, receipt_id=receipt.pk, lines=lines, idempotency_key="k-1")

    assert again.pk == first.pk
    assert receipt_lines(receipt) == [("W-1", 7, "S-02")]
    assert AuditEntry.objects.filter(action="receipt.update").count() == 1
    with pytest.raises(Conflict):
        receipt_update(
            user=None,
            receipt_id=receipt.pk,
            lines=[DocumentLineInput("W-1", 8, "S-02")],
            idempotency_key="k-1",
        )
    assert receipt_lines(receipt) == [("W-1", 7, "S-02")]


# --- issues --------------------------------------------------------------------------------------


def test_issue_edit_then_post_picks_for_the_new_lines(site: Site, items: None) -> None:
    receive(site, "W-1", 10, "S-01")
    receive(site, "W-1", 2, "P-01")
    issue = issue_create(
        user=None, warehouse="MEL", kind="other", lines=[DocumentLineInput("W-1", 1, "S-01")]
    )

    issue_update(
        user=None,
        issue_id=issue.pk,
        kind="order_shipment",
        allocation_reference="order:7",
        lines=[DocumentLineInput("W-1", 5, None)],
        post=True,
    )

    issue.refresh_from_db()
    assert (issue.status, issue.kind, issue.allocation_reference) == (
        "posted",
        "order_shipment",
        "order:7",
    )
    assert list(IssueLine.objects.filter(issue=issue).values_list("qty", "bin")) == [(5, None)]
    # Picking zone first, then storage.
    assert bin_on_hand(site) == {("W-1", "S-01"): 7}
    assert_ledger_consistent()


def test_issue_post_refused_for_stock_leaves_the_draft_as_it_was(site: Site, items: None) -> None:
    receive(site, "W-1", 3, "S-01")
    issue = issue_create(
        user=None, warehouse="MEL", kind="other", lines=[DocumentLineInput("W-1", 1, None)]
    )
    before = (snapshot(), AuditEntry.objects.count())

    with pytest.raises(InsufficientStock) as refused:
        issue_update(
            user=None,
            issue_id=issue.pk,
            reference="more",
            lines=[DocumentLineInput("W-1", 4, None)],
            post=True,
        )

    assert str(refused.value) == (
        "Not enough stock of W-1 in warehouse MEL: needed 4, available 3."
    )
    issue.refresh_from_db()
    assert (issue.status, issue.reference) == ("draft", "")
    assert list(IssueLine.objects.filter(issue=issue).values_list("qty", "bin")) == [(1, None)]
    assert (snapshot(), AuditEntry.objects.count()) == before


# --- transfers -----------------------------------------------------------------------------------


def test_transfer_edit_lines_then_post(site: Site, items: None) -> None:
    receive(site, "W-1", 10, "S-01")
    transfer = transfer_create(
        user=None, warehouse="MEL", lines=[TransferLineInput("W-1", 2, "S-01", "P-01")]
    )

    transfer_update(
        user=None,
        transfer_id=transfer.pk,
        lines=[TransferLineInput("W-1", 6, "S-01", "P-02")],
        note="to the front",
        post=True,
    )

    transfer.refresh_from_db()
    assert (transfer.status, transfer.note) == ("posted", "to the front")
    assert bin_on_hand(site) == {("W-1", "S-01"): 4, ("W-1", "P-02"): 6}
    assert_ledger_consistent()


def test_transfer_destination_change_checks_the_lines_against_it(
    site: Site, other_site: Site, items: None
) -> None:
    transfer = transfer_create(
        user=None, warehouse="MEL", lines=[TransferLineInput("W-1", 2, "S-01", "S-02")]
    )

    transfer_update(user=None, transfer_id=transfer.pk, to_warehouse="SYD")

    transfer.refresh_from_db()
    assert transfer.to_warehouse_id == other_site.warehouse.pk
    line = TransferLine.objects.get(transfer=transfer)
    assert (line.from_bin_id, line.to_bin_id) == (
        site.bins["S-01"].pk,
        other_site.bins["S-02"].pk,
    )

    transfer_update(user=None, transfer_id=transfer.pk, to_warehouse="")

    transfer.refresh_from_db()
    assert transfer.to_warehouse_id is None
    assert TransferLine.objects.get(transfer=transfer).to_bin_id == site.bins["S-02"].pk


def test_transfer_refused_edits_change_nothing(site: Site, items: None) -> None:
    transfer = transfer_create(
        user=None, warehouse="MEL", lines=[TransferLineInput("W-1", 2, "S-01", "S-02")]
    )
    lines_before = list(TransferLine.objects.values_list("pk", "item", "qty", "from_bin", "to_bin"))

    with pytest.raises(NotFound) as unknown_warehouse:
        transfer_update(user=None, transfer_id=transfer.pk, to_warehouse="NOWHERE", note="x")
    with pytest.raises(ValidationFailed) as same_bin:
        transfer_update(
            user=None, transfer_id=transfer.pk, lines=[TransferLineInput("W-1", 2, "S-01", "s-01")]
        )

    assert [(e.field, e.message) for e in unknown_warehouse.value.errors] == [
        ("to_warehouse", "Unknown warehouse NOWHERE.")
    ]
    assert [(e.field, e.message) for e in same_bin.value.errors] == [
        ("lines[0].to_bin", "must differ from the from bin")
    ]
    transfer.refresh_from_db()
    assert (transfer.note, transfer.to_warehouse_id) == ("", None)
    assert (
        list(TransferLine.objects.values_list("pk", "item", "qty", "from_bin", "to_bin"))
        == lines_before
    )


# --- discarding ----------------------------------------------------------------------------------


def test_discard_removes_only_the_draft_and_its_lines(site: Site, items: None, staff: Any) -> None:
    keep = draft_receipt(site, ("W-1", 1, "S-01"))
    receipt = draft_receipt(site, ("W-1", 5, "S-01"), ("W-2", 1, None), reference="PO-9")

    document_discard(user=staff, kind="receipt", document_id=receipt.pk)

    assert list(Receipt.objects.values_list("pk", flat=True)) == [keep.pk]
    assert list(ReceiptLine.objects.values_list("receipt", flat=True)) == [keep.pk]
    entry = AuditEntry.objects.get(action="receipt.discard")
    assert (entry.actor, entry.object_id, entry.summary) == (
        staff,
        str(receipt.pk),
        f"{receipt.number} discarded (a draft with 2 lines)",
    )
    assert entry.data == {"lines": 2, "reference": "PO-9"}


def test_discard_issue_and_transfer_drafts(site: Site, items: None) -> None:
    issue = issue_create(
        user=None, warehouse="MEL", kind="other", lines=[DocumentLineInput("W-1", 1, None)]
    )
    transfer = transfer_create(
        user=None, warehouse="MEL", lines=[TransferLineInput("W-1", 2, "S-01", "S-02")]
    )

    document_discard(user=None, kind="issue", document_id=issue.pk)
    document_discard(user=None, kind="transfer", document_id=transfer.pk)

    assert (Issue.objects.count(), IssueLine.objects.count()) == (0, 0)
    assert (Transfer.objects.count(), TransferLine.objects.count()) == (0, 0)


def test_discarding_a_posted_document_is_refused_and_changes_nothing(
    site: Site, items: None
) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))
    receipt_post(user=None, receipt_id=receipt.pk)
    before = state_of(receipt)

    with pytest.raises(DocumentNotEditable) as refused:
        document_discard(user=None, kind="receipt", document_id=receipt.pk)

    assert str(refused.value) == (
        f"{receipt.number} is posted; only drafts can be discarded. Reverse it instead."
    )
    assert state_of(receipt) == before


def test_discard_refuses_other_kinds_and_missing_documents(db: None) -> None:
    with pytest.raises(ValidationFailed) as bad_kind:
        document_discard(user=None, kind="stocktake", document_id=1)
    with pytest.raises(NotFound):
        document_discard(user=None, kind="receipt", document_id=12345)

    assert bad_kind.value.errors[0].field == "kind"


def test_discard_with_a_key_answers_the_same_twice(site: Site, items: None) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))
    receipt_update(user=None, receipt_id=receipt.pk, note="x", idempotency_key="edit-1")

    document_discard(user=None, kind="receipt", document_id=receipt.pk, idempotency_key="bin-1")
    document_discard(user=None, kind="receipt", document_id=receipt.pk, idempotency_key="bin-1")

    assert Receipt.objects.count() == 0
    assert AuditEntry.objects.filter(action="receipt.discard").count() == 1
    # The edit's answer named the discarded draft: that key now gets a plain "not found".
    assert not IdempotencyRecord.objects.filter(key="edit-1").exists()
    with pytest.raises(NotFound):
        receipt_update(user=None, receipt_id=receipt.pk, note="x", idempotency_key="edit-1")


# --- races ---------------------------------------------------------------------------------------


def run_together(workers: list[Callable[[], Any]]) -> list[Any]:
    """Start every worker at the same moment; return each result or the exception it raised."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(index: int, work: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("update_first", [True, False])
def test_update_racing_a_post_lands_before_it_or_is_refused(update_first: bool) -> None:
    site = build_site("MEL")
    build_item("W-1")
    build_item("W-2")
    outcomes = set()
    new_lines = [DocumentLineInput("W-1", 3, "S-02"), DocumentLineInput("W-2", 4, "S-02")]
    for round_number in range(4):
        receipt = draft_receipt(site, ("W-1", 5, "S-01"))

        def update(receipt_id: int = receipt.pk) -> Receipt:
            return receipt_update(
                user=None, receipt_id=receipt_id, lines=new_lines, reference="edited"
            )

        def post(receipt_id: int = receipt.pk) -> Receipt:
            return receipt_post(user=None, receipt_id=receipt_id)

        # Alternate which thread starts first so both orders are exercised.
        workers = [update, post] if (round_number % 2 == 0) == update_first else [post, update]
        results = run_together(workers)
        update_result = results[workers.index(update)]
        post_result = results[workers.index(post)]

        assert isinstance(post_result, Receipt), post_result
        receipt.refresh_from_db()
        assert receipt.status == "posted"
        moved = sorted(
            StockMoveLine.objects.filter(move=receipt.move).values_list(
                "item__sku", "to_location__code", "qty"
            )
        )
        if isinstance(update_result, Receipt):
            outcomes.add("update first")
            assert receipt.reference == "edited"
            assert moved == [("W-1", "S-02", 3), ("W-2", "S-02", 4)]
            assert receipt_lines(receipt) == [("W-1", 3, "S-02"), ("W-2", 4, "S-02")]
        else:
            outcomes.add("post first")
            assert isinstance(update_result, DocumentNotEditable), update_result
            assert str(update_result) == (
                f"{receipt.number} is posted; only drafts can be changed."
            )
            assert receipt.reference == ""
            assert moved == [("W-1", "S-01", 5)]
            assert receipt_lines(receipt) == [("W-1", 5, "S-01")]
    assert outcomes
    assert_ledger_consistent()


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_update_after_post_in_sequence_and_before_it_both_consistent() -> None:
    """Both orders forced, without relying on thread timing."""
    site = build_site("MEL")
    build_item("W-1")
    first = draft_receipt(site, ("W-1", 5, "S-01"))
    receipt_update(user=None, receipt_id=first.pk, lines=[DocumentLineInput("W-1", 2, "S-02")])
    receipt_post(user=None, receipt_id=first.pk)
    second = draft_receipt(site, ("W-1", 5, "S-01"))
    receipt_post(user=None, receipt_id=second.pk)
    with pytest.raises(DocumentNotEditable):
        receipt_update(user=None, receipt_id=second.pk, lines=[DocumentLineInput("W-1", 2, "S-02")])
    assert bin_on_hand(site) == {("W-1", "S-01"): 5, ("W-1", "S-02"): 2}
    assert_ledger_consistent()


# --- API -----------------------------------------------------------------------------------------


def test_api_patch_replaces_lines_and_keeps_the_draft(
    site: Site, items: None, staff_api: Any, django_assert_max_num_queries: Any
) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"), reference="PO-1")

    with django_assert_max_num_queries(30):
        response = staff_api.patch(
            f"/api/v1/receipts/{receipt.pk}",
            {"lines": [{"sku": "W-2", "qty": 2, "bin": "P-01"}, {"sku": "W-1", "qty": 1}]},
        )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["reference"], body["kind"]) == ("draft", "PO-1", "purchase")
    assert [(line["sku"], line["qty"], line["bin"]) for line in body["lines"]] == [
        ("W-2", 2, "P-01"),
        ("W-1", 1, "RECEIVING"),
    ]
    assert StockMove.objects.count() == 0


def test_api_patch_with_post_posts(site: Site, items: None, staff_api: Any) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))

    response = staff_api.patch(
        f"/api/v1/receipts/{receipt.pk}",
        {"lines": [{"sku": "W-1", "qty": 9, "bin": "S-02"}], "note": "n", "post": True},
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["note"]) == ("posted", "n")
    assert bin_on_hand(site) == {("W-1", "S-02"): 9}


def test_api_patch_bad_line_is_422_naming_it_and_changes_nothing(
    site: Site, items: None, staff_api: Any
) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))
    before = state_of(receipt)

    response = staff_api.patch(
        f"/api/v1/receipts/{receipt.pk}",
        {"reference": "x", "lines": [{"sku": "W-1", "qty": "lots"}, {"sku": "GONE", "qty": 1}]},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "lines[0].qty", "message": "must be a positive whole number"},
        {"field": "lines[1].sku", "message": "Unknown SKU GONE."},
    ]
    assert state_of(receipt) == before


def test_api_patch_posted_is_409_and_changes_nothing(
    site: Site, items: None, staff_api: Any
) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))
    receipt_post(user=None, receipt_id=receipt.pk)
    before = state_of(receipt)

    response = staff_api.patch(f"/api/v1/receipts/{receipt.pk}", {"reference": "late"})

    assert response.status_code == 409
    assert response.json()["detail"] == f"{receipt.number} is posted; only drafts can be changed."
    assert state_of(receipt) == before


def test_api_patch_missing_and_bad_payload(site: Site, staff_api: Any) -> None:
    assert staff_api.patch("/api/v1/receipts/999999", {"note": "x"}).status_code == 404
    assert staff_api.patch("/api/v1/issues/999999", {"note": "x"}).status_code == 404
    assert staff_api.patch("/api/v1/transfers/999999", {"note": "x"}).status_code == 404
    bad = staff_api.patch("/api/v1/receipts/1", {"lines": "many"})
    assert bad.status_code == 422


def test_api_patch_idempotency_key(site: Site, items: None, staff_api: Any) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))
    body = {"lines": [{"sku": "W-1", "qty": 2, "bin": "S-01"}], "post": True}
    path = f"/api/v1/receipts/{receipt.pk}"

    first = staff_api.patch(path, body, **{"Idempotency-Key": "p-1"})
    second = staff_api.patch(path, body, **{"Idempotency-Key": "p-1"})
    other = staff_api.patch(path, {**body, "note": "x"}, **{"Idempotency-Key": "p-1"})

    assert (first.status_code, second.status_code, other.status_code) == (200, 200, 409)
    assert first.json() == second.json()
    assert StockMove.objects.count() == 1
    assert bin_on_hand(site) == {("W-1", "S-01"): 2}


def test_api_patch_issue_and_transfer(site: Site, other_site: Site, items: None, staff_api: Any):
    receive(site, "W-1", 10, "S-01")
    issue = issue_create(
        user=None, warehouse="MEL", kind="other", lines=[DocumentLineInput("W-1", 1, None)]
    )
    transfer = transfer_create(
        user=None,
        warehouse="MEL",
        to_warehouse="SYD",
        lines=[TransferLineInput("W-1", 2, "S-01", "S-02")],
    )

    issued = staff_api.patch(
        f"/api/v1/issues/{issue.pk}",
        {
            "kind": "purchase_return",
            "allocation_reference": "po:1",
            "lines": [{"sku": "W-1", "qty": 3}],
        },
    )
    moved = staff_api.patch(
        f"/api/v1/transfers/{transfer.pk}",
        {
            "to_warehouse": None,
            "lines": [{"sku": "W-1", "qty": 4, "from_bin": "S-01", "to_bin": "P-01"}],
        },
    )
    unchanged_destination = staff_api.patch(f"/api/v1/transfers/{transfer.pk}", {"note": "n"})

    assert issued.status_code == 200, issued.json()
    assert (issued.json()["kind"], issued.json()["allocation_reference"]) == (
        "purchase_return",
        "po:1",
    )
    assert [(line["sku"], line["qty"], line["bin"]) for line in issued.json()["lines"]] == [
        ("W-1", 3, None)
    ]
    assert moved.status_code == 200, moved.json()
    assert moved.json()["to_warehouse"] is None
    assert [(line["from_bin"], line["to_bin"], line["qty"]) for line in moved.json()["lines"]] == [
        ("S-01", "P-01", 4)
    ]
    assert unchanged_destination.json()["to_warehouse"] is None
    assert unchanged_destination.json()["note"] == "n"


def test_api_delete_discards_drafts_only(site: Site, items: None, staff_api: Any) -> None:
    draft = draft_receipt(site, ("W-1", 5, "S-01"))
    posted = draft_receipt(site, ("W-1", 5, "S-01"))
    receipt_post(user=None, receipt_id=posted.pk)
    issue = issue_create(
        user=None, warehouse="MEL", kind="other", lines=[DocumentLineInput("W-1", 1, None)]
    )
    transfer = transfer_create(
        user=None, warehouse="MEL", lines=[TransferLineInput("W-1", 2, "S-01", "S-02")]
    )
    before = state_of(posted)

    gone = staff_api.delete(f"/api/v1/receipts/{draft.pk}")
    refused = staff_api.delete(f"/api/v1/receipts/{posted.pk}")

    assert gone.status_code == 204
    assert gone.content == b""
    assert staff_api.get(f"/api/v1/receipts/{draft.pk}").status_code == 404
    assert staff_api.delete(f"/api/v1/receipts/{draft.pk}").status_code == 404
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"{posted.number} is posted; only drafts can be discarded. Reverse it instead."
    )
    assert state_of(posted) == {**before, "audit": before["audit"] + 1}
    assert staff_api.delete(f"/api/v1/issues/{issue.pk}").status_code == 204
    assert staff_api.delete(f"/api/v1/transfers/{transfer.pk}").status_code == 204
    assert (Issue.objects.count(), Transfer.objects.count()) == (0, 0)


def test_api_delete_with_key_answers_204_twice(site: Site, items: None, staff_api: Any) -> None:
    draft = draft_receipt(site, ("W-1", 5, "S-01"))
    path = f"/api/v1/receipts/{draft.pk}"

    first = staff_api.delete(path, None, **{"Idempotency-Key": "d-1"})
    second = staff_api.delete(path, None, **{"Idempotency-Key": "d-1"})

    assert (first.status_code, second.status_code) == (204, 204)
    assert AuditEntry.objects.filter(action="receipt.discard").count() == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/api/v1/receipts/{pk}", {"note": "x"}),
        ("delete", "/api/v1/receipts/{pk}", None),
        ("patch", "/api/v1/issues/{pk}", {"note": "x"}),
        ("delete", "/api/v1/issues/{pk}", None),
        ("patch", "/api/v1/transfers/{pk}", {"note": "x"}),
        ("delete", "/api/v1/transfers/{pk}", None),
    ],
)
def test_api_viewer_403_anonymous_401_and_nothing_changes(
    site: Site,
    items: None,
    viewer_api: Any,
    api_client_for: Any,
    method: str,
    path: str,
    body: Any,
) -> None:
    receipt = draft_receipt(site, ("W-1", 5, "S-01"))
    issue = issue_create(
        user=None, warehouse="MEL", kind="other", lines=[DocumentLineInput("W-1", 1, None)]
    )
    transfer = transfer_create(
        user=None, warehouse="MEL", lines=[TransferLineInput("W-1", 2, "S-01", "S-02")]
    )
    pk = {"receipts": receipt.pk, "issues": issue.pk, "transfers": transfer.pk}[path.split("/")[3]]
    before = (
        state_of(receipt),
        list(Issue.objects.values_list("pk", "note")),
        list(Transfer.objects.values_list("pk", "note")),
    )

    as_viewer = getattr(viewer_api, method)(path.format(pk=pk), body)
    as_anonymous = getattr(api_client_for(None), method)(path.format(pk=pk), body)

    assert as_viewer.status_code == 403
    assert as_anonymous.status_code == 401
    after = (
        state_of(receipt),
        list(Issue.objects.values_list("pk", "note")),
        list(Transfer.objects.values_list("pk", "note")),
    )
    assert after == before
