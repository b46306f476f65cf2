"""Transfers (库存转移): bin to bin within a warehouse, or shipped through transit to another.

A line may not name a bundle: a bundle holds no stock, what is moved is its components, and the
document must show what moved. Such a line is refused with its components listed (the console's
editor expands it into them before saving), like a receipt's or an issue's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.catalog.selectors import bundle_expansions
from kucun.core.audit import audit_record
from kucun.core.idempotency import idempotent
from kucun.inventory.choices import DocumentType, MoveKind, TransferStatus
from kucun.inventory.errors import DocumentNotEditable
from kucun.inventory.models import Transfer, TransferLine
from kucun.inventory.services import ledger
from kucun.inventory.services.inputs import TransferLineInput
from kucun.inventory.services.ledger import LedgerLine
from kucun.inventory.services.lookups import (
    ItemRef,
    LineErrors,
    bins_by_code,
    clean_qty,
    component_skus,
    default_receiving_bin,
    find_warehouse,
    items_by_sku,
    normal_bin_code,
    virtual_location,
)
from kucun.inventory.services.receipts_issues import (
    MAX_LINES,
    bundle_line_refusal,
    component_needs,
    line_value,
    lock_document,
    mark_posted,
    record_creation,
    refuse_bundle_lines,
    refuse_unless_draft,
    user_or_none,
)
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location, Warehouse


@dataclass(frozen=True)
class ResolvedTransferLine:
    item: ItemRef
    qty: int
    from_bin: Location
    to_bin: Location


def resolve_transfer_lines(
    source: Warehouse, destination: Warehouse, lines: Sequence[Any]
) -> list[ResolvedTransferLine]:
    problems = LineErrors()
    if not lines:
        problems.add("lines", _("Add at least one line."))
    if len(lines) > MAX_LINES:
        problems.add("lines", _("At most %(limit)d lines.") % {"limit": MAX_LINES})
    problems.raise_if_any()
    skus = [str(line_value(line, "sku") or "").strip() for line in lines]
    from_codes = [str(line_value(line, "from_bin") or "").strip() for line in lines]
    to_codes = [str(line_value(line, "to_bin") or "").strip() for line in lines]
    items = items_by_sku(skus)
    from_bins = bins_by_code(source, from_codes)
    to_bins = bins_by_code(destination, to_codes)
    bundle_ids = {item.pk for item in items.values() if item.is_bundle}
    expansions = bundle_expansions(bundle_ids) if bundle_ids else {}
    names = component_skus(expansions)
    default_to = None
    if destination != source and not all(to_codes):
        default_to = default_receiving_bin(destination)
    resolved = []
    for index, line in enumerate(lines):
        prefix = f"lines[{index}]"
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
        from_bin = bin_or_error(
            problems, f"{prefix}.from_bin", source, from_codes[index], from_bins
        )
        if to_codes[index] or default_to is None:
            to_bin = bin_or_error(
                problems, f"{prefix}.to_bin", destination, to_codes[index], to_bins
            )
        else:
            to_bin = default_to
        if from_bin is not None and to_bin is not None and from_bin.pk == to_bin.pk:
            problems.add(f"{prefix}.to_bin", _("must differ from the from bin"))
        if item is not None and not qty_error and from_bin is not None and to_bin is not None:
            resolved.append(ResolvedTransferLine(item, qty, from_bin, to_bin))
    problems.raise_if_any()
    return resolved


def bin_or_error(
    problems: LineErrors,
    field: str,
    warehouse: Warehouse,
    code: str,
    bins: dict[str, Location],
) -> Location | None:
    if not code:
        problems.add(field, _("Choose a bin."), kind="bin")
        return None
    location = bins.get(normal_bin_code(code))
    if location is None:
        problems.add(
            field,
            _("Unknown bin %(code)s in warehouse %(warehouse)s.")
            % {"code": code, "warehouse": warehouse.code},
            kind="bin",
        )
        return None
    if not location.active:
        problems.add(field, _("Bin %(code)s is inactive.") % {"code": location.code})
        return None
    return location


@idempotent(operation="transfer_create", result=Transfer)
def transfer_create(
    *,
    user: Any,
    warehouse: str,
    lines: Sequence[TransferLineInput],
    to_warehouse: str | None = None,
    reference: str = "",
    note: str = "",
    post: bool = False,
    idempotency_key: str | None = None,
) -> Transfer:
    source = find_warehouse(warehouse)
    destination = source
    if to_warehouse and str(to_warehouse).strip():
        destination = find_warehouse(to_warehouse, field="to_warehouse")
    resolved = resolve_transfer_lines(source, destination, lines)
    transfer = Transfer.objects.create(
        warehouse=source,
        to_warehouse=destination if destination != source else None,
        reference=reference.strip()[:255],
        note=note,
        created_by=user_or_none(user),
    )
    transfer_lines = write_transfer_lines(transfer, resolved)
    record_creation(transfer, user=user, action="transfer.create", lines=len(transfer_lines))
    if post:
        post_transfer(transfer, transfer_lines, user=user, key=idempotency_key)
    return transfer


def write_transfer_lines(
    transfer: Transfer, resolved: Sequence[ResolvedTransferLine]
) -> list[TransferLine]:
    return TransferLine.objects.bulk_create(
        [
            TransferLine(
                transfer=transfer,
                item_id=line.item.pk,
                qty=line.qty,
                from_bin=line.from_bin,
                to_bin=line.to_bin,
            )
            for line in resolved
        ],
        batch_size=500,
    )


@idempotent(operation="transfer_post", result=Transfer)
def transfer_post(*, user: Any, transfer_id: int, idempotency_key: str | None = None) -> Transfer:
    """Within a warehouse: bin to bin. Between warehouses: ship the goods into transit."""
    transfer = lock_document(Transfer, transfer_id)
    refuse_unless_draft(transfer)
    lines = list(transfer.lines.select_related("item", "from_bin", "to_bin"))
    refuse_bundle_lines([(line.item_id, line.item.is_bundle) for line in lines])
    post_transfer(transfer, lines, user=user, key=idempotency_key)
    return transfer


def expanded(lines: Sequence[TransferLine], source: Any, target: Any) -> list[LedgerLine]:
    """Ledger lines for transfer lines; ``source``/``target`` pick each end of a line. Only a
    transfer shipped before bundle lines were refused can still hold one: it arrives as the
    components that left."""
    bundle_ids = {line.item_id for line in lines if line.item.is_bundle}
    expansions = bundle_expansions(bundle_ids) if bundle_ids else {}
    result = []
    for line in lines:
        for item_id, qty in component_needs(
            line.item_id, line.item.is_bundle, line.qty, expansions
        ):
            result.append(LedgerLine(item_id, source(line), target(line), qty))
    return result


def post_transfer(
    transfer: Transfer, lines: Sequence[TransferLine], *, user: Any, key: str | None
) -> None:
    if not lines:
        raise DocumentNotEditable(detail=_("A transfer needs at least one line to post."))
    if transfer.between_warehouses:
        transit = virtual_location(LocationKind.TRANSIT)
        ledger_lines = expanded(lines, lambda line: line.from_bin, lambda _line: transit)
        kind, status = MoveKind.TRANSFER_SHIP, TransferStatus.SHIPPED
    else:
        ledger_lines = expanded(lines, lambda line: line.from_bin, lambda line: line.to_bin)
        kind, status = MoveKind.TRANSFER, TransferStatus.POSTED
    locked = ledger.lock_for_lines(ledger_lines)
    move = ledger.apply_move(
        locked,
        kind=kind,
        lines=ledger_lines,
        user=user,
        reference=transfer.reference,
        note=transfer.note,
        document_type=DocumentType.TRANSFER,
        document_id=transfer.pk,
        idempotency_key=key,
    )
    mark_posted(transfer, user=user, move=move, status=status)
    if status == TransferStatus.SHIPPED:
        transfer.shipped_at = transfer.posted_at
        transfer.save(update_fields=["shipped_at"])
    audit_record(
        actor=user,
        action="transfer.ship" if status == TransferStatus.SHIPPED else "transfer.post",
        obj=transfer,
        summary=_("Transfer %(number)s: %(units)d units moved")
        % {"number": transfer.number, "units": sum(line.qty for line in ledger_lines)},
    )


@idempotent(operation="transfer_receive", result=Transfer)
def transfer_receive(
    *, user: Any, transfer_id: int, idempotency_key: str | None = None
) -> Transfer:
    """Goods in transit arrive: transit to the destination bins."""
    transfer = lock_document(Transfer, transfer_id)
    if transfer.status != TransferStatus.SHIPPED:
        raise DocumentNotEditable(
            detail=_("%(number)s is %(status)s; only a transfer in transit can be received.")
            % {"number": transfer.number, "status": transfer.get_status_display().lower()}
        )
    lines = list(transfer.lines.select_related("item", "from_bin", "to_bin"))
    transit = virtual_location(LocationKind.TRANSIT)
    ledger_lines = expanded(lines, lambda _line: transit, lambda line: line.to_bin)
    locked = ledger.lock_for_lines(ledger_lines)
    move = ledger.apply_move(
        locked,
        kind=MoveKind.TRANSFER_RECEIVE,
        lines=ledger_lines,
        user=user,
        reference=transfer.reference,
        note=transfer.note,
        document_type=DocumentType.TRANSFER,
        document_id=transfer.pk,
        idempotency_key=idempotency_key,
    )
    transfer.status = TransferStatus.POSTED
    transfer.receive_move = move
    transfer.received_at = timezone.now()
    transfer.received_by = user_or_none(user)
    transfer.save(update_fields=["status", "receive_move", "received_at", "received_by"])
    audit_record(
        actor=user,
        action="transfer.receive",
        obj=transfer,
        summary=_("Transfer %(number)s received") % {"number": transfer.number},
    )
    return transfer
