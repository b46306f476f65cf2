from django.urls import path

from kucun.inventory.choices import DocumentType
from kucun.inventory.views import (
    allocations,
    checks,
    document_bulk,
    documents,
    item_stock,
    moves,
    scan,
    stock,
)

app_name = "inventory"

urlpatterns = [
    path("stock/", stock.stock_list, name="stock"),
    path("stock/<int:item_id>/", stock.stock_detail, name="stock_detail"),
    path("moves/", moves.move_list, name="move_list"),
    path("allocations/", allocations.allocation_list, name="allocation_list"),
    path("checks/", checks.stock_check_list, name="stock_check_list"),
    path("checks/run/", checks.stock_check_start, name="stock_check_start"),
    path("scan/", scan.scan, name="scan"),
    path("items/search/", scan.item_search_results, name="item_search"),
    path("items/suggest/", scan.item_suggestions, name="item_suggest"),
    path("bins/suggest/", scan.bin_suggestions_view, name="bin_suggest"),
    path(
        "items/<int:item_id>/movements/",
        item_stock.item_movement_history,
        name="item_movements",
    ),
    path(
        "receipts/new/",
        documents.receipt_or_issue_create,
        {"document_type": DocumentType.RECEIPT},
        name="receipt_create",
    ),
    path(
        "issues/new/",
        documents.receipt_or_issue_create,
        {"document_type": DocumentType.ISSUE},
        name="issue_create",
    ),
    path("transfers/new/", documents.transfer_create, name="transfer_create"),
    path("transfers/<int:pk>/receive/", documents.transfer_receive, name="transfer_receive"),
    path("stocktakes/new/", documents.stocktake_create, name="stocktake_create"),
    path("stocktakes/<int:pk>/count/", documents.stocktake_count, name="stocktake_count"),
]

for _type, _segment in (
    (DocumentType.RECEIPT, "receipts"),
    (DocumentType.ISSUE, "issues"),
    (DocumentType.TRANSFER, "transfers"),
    (DocumentType.STOCKTAKE, "stocktakes"),
):
    _kwargs = {"document_type": _type}
    urlpatterns += [
        path(f"{_segment}/", documents.document_list_view, _kwargs, name=f"{_type}_list"),
        path(f"{_segment}/bulk/", document_bulk.document_bulk, _kwargs, name=f"{_type}_bulk"),
        path(f"{_segment}/<int:pk>/", documents.document_detail, _kwargs, name=f"{_type}_detail"),
        path(
            f"{_segment}/<int:pk>/reverse/",
            documents.document_reverse,
            _kwargs,
            name=f"{_type}_reverse",
        ),
    ]
    if _type != DocumentType.STOCKTAKE:
        urlpatterns += [
            path(
                f"{_segment}/<int:pk>/post/", documents.document_post, _kwargs, name=f"{_type}_post"
            ),
            path(
                f"{_segment}/<int:pk>/edit/", documents.document_edit, _kwargs, name=f"{_type}_edit"
            ),
            path(
                f"{_segment}/<int:pk>/discard/",
                documents.document_discard,
                _kwargs,
                name=f"{_type}_discard",
            ),
        ]
