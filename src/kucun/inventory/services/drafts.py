"""Change or discard a draft receipt, issue or transfer before it is posted.

A draft is not in the ledger, so its lines may be replaced whole and the draft itself deleted.
Each service locks the document row first (the same lock posting takes), so an edit racing a
posting either lands before it — and the posting moves the new lines — or finds the document
posted and is refused. Lines are checked with the same rules and messages as on creation.
``post=True`` saves and posts in one transaction: a posting refused for lack of stock leaves
the draft as it was before the edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from kucun.core.audit import audit_record
from kucun.core.errors import FieldError, ValidationFailed
from kucun.core.idempotency import idempotent
from kucun.core.models import IdempotencyRecord
from kucun.inventory.choices import DocumentStatus, DocumentType, IssueKind, ReceiptKind
from kucun.inventory.errors import DocumentNotEditable
from kucun.inventory.models import (
    Issue,
    IssueLine,
    Receipt,
    ReceiptLine,
    Transfer,
    TransferLine,
)
from kucun.inventory.services.inputs import DocumentLineInput, TransferLineInput
from kucun.inventory.services.lookups import find_warehouse
from kucun.inventory.services.receipts_issues import (
    clean_choice,
    issue_post,
    lock_document,
    receipt_post,
    resolve_lines,
    write_issue_lines,
    write_receipt_lines,
)
from kucun.inventory.services.transfers import (
    resolve_transfer_lines,
    transfer_post,
    write_transfer_lines,
)
from kucun.warehouses.models import Warehouse

DRAFT_MODELS: dict[str, Any] = {
    DocumentType.RECEIPT: Receipt,
    DocumentType.ISSUE: Issue,
    DocumentType.TRANSFER: Transfer,
}
MAX_REFERENCE = 255


def refuse_unless_changeable(document: Any) -> None:
    if document.status != DocumentStatus.DRAFT:
        raise DocumentNotEditable(
            detail=_("%(number)s is %(status)s; only drafts can be changed.")
            % {"number": document.number, "status": document.get_status_display().lower()}
        )


def refuse_other_warehouse(document: Any, warehouse: str | None) -> None:
    """The warehouse is fixed once a document exists: its bins belong to that warehouse."""
    if warehouse is None:
        return
    if str(warehouse).strip().upper() != document.warehouse.code.upper():
        message = _(
            "The warehouse of %(number)s is %(code)s and cannot change; discard the draft and "
            "create a new one for another warehouse."
        ) % {"number": document.number, "code": document.warehouse.code}
        raise ValidationFailed(detail=message, errors=[FieldError("warehouse", message)])


def apply_header(
    document: Any,
    *,
    kind: str | None = None,
    kinds: Any = None,
    reference: str | None = None,
    note: str | None = None,
) -> list[str]:
    """Set the header fields that were given; the names of the fields that changed."""
    changed = []
    if kind is not None:
        document.kind = clean_choice(kind, kinds, field="kind")
        changed.append("kind")
    if reference is not None:
        document.reference = str(reference).strip()[:MAX_REFERENCE]
        changed.append("reference")
    if note is not None:
        document.note = str(note)
        changed.append("note")
    return changed


def save_header(document: Any, fields: list[str]) -> None:
    if fields:
        document.save(update_fields=fields)


def record_update(
    document: Any, *, user: Any, action: str, fields: list[str], lines: int | None
) -> None:
    summary = _("%(number)s changed") % {"number": document.number}
    if lines is not None:
        summary = _("%(number)s changed: %(count)d lines") % {
            "number": document.number,
            "count": lines,
        }
    audit_record(
        actor=user,
        action=action,
        obj=document,
        summary=summary,
        data={"fields": fields, "lines_replaced": lines is not None},
    )


# Receipts ----------------------------------------------------------------------------------


@idempotent(operation="receipt_update", result=Receipt)
def receipt_update(
    *,
    user: Any,
    receipt_id: int,
    kind: str | None = None,
    reference: str | None = None,
    note: str | None = None,
    lines: Sequence[DocumentLineInput] | None = None,
    warehouse: str | None = None,
    post: bool = False,
    idempotency_key: str | None = None,
) -> Receipt:
    """Change a draft receipt; ``None`` leaves a field as it is, ``lines`` replace them all.

    ``warehouse`` may be given only as the receipt's own warehouse (it cannot change).
    """
    receipt: Receipt = lock_document(Receipt, receipt_id)
    refuse_unless_changeable(receipt)
    refuse_other_warehouse(receipt, warehouse)
    fields = apply_header(receipt, kind=kind, kinds=ReceiptKind, reference=reference, note=note)
    if lines is not None:
        replace_receipt_lines(receipt, lines)
    save_header(receipt, fields)
    record_update(
        receipt,
        user=user,
        action="receipt.update",
        fields=fields,
        lines=None if lines is None else len(lines),
    )
    if post:
        # The posting service runs in a savepoint of this transaction: if it is refused,
        # the edit above is rolled back with it.
        return receipt_post(user=user, receipt_id=receipt.pk)
    return receipt


def replace_receipt_lines(receipt: Receipt, lines: Sequence[DocumentLineInput]) -> None:
    resolved = resolve_lines(receipt.warehouse, lines)
    ReceiptLine.objects.filter(receipt_id=receipt.pk).delete()
    write_receipt_lines(receipt, resolved)


# Issues ------------------------------------------------------------------------------------


@idempotent(operation="issue_update", result=Issue)
def issue_update(
    *,
    user: Any,
    issue_id: int,
    kind: str | None = None,
    reference: str | None = None,
    note: str | None = None,
    lines: Sequence[DocumentLineInput] | None = None,
    allocation_reference: str | None = None,
    warehouse: str | None = None,
    post: bool = False,
    idempotency_key: str | None = None,
) -> Issue:
    """Change a draft issue; ``None`` leaves a field as it is, ``lines`` replace them all.

    A line without a bin keeps none: bins are chosen when the issue is posted.
    """
    issue: Issue = lock_document(Issue, issue_id)
    refuse_unless_changeable(issue)
    refuse_other_warehouse(issue, warehouse)
    fields = apply_header(issue, kind=kind, kinds=IssueKind, reference=reference, note=note)
    if allocation_reference is not None:
        issue.allocation_reference = str(allocation_reference).strip()[:MAX_REFERENCE]
        fields.append("allocation_reference")
    if lines is not None:
        resolved = resolve_lines(issue.warehouse, lines)
        IssueLine.objects.filter(issue_id=issue.pk).delete()
        write_issue_lines(issue, resolved)
    save_header(issue, fields)
    record_update(
        issue,
        user=user,
        action="issue.update",
        fields=fields,
        lines=None if lines is None else len(lines),
    )
    if post:
        return issue_post(user=user, issue_id=issue.pk)
    return issue


# Transfers ---------------------------------------------------------------------------------


@idempotent(operation="transfer_update", result=Transfer)
def transfer_update(
    *,
    user: Any,
    transfer_id: int,
    to_warehouse: str | None = None,
    reference: str | None = None,
    note: str | None = None,
    lines: Sequence[TransferLineInput] | None = None,
    warehouse: str | None = None,
    post: bool = False,
    idempotency_key: str | None = None,
) -> Transfer:
    """Change a draft transfer; ``None`` leaves a field as it is, ``lines`` replace them all.

    ``to_warehouse=""`` makes it a transfer within the source warehouse. When the destination
    changes and no lines are given, the current lines are checked against the new destination
    (their to bins must be bins of it).
    """
    transfer: Transfer = lock_document(Transfer, transfer_id)
    refuse_unless_changeable(transfer)
    refuse_other_warehouse(transfer, warehouse)
    source: Warehouse = transfer.warehouse
    destination: Warehouse = transfer.to_warehouse or source
    fields = apply_header(transfer, reference=reference, note=note)
    destination_changed = False
    if to_warehouse is not None:
        new_destination = source
        if str(to_warehouse).strip():
            new_destination = find_warehouse(to_warehouse, field="to_warehouse")
        destination_changed = new_destination.pk != destination.pk
        destination = new_destination
        transfer.to_warehouse = None if destination.pk == source.pk else destination
        fields.append("to_warehouse")
    new_lines = lines
    if new_lines is None and destination_changed:
        new_lines = current_transfer_lines(transfer)
    if new_lines is not None:
        resolved = resolve_transfer_lines(source, destination, new_lines)
        TransferLine.objects.filter(transfer_id=transfer.pk).delete()
        write_transfer_lines(transfer, resolved)
    save_header(transfer, fields)
    record_update(
        transfer,
        user=user,
        action="transfer.update",
        fields=fields,
        lines=None if new_lines is None else len(new_lines),
    )
    if post:
        return transfer_post(user=user, transfer_id=transfer.pk)
    return transfer


def current_transfer_lines(transfer: Transfer) -> list[TransferLineInput]:
    rows = TransferLine.objects.filter(transfer_id=transfer.pk).order_by("id")
    return [
        TransferLineInput(sku=sku, qty=qty, from_bin=from_code, to_bin=to_code)
        for sku, qty, from_code, to_code in rows.values_list(
            "item__sku", "qty", "from_bin__code", "to_bin__code"
        )
    ]


# Discarding --------------------------------------------------------------------------------


@idempotent(operation="document_discard", result=None)
def document_discard(
    *, user: Any, kind: str, document_id: int, idempotency_key: str | None = None
) -> None:
    """Delete a draft receipt, issue or transfer with its lines; a posted one is refused.

    The same idempotency key again answers as the first call did, even though the draft is gone.
    """
    if kind not in DRAFT_MODELS:
        raise ValidationFailed.for_field(
            "kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(DRAFT_MODELS)}
        )
    model = DRAFT_MODELS[kind]
    label = model._meta.label_lower
    document = lock_document(model, document_id)
    refuse_discard_unless_draft(document)
    pk = document.pk
    lines = document.lines.all()
    count = lines.count()
    audit_record(
        actor=user,
        action=f"{kind}.discard",
        obj=document,
        summary=_("%(number)s discarded (a draft with %(count)d lines)")
        % {"number": document.number, "count": count},
        data={"lines": count, "reference": document.reference},
    )
    lines.delete()
    model.objects.filter(pk=pk).delete()
    # Earlier answers that name the draft cannot be replayed any more.
    IdempotencyRecord.objects.filter(result_type=label, result_id=pk).delete()


def refuse_discard_unless_draft(document: Any) -> None:
    if document.status != DocumentStatus.DRAFT:
        raise DocumentNotEditable(
            detail=_("%(number)s is %(status)s; only drafts can be discarded. Reverse it instead.")
            % {"number": document.number, "status": document.get_status_display().lower()}
        )
