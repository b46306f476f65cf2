"""Every write to stock. Only these functions write the ledger and its balances.

Each service is keyword-only, owns its transaction (retried whole on a deadlock), accepts an
``idempotency_key`` and raises typed errors from ``kucun.core.errors`` / ``inventory.errors``.
"""

from kucun.inventory.services.allocations import bin_set_sellable, stock_allocate, stock_release
from kucun.inventory.services.drafts import (
    document_discard,
    issue_update,
    receipt_update,
    transfer_update,
)
from kucun.inventory.services.inputs import (
    DocumentLineInput,
    StocktakeCountInput,
    TransferLineInput,
)
from kucun.inventory.services.order_allocations import (
    AllocationLineInput,
    OrderAllocation,
    allocation_consume,
    allocation_release,
    stock_allocate_order,
)
from kucun.inventory.services.receipts_issues import (
    issue_create,
    issue_post,
    receipt_create,
    receipt_post,
)
from kucun.inventory.services.stocktakes import (
    document_reverse,
    stocktake_count,
    stocktake_create,
    stocktake_post,
)
from kucun.inventory.services.transfers import transfer_create, transfer_post, transfer_receive

__all__ = [
    "AllocationLineInput",
    "DocumentLineInput",
    "OrderAllocation",
    "StocktakeCountInput",
    "TransferLineInput",
    "allocation_consume",
    "allocation_release",
    "bin_set_sellable",
    "document_discard",
    "document_reverse",
    "issue_create",
    "issue_post",
    "issue_update",
    "receipt_create",
    "receipt_post",
    "receipt_update",
    "stock_allocate",
    "stock_allocate_order",
    "stock_release",
    "stocktake_count",
    "stocktake_create",
    "stocktake_post",
    "transfer_create",
    "transfer_post",
    "transfer_receive",
    "transfer_update",
]
