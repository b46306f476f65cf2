"""Stock services: documents, reversal, allocation, bundles, sellable bins, idempotency."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from kucun.catalog.models import Item
from kucun.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kucun.core.models import AuditEntry, IdempotencyRecord
from kucun.inventory import selectors
from kucun.inventory.choices import (
    DocumentStatus,
    MoveKind,
    StocktakeStatus,
    TransferStatus,
)
from kucun.inventory.errors import DocumentNotEditable, InsufficientStock, UnknownBin, UnknownSku
from kucun.inventory.models import (
    Allocation,
    BinStock,
    Issue,
    IssueLinePick,
    Receipt,
    ReceiptLine,
    StockLevel,
    StockMove,
    Transfer,
    TransferLine,
)
from kucun.inventory.services import (
    DocumentLineInput,
    StocktakeCountInput,
    TransferLineInput,
    bin_set_sellable,
    document_reverse,
    issue_create,
    receipt_create,
    receipt_post,
    stock_allocate,
    stock_release,
    stocktake_count,
    stocktake_create,
    stocktake_post,
    transfer_create,
    transfer_post,
    transfer_receive,
    transfer_update,
)
from kucun.warehouses.choices import LocationKind
from tests.inventory.conftest import Site, build_bundle, build_item
from tests.inventory.ledger_checks import assert_ledger_consistent, snapshot

Line = DocumentLineInput


def on_hand(item: Item, site: Site, bin_code: str) -> int:
    row = BinStock.objects.filter(item=item, location=site.bins[bin_code]).first()
    return row.on_hand if row else 0


def level(item: Item, site: Site) -> tuple[int, int, int]:
    row = StockLevel.objects.filter(item=item, warehouse=site.warehouse).first()
    return (row.on_hand, row.sellable_on_hand, row.allocated) if row else (0, 0, 0)


def receive(site: Site, lines: list[tuple[str, int, str | None]], **kwargs: object) -> Receipt:
    return receipt_create(
        user=None,
        warehouse=site.code,
        kind="purchase",
        lines=[Line(sku, qty, bin_code) for sku, qty, bin_code in lines],
        post=True,
        **kwargs,  # type: ignore[arg-type]
    )


# Receipts -----------------------------------------------------------------------------------


def test_receipt_posts_into_bins_and_default_receiving_bin(site: Site, staff: object) -> None:
    widget = build_item("W-1")
    receipt = receipt_create(
        user=staff,
        warehouse="mel",
        kind="purchase",
        lines=[Line("w-1", 5, None), Line("W-1", 3, "p-01")],
        reference="PO-77",
    )
    assert receipt.status == DocumentStatus.DRAFT
    assert receipt.number == f"RC-{receipt.pk:06d}"
    assert BinStock.objects.count() == 0

    posted = receipt_post(user=staff, receipt_id=receipt.pk)

    assert posted.status == DocumentStatus.POSTED
    assert posted.posted_by == staff
    assert on_hand(widget, site, "RECEIVING") == 5
    assert on_hand(widget, site, "P-01") == 3
    assert level(widget, site) == (8, 8, 0)
    move = StockMove.objects.get()
    assert (move.kind, move.reference, move.document_number) == (
        MoveKind.RECEIPT,
        "PO-77",
        posted.number,
    )
    assert {line.from_location.kind for line in move.lines.all()} == {LocationKind.SUPPLIER}
    # The move is the record of the posting (who, when, which document); the audit trail
    # keeps the document's creation, not a copy of every stock change.
    assert move.user == staff
    assert move.created_at <= posted.posted_at
    created = AuditEntry.objects.get(action="receipt.create")
    assert created.summary == f"{posted.number} created with 2 lines"
    assert AuditEntry.objects.filter(action="receipt.post").count() == 0
    assert_ledger_consistent()


def test_posting_a_one_line_receipt_is_a_few_plain_statements(
    site: Site, django_assert_num_queries: Any
) -> None:
    """Lock the receipt; read its lines (with items, bins and the supplier location, and on
    PostgreSQL the bins' share lock); upsert the level; insert the move and its line, mark
    the receipt posted, upsert the bin and record the availability change (one statement on
    PostgreSQL, five on SQLite). Plus the savepoint around it here (the service's own
    transaction outside a test)."""
    widget = build_item("W-1")
    build_item("FIRST")
    # The very first posting creates the supplier location; measured are the ones after it.
    receipt_create(user=None, warehouse="mel", kind="purchase", lines=[Line("FIRST", 1)], post=True)
    drafts = [
        receipt_create(
            user=None, warehouse="mel", kind="purchase", lines=[Line("W-1", n + 1, "p-01")]
        )
        for n in range(2)
    ]
    for draft in drafts:  # the first creates the level, the second adds to it
        with django_assert_num_queries(6 if connection.vendor == "postgresql" else 10):
            receipt_post(user=None, receipt_id=draft.pk)
    assert level(widget, site) == (3, 3, 0)
    assert on_hand(widget, site, "P-01") == 3
    assert StockMove.objects.filter(document_type="receipt").count() == 3
    assert_ledger_consistent()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_postgresql_prepares_the_statements_a_posting_repeats(site: Site) -> None:
    """After a few postings the connection runs the move's statement as a prepared one, so the
    server no longer plans it at every posting (see KUCUN_DB_PREPARED_STATEMENTS)."""
    build_item("W-1")
    drafts = [
        receipt_create(user=None, warehouse="mel", kind="purchase", lines=[Line("W-1", 1, "p-01")])
        for _ in range(8)
    ]
    for draft in drafts:
        receipt_post(user=None, receipt_id=draft.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ["%INSERT INTO%inventory_stockmove%", "%inventory_stockmoveline%"],
        )
        (prepared,) = cursor.fetchone()
    assert prepared == 1


def test_posting_marks_the_receipt_with_its_move_in_the_same_write(site: Site, staff: Any) -> None:
    """The posted mark (status, move, when, by whom) is stored with the move; posting again is
    refused and changes nothing."""
    widget = build_item("W-1")
    draft = receipt_create(
        user=staff, warehouse="mel", kind="purchase", lines=[Line("W-1", 4, "p-01")]
    )

    returned = receipt_post(user=staff, receipt_id=draft.pk)

    stored = Receipt.objects.get(pk=draft.pk)
    move = StockMove.objects.get(document_type="receipt", document_id=draft.pk)
    assert (stored.status, stored.move_id, stored.posted_by_id) == ("posted", move.pk, staff.pk)
    assert stored.posted_at == move.created_at == returned.posted_at
    assert (returned.move.pk, move.user_id) == (move.pk, staff.pk)
    with pytest.raises(DocumentNotEditable):
        receipt_post(user=staff, receipt_id=draft.pk)
    assert StockMove.objects.filter(document_type="receipt").count() == 1
    assert Receipt.objects.get(pk=draft.pk).posted_at == stored.posted_at
    assert level(widget, site) == (4, 4, 0)
    assert_ledger_consistent()


def test_posting_a_draft_line_without_a_bin_uses_the_receiving_bin(site: Site) -> None:
    """A line left without a bin (possible in a draft) posts to the default receiving bin;
    the other lines still go to their own bins, in line order."""
    widget = build_item("W-1")
    gadget = build_item("G-1")
    receipt = receipt_create(
        user=None, warehouse="mel", kind="purchase", lines=[Line("W-1", 2, "p-01")]
    )
    ReceiptLine.objects.create(receipt=receipt, item=gadget, qty=3, bin=None)

    receipt_post(user=None, receipt_id=receipt.pk)

    assert on_hand(widget, site, "P-01") == 2
    assert on_hand(gadget, site, "RECEIVING") == 3
    move = StockMove.objects.get(document_id=receipt.pk)
    assert [(line.item.sku, line.qty) for line in move.lines.order_by("pk")] == [
        ("W-1", 2),
        ("G-1", 3),
    ]
    assert_ledger_consistent()


def test_receipt_into_unsellable_bin_is_on_hand_but_not_available(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, [("W-1", 4, "Q-01"), ("W-1", 6, "S-01")])
    assert level(widget, site) == (10, 6, 0)
    assert selectors.item_available(widget) == 6


def test_receipt_refuses_bad_lines_naming_each_and_writes_nothing(site: Site) -> None:
    build_item("W-1")
    with pytest.raises(UnknownSku) as refused:
        receipt_create(
            user=None,
            warehouse="MEL",
            kind="purchase",
            lines=[Line("W-1", 1), Line("NOPE", 2), Line("W-1", 0), Line("W-1", 1, "Z-99")],
            post=True,
        )
    fields = {error.field: error.message for error in refused.value.errors}
    assert fields == {
        "lines[1].sku": "Unknown SKU NOPE.",
        "lines[2].qty": "must be a positive whole number",
        "lines[3].bin": "Unknown bin Z-99 in warehouse MEL.",
    }
    assert Receipt.objects.count() == 0
    assert StockMove.objects.count() == 0


@pytest.mark.parametrize("bad", [-1, 0, 1.5, "2x", True, None, 10**12])
def test_receipt_quantity_must_be_a_positive_whole_number(site: Site, bad: object) -> None:
    build_item("W-1")
    with pytest.raises(ValidationFailed) as refused:
        receipt_create(
            user=None,
            warehouse="MEL",
            kind="purchase",
            lines=[Line("W-1", bad)],  # type: ignore[arg-type]
        )
    assert refused.value.errors[0].field == "lines[0].qty"
    assert Receipt.objects.count() == 0


def test_receipt_refuses_unknown_warehouse_and_kind(site: Site) -> None:
    build_item("W-1")
    with pytest.raises(NotFound, match="Unknown warehouse NOWHERE"):
        receipt_create(user=None, warehouse="NOWHERE", kind="purchase", lines=[Line("W-1", 1)])
    with pytest.raises(ValidationFailed) as refused:
        receipt_create(user=None, warehouse="MEL", kind="gift", lines=[Line("W-1", 1)])
    assert refused.value.errors[0].field == "kind"
    assert Receipt.objects.count() == 0


def test_posting_twice_is_refused(site: Site) -> None:
    build_item("W-1")
    receipt = receive(site, [("W-1", 1, None)])
    with pytest.raises(DocumentNotEditable):
        receipt_post(user=None, receipt_id=receipt.pk)
    assert StockMove.objects.count() == 1


def test_receipt_of_ten_thousand_lines_posts_set_based(
    site: Site, django_assert_max_num_queries: Any
) -> None:
    Item.objects.bulk_create([Item(sku=f"BULK-{n:05d}", name="bulk") for n in range(10_000)])
    lines = [Line(f"BULK-{n:05d}", n % 7 + 1) for n in range(10_000)]
    # A few statements per thousand lines, never one per line (the benchmark times it).
    with django_assert_max_num_queries(100):
        receipt = receipt_create(
            user=None, warehouse="MEL", kind="purchase", lines=lines, post=True
        )
    assert receipt.status == DocumentStatus.POSTED
    assert receipt.lines.count() == 10_000
    assert BinStock.objects.count() == 10_000
    assert StockLevel.objects.filter(on_hand__gt=0).count() == 10_000
    total = sum(n % 7 + 1 for n in range(10_000))
    assert sum(BinStock.objects.values_list("on_hand", flat=True)) == total
    assert StockMove.objects.get().lines.count() == 10_000
    assert_ledger_consistent()


# Issues --------------------------------------------------------------------------------------


def test_issue_picks_picking_zone_first_then_storage_larger_first(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, [("W-1", 3, "S-01"), ("W-1", 9, "S-02"), ("W-1", 2, "P-02"), ("W-1", 4, "Q-01")])
    issue = issue_create(
        user=None, warehouse="MEL", kind="order_shipment", lines=[Line("W-1", 12)], post=True
    )
    picks = [(p.bin.code, p.qty) for p in IssueLinePick.objects.filter(issue_line__issue=issue)]
    assert picks == [("P-02", 2), ("S-02", 9), ("S-01", 1)]
    assert on_hand(widget, site, "S-01") == 2
    assert level(widget, site) == (6, 2, 0)
    customer_lines = StockMove.objects.get(kind=MoveKind.ISSUE).lines.all()
    assert {line.to_location.kind for line in customer_lines} == {LocationKind.CUSTOMER}
    assert_ledger_consistent()


def test_issue_short_names_sku_needed_and_available_and_writes_nothing(site: Site) -> None:
    build_item("W-1")
    build_item("G-2")
    receive(site, [("W-1", 3, "S-01"), ("G-2", 10, "S-01")])
    before = snapshot()
    with pytest.raises(InsufficientStock) as refused:
        issue_create(
            user=None,
            warehouse="MEL",
            kind="other",
            lines=[Line("G-2", 1), Line("W-1", 5)],
            post=True,
        )
    assert refused.value.sku == "W-1"
    assert (refused.value.needed, refused.value.available) == (5, 3)
    assert "W-1" in refused.value.detail
    assert refused.value.status_code == 409
    assert snapshot() == before
    assert Issue.objects.count() == 0


def test_issue_from_explicit_bin_refuses_to_go_negative(site: Site) -> None:
    build_item("W-1")
    receive(site, [("W-1", 2, "S-01"), ("W-1", 10, "S-02")])
    before = snapshot()
    with pytest.raises(InsufficientStock) as refused:
        issue_create(
            user=None, warehouse="MEL", kind="other", lines=[Line("W-1", 3, "S-01")], post=True
        )
    assert (refused.value.needed, refused.value.available) == (3, 2)
    assert "MEL:S-01" in refused.value.detail
    assert snapshot() == before


def test_issue_may_not_take_allocated_stock(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, [("W-1", 5, "S-01")])
    stock_allocate(reference="order:1", sku="W-1", warehouse="MEL", qty=4)
    before = snapshot()
    with pytest.raises(InsufficientStock):
        issue_create(user=None, warehouse="MEL", kind="other", lines=[Line("W-1", 2)], post=True)
    assert snapshot() == before
    issue_create(user=None, warehouse="MEL", kind="other", lines=[Line("W-1", 1)], post=True)
    assert level(widget, site) == (4, 4, 4)


def test_issue_with_allocation_reference_consumes_the_allocation(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, [("W-1", 5, "S-01")])
    stock_allocate(reference="order:S:1:1", sku="W-1", warehouse="MEL", qty=5)
    issue_create(
        user=None,
        warehouse="MEL",
        kind="order_shipment",
        lines=[Line("W-1", 5)],
        allocation_reference="order:S:1:1",
        post=True,
    )
    assert level(widget, site) == (0, 0, 0)
    assert Allocation.objects.count() == 0
    assert_ledger_consistent()


# Transfers -----------------------------------------------------------------------------------


def test_transfer_within_warehouse_moves_bin_to_bin(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, [("W-1", 5, "S-01")])
    transfer = transfer_create(
        user=None,
        warehouse="MEL",
        lines=[TransferLineInput("W-1", 2, "S-01", "Q-01")],
        post=True,
    )
    assert transfer.status == TransferStatus.POSTED
    assert (on_hand(widget, site, "S-01"), on_hand(widget, site, "Q-01")) == (3, 2)
    assert level(widget, site) == (5, 3, 0)
    assert_ledger_consistent()


def test_transfer_between_warehouses_goes_through_transit(site: Site, other_site: Site) -> None:
    widget = build_item("W-1")
    receive(site, [("W-1", 5, "S-01")])
    transfer = transfer_create(
        user=None,
        warehouse="MEL",
        to_warehouse="SYD",
        lines=[TransferLineInput("W-1", 4, "S-01", "P-01")],
        post=True,
    )
    assert transfer.status == TransferStatus.SHIPPED
    assert level(widget, site) == (1, 1, 0)
    assert level(widget, other_site) == (0, 0, 0)
    transfer = transfer_receive(user=None, transfer_id=transfer.pk)
    assert transfer.status == TransferStatus.POSTED
    assert on_hand(widget, other_site, "P-01") == 4
    assert_ledger_consistent()
    with pytest.raises(DocumentNotEditable):
        transfer_receive(user=None, transfer_id=transfer.pk)
    reversed_transfer = document_reverse(user=None, kind="transfer", document_id=transfer.pk)
    assert reversed_transfer.status == TransferStatus.REVERSED
    assert level(widget, site) == (5, 5, 0)
    assert level(widget, other_site) == (0, 0, 0)
    assert_ledger_consistent()


def test_transfer_refuses_same_bin_and_unknown_bin(site: Site) -> None:
    build_item("W-1")
    with pytest.raises(ValidationFailed) as refused:
        transfer_create(
            user=None,
            warehouse="MEL",
            lines=[
                TransferLineInput("W-1", 1, "S-01", "S-01"),
                TransferLineInput("W-1", 1, "S-01", "NOPE"),
            ],
        )
    assert [e.field for e in refused.value.errors] == ["lines[0].to_bin", "lines[1].to_bin"]
    assert isinstance(refused.value, UnknownBin)
    assert Transfer.objects.count() == 0


def test_transfer_refuses_bundle_lines_with_the_other_bad_lines(site: Site) -> None:
    cup = build_item("CUP")
    saucer = build_item("SAUCER")
    pair = build_bundle("PAIR", [(cup, 2)])
    build_bundle("SET", [(pair, 1), (saucer, 1)])
    build_bundle("EMPTY", [])
    receive(site, [("CUP", 9, "S-01"), ("SAUCER", 3, "S-01")])
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        transfer_create(
            user=None,
            warehouse="MEL",
            lines=[
                TransferLineInput("CUP", 1, "S-01", "Q-01"),
                TransferLineInput("set", 2, "S-01", "Q-01"),
                TransferLineInput("EMPTY", 1, "S-01", "NOPE"),
                TransferLineInput("PAIR", 0, "S-01", "Q-01"),
            ],
            post=True,
        )
    assert refused.value.errors == [
        FieldError(
            "lines[1].sku",
            "Line 2: SET is a bundle, which holds no stock: enter its components instead "
            "(per bundle: 2 × CUP, 1 × SAUCER).",
        ),
        FieldError(
            "lines[2].sku", "Line 3: EMPTY is a bundle with no components, which holds no stock."
        ),
        FieldError("lines[2].to_bin", "Unknown bin NOPE in warehouse MEL."),
        FieldError(
            "lines[3].sku",
            "Line 4: PAIR is a bundle, which holds no stock: enter its components instead "
            "(per bundle: 2 × CUP).",
        ),
        FieldError("lines[3].qty", "must be a positive whole number"),
    ]
    assert snapshot() == before
    assert Transfer.objects.count() == 0


def test_changing_a_draft_transfer_refuses_a_bundle_line(site: Site) -> None:
    cup = build_item("CUP")
    build_bundle("PAIR", [(cup, 2)])
    transfer = transfer_create(
        user=None, warehouse="MEL", lines=[TransferLineInput("CUP", 1, "S-01", "Q-01")]
    )
    with pytest.raises(ValidationFailed) as refused:
        transfer_update(
            user=None,
            transfer_id=transfer.pk,
            lines=[TransferLineInput("PAIR", 2, "S-01", "Q-01")],
            post=True,
        )
    assert refused.value.errors == [
        FieldError(
            "lines[0].sku",
            "Line 1: PAIR is a bundle, which holds no stock: enter its components instead "
            "(per bundle: 2 × CUP).",
        )
    ]
    assert list(transfer.lines.values_list("item__sku", "qty")) == [("CUP", 1)]
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DRAFT


@pytest.mark.parametrize("between", [False, True], ids=["posting", "shipping"])
def test_posting_or_shipping_a_draft_transfer_saved_with_a_bundle_line_is_refused(
    site: Site, other_site: Site, between: bool
) -> None:
    cup = build_item("CUP")
    pair = build_bundle("PAIR", [(cup, 2)])
    receive(site, [("CUP", 9, "S-01")])
    transfer = transfer_create(
        user=None,
        warehouse="MEL",
        to_warehouse="SYD" if between else None,
        lines=[TransferLineInput("CUP", 1, "S-01", "P-01")],
    )
    # A draft saved before bundle lines were refused on documents.
    to_bin = other_site.bins["P-01"] if between else site.bins["P-01"]
    TransferLine.objects.create(
        transfer=transfer, item=pair, qty=3, from_bin=site.bins["S-01"], to_bin=to_bin
    )
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        transfer_post(user=None, transfer_id=transfer.pk)
    assert refused.value.errors == [
        FieldError(
            "lines[1].sku",
            "Line 2: PAIR is a bundle, which holds no stock: enter its components instead "
            "(per bundle: 2 × CUP).",
        )
    ]
    assert snapshot() == before
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DRAFT


# Stocktakes ----------------------------------------------------------------------------------


def test_stocktake_books_counted_minus_expected_at_count_time(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, [("W-1", 10, "S-01")])
    stocktake = stocktake_create(user=None, warehouse="MEL", bins=["S-01"])
    assert [(line.item.sku, line.expected_at_count) for line in stocktake.lines.all()] == [
        ("W-1", 10)
    ]
    stocktake = stocktake_count(
        user=None, stocktake_id=stocktake.pk, counts=[StocktakeCountInput("S-01", "W-1", 8)]
    )
    assert stocktake.status == StocktakeStatus.COUNTING
    # A sale between the count and the posting must survive the posting.
    issue_create(
        user=None, warehouse="MEL", kind="other", lines=[Line("W-1", 3, "S-01")], post=True
    )
    stocktake_post(user=None, stocktake_id=stocktake.pk)
    assert on_hand(widget, site, "S-01") == 5  # 10 − 2 (count) − 3 (sale)
    adjustment = StockMove.objects.get(kind=MoveKind.STOCKTAKE).lines.get()
    assert (adjustment.qty, adjustment.to_location.kind) == (2, LocationKind.ADJUSTMENT)
    assert_ledger_consistent()


def test_stocktake_count_of_new_item_in_bin_adds_stock(site: Site) -> None:
    widget = build_item("W-1")
    stocktake = stocktake_create(user=None, warehouse="MEL", bins=["P-01"])
    assert stocktake.lines.count() == 0
    stocktake_count(
        user=None, stocktake_id=stocktake.pk, counts=[StocktakeCountInput("p-01", "w-1", 7)]
    )
    stocktake_post(user=None, stocktake_id=stocktake.pk)
    assert on_hand(widget, site, "P-01") == 7
    with pytest.raises(DocumentNotEditable):
        stocktake_count(
            user=None, stocktake_id=stocktake.pk, counts=[StocktakeCountInput("P-01", "W-1", 1)]
        )


def test_stocktake_refuses_bundles_and_posting_without_counts(site: Site) -> None:
    part = build_item("PART")
    build_bundle("KIT", [(part, 2)])
    with pytest.raises(ValidationFailed) as refused:
        stocktake_create(user=None, warehouse="MEL", skus=["KIT"])
    assert refused.value.errors[0].field == "skus[0]"
    stocktake = stocktake_create(user=None, warehouse="MEL", skus=["PART"])
    with pytest.raises(ValidationFailed, match="Count at least one line"):
        stocktake_post(user=None, stocktake_id=stocktake.pk)


# Reversal ------------------------------------------------------------------------------------


def test_reversal_undoes_a_receipt_once_and_keeps_it_linked(site: Site) -> None:
    widget = build_item("W-1")
    receipt = receive(site, [("W-1", 5, "S-01")])
    reversed_receipt = document_reverse(user=None, kind="receipt", document_id=receipt.pk)
    assert reversed_receipt.status == DocumentStatus.REVERSED
    assert reversed_receipt.reversal_move.reversal_of_id == receipt.move_id
    assert level(widget, site) == (0, 0, 0)
    with pytest.raises(DocumentNotEditable, match="already reversed"):
        document_reverse(user=None, kind="receipt", document_id=receipt.pk)
    assert StockMove.objects.count() == 2
    assert_ledger_consistent()


def test_reversal_that_would_make_a_bin_negative_is_refused(site: Site) -> None:
    build_item("W-1")
    receipt = receive(site, [("W-1", 5, "S-01")])
    issue_create(user=None, warehouse="MEL", kind="other", lines=[Line("W-1", 4)], post=True)
    before = snapshot()
    with pytest.raises(InsufficientStock):
        document_reverse(user=None, kind="receipt", document_id=receipt.pk)
    assert snapshot() == before
    assert Receipt.objects.get(pk=receipt.pk).status == DocumentStatus.POSTED


def test_reversing_an_issue_returns_goods_to_the_bins_they_came_from(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, [("W-1", 2, "P-01"), ("W-1", 5, "S-01")])
    issue = issue_create(
        user=None, warehouse="MEL", kind="other", lines=[Line("W-1", 4)], post=True
    )
    assert (on_hand(widget, site, "P-01"), on_hand(widget, site, "S-01")) == (0, 3)
    document_reverse(user=None, kind="issue", document_id=issue.pk)
    assert (on_hand(widget, site, "P-01"), on_hand(widget, site, "S-01")) == (2, 5)
    draft = issue_create(user=None, warehouse="MEL", kind="other", lines=[Line("W-1", 1)])
    with pytest.raises(DocumentNotEditable, match="not posted"):
        document_reverse(user=None, kind="issue", document_id=draft.pk)


# Allocations and bundles ---------------------------------------------------------------------


def test_allocate_and_release(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, [("W-1", 5, "S-01")])
    allocations = stock_allocate(reference="order:1", sku="W-1", warehouse="MEL", qty=3)
    assert [(a.item_id, a.qty) for a in allocations] == [(widget.pk, 3)]
    assert selectors.item_available(widget) == 2
    with pytest.raises(Conflict):
        stock_allocate(reference="order:1", sku="W-1", warehouse="MEL", qty=1)
    with pytest.raises(InsufficientStock) as refused:
        stock_allocate(reference="order:2", sku="W-1", warehouse="MEL", qty=3)
    assert (refused.value.needed, refused.value.available) == (3, 2)
    assert stock_release(reference="order:1") == 3
    assert stock_release(reference="order:1") == 0
    assert level(widget, site) == (5, 5, 0)
    assert_ledger_consistent()


def test_bundle_allocates_components_all_or_nothing(site: Site) -> None:
    cup = build_item("CUP")
    saucer = build_item("SAUCER")
    set_ = build_bundle("SET", [(cup, 2), (saucer, 1)])
    receive(site, [("CUP", 4, "S-01"), ("SAUCER", 1, "S-01")])
    assert selectors.bundle_available(set_) == 1
    before = snapshot()
    with pytest.raises(InsufficientStock) as refused:
        stock_allocate(reference="order:9", sku="SET", warehouse="MEL", qty=2)
    assert refused.value.sku == "SAUCER"
    assert snapshot() == before
    stock_allocate(reference="order:9", sku="set", warehouse="MEL", qty=1)
    assert level(cup, site)[2] == 2
    assert level(saucer, site)[2] == 1
    assert selectors.bundle_available(set_) == 0
    assert stock_release(reference="order:9") == 3


def test_bundle_repeated_component_is_summed_in_availability(site: Site) -> None:
    cup = build_item("CUP")
    pair = build_bundle("PAIR", [(cup, 2)])
    crate = build_bundle("CRATE", [(pair, 3), (cup, 1)])
    receive(site, [("CUP", 20, "S-01")])
    assert selectors.bundle_available(crate) == 2  # 7 cups per crate
    stock_allocate(reference="order:7", sku="CRATE", warehouse="MEL", qty=2)
    assert level(cup, site) == (20, 20, 14)


def test_receipt_refuses_a_bundle_line_naming_the_line_and_its_components(site: Site) -> None:
    cup = build_item("CUP")
    saucer = build_item("SAUCER")
    pair = build_bundle("PAIR", [(cup, 2)])
    build_bundle("SET", [(pair, 1), (saucer, 1)])
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        receive(site, [("CUP", 1, None), ("set", 3, "S-01")])
    assert refused.value.errors == [
        FieldError(
            "lines[1].sku",
            "Line 2: SET is a bundle, which holds no stock: enter its components instead "
            "(per bundle: 2 × CUP, 1 × SAUCER).",
        )
    ]
    assert snapshot() == before
    assert Receipt.objects.count() == 0


def test_issue_refuses_bundle_lines_with_the_other_bad_lines(site: Site) -> None:
    cup = build_item("CUP")
    build_bundle("PAIR", [(cup, 2)])
    build_bundle("EMPTY", [])
    receive(site, [("CUP", 9, "S-01")])
    before = snapshot()
    with pytest.raises(UnknownSku) as refused:
        issue_create(
            user=None,
            warehouse="MEL",
            kind="other",
            lines=[Line("NOPE", 1), Line("PAIR", 2), Line("EMPTY", 1, "Z-99"), Line("CUP", 0)],
            post=True,
        )
    assert refused.value.errors == [
        FieldError("lines[0].sku", "Unknown SKU NOPE."),
        FieldError(
            "lines[1].sku",
            "Line 2: PAIR is a bundle, which holds no stock: enter its components instead "
            "(per bundle: 2 × CUP).",
        ),
        FieldError(
            "lines[2].sku", "Line 3: EMPTY is a bundle with no components, which holds no stock."
        ),
        FieldError("lines[2].bin", "Unknown bin Z-99 in warehouse MEL."),
        FieldError("lines[3].qty", "must be a positive whole number"),
    ]
    assert snapshot() == before
    assert Issue.objects.count() == 0


def test_posting_a_draft_saved_with_a_bundle_line_is_refused(site: Site) -> None:
    cup = build_item("CUP")
    pair = build_bundle("PAIR", [(cup, 2)])
    receipt = receipt_create(user=None, warehouse="MEL", kind="purchase", lines=[Line("CUP", 1)])
    # A draft saved before bundle lines were refused on documents.
    ReceiptLine.objects.create(receipt=receipt, item=pair, qty=3, bin=site.bins["S-01"])
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        receipt_post(user=None, receipt_id=receipt.pk)
    assert refused.value.errors == [
        FieldError(
            "lines[1].sku",
            "Line 2: PAIR is a bundle, which holds no stock: enter its components instead "
            "(per bundle: 2 × CUP).",
        )
    ]
    assert snapshot() == before
    receipt.refresh_from_db()
    assert receipt.status == DocumentStatus.DRAFT


# Sellable bins -------------------------------------------------------------------------------


def test_bin_set_sellable_moves_stock_in_and_out_of_available(site: Site) -> None:
    widget = build_item("W-1")
    receive(site, [("W-1", 4, "Q-01"), ("W-1", 3, "S-01")])
    bin_set_sellable(user=None, bin_id=site.bins["Q-01"].pk, sellable=True)
    assert level(widget, site) == (7, 7, 0)
    stock_allocate(reference="order:1", sku="W-1", warehouse="MEL", qty=5)
    before = snapshot()
    with pytest.raises(InsufficientStock, match="Q-01"):
        bin_set_sellable(user=None, bin_id=site.bins["Q-01"].pk, sellable=False)
    assert snapshot() == before
    stock_release(reference="order:1")
    bin_set_sellable(user=None, bin_id=site.bins["S-01"].pk, sellable=False)
    assert level(widget, site) == (7, 4, 0)
    assert_ledger_consistent()


# Idempotency ---------------------------------------------------------------------------------


def test_same_key_returns_first_result_and_other_payload_conflicts(site: Site) -> None:
    widget = build_item("W-1")
    first = receive(site, [("W-1", 5, None)], idempotency_key="k-1")
    again = receive(site, [("W-1", 5, None)], idempotency_key="k-1")
    assert again.pk == first.pk
    assert level(widget, site) == (5, 5, 0)
    assert StockMove.objects.get().idempotency_key == "k-1"
    with pytest.raises(Conflict, match="k-1"):
        receive(site, [("W-1", 6, None)], idempotency_key="k-1")
    with pytest.raises(Conflict):
        stock_allocate(reference="r", sku="W-1", warehouse="MEL", qty=1, idempotency_key="k-1")
    assert IdempotencyRecord.objects.count() == 1
    assert level(widget, site) == (5, 5, 0)


def test_refused_write_leaves_no_idempotency_record(site: Site) -> None:
    build_item("W-1")
    with pytest.raises(InsufficientStock):
        issue_create(
            user=None,
            warehouse="MEL",
            kind="other",
            lines=[Line("W-1", 1)],
            post=True,
            idempotency_key="k-2",
        )
    assert IdempotencyRecord.objects.count() == 0
    receive(site, [("W-1", 1, None)])
    issue = issue_create(
        user=None,
        warehouse="MEL",
        kind="other",
        lines=[Line("W-1", 1)],
        post=True,
        idempotency_key="k-2",
    )
    assert issue.status == DocumentStatus.POSTED


def test_shipped_transfer_can_be_reversed_back_to_its_bins(site: Site, other_site: Site) -> None:
    widget = build_item("W-1")
    receive(site, [("W-1", 5, "S-01")])
    transfer = transfer_create(
        user=None,
        warehouse="MEL",
        to_warehouse="SYD",
        lines=[{"sku": "W-1", "qty": 5, "from_bin": "S-01", "to_bin": ""}],  # type: ignore[list-item]
        post=True,
    )
    assert transfer.lines.get().to_bin == other_site.bins["RECEIVING"]
    assert level(widget, site) == (0, 0, 0)
    document_reverse(user=None, kind="transfer", document_id=transfer.pk)
    assert on_hand(widget, site, "S-01") == 5
    with pytest.raises(DocumentNotEditable):
        transfer_receive(user=None, transfer_id=transfer.pk)
    assert level(widget, other_site) == (0, 0, 0)
    assert_ledger_consistent()


def test_issue_records_picks_across_bins_in_pick_order(site: Site) -> None:
    cup = build_item("CUP")
    saucer = build_item("SAUCER")
    receive(site, [("CUP", 3, "P-01"), ("CUP", 5, "S-01"), ("SAUCER", 4, "S-02")])
    issue = issue_create(
        user=None,
        warehouse="MEL",
        kind="order_shipment",
        lines=[Line("CUP", 4), Line("SAUCER", 2)],
        post=True,
    )
    picks = sorted(
        (p.item.sku, p.bin.code, p.qty)
        for p in IssueLinePick.objects.filter(issue_line__issue=issue)
    )
    assert picks == [("CUP", "P-01", 3), ("CUP", "S-01", 1), ("SAUCER", "S-02", 2)]
    assert level(cup, site) == (4, 4, 0)
    assert level(saucer, site) == (2, 2, 0)
