"""/api/v1/receipts, /issues, /transfers, /stocktakes, /stock, /moves and /allocations.

Viewers read; staff and owners write. Every write takes an ``Idempotency-Key`` header: the same
key again answers with the first result (same status, same document); the same key with a
different request is a 409. Line fields are checked by the services, which name the line
(``lines[2].qty: must be a positive whole number``). A line carries at most 1,000,000,000 units
(``lines[0].qty: must be at most 1,000,000,000 units on one line``); balances have no such cap.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.core.errors import NotFound, ValidationFailed
from kucun.core.pagination import PAGE_SIZE_MAX, PageParams, page_slice
from kucun.inventory import selectors, services
from kucun.inventory.choices import DocumentType
from kucun.inventory.models import (
    Issue,
    IssueLine,
    IssueLinePick,
    Receipt,
    ReceiptLine,
    StockCheck,
    StockMoveLine,
    Stocktake,
    StocktakeLine,
    Transfer,
    TransferLine,
)
from kucun.inventory.services import (
    DocumentLineInput,
    StocktakeCountInput,
    TransferLineInput,
)
from kucun.inventory.tasks import stock_reconcile

router = Router(tags=["inventory"])

MAX_ID = 2**63 - 1


def writer(request: HttpRequest) -> Any:
    require_role(request, Role.STAFF)
    return request.user


def idempotency_key(request: HttpRequest) -> str | None:
    return request.headers.get("Idempotency-Key") or None


# --- schemas -------------------------------------------------------------------------------------


class LineIn(Schema):
    sku: Any = None
    qty: Any = None
    bin: Any = None


class TransferLineIn(Schema):
    sku: Any = None
    qty: Any = None
    from_bin: Any = None
    to_bin: Any = None


class CountIn(Schema):
    bin: Any = None
    sku: Any = None
    counted: Any = None


class ReceiptIn(Schema):
    warehouse: str
    kind: str = "purchase"
    lines: list[LineIn]
    reference: str = Field("", max_length=255)
    note: str = Field("", max_length=5000)
    post: bool = False


class IssueLineIn(LineIn):
    allocation_reference: str = Field(
        "",
        max_length=255,
        description="An order shipment's line ships exactly this much of the stock allocated "
        "under this reference (e.g. order:{store}:{external}:{line}).",
    )


class IssueIn(ReceiptIn):
    kind: str = "other"
    lines: list[IssueLineIn]  # type: ignore[assignment]
    allocation_reference: str = Field("", max_length=255)


class TransferIn(Schema):
    warehouse: str
    to_warehouse: str | None = None
    lines: list[TransferLineIn]
    reference: str = Field("", max_length=255)
    note: str = Field("", max_length=5000)
    post: bool = False


class StocktakeIn(Schema):
    warehouse: str
    bins: list[str] = []
    skus: list[str] = []
    reference: str = Field("", max_length=255)
    note: str = Field("", max_length=5000)


class CountsIn(Schema):
    counts: list[CountIn]


class AllocateIn(Schema):
    reference: str
    sku: str
    warehouse: str
    qty: Any = None


class ReleaseIn(Schema):
    reference: str
    # Units of the line's SKU to release; omitted: everything the reference holds.
    qty: Any = None


class OrderLineIn(Schema):
    reference: Any = None
    sku: Any = None
    qty: Any = None


class OrderAllocateIn(Schema):
    lines: list[OrderLineIn]
    warehouse: str = ""
    warehouses: list[str] = []


class ConsumeIn(Schema):
    reference: str
    qty: Any = None


class DocumentLineOut(Schema):
    sku: str
    qty: int
    bin: str | None = None
    from_bin: str | None = None
    to_bin: str | None = None
    picks: list[dict[str, Any]] | None = None


class StocktakeLineOut(Schema):
    bin: str
    sku: str
    expected_at_count: int
    counted: int | None
    counted_at: datetime.datetime | None
    difference: int | None


class DocumentOut(Schema):
    id: int
    number: str
    type: str
    kind: str | None = None
    status: str
    warehouse: str
    to_warehouse: str | None = None
    reference: str
    note: str
    allocation_reference: str | None = None
    created_at: datetime.datetime
    created_by: str | None
    posted_at: datetime.datetime | None
    posted_by: str | None
    reversed_at: datetime.datetime | None
    move_id: int | None
    receive_move_id: int | None = None
    reversal_move_id: int | None
    lines_count: int
    lines: list[DocumentLineOut] | list[StocktakeLineOut] | None = None


class DocumentPage(Schema):
    count: int
    items: list[DocumentOut]


class DocumentFilters(PageParams):
    status: str | None = None
    kind: str | None = None
    warehouse: str | None = None
    q: str | None = Field(None, description="number, reference, note or the SKU of a line")


class WarehouseStockOut(Schema):
    warehouse: str
    on_hand: int
    sellable_on_hand: int
    allocated: int
    available: int


class StockOut(Schema):
    sku: str
    name: str
    is_bundle: bool
    reorder_point: int
    on_hand: int
    allocated: int
    available: int
    low_stock: bool
    warehouses: list[WarehouseStockOut]


class StockPage(Schema):
    count: int
    items: list[StockOut]


class StockFilters(PageParams):
    warehouse: str | None = None
    zone_kind: str | None = None
    low_stock: bool = False
    bundles: bool | None = None
    q: str = ""
    sort: str = "sku"


class MoveLineOut(Schema):
    id: int
    move_id: int
    kind: str
    created_at: datetime.datetime
    user: str | None
    document: str
    reference: str
    sku: str
    qty: int
    from_location: str
    to_location: str
    reversal_of: int | None


class MovePage(Schema):
    count: int
    items: list[MoveLineOut]


class MoveFilters(PageParams):
    sku: str = ""
    bin: str = ""
    warehouse: str = ""
    kind: str = ""
    document: str = ""
    user: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class AllocationOut(Schema):
    sku: str
    warehouse: str
    qty: int


class AllocationsOut(Schema):
    reference: str
    allocations: list[AllocationOut]


class ReleaseOut(Schema):
    reference: str
    released: int


class AllocationLineOut(Schema):
    id: int
    reference: str
    sku: str
    line_sku: str
    line_qty: int
    warehouse: str
    qty: int
    created_at: datetime.datetime


class AllocationPage(Schema):
    count: int
    items: list[AllocationLineOut]


class AllocationFilters(PageParams):
    reference: str = ""
    reference_prefix: str = ""
    warehouse: str = ""


class OrderAllocationOut(Schema):
    warehouse: str
    allocations: list[AllocationLineOut]


# --- documents: reading --------------------------------------------------------------------------

MODELS: dict[str, Any] = {
    DocumentType.RECEIPT: Receipt,
    DocumentType.ISSUE: Issue,
    DocumentType.TRANSFER: Transfer,
    DocumentType.STOCKTAKE: Stocktake,
}


def username(user: Any) -> str | None:
    return user.username if user is not None else None


def document_queryset(document_type: str) -> QuerySet[Any]:
    related = ["warehouse", "created_by", "posted_by"]
    if document_type == DocumentType.TRANSFER:
        related.append("to_warehouse")
    return (
        MODELS[document_type]
        .objects.select_related(*related)
        .annotate(lines_total=Count("lines"))
        .order_by("-created_at", "-id")
    )


def document_detail_queryset(document_type: str) -> QuerySet[Any]:
    queryset = document_queryset(document_type)
    lines: QuerySet[Any]
    if document_type == DocumentType.RECEIPT:
        return queryset.prefetch_related(
            Prefetch("lines", queryset=ReceiptLine.objects.select_related("item", "bin"))
        )
    if document_type == DocumentType.ISSUE:
        picks = IssueLinePick.objects.select_related("item", "bin")
        lines = IssueLine.objects.select_related("item", "bin").prefetch_related(
            Prefetch("picks", queryset=picks)
        )
        return queryset.prefetch_related(Prefetch("lines", queryset=lines))
    if document_type == DocumentType.TRANSFER:
        lines = TransferLine.objects.select_related("item", "from_bin", "to_bin")
        return queryset.prefetch_related(Prefetch("lines", queryset=lines))
    lines = StocktakeLine.objects.select_related("item", "bin").order_by("bin__code", "item__sku")
    return queryset.prefetch_related(Prefetch("lines", queryset=lines))


def line_out(document_type: str, line: Any) -> dict[str, Any]:
    if document_type == DocumentType.STOCKTAKE:
        return {
            "bin": line.bin.code,
            "sku": line.item.sku,
            "expected_at_count": line.expected_at_count,
            "counted": line.counted,
            "counted_at": line.counted_at,
            "difference": line.difference,
        }
    if document_type == DocumentType.TRANSFER:
        return {
            "sku": line.item.sku,
            "qty": line.qty,
            "from_bin": line.from_bin.code,
            "to_bin": line.to_bin.code,
        }
    out: dict[str, Any] = {
        "sku": line.item.sku,
        "qty": line.qty,
        "bin": line.bin.code if line.bin else None,
    }
    if document_type == DocumentType.ISSUE:
        out["picks"] = [
            {"sku": pick.item.sku, "bin": pick.bin.code, "qty": pick.qty}
            for pick in line.picks.all()
        ]
    return out


def document_out(document_type: str, document: Any, *, with_lines: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": document.pk,
        "number": document.number,
        "type": document_type,
        "kind": getattr(document, "kind", None),
        "status": document.status,
        "warehouse": document.warehouse.code,
        "to_warehouse": None,
        "reference": document.reference,
        "note": document.note,
        "allocation_reference": getattr(document, "allocation_reference", None),
        "created_at": document.created_at,
        "created_by": username(document.created_by),
        "posted_at": document.posted_at,
        "posted_by": username(document.posted_by),
        "reversed_at": document.reversed_at,
        "move_id": document.move_id,
        "receive_move_id": getattr(document, "receive_move_id", None),
        "reversal_move_id": document.reversal_move_id,
        "lines_count": getattr(document, "lines_total", 0),
        "lines": None,
    }
    if document_type == DocumentType.TRANSFER and document.to_warehouse_id:
        out["to_warehouse"] = document.to_warehouse.code
    if with_lines:
        out["lines"] = [line_out(document_type, line) for line in document.lines.all()]
    return out


def fetch_document(document_type: str, document_id: int) -> Any:
    document = (
        document_detail_queryset(document_type).filter(pk=document_id).first()
        if 0 < document_id <= MAX_ID
        else None
    )
    if document is None:
        raise document_not_found(document_type, document_id)
    return document


def require_document(document_type: str, document_id: int) -> None:
    """404 unless the document exists; one indexed lookup, none of the detail's lines."""
    if not (
        0 < document_id <= MAX_ID and MODELS[document_type].objects.filter(pk=document_id).exists()
    ):
        raise document_not_found(document_type, document_id)


def document_not_found(document_type: str, document_id: int) -> NotFound:
    return NotFound(
        detail=_("%(type)s %(id)s does not exist.")
        % {"type": MODELS[document_type]._meta.verbose_name.capitalize(), "id": document_id}
    )


def detail(document_type: str, document_id: int) -> dict[str, Any]:
    return document_out(document_type, fetch_document(document_type, document_id), with_lines=True)


def document_list(document_type: str, filters: DocumentFilters) -> dict[str, Any]:
    queryset = selectors.documents_query(
        MODELS[document_type],
        text=filters.q or "",
        warehouse=filters.warehouse or "",
        kind=filters.kind or "",
        status=filters.status or "",
        base=document_queryset(document_type),
    )
    count, rows = page_slice(queryset, filters.page, filters.page_size)
    return {
        "count": count,
        "items": [document_out(document_type, row, with_lines=False) for row in rows],
    }


def line_inputs(lines: Sequence[LineIn]) -> list[DocumentLineInput]:
    return [
        DocumentLineInput(
            sku=line.sku,
            qty=line.qty,
            bin=line.bin,
            allocation_reference=getattr(line, "allocation_reference", "") or "",
        )
        for line in lines
    ]


def transfer_line_inputs(lines: list[TransferLineIn]) -> list[TransferLineInput]:
    return [
        TransferLineInput(sku=line.sku, qty=line.qty, from_bin=line.from_bin, to_bin=line.to_bin)
        for line in lines
    ]


def document_action(
    request: HttpRequest,
    document_type: str,
    document_id: int,
    action: Callable[..., object],
    /,
    **arguments: Any,
) -> Any:
    """Run a service on an existing document as the requesting writer, with the request's
    idempotency key, and answer with the document as it is afterwards (404 when it does not
    exist, before the service runs)."""
    user = writer(request)
    require_document(document_type, document_id)
    action(user=user, idempotency_key=idempotency_key(request), **arguments)
    return detail(document_type, document_id)


# --- receipts ------------------------------------------------------------------------------------


@router.get("/receipts", response=DocumentPage, summary="List receipts")
def receipts_list(request: HttpRequest, filters: Query[DocumentFilters]) -> Any:
    return document_list(DocumentType.RECEIPT, filters)


@router.post("/receipts", response={201: DocumentOut}, summary="Create (and post) a receipt")
def receipts_create(request: HttpRequest, payload: ReceiptIn) -> Any:
    receipt = services.receipt_create(
        user=writer(request),
        warehouse=payload.warehouse,
        kind=payload.kind,
        lines=line_inputs(payload.lines),
        reference=payload.reference,
        note=payload.note,
        post=payload.post,
        idempotency_key=idempotency_key(request),
    )
    return Status(201, created_receipt_out(receipt))


def created_receipt_out(receipt: Receipt) -> dict[str, Any]:
    """The receipt this call created, from what the call wrote (no read); a receipt replayed
    for an idempotency key is read like any other."""
    lines = receipt.written_lines
    if lines is None:
        return detail(DocumentType.RECEIPT, receipt.pk)
    out = document_out(DocumentType.RECEIPT, receipt, with_lines=False)
    out["lines_count"] = len(lines)
    out["lines"] = [line_out(DocumentType.RECEIPT, line) for line in lines]
    return out


@router.get("/receipts/{receipt_id}", response=DocumentOut, summary="Get a receipt")
def receipts_get(request: HttpRequest, receipt_id: int) -> Any:
    return detail(DocumentType.RECEIPT, receipt_id)


@router.post("/receipts/{receipt_id}/post", response=DocumentOut, summary="Post a receipt")
def receipts_post(request: HttpRequest, receipt_id: int) -> Any:
    return document_action(
        request, DocumentType.RECEIPT, receipt_id, services.receipt_post, receipt_id=receipt_id
    )


@router.post("/receipts/{receipt_id}/reverse", response=DocumentOut, summary="Reverse a receipt")
def receipts_reverse(request: HttpRequest, receipt_id: int) -> Any:
    return reverse(request, DocumentType.RECEIPT, receipt_id)


def reverse(request: HttpRequest, document_type: str, document_id: int) -> Any:
    return document_action(
        request,
        document_type,
        document_id,
        services.document_reverse,
        kind=document_type,
        document_id=document_id,
    )


# --- issues --------------------------------------------------------------------------------------


@router.get("/issues", response=DocumentPage, summary="List issues")
def issues_list(request: HttpRequest, filters: Query[DocumentFilters]) -> Any:
    return document_list(DocumentType.ISSUE, filters)


@router.post("/issues", response={201: DocumentOut}, summary="Create (and post) an issue")
def issues_create(request: HttpRequest, payload: IssueIn) -> Any:
    issue = services.issue_create(
        user=writer(request),
        warehouse=payload.warehouse,
        kind=payload.kind,
        lines=line_inputs(payload.lines),
        reference=payload.reference,
        note=payload.note,
        post=payload.post,
        allocation_reference=payload.allocation_reference,
        idempotency_key=idempotency_key(request),
    )
    return Status(201, detail(DocumentType.ISSUE, issue.pk))


@router.get("/issues/{issue_id}", response=DocumentOut, summary="Get an issue")
def issues_get(request: HttpRequest, issue_id: int) -> Any:
    return detail(DocumentType.ISSUE, issue_id)


@router.post("/issues/{issue_id}/post", response=DocumentOut, summary="Post an issue")
def issues_post(request: HttpRequest, issue_id: int) -> Any:
    return document_action(
        request, DocumentType.ISSUE, issue_id, services.issue_post, issue_id=issue_id
    )


@router.post("/issues/{issue_id}/reverse", response=DocumentOut, summary="Reverse an issue")
def issues_reverse(request: HttpRequest, issue_id: int) -> Any:
    return reverse(request, DocumentType.ISSUE, issue_id)


# --- transfers -----------------------------------------------------------------------------------


@router.get("/transfers", response=DocumentPage, summary="List transfers")
def transfers_list(request: HttpRequest, filters: Query[DocumentFilters]) -> Any:
    return document_list(DocumentType.TRANSFER, filters)


@router.post("/transfers", response={201: DocumentOut}, summary="Create (and post) a transfer")
def transfers_create(request: HttpRequest, payload: TransferIn) -> Any:
    transfer = services.transfer_create(
        user=writer(request),
        warehouse=payload.warehouse,
        to_warehouse=payload.to_warehouse,
        lines=transfer_line_inputs(payload.lines),
        reference=payload.reference,
        note=payload.note,
        post=payload.post,
        idempotency_key=idempotency_key(request),
    )
    return Status(201, detail(DocumentType.TRANSFER, transfer.pk))


@router.get("/transfers/{transfer_id}", response=DocumentOut, summary="Get a transfer")
def transfers_get(request: HttpRequest, transfer_id: int) -> Any:
    return detail(DocumentType.TRANSFER, transfer_id)


@router.post(
    "/transfers/{transfer_id}/post",
    response=DocumentOut,
    summary="Post a transfer (between warehouses: ship it)",
)
def transfers_post(request: HttpRequest, transfer_id: int) -> Any:
    return document_action(
        request, DocumentType.TRANSFER, transfer_id, services.transfer_post, transfer_id=transfer_id
    )


@router.post(
    "/transfers/{transfer_id}/receive",
    response=DocumentOut,
    summary="Receive a transfer in transit",
)
def transfers_receive(request: HttpRequest, transfer_id: int) -> Any:
    return document_action(
        request,
        DocumentType.TRANSFER,
        transfer_id,
        services.transfer_receive,
        transfer_id=transfer_id,
    )


@router.post("/transfers/{transfer_id}/reverse", response=DocumentOut, summary="Reverse a transfer")
def transfers_reverse(request: HttpRequest, transfer_id: int) -> Any:
    return reverse(request, DocumentType.TRANSFER, transfer_id)


# --- stocktakes ----------------------------------------------------------------------------------


@router.get("/stocktakes", response=DocumentPage, summary="List stocktakes")
def stocktakes_list(request: HttpRequest, filters: Query[DocumentFilters]) -> Any:
    return document_list(DocumentType.STOCKTAKE, filters)


@router.post("/stocktakes", response={201: DocumentOut}, summary="Start a stocktake")
def stocktakes_create(request: HttpRequest, payload: StocktakeIn) -> Any:
    stocktake = services.stocktake_create(
        user=writer(request),
        warehouse=payload.warehouse,
        bins=payload.bins,
        skus=payload.skus,
        reference=payload.reference,
        note=payload.note,
        idempotency_key=idempotency_key(request),
    )
    return Status(201, detail(DocumentType.STOCKTAKE, stocktake.pk))


@router.get("/stocktakes/{stocktake_id}", response=DocumentOut, summary="Get a stocktake")
def stocktakes_get(request: HttpRequest, stocktake_id: int) -> Any:
    return detail(DocumentType.STOCKTAKE, stocktake_id)


@router.put("/stocktakes/{stocktake_id}/counts", response=DocumentOut, summary="Record counts")
def stocktakes_counts(request: HttpRequest, stocktake_id: int, payload: CountsIn) -> Any:
    return document_action(
        request,
        DocumentType.STOCKTAKE,
        stocktake_id,
        services.stocktake_count,
        stocktake_id=stocktake_id,
        counts=[
            StocktakeCountInput(bin=count.bin, sku=count.sku, counted=count.counted)
            for count in payload.counts
        ],
    )


@router.post("/stocktakes/{stocktake_id}/post", response=DocumentOut, summary="Post a stocktake")
def stocktakes_post(request: HttpRequest, stocktake_id: int) -> Any:
    return document_action(
        request,
        DocumentType.STOCKTAKE,
        stocktake_id,
        services.stocktake_post,
        stocktake_id=stocktake_id,
    )


@router.post(
    "/stocktakes/{stocktake_id}/reverse", response=DocumentOut, summary="Reverse a stocktake"
)
def stocktakes_reverse(request: HttpRequest, stocktake_id: int) -> Any:
    return reverse(request, DocumentType.STOCKTAKE, stocktake_id)


# --- stock, moves, allocations -------------------------------------------------------------------


class WarehouseValueOut(Schema):
    warehouse: str
    name: str
    units: int
    value: Decimal  # units on hand × each item's cost price, in KUCUN_CURRENCY


@router.get("/stock/value", response=list[WarehouseValueOut], summary="Stock value per warehouse")
def stock_value(request: HttpRequest) -> Any:
    """Units on hand in every bin of each active warehouse, valued at the items' cost prices
    (the home page's figures)."""
    return [
        {"warehouse": row.code, "name": row.name, "units": row.units, "value": row.value}
        for row in selectors.stock_value_by_warehouse()
    ]


@router.get("/stock", response=StockPage, summary="Stock per item and warehouse")
def stock(request: HttpRequest, filters: Query[StockFilters]) -> Any:
    queryset = selectors.stock_query(
        warehouse=filters.warehouse,
        zone_kind=filters.zone_kind,
        low_stock=filters.low_stock,
        bundles=filters.bundles,
        text=filters.q,
        sort=filters.sort,
    )
    count, items = page_slice(queryset, filters.page, filters.page_size)
    rows = selectors.stock_rows(items, warehouse=filters.warehouse, zone_kind=filters.zone_kind)
    codes = selectors.warehouse_codes({pk for row in rows for pk in row.warehouses})
    return {
        "count": count,
        "items": [
            {
                "sku": row.item.sku,
                "name": row.item.name,
                "is_bundle": row.item.is_bundle,
                "reorder_point": row.item.reorder_point,
                "on_hand": row.on_hand,
                "allocated": row.allocated,
                "available": row.available,
                "low_stock": row.low_stock,
                "warehouses": [
                    {
                        "warehouse": codes[pk],
                        "on_hand": figures.on_hand,
                        "sellable_on_hand": figures.sellable_on_hand,
                        "allocated": figures.allocated,
                        "available": figures.available,
                    }
                    for pk, figures in sorted(row.warehouses.items(), key=lambda kv: codes[kv[0]])
                ],
            }
            for row in rows
        ],
    }


def move_line_out(line: StockMoveLine) -> dict[str, Any]:
    move = line.move
    return {
        "id": line.pk,
        "move_id": move.pk,
        "kind": move.kind,
        "created_at": move.created_at,
        "user": username(move.user),
        "document": move.document_number,
        "reference": move.reference,
        "sku": line.item.sku,
        "qty": line.qty,
        "from_location": str(line.from_location),
        "to_location": str(line.to_location),
        "reversal_of": move.reversal_of_id,
    }


@router.get("/moves", response=MovePage, summary="The stock ledger, filtered")
def moves(request: HttpRequest, filters: Query[MoveFilters]) -> Any:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationFailed.for_field("date_to", _("must be on or after date_from"))
    queryset = selectors.moves_query(
        sku=filters.sku,
        bin_code=filters.bin,
        warehouse=filters.warehouse,
        kind=filters.kind,
        document=filters.document,
        user=filters.user,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    count, rows = page_slice(queryset, filters.page, filters.page_size)
    return {"count": count, "items": [move_line_out(line) for line in rows]}


@router.post("/allocations", response={201: AllocationsOut}, summary="Allocate stock")
def allocations_create(request: HttpRequest, payload: AllocateIn) -> Any:
    allocations = services.stock_allocate(
        user=writer(request),
        reference=payload.reference,
        sku=payload.sku,
        warehouse=payload.warehouse,
        qty=payload.qty,
        idempotency_key=idempotency_key(request),
    )
    return Status(201, allocations_out(payload.reference.strip(), allocations))


def allocations_out(reference: str, allocations: list[Any]) -> dict[str, Any]:
    rows = selectors.allocation_rows([allocation.pk for allocation in allocations])
    return {"reference": reference, "allocations": rows}


@router.post("/allocations/release", response=ReleaseOut, summary="Release allocations")
def allocations_release(request: HttpRequest, payload: ReleaseIn) -> Any:
    """Without ``qty``: release everything under the reference (``released`` counts the units
    of stock). With ``qty``: release that many units of the line's SKU (``released`` = qty)."""
    if payload.qty is not None:
        released = services.allocation_release(
            user=writer(request),
            reference=payload.reference,
            qty=payload.qty,
            idempotency_key=idempotency_key(request),
        )
    else:
        released = services.stock_release(
            user=writer(request),
            reference=payload.reference,
            idempotency_key=idempotency_key(request),
        )
    return {"reference": payload.reference.strip(), "released": released}


def allocation_line_out(allocation: Any) -> dict[str, Any]:
    line_item = allocation.line_item or allocation.item
    return {
        "id": allocation.pk,
        "reference": allocation.reference,
        "sku": allocation.item.sku,
        "line_sku": line_item.sku,
        "line_qty": selectors.allocation_line_qty(allocation),
        "warehouse": allocation.stock_level.warehouse.code,
        "qty": allocation.qty,
        "created_at": allocation.created_at,
    }


@router.get("/allocations", response=AllocationPage, summary="List allocations")
def allocations_list(request: HttpRequest, filters: Query[AllocationFilters]) -> Any:
    """By ``reference`` (one order line) or ``reference_prefix`` (every line of an order)."""
    queryset = selectors.allocation_query(
        reference=filters.reference,
        reference_prefix=filters.reference_prefix,
        warehouse=filters.warehouse or None,
    )
    count, rows = page_slice(queryset, filters.page, filters.page_size)
    return {"count": count, "items": [allocation_line_out(row) for row in rows]}


@router.post(
    "/allocations/orders",
    response={201: OrderAllocationOut},
    summary="Allocate a whole order, all lines or none",
)
def allocations_order(request: HttpRequest, payload: OrderAllocateIn) -> Any:
    """Each line has its own reference (``order:{store}:{external}:{line}``). Give
    ``warehouse``, or ``warehouses`` in order of preference: the first that can fill every
    line is used. A 409 names, per warehouse, what is short."""
    result = services.stock_allocate_order(
        user=writer(request),
        lines=[
            services.AllocationLineInput(
                reference=str(line.reference or ""), sku=str(line.sku or ""), qty=line.qty
            )
            for line in payload.lines
        ],
        warehouse=payload.warehouse,
        warehouses=payload.warehouses,
        idempotency_key=idempotency_key(request),
    )
    rows = selectors.allocation_query().filter(pk__in=[a.pk for a in result.allocations])
    return Status(
        201,
        {
            "warehouse": result.warehouse.code,
            "allocations": [allocation_line_out(row) for row in rows],
        },
    )


@router.post(
    "/allocations/consume",
    response={201: DocumentOut},
    summary="Ship allocated units: an order shipment issue, posted",
)
def allocations_consume(request: HttpRequest, payload: ConsumeIn) -> Any:
    issue = services.allocation_consume(
        user=writer(request),
        reference=payload.reference,
        qty=payload.qty,
        idempotency_key=idempotency_key(request),
    )
    return Status(201, detail(DocumentType.ISSUE, issue.pk))


# --- stock checks --------------------------------------------------------------------------------


class DriftOut(Schema):
    what: str  # "bin on hand" | "on hand" | "sellable on hand" | "allocated"
    sku: str
    place: str  # the bin (WAREHOUSE:BIN) for "bin on hand", else the warehouse code
    stored: int
    expected: int


class StockCheckOut(Schema):
    id: int
    created_at: datetime.datetime
    seconds: float
    drift_count: int
    drifts: list[DriftOut]


class StockCheckPage(Schema):
    count: int
    items: list[StockCheckOut]


class PageFilters(PageParams):
    page_size: int = Field(20, ge=1, le=PAGE_SIZE_MAX)


@router.get("/stock-checks", response=StockCheckPage, summary="Stock checks, newest first")
def stock_checks(request: HttpRequest, filters: Query[PageFilters]) -> Any:
    """Each check's disagreements between the stored balances and the ledger (the first 500
    of each; ``drift_count`` is exact)."""
    count, rows = page_slice(StockCheck.objects.all(), filters.page, filters.page_size)
    return {"count": count, "items": rows}


@router.post("/stock-checks", response={202: None}, summary="Start a stock check")
def stock_checks_start(request: HttpRequest) -> Any:
    """Queue a check in the worker; its result is the newest of ``GET /stock-checks``."""
    writer(request)
    stock_reconcile()
    return Status(202, None)


# --- drafts: change and discard ------------------------------------------------------------------


class ReceiptPatch(Schema):
    """Fields left out stay as they are; ``lines`` replace every line. The warehouse is fixed."""

    warehouse: str | None = None
    kind: str | None = None
    lines: list[LineIn] | None = None
    reference: str | None = Field(None, max_length=255)
    note: str | None = Field(None, max_length=5000)
    post: bool = False


class IssuePatch(ReceiptPatch):
    allocation_reference: str | None = Field(None, max_length=255)


class TransferPatch(Schema):
    """``to_warehouse``: null or "" for a transfer within the source warehouse."""

    warehouse: str | None = None
    to_warehouse: str | None = None
    lines: list[TransferLineIn] | None = None
    reference: str | None = Field(None, max_length=255)
    note: str | None = Field(None, max_length=5000)
    post: bool = False


def discard(request: HttpRequest, document_type: str, document_id: int) -> Any:
    user = writer(request)
    services.document_discard(
        user=user,
        kind=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key(request),
    )
    return Status(204, None)


@router.patch("/receipts/{receipt_id}", response=DocumentOut, summary="Change a draft receipt")
def receipts_update(request: HttpRequest, receipt_id: int, payload: ReceiptPatch) -> Any:
    return document_action(
        request,
        DocumentType.RECEIPT,
        receipt_id,
        services.receipt_update,
        receipt_id=receipt_id,
        warehouse=payload.warehouse,
        kind=payload.kind,
        lines=None if payload.lines is None else line_inputs(payload.lines),
        reference=payload.reference,
        note=payload.note,
        post=payload.post,
    )


@router.delete("/receipts/{receipt_id}", response={204: None}, summary="Discard a draft receipt")
def receipts_discard(request: HttpRequest, receipt_id: int) -> Any:
    return discard(request, DocumentType.RECEIPT, receipt_id)


@router.patch("/issues/{issue_id}", response=DocumentOut, summary="Change a draft issue")
def issues_update(request: HttpRequest, issue_id: int, payload: IssuePatch) -> Any:
    return document_action(
        request,
        DocumentType.ISSUE,
        issue_id,
        services.issue_update,
        issue_id=issue_id,
        warehouse=payload.warehouse,
        kind=payload.kind,
        lines=None if payload.lines is None else line_inputs(payload.lines),
        reference=payload.reference,
        note=payload.note,
        allocation_reference=payload.allocation_reference,
        post=payload.post,
    )


@router.delete("/issues/{issue_id}", response={204: None}, summary="Discard a draft issue")
def issues_discard(request: HttpRequest, issue_id: int) -> Any:
    return discard(request, DocumentType.ISSUE, issue_id)


@router.patch("/transfers/{transfer_id}", response=DocumentOut, summary="Change a draft transfer")
def transfers_update(request: HttpRequest, transfer_id: int, payload: TransferPatch) -> Any:
    to_warehouse = None
    if "to_warehouse" in payload.model_fields_set:
        to_warehouse = payload.to_warehouse or ""
    return document_action(
        request,
        DocumentType.TRANSFER,
        transfer_id,
        services.transfer_update,
        transfer_id=transfer_id,
        warehouse=payload.warehouse,
        to_warehouse=to_warehouse,
        lines=None if payload.lines is None else transfer_line_inputs(payload.lines),
        reference=payload.reference,
        note=payload.note,
        post=payload.post,
    )


@router.delete("/transfers/{transfer_id}", response={204: None}, summary="Discard a draft transfer")
def transfers_discard(request: HttpRequest, transfer_id: int) -> Any:
    return discard(request, DocumentType.TRANSFER, transfer_id)
