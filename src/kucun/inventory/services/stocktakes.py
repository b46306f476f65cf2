"""Stocktakes (盘点) and reversal of any posted document.

A count records what the bin held at that moment (``expected_at_count``); posting books
counted − expected_at_count against the adjustment location, so goods that moved between the
count and the posting are neither lost nor counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.core.audit import audit_record
from kucun.core.errors import ValidationFailed
from kucun.core.idempotency import idempotent
from kucun.inventory.choices import (
    DocumentStatus,
    DocumentType,
    MoveKind,
    StocktakeStatus,
    TransferStatus,
)
from kucun.inventory.errors import DocumentNotEditable
from kucun.inventory.models import BinStock, Issue, Receipt, Stocktake, StocktakeLine, Transfer
from kucun.inventory.services import ledger
from kucun.inventory.services.inputs import StocktakeCountInput
from kucun.inventory.services.ledger import LedgerLine
from kucun.inventory.services.lookups import (
    LineErrors,
    bins_by_code,
    clean_qty,
    find_warehouse,
    items_by_sku,
    normal_bin_code,
    virtual_location,
)
from kucun.inventory.services.receipts_issues import (
    line_value,
    lock_document,
    mark_posted,
    record_creation,
    user_or_none,
)
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location

DOCUMENT_MODELS: dict[str, Any] = {
    DocumentType.RECEIPT: Receipt,
    DocumentType.ISSUE: Issue,
    DocumentType.TRANSFER: Transfer,
    DocumentType.STOCKTAKE: Stocktake,
}
STOCKTAKE_OPEN = (StocktakeStatus.DRAFT, StocktakeStatus.COUNTING)


@idempotent(operation="stocktake_create", result=Stocktake)
def stocktake_create(
    *,
    user: Any,
    warehouse: str,
    bins: Sequence[str] = (),
    skus: Sequence[str] = (),
    reference: str = "",
    note: str = "",
    idempotency_key: str | None = None,
) -> Stocktake:
    """Lines for the chosen bins and/or SKUs (neither: every bin holding stock)."""
    target = find_warehouse(warehouse)
    problems = LineErrors()
    found_bins = bins_by_code(target, bins)
    chosen_bins: list[Location] = []
    for index, code in enumerate(bins):
        location = found_bins.get(normal_bin_code(code or ""))
        if location is None:
            problems.add(
                f"bins[{index}]",
                _("Unknown bin %(code)s in warehouse %(warehouse)s.")
                % {"code": code, "warehouse": target.code},
                kind="bin",
            )
        else:
            chosen_bins.append(location)
    found_items = items_by_sku(skus)
    chosen_items = []
    for index, sku in enumerate(skus):
        item = found_items.get((sku or "").strip())
        if item is None:
            problems.add(f"skus[{index}]", _("Unknown SKU %(sku)s.") % {"sku": sku}, kind="sku")
        elif item.is_bundle:
            problems.add(
                f"skus[{index}]",
                _("%(sku)s is a bundle and holds no stock; count its components.")
                % {"sku": item.sku},
            )
        else:
            chosen_items.append(item)
    problems.raise_if_any()
    stocktake = Stocktake.objects.create(
        warehouse=target,
        reference=reference.strip()[:255],
        note=note,
        created_by=user_or_none(user),
    )
    held = BinStock.objects.filter(location__warehouse=target, location__kind=LocationKind.INTERNAL)
    pairs: dict[tuple[int, int], int] = {}
    if chosen_bins and chosen_items:
        on_hand = {
            (row.location_id, row.item_id): row.on_hand
            for row in held.filter(
                location__in=chosen_bins, item_id__in=[item.pk for item in chosen_items]
            )
        }
        for location in chosen_bins:
            for item in chosen_items:
                pairs[(location.pk, item.pk)] = on_hand.get((location.pk, item.pk), 0)
    else:
        query = held.filter(on_hand__gt=0)
        if chosen_bins:
            query = query.filter(location__in=chosen_bins)
        if chosen_items:
            query = query.filter(item_id__in=[item.pk for item in chosen_items])
        for row in query.order_by("location__code", "item__sku"):
            pairs[(row.location_id, row.item_id)] = row.on_hand
    StocktakeLine.objects.bulk_create(
        [
            StocktakeLine(
                stocktake=stocktake, bin_id=bin_id, item_id=item_id, expected_at_count=qty
            )
            for (bin_id, item_id), qty in pairs.items()
        ],
        batch_size=500,
    )
    record_creation(stocktake, user=user, action="stocktake.create", lines=len(pairs))
    return stocktake


@idempotent(operation="stocktake_count", result=Stocktake)
def stocktake_count(
    *,
    user: Any,
    stocktake_id: int,
    counts: Sequence[StocktakeCountInput],
    idempotency_key: str | None = None,
) -> Stocktake:
    """Record counts; each remembers what the bin held at that moment. A bin × SKU not yet on
    the stocktake is added (goods found where none were expected)."""
    stocktake = lock_document(Stocktake, stocktake_id)
    if stocktake.status not in STOCKTAKE_OPEN:
        raise DocumentNotEditable(
            detail=_("%(number)s is %(status)s; counts can no longer change.")
            % {"number": stocktake.number, "status": stocktake.get_status_display().lower()}
        )
    problems = LineErrors()
    if not counts:
        problems.add("counts", _("Enter at least one count."))
        problems.raise_if_any()
    codes = [str(line_value(count, "bin") or "").strip() for count in counts]
    skus = [str(line_value(count, "sku") or "").strip() for count in counts]
    bins = bins_by_code(stocktake.warehouse, codes)
    items = items_by_sku(skus)
    wanted: dict[tuple[int, int], int] = {}
    for index, count in enumerate(counts):
        prefix = f"counts[{index}]"
        location = bins.get(normal_bin_code(codes[index])) if codes[index] else None
        if location is None:
            problems.add(
                f"{prefix}.bin",
                _("Unknown bin %(code)s in warehouse %(warehouse)s.")
                % {"code": codes[index], "warehouse": stocktake.warehouse.code},
                kind="bin",
            )
        item = items.get(skus[index])
        if item is None:
            problems.add(
                f"{prefix}.sku", _("Unknown SKU %(sku)s.") % {"sku": skus[index]}, kind="sku"
            )
        elif item.is_bundle:
            problems.add(
                f"{prefix}.sku",
                _("%(sku)s is a bundle and holds no stock; count its components.")
                % {"sku": item.sku},
            )
        counted, error = clean_qty(
            line_value(count, "counted"), field=f"{prefix}.counted", allow_zero=True
        )
        if error:
            problems.add(f"{prefix}.counted", error)
        if location is not None and item is not None and not item.is_bundle and not error:
            wanted[(location.pk, item.pk)] = counted
    problems.raise_if_any()
    record_counts(stocktake, wanted)
    if stocktake.status != StocktakeStatus.COUNTING:
        stocktake.status = StocktakeStatus.COUNTING
        stocktake.save(update_fields=["status"])
    audit_record(
        actor=user,
        action="stocktake.count",
        obj=stocktake,
        summary=_("Stocktake %(number)s: %(count)d counts recorded")
        % {"number": stocktake.number, "count": len(wanted)},
    )
    return stocktake


def record_counts(stocktake: Stocktake, wanted: dict[tuple[int, int], int]) -> None:
    now = timezone.now()
    query = Q()
    for bin_id, item_id in wanted:
        query |= Q(location_id=bin_id, item_id=item_id)
    on_hand = {
        (row.location_id, row.item_id): row.on_hand for row in BinStock.objects.filter(query)
    }
    existing = {
        (line.bin_id, line.item_id): line
        for line in stocktake.lines.filter(
            bin_id__in={pair[0] for pair in wanted}, item_id__in={pair[1] for pair in wanted}
        )
    }
    changed, created = [], []
    for pair, counted in wanted.items():
        line = existing.get(pair)
        if line is None:
            line = StocktakeLine(stocktake=stocktake, bin_id=pair[0], item_id=pair[1])
            created.append(line)
        else:
            changed.append(line)
        line.counted = counted
        line.counted_at = now
        line.expected_at_count = on_hand.get(pair, 0)
    StocktakeLine.objects.bulk_create(created, batch_size=500)
    StocktakeLine.objects.bulk_update(
        changed, ["counted", "counted_at", "expected_at_count"], batch_size=300
    )


@idempotent(operation="stocktake_post", result=Stocktake)
def stocktake_post(
    *, user: Any, stocktake_id: int, idempotency_key: str | None = None
) -> Stocktake:
    stocktake = lock_document(Stocktake, stocktake_id)
    if stocktake.status not in STOCKTAKE_OPEN:
        raise DocumentNotEditable(
            detail=_("%(number)s is %(status)s; only an open stocktake can be posted.")
            % {"number": stocktake.number, "status": stocktake.get_status_display().lower()}
        )
    counted = list(stocktake.lines.filter(counted__isnull=False).select_related("bin", "item"))
    if not counted:
        raise ValidationFailed.for_field(
            "counts", _("Count at least one line before posting the stocktake.")
        )
    adjustment = virtual_location(LocationKind.ADJUSTMENT)
    ledger_lines = []
    for line in counted:
        difference = (line.counted or 0) - line.expected_at_count
        if difference > 0:
            ledger_lines.append(LedgerLine(line.item_id, adjustment, line.bin, difference))
        elif difference < 0:
            ledger_lines.append(LedgerLine(line.item_id, line.bin, adjustment, -difference))
    move = None
    if ledger_lines:
        locked = ledger.lock_for_lines(ledger_lines)
        move = ledger.apply_move(
            locked,
            kind=MoveKind.STOCKTAKE,
            lines=ledger_lines,
            user=user,
            reference=stocktake.reference,
            note=stocktake.note,
            document_type=DocumentType.STOCKTAKE,
            document_id=stocktake.pk,
            idempotency_key=idempotency_key,
        )
    mark_posted(stocktake, user=user, move=move, status=StocktakeStatus.POSTED)
    audit_record(
        actor=user,
        action="stocktake.post",
        obj=stocktake,
        summary=_("Stocktake %(number)s posted: %(count)d differences")
        % {"number": stocktake.number, "count": len(ledger_lines)},
    )
    return stocktake


@idempotent(
    operation="document_reverse",
    record=lambda document: (document._meta.label_lower, document.pk),
    replay=lambda record, arguments: DOCUMENT_MODELS[arguments["kind"]].objects.get(
        pk=record.result_id or 0
    ),
)
def document_reverse(
    *, user: Any, kind: str, document_id: int, idempotency_key: str | None = None
) -> Any:
    """Post a move that undoes a posted document; the document stays, marked reversed."""
    if kind not in DOCUMENT_MODELS:
        raise ValidationFailed.for_field(
            "kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(DOCUMENT_MODELS)}
        )
    model = DOCUMENT_MODELS[kind]
    document = lock_document(model, document_id)
    if document.status == DocumentStatus.REVERSED:
        raise DocumentNotEditable(
            detail=_("%(number)s is already reversed.") % {"number": document.number}
        )
    if document.status not in (DocumentStatus.POSTED, TransferStatus.SHIPPED):
        raise DocumentNotEditable(
            detail=_("%(number)s is not posted, so there is nothing to reverse.")
            % {"number": document.number}
        )
    moves = [move for move in (document.move, getattr(document, "receive_move", None)) if move]
    lines = [line for move in reversed(moves) for line in ledger.reversal_lines(move)]
    reversal = None
    if lines:
        locked = ledger.lock_for_lines(lines)
        reversal = ledger.apply_move(
            locked,
            kind=MoveKind.REVERSAL,
            lines=lines,
            user=user,
            reference=document.reference,
            note=_("Reversal of %(number)s") % {"number": document.number},
            document_type=kind,
            document_id=document.pk,
            idempotency_key=idempotency_key,
            reversal_of=moves[0],
        )
    document.status = DocumentStatus.REVERSED
    document.reversal_move = reversal
    document.reversed_at = timezone.now()
    document.reversed_by = user_or_none(user)
    document.save(update_fields=["status", "reversal_move", "reversed_at", "reversed_by"])
    audit_record(
        actor=user,
        action=f"{kind}.reverse",
        obj=document,
        summary=_("%(number)s reversed") % {"number": document.number},
    )
    return document
