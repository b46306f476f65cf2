"""Receipts (入库) and issues (出库): create, post; lines resolved in bulk.

A line may not name a bundle: a bundle holds no stock, what is received or shipped is its
components, and the document must show what moved. Such a line is refused with its components
listed (the console's editor expands it into them before saving).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.catalog.models import Item
from kucun.catalog.selectors import bundle_expansions
from kucun.core.audit import audit_record
from kucun.core.errors import Conflict, NotFound, ValidationFailed
from kucun.core.idempotency import idempotent
from kucun.inventory.choices import DocumentStatus, DocumentType, IssueKind, MoveKind, ReceiptKind
from kucun.inventory.errors import DocumentNotEditable, InsufficientStock
from kucun.inventory.models import (
    Allocation,
    BinStock,
    Issue,
    IssueLine,
    IssueLinePick,
    Receipt,
    ReceiptLine,
    WrittenLine,
)
from kucun.inventory.services import ledger
from kucun.inventory.services.bulk import (
    column_name,
    fetch_one_row,
    insert_one,
    insert_one_with_rows,
    insert_rows,
    model_rows,
    new_row_values,
    row_reader,
    rows_per_statement,
    table_name,
    update_one,
)
from kucun.inventory.services.inputs import DocumentLineInput
from kucun.inventory.services.ledger import LedgerLine, LockedBalances, Pair
from kucun.inventory.services.lookups import (
    ItemRef,
    LineErrors,
    bins_by_code,
    bundle_refusal,
    clean_qty,
    component_skus,
    default_receiving_bin,
    find_warehouse,
    items_by_sku,
    normal_bin_code,
    virtual_location,
)
from kucun.warehouses.choices import LocationKind, ZoneKind
from kucun.warehouses.models import Location, Warehouse

RECEIPT_SOURCE = {
    ReceiptKind.PURCHASE: LocationKind.SUPPLIER,
    ReceiptKind.SALES_RETURN: LocationKind.CUSTOMER,
    ReceiptKind.OTHER: LocationKind.ADJUSTMENT,
}
ISSUE_DESTINATION = {
    IssueKind.PURCHASE_RETURN: LocationKind.SUPPLIER,
    IssueKind.ORDER_SHIPMENT: LocationKind.CUSTOMER,
    IssueKind.ORDER_RESHIPMENT: LocationKind.CUSTOMER,
    IssueKind.OTHER: LocationKind.ADJUSTMENT,
}
MAX_LINES = 100_000
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class PostLine:
    item_id: int
    is_bundle: bool
    qty: int
    bin: Location | None


@dataclass(frozen=True)
class ResolvedLine:
    item: ItemRef
    qty: int
    bin: Location | None
    allocation_reference: str = ""


def user_or_none(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def clean_choice(value: Any, choices: Any, *, field: str) -> str:
    if value in choices.values:
        return str(value)
    raise ValidationFailed.for_field(
        field,
        _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)},
    )


def line_value(line: Any, name: str) -> Any:
    if isinstance(line, dict):
        return line.get(name)
    return getattr(line, name, None)


def resolve_lines(
    warehouse: Warehouse,
    lines: Sequence[Any],
    *,
    field: str = "lines",
    find_bins: Callable[[Warehouse, list[str]], dict[str, Location]] = bins_by_code,
) -> list[ResolvedLine]:
    """Resolve sku/qty/bin of every line, reporting every bad line at once."""
    problems = LineErrors()
    if not lines:
        problems.add(field, _("Add at least one line."))
        problems.raise_if_any()
    if len(lines) > MAX_LINES:
        problems.add(field, _("At most %(limit)d lines.") % {"limit": MAX_LINES})
        problems.raise_if_any()
    skus = [str(line_value(line, "sku") or "").strip() for line in lines]
    codes = [str(line_value(line, "bin") or "").strip() for line in lines]
    items = items_by_sku(skus)
    bins = find_bins(warehouse, [code for code in codes if code])
    bundle_ids = {item.pk for item in items.values() if item.is_bundle}
    expansions = bundle_expansions(bundle_ids) if bundle_ids else {}
    names = component_skus(expansions)
    resolved: list[ResolvedLine] = []
    for index, line in enumerate(lines):
        prefix = f"{field}[{index}]"
        item = items.get(skus[index])
        if not skus[index]:
            problems.add(f"{prefix}.sku", _("Enter a SKU."), kind="sku")
        elif item is None:
            problems.add(
                f"{prefix}.sku", _("Unknown SKU %(sku)s.") % {"sku": skus[index]}, kind="sku"
            )
        elif item.is_bundle:
            problems.add(f"{prefix}.sku", bundle_line_refusal(index, item, expansions, names))
        qty, qty_error = clean_qty(line_value(line, "qty"), field=f"{prefix}.qty")
        if qty_error:
            problems.add(f"{prefix}.qty", qty_error)
        location = None
        if codes[index]:
            location = bins.get(normal_bin_code(codes[index]))
            if location is None:
                problems.add(
                    f"{prefix}.bin",
                    _("Unknown bin %(code)s in warehouse %(warehouse)s.")
                    % {"code": codes[index], "warehouse": warehouse.code},
                    kind="bin",
                )
            elif not location.active:
                problems.add(
                    f"{prefix}.bin", _("Bin %(code)s is inactive.") % {"code": location.code}
                )
        if item is not None and not qty_error:
            reference = str(line_value(line, "allocation_reference") or "").strip()[:255]
            resolved.append(ResolvedLine(item, qty, location, reference))
    problems.raise_if_any()
    return resolved


def bundle_line_refusal(
    index: int, item: ItemRef, expansions: dict[int, dict[int, int]], names: dict[int, str]
) -> str:
    """A receipt or issue line names the items that move, never a bundle (which holds none)."""
    components = [(names[pk], qty) for pk, qty in expansions.get(item.pk, {}).items()]
    return _("Line %(number)d: %(reason)s") % {
        "number": index + 1,
        "reason": bundle_refusal(item.sku, components),
    }


def refuse_bundle_lines(lines: Sequence[tuple[int, bool]]) -> None:
    """Refuse to post a draft saved with a bundle line (item id, is bundle) before bundles
    were refused on documents: it would book components its lines do not show."""
    bundle_ids = {item_id for item_id, is_bundle in lines if is_bundle}
    if not bundle_ids:
        return
    expansions = bundle_expansions(bundle_ids)
    names = component_skus(expansions)
    names.update(Item.objects.filter(pk__in=bundle_ids).values_list("pk", "sku"))
    problems = LineErrors()
    for index, (item_id, is_bundle) in enumerate(lines):
        if is_bundle:
            item = ItemRef(item_id, names[item_id], True)
            problems.add(f"lines[{index}].sku", bundle_line_refusal(index, item, expansions, names))
    problems.raise_if_any()


def component_needs(
    item_id: int, is_bundle: bool, qty: int, expansions: dict[int, dict[int, int]]
) -> list[tuple[int, int]]:
    if not is_bundle:
        return [(item_id, qty)]
    return [(component, per * qty) for component, per in sorted(expansions[item_id].items())]


def lock_document(model: Any, document_id: Any) -> Any:
    """The document, locked FOR UPDATE (PostgreSQL; SQLite's IMMEDIATE transaction already
    excludes other writers). A plain statement: every posting starts here."""
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        pk = 0
    document = None
    if 0 < pk <= MAX_ID:
        document = fetch_one_row(model, pk, lock=True)
    if document is None:
        raise NotFound(
            detail=_("%(document)s %(id)s does not exist.")
            % {"document": model._meta.verbose_name.capitalize(), "id": document_id}
        )
    return document


def refuse_unless_draft(document: Any) -> None:
    if document.status != DocumentStatus.DRAFT:
        raise DocumentNotEditable(
            detail=_("%(number)s is %(status)s; only a draft can be posted.")
            % {"number": document.number, "status": document.get_status_display().lower()}
        )


def posted_values(document: Any, *, user: Any, status: str) -> dict[str, Any]:
    """Set the document's posted fields (status, when, by whom) and return them as stored
    values, for the caller to write (with the move, see ``mark_posted``)."""
    document.status = status
    document.posted_at = timezone.now()
    document.posted_by = user_or_none(user)
    return {
        "status": status,
        "posted_at": document.posted_at,
        "posted_by": document.posted_by_id,
    }


def record_creation(document: Any, *, user: Any, action: str, lines: int) -> None:
    """The audit row of a new document (its number names the kind: RC-, IS-, TR-, ST-)."""
    audit_record(
        actor=user,
        action=action,
        obj=document,
        summary=_("%(number)s created with %(count)d lines")
        % {"number": document.number, "count": lines},
    )


def mark_posted(document: Any, *, user: Any, move: Any, status: str) -> None:
    values = posted_values(document, user=user, status=status)
    document.move = move
    update_one(
        type(document), document.pk, {**values, "move": move.pk if move is not None else None}
    )


# Receipts ----------------------------------------------------------------------------------


@idempotent(operation="receipt_create", result=Receipt)
def receipt_create(
    *,
    user: Any,
    warehouse: str,
    kind: str,
    lines: Sequence[DocumentLineInput],
    reference: str = "",
    note: str = "",
    post: bool = False,
    idempotency_key: str | None = None,
) -> Receipt:
    target = find_warehouse(warehouse)
    receipt_kind = clean_choice(kind, ReceiptKind, field="kind")
    bins = ReceiptBins(
        default=any(not str(line_value(line, "bin") or "").strip() for line in lines),
        source=RECEIPT_SOURCE[ReceiptKind(receipt_kind)] if post else None,
    )
    resolved = resolve_lines(target, lines, find_bins=bins.find)
    receipt = Receipt(
        warehouse=target,
        kind=receipt_kind,
        reference=reference.strip()[:255],
        note=note,
        created_by=user_or_none(user),
    )
    post_lines = insert_receipt(receipt, resolved, default_bin=bins.default_bin)
    record_creation(receipt, user=user, action="receipt.create", lines=len(resolved))
    if post:
        post_receipt(
            receipt,
            post_lines,
            user=user,
            key=idempotency_key,
            source=bins.source,
            bins_locked=bins.locked,
        )
    return receipt


class ReceiptBins:
    """The bins a new receipt's lines name and, when a line names none, the warehouse's default
    receiving bin, in one plain statement. To be posted at once (``source``: the kind of
    virtual location the stock comes from), the same statement reads that location (None
    before its first use), and on PostgreSQL share-locks the rows in pk order, which posting
    would otherwise do next (the new receipt itself needs no lock: no one else sees it yet;
    the virtual location's share lock blocks nothing a posting does)."""

    def __init__(self, *, default: bool, source: str | None) -> None:
        self.default = default
        self.source_kind = source
        self.lock = source is not None and connection.vendor == "postgresql"
        self.locked = False
        self.default_bin: Location | None = None
        self.source: Location | None = None

    def find(self, warehouse: Warehouse, codes: list[str]) -> dict[str, Location]:
        wanted = sorted({normal_bin_code(code) for code in codes if code.strip()})
        if not wanted and not self.default:
            self.locked = self.lock
            return {}
        columns, attnames, converters = row_reader(connection.vendor, Location)
        column = functools.partial(column_name, Location)
        conditions = []
        params: list[Any] = [LocationKind.INTERNAL.value, warehouse.pk]
        if wanted:
            conditions.append(f"{column('code')} IN ({', '.join(['%s'] * len(wanted))})")
            params.extend(wanted)
        if self.default:
            conditions.append(f"{column('is_default_receiving')} = %s")
            params.append(True)
        where = (
            f"({column('kind')} = %s AND {column('warehouse')} = %s "
            f"AND ({' OR '.join(conditions)}))"
        )
        if self.source_kind is not None:
            where += f" OR {column('kind')} = %s"
            params.append(self.source_kind)
        sql = (
            f"SELECT {columns} FROM {table_name(Location)} "  # noqa: S608
            f"WHERE {where} ORDER BY {column('id')}" + (" FOR SHARE" if self.lock else "")
        )
        found: dict[str, Location] = {}
        for location in model_rows(Location, sql, params, attnames, converters):
            if location.kind != LocationKind.INTERNAL:
                self.source = location
            elif location.code in wanted:
                found[location.code] = location
            if self.default and location.is_default_receiving:
                self.default_bin = location
        missing = [code for code in wanted if code not in found]
        if missing:  # named in another case: looked up (and locked by posting) as usual
            found.update(bins_by_code(warehouse, missing))
        self.locked = self.lock and not missing
        return found


def insert_receipt(
    receipt: Receipt, resolved: Sequence[ResolvedLine], *, default_bin: Location | None = None
) -> list[PostLine]:
    """Insert the new receipt and its lines (one statement on PostgreSQL) and return the lines
    as posting takes them. The receipt keeps its lines as written (``written_lines``), so
    answering with it needs no read."""
    post_lines = receipt_post_lines_of(receipt, resolved, default_bin=default_bin)
    values = new_row_values(receipt)
    rows = [(line.item_id, line.qty, line.bin.pk) for line in post_lines]  # type: ignore[union-attr]
    if connection.vendor == "postgresql" and len(rows) <= rows_per_statement(4):
        receipt.pk = insert_one_with_rows(
            Receipt, values, ReceiptLine, "receipt", ["item", "qty", "bin"], rows
        )
    else:
        receipt.pk = insert_one(Receipt, values)
        insert_rows(
            ReceiptLine,
            ["receipt", "item", "qty", "bin"],
            [(receipt.pk, *row) for row in rows],
        )
    receipt._state.adding = False
    receipt._state.db = connection.alias
    receipt.written_lines = [
        WrittenLine(item=line.item, qty=line.qty, bin=post_line.bin)
        for line, post_line in zip(resolved, post_lines, strict=True)
    ]
    return post_lines


def receipt_post_lines_of(
    receipt: Receipt, resolved: Sequence[ResolvedLine], *, default_bin: Location | None = None
) -> list[PostLine]:
    """The lines as posting takes them: a line without a bin goes to the warehouse's default
    receiving bin (``default_bin`` when read already)."""
    if default_bin is None and any(line.bin is None for line in resolved):
        default_bin = default_receiving_bin(receipt.warehouse)
    return [
        PostLine(line.item.pk, line.item.is_bundle, line.qty, line.bin or default_bin)
        for line in resolved
    ]


def write_receipt_lines(receipt: Receipt, resolved: Sequence[ResolvedLine]) -> list[PostLine]:
    """Store the receipt's lines (a line without a bin goes to the warehouse's default
    receiving bin) and return them as posting takes them."""
    default_bin = None
    if any(line.bin is None for line in resolved):
        default_bin = default_receiving_bin(receipt.warehouse)
    post_lines = [
        PostLine(line.item.pk, line.item.is_bundle, line.qty, line.bin or default_bin)
        for line in resolved
    ]
    insert_rows(
        ReceiptLine,
        ["receipt", "item", "qty", "bin"],
        [(receipt.pk, line.item_id, line.qty, line.bin.pk) for line in post_lines],  # type: ignore[union-attr]
    )
    return post_lines


@idempotent(operation="receipt_post", result=Receipt)
def receipt_post(*, user: Any, receipt_id: int, idempotency_key: str | None = None) -> Receipt:
    receipt = lock_document(Receipt, receipt_id)
    refuse_unless_draft(receipt)
    lines, source, bins_locked = receipt_post_lines(receipt)
    post_receipt(
        receipt, lines, user=user, key=idempotency_key, source=source, bins_locked=bins_locked
    )
    return receipt


def receipt_post_lines(receipt: Receipt) -> tuple[list[PostLine], Location | None, bool]:
    """The receipt's lines with what posting needs (item's bundle flag, bin), the virtual
    location the stock comes from (None before its first use), and whether the bins are
    share-locked already; in one plain statement.

    On PostgreSQL the same statement share-locks the bins in pk order (``FOR SHARE OF``),
    which ``lock_balances`` would otherwise do next: possible only when every line names
    its bin (an outer-joined row cannot be locked), so a receipt with a line without a bin
    is read again without the lock and its bins locked the usual way."""
    kind = RECEIPT_SOURCE[ReceiptKind(receipt.kind)]
    line_table = table_name(ReceiptLine)
    select = (
        "SELECT l.id, l.item_id, l.qty, i.is_bundle, "
        "b.id, b.kind, b.code, b.sellable, b.active, b.warehouse_id, b.zone_id, "
        "v.id, v.code, v.sellable, v.active"
    )
    joins = (
        f"FROM {line_table} l JOIN {table_name(Item)} i ON i.id = l.item_id "
        "{bin_join} " + f"{table_name(Location)} b ON b.id = l.bin_id "
        f"LEFT JOIN {table_name(Location)} v ON v.kind = %s "
        "WHERE l.receipt_id = %s"
    )
    locked = False
    rows: list[Any] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            count = f"(SELECT COUNT(*) FROM {line_table} c WHERE c.receipt_id = %s)"  # noqa: S608
            sql = f"{select}, {count} {joins.format(bin_join='JOIN')}"
            cursor.execute(
                f"{sql} ORDER BY b.id, l.id FOR SHARE OF b", [receipt.pk, kind, receipt.pk]
            )
            rows = cursor.fetchall()
            locked = bool(rows) and len(rows) == rows[0][-1]
            rows = sorted(row[:-1] for row in rows)
        if not locked:
            cursor.execute(
                f"{select} " + joins.format(bin_join="LEFT JOIN") + " ORDER BY l.id",
                [kind, receipt.pk],
            )
            rows = cursor.fetchall()
    bins: dict[int, Location] = {}
    lines = []
    for _line_id, item_id, qty, is_bundle, bin_id, *bin_fields, _v, _vc, _vs, _va in rows:
        location = None
        if bin_id is not None:
            location = bins.get(bin_id)
            if location is None:
                bin_kind, code, sellable, active, warehouse_id, zone_id = bin_fields
                location = bins[bin_id] = Location(
                    pk=bin_id,
                    kind=bin_kind,
                    code=code,
                    sellable=bool(sellable),
                    active=bool(active),
                    warehouse_id=warehouse_id,
                    zone_id=zone_id,
                )
        lines.append(PostLine(item_id, bool(is_bundle), qty, location))
    source = None
    if rows and rows[0][11] is not None:
        source_id, code, sellable, active = rows[0][11:]
        source = Location(
            pk=source_id, kind=kind, code=code, sellable=bool(sellable), active=bool(active)
        )
    return lines, source, locked


def post_receipt(
    receipt: Receipt,
    lines: Sequence[PostLine],
    *,
    user: Any,
    key: str | None,
    source: Location | None = None,
    bins_locked: bool = False,
) -> None:
    """Post the receipt's lines as one move. No audit row: the move itself records who posted
    what, when, for which document (``StockMove.user``, ``created_at``, ``document_*``), and
    its lines are the units; an audit row per posting would repeat it at every stock change."""
    if not lines:
        raise ValidationFailed.for_field("lines", _("A receipt needs at least one line to post."))
    refuse_bundle_lines([(line.item_id, line.is_bundle) for line in lines])
    if source is None:
        source = virtual_location(RECEIPT_SOURCE[ReceiptKind(receipt.kind)])
    default_bin = None
    if any(line.bin is None for line in lines):
        default_bin = default_receiving_bin(receipt.warehouse)
    bundle_ids = {line.item_id for line in lines if line.is_bundle}
    expansions = bundle_expansions(bundle_ids) if bundle_ids else {}
    ledger_lines: list[LedgerLine] = []
    for line in lines:
        target = line.bin or default_bin
        assert target is not None
        for item_id, qty in component_needs(line.item_id, line.is_bundle, line.qty, expansions):
            ledger_lines.append(LedgerLine(item_id, source, target, qty))
    locked = ledger.lock_for_lines(ledger_lines, locations_locked=bins_locked)
    # The posted mark is written with the move (one statement on PostgreSQL).
    posted = posted_values(receipt, user=user, status=DocumentStatus.POSTED)
    receipt.move = ledger.apply_move(
        locked,
        kind=MoveKind.RECEIPT,
        lines=ledger_lines,
        user=user,
        reference=receipt.reference,
        note=receipt.note,
        document_type=DocumentType.RECEIPT,
        document_id=receipt.pk,
        idempotency_key=key,
        document_update=(Receipt, receipt.pk, posted, "move"),
        created_at=receipt.posted_at,
    )


# Issues ------------------------------------------------------------------------------------


@idempotent(operation="issue_create", result=Issue)
def issue_create(
    *,
    user: Any,
    warehouse: str,
    kind: str,
    lines: Sequence[DocumentLineInput],
    reference: str = "",
    note: str = "",
    post: bool = False,
    idempotency_key: str | None = None,
    allocation_reference: str = "",
) -> Issue:
    target = find_warehouse(warehouse)
    issue_kind = clean_choice(kind, IssueKind, field="kind")
    resolved = resolve_lines(target, lines)
    issue = Issue.objects.create(
        warehouse=target,
        kind=issue_kind,
        reference=reference.strip()[:255],
        note=note,
        allocation_reference=allocation_reference.strip()[:255],
        created_by=user_or_none(user),
    )
    issue_lines = write_issue_lines(issue, resolved)
    record_creation(issue, user=user, action="issue.create", lines=len(issue_lines))
    if post:
        post_issue(issue, issue_lines, user=user, key=idempotency_key)
    return issue


def write_issue_lines(issue: Issue, resolved: Sequence[ResolvedLine]) -> list[IssueLine]:
    """Store the issue's lines; a line without a bin keeps none (chosen when posting)."""
    return IssueLine.objects.bulk_create(
        [
            IssueLine(
                issue=issue,
                item_id=line.item.pk,
                qty=line.qty,
                bin=line.bin,
                allocation_reference=line.allocation_reference,
            )
            for line in resolved
        ],
        batch_size=500,
    )


@idempotent(operation="issue_post", result=Issue)
def issue_post(*, user: Any, issue_id: int, idempotency_key: str | None = None) -> Issue:
    issue = lock_document(Issue, issue_id)
    refuse_unless_draft(issue)
    lines = list(issue.lines.select_related("item", "bin"))
    post_issue(issue, lines, user=user, key=idempotency_key)
    return issue


def pick_candidates(warehouse_id: int, item_ids: set[int]) -> QuerySet[BinStock]:
    return BinStock.objects.filter(
        item_id__in=item_ids,
        location__warehouse_id=warehouse_id,
        location__kind=LocationKind.INTERNAL,
        on_hand__gt=0,
    ).select_related("location", "location__zone")


def pick_order(row: BinStock) -> tuple[bool, bool, bool, int, str]:
    """Active bins, picking zones, sellable bins first; then the fuller bin; then by code."""
    location = row.location
    zone_kind = location.zone.kind if location.zone is not None else ""
    return (
        not location.active,
        zone_kind != ZoneKind.PICKING,
        not location.sellable,
        -row.on_hand,
        location.code,
    )


@dataclass(frozen=True)
class Need:
    line: IssueLine
    item_id: int
    qty: int


def issue_needs(lines: Sequence[IssueLine]) -> list[Need]:
    bundle_ids = {line.item_id for line in lines if line.item.is_bundle}
    expansions = bundle_expansions(bundle_ids) if bundle_ids else {}
    needs = []
    for line in lines:
        for item_id, qty in component_needs(
            line.item_id, line.item.is_bundle, line.qty, expansions
        ):
            needs.append(Need(line, item_id, qty))
    return needs


def choose_bins(
    locked: LockedBalances, warehouse: Warehouse, needs: Sequence[Need]
) -> list[tuple[Need, Location, int]]:
    """Explicit bins as given; others picked from bins with stock, in pick order."""
    auto_items = {need.item_id for need in needs if need.line.bin_id is None}
    candidates: dict[int, list[BinStock]] = defaultdict(list)
    if auto_items:
        rows = list(pick_candidates(warehouse.pk, auto_items))
        extra = {row.location_id for row in rows} - locked.sellable.keys()
        if extra:
            # Bins that received this item since the first look: lock them too.
            for pk, (sellable, warehouse_id) in ledger.share_lock_locations(extra).items():
                locked.sellable[pk] = sellable
                if warehouse_id is not None:
                    locked.location_warehouse[pk] = warehouse_id
        for row in rows:
            row.location.sellable = locked.sellable.get(row.location_id, row.location.sellable)
            candidates[row.item_id].append(row)
        for item_rows in candidates.values():
            item_rows.sort(key=pick_order)
    remaining = {
        (row.item_id, row.location_id): row.on_hand for rows in candidates.values() for row in rows
    }
    picks: list[tuple[Need, Location, int]] = []
    short: dict[int, tuple[int, int]] = {}
    for need in needs:
        if need.line.bin is not None:
            picks.append((need, need.line.bin, need.qty))
            remaining[(need.item_id, need.line.bin.pk)] = (
                remaining.get((need.item_id, need.line.bin.pk), 0) - need.qty
            )
            continue
        wanted = need.qty
        for row in candidates.get(need.item_id, []):
            if wanted == 0:
                break
            have = remaining.get((need.item_id, row.location_id), 0)
            take = min(have, wanted)
            if take > 0:
                picks.append((need, row.location, take))
                remaining[(need.item_id, row.location_id)] = have - take
                wanted -= take
        if wanted > 0:
            total_needed, _available = short.get(need.item_id, (0, 0))
            short[need.item_id] = (total_needed + need.qty, 0)
    if short:
        raise_pick_shortage(warehouse, needs, short, candidates)
    return picks


def raise_pick_shortage(
    warehouse: Warehouse,
    needs: Sequence[Need],
    short: dict[int, tuple[int, int]],
    candidates: dict[int, list[BinStock]],
) -> None:
    skus = ledger.skus_of(short)
    errors = []
    for item_id in sorted(short):
        needed = sum(need.qty for need in needs if need.item_id == item_id)
        available = sum(row.on_hand for row in candidates.get(item_id, []))
        errors.append(
            InsufficientStock.build(
                sku=skus[item_id],
                needed=needed,
                available=available,
                where=_("warehouse %(code)s") % {"code": warehouse.code},
                field=skus[item_id],
            )
        )
    raise ledger.merge_shortages(errors)


def post_issue(issue: Issue, lines: Sequence[IssueLine], *, user: Any, key: str | None) -> None:
    if not lines:
        raise ValidationFailed.for_field("lines", _("An issue needs at least one line to post."))
    refuse_bundle_lines([(line.item_id, line.item.is_bundle) for line in lines])
    warehouse = issue.warehouse
    destination = virtual_location(ISSUE_DESTINATION[IssueKind(issue.kind)])
    needs = issue_needs(lines)
    item_ids = {need.item_id for need in needs}
    explicit_bins = {line.bin_id for line in lines if line.bin_id is not None}
    auto_items = {need.item_id for need in needs if need.line.bin_id is None}
    first_look = (
        set(pick_candidates(warehouse.pk, auto_items).values_list("location_id", flat=True))
        if auto_items
        else set()
    )
    allocation_levels: set[int] = set()
    if issue.allocation_reference:
        allocation_levels = set(
            Allocation.objects.filter(
                reference=issue.allocation_reference, stock_level__warehouse=warehouse
            ).values_list("stock_level_id", flat=True)
        )
    locked = ledger.lock_balances(
        pairs={(item_id, warehouse.pk) for item_id in item_ids},
        location_ids=explicit_bins | first_look,
        extra_level_pks=allocation_levels,
    )
    allocated_delta = release_for_issue(locked, issue) if issue.allocation_reference else {}
    if any(line.allocation_reference for line in lines):
        allocated_delta = consume_for_lines(issue, lines, allocated_delta)
    picks = choose_bins(locked, warehouse, needs)
    ledger_lines = [
        LedgerLine(need.item_id, location, destination, qty) for need, location, qty in picks
    ]
    move = ledger.apply_move(
        locked,
        kind=MoveKind.ISSUE,
        lines=ledger_lines,
        user=user,
        reference=issue.reference,
        note=issue.note,
        document_type=DocumentType.ISSUE,
        document_id=issue.pk,
        idempotency_key=key,
        allocated_delta=allocated_delta,
    )
    IssueLinePick.objects.bulk_create(
        [
            IssueLinePick(issue_line=need.line, item_id=need.item_id, bin=location, qty=qty)
            for need, location, qty in picks
        ],
        batch_size=500,
    )
    mark_posted(issue, user=user, move=move, status=DocumentStatus.POSTED)
    audit_record(
        actor=user,
        action="issue.post",
        obj=issue,
        summary=_("Issue %(number)s posted: %(units)d units")
        % {"number": issue.number, "units": sum(line.qty for line in ledger_lines)},
    )


def release_for_issue(locked: LockedBalances, issue: Issue) -> dict[Pair, int]:
    """Consume the allocations made for what this issue ships (read under the level locks)."""
    allocations = list(
        Allocation.objects.filter(
            reference=issue.allocation_reference, stock_level__warehouse=issue.warehouse
        ).select_related("stock_level")
    )
    pairs = {(a.stock_level.item_id, a.stock_level.warehouse_id) for a in allocations}
    ledger.lock_more_levels(locked, pairs)
    delta: dict[Pair, int] = defaultdict(int)
    for allocation in allocations:
        delta[(allocation.stock_level.item_id, allocation.stock_level.warehouse_id)] -= (
            allocation.qty
        )
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
    return dict(delta)


def consume_for_lines(
    issue: Issue, lines: Sequence[IssueLine], allocated_delta: dict[Pair, int]
) -> dict[Pair, int]:
    """Consume what each line names in ``allocation_reference``: exactly the line's quantity
    of that reference's allocation of the line's item (a bundle line was allocated as its
    components; each component ships on a line of its own). The levels are those of the
    issue's items in its warehouse, locked already. Refused when a line ships more than the
    reference holds, or the issue is not an order shipment."""
    delta = defaultdict(int, allocated_delta)
    for index, line in enumerate(lines):
        if not line.allocation_reference:
            continue
        field = f"lines[{index}].allocation_reference"
        if issue.kind != IssueKind.ORDER_SHIPMENT:
            raise ValidationFailed.for_field(
                field, _("Only an order shipment consumes allocations.")
            )
        allocation = (
            Allocation.objects.filter(
                reference=line.allocation_reference,
                item_id=line.item_id,
                stock_level__warehouse=issue.warehouse,
            )
            .select_related("stock_level")
            .first()
        )
        if allocation is None:
            raise ValidationFailed.for_field(
                field,
                _("%(reference)s holds no allocation of %(sku)s in %(warehouse)s.")
                % {
                    "reference": line.allocation_reference,
                    "sku": line.item.sku,
                    "warehouse": issue.warehouse.code,
                },
            )
        if line.qty > allocation.qty:
            raise Conflict.for_field(
                field,
                _(
                    "%(reference)s has %(outstanding)d of %(sku)s allocated; %(qty)d cannot be "
                    "shipped from it."
                )
                % {
                    "reference": line.allocation_reference,
                    "outstanding": allocation.qty,
                    "sku": line.item.sku,
                    "qty": line.qty,
                },
            )
        if line.qty == allocation.qty:
            allocation.delete()
        else:
            Allocation.objects.filter(pk=allocation.pk).update(qty=F("qty") - line.qty)
        level = allocation.stock_level
        delta[(level.item_id, level.warehouse_id)] -= line.qty
    return dict(delta)
