"""Exports of stock (per item × warehouse, or per bin) and of the movements ledger.

Each takes the same GET filters as its console list, so "export" gives what the list shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kucun.catalog.models import Item
from kucun.core.dataio.exporting import Exporter, flag_filter, ids_filter
from kucun.core.errors import FieldError, ValidationFailed
from kucun.inventory.choices import DocumentType
from kucun.inventory.models import (
    BinStock,
    Document,
    Issue,
    Receipt,
    StockMoveLine,
    Stocktake,
    Transfer,
    document_number,
)
from kucun.inventory.selectors import moves_query, resolve_warehouse, stock_query, stock_rows
from kucun.inventory.selectors_console import document_list
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Warehouse

CHUNK = 1000


def chunked(queryset: QuerySet[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in queryset.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class StockExporter(Exporter):
    """The stock screen's rows, one per item and warehouse: ?q= ?warehouse= ?zone_kind=
    ?low_stock=on ?bundles=yes|no ?ids= (the items ticked on the screen, by id)."""

    kind = "stock"
    kind_label = gettext_lazy("Stock per item and warehouse")
    header = ("sku", "name", "warehouse", "on_hand", "allocated", "available")
    filter_names = ("q", "warehouse", "zone_kind", "low_stock", "bundles", "ids")

    def queryset(self) -> QuerySet[Item]:
        queryset = stock_query(
            warehouse=self.filters.get("warehouse") or None,
            zone_kind=self.filters.get("zone_kind") or None,
            low_stock=bool(flag_filter(self.filters, "low_stock")),
            bundles=flag_filter(self.filters, "bundles"),
            text=self.filters.get("q", ""),
            sort="sku",
        )
        ids = ids_filter(self.filters)
        return queryset if ids is None else queryset.filter(pk__in=ids)

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[Sequence[Any]]:
        codes = dict(Warehouse.objects.values_list("pk", "code"))
        warehouse = self.filters.get("warehouse") or None
        zone_kind = self.filters.get("zone_kind") or None
        for items in chunked(self.queryset()):
            for row in stock_rows(items, warehouse=warehouse, zone_kind=zone_kind):
                item = row.item
                if not row.warehouses:
                    yield (item.sku, item.name, "", 0 if not item.is_bundle else None, 0, 0)
                    continue
                for warehouse_id, figures in sorted(
                    row.warehouses.items(), key=lambda pair: codes.get(pair[0], "")
                ):
                    yield (
                        item.sku,
                        item.name,
                        codes.get(warehouse_id, ""),
                        None if item.is_bundle else figures.on_hand,
                        figures.allocated,
                        figures.available,
                    )


class BinStockExporter(Exporter):
    """What each bin holds: ?q= (SKU, name or bin) ?warehouse= ?zone_kind=."""

    kind = "stock_bins"
    kind_label = gettext_lazy("Stock per bin")
    header = ("warehouse", "zone", "bin", "sku", "name", "on_hand", "sellable")
    filter_names = ("q", "warehouse", "zone_kind")

    def queryset(self) -> QuerySet[BinStock]:
        rows = BinStock.objects.filter(on_hand__gt=0, location__kind=LocationKind.INTERNAL)
        target = resolve_warehouse(self.filters.get("warehouse") or None)
        if target is not None:
            rows = rows.filter(location__warehouse_id=target.pk)
        if self.filters.get("zone_kind"):
            rows = rows.filter(location__zone__kind=self.filters["zone_kind"])
        text = self.filters.get("q", "")
        if text:
            rows = rows.filter(
                Q(item__sku__icontains=text)
                | Q(item__name__icontains=text)
                | Q(location__code__icontains=text)
            )
        return rows.order_by("location__warehouse__code", "location__code", "item__sku")

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[Sequence[Any]]:
        yield from (
            self.queryset()
            .values_list(
                "location__warehouse__code",
                "location__zone__code",
                "location__code",
                "item__sku",
                "item__name",
                "on_hand",
                "location__sellable",
            )
            .iterator(chunk_size=5000)
        )


def date_filter(filters: dict[str, str], name: str) -> datetime.date | None:
    text = filters.get(name, "")
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        message = _("Filter %(name)s must be a date such as 2026-01-31, not “%(value)s”.") % {
            "name": name,
            "value": text,
        }
        raise ValidationFailed(detail=message, errors=[FieldError(name, message)]) from None


class MoveExporter(Exporter):
    """The movements ledger with its list's filters: ?item= (SKU) ?bin= ?warehouse= ?move_kind=
    ?document= ?user= ?date_from= ?date_to= (YYYY-MM-DD) ?ids= (the lines ticked on the list,
    by id). The move kind is `move_kind` because `kind` names what to export."""

    kind = "moves"
    kind_label = gettext_lazy("Movements")
    header = (
        "time",
        "kind",
        "document",
        "reference",
        "sku",
        "name",
        "from",
        "to",
        "qty",
        "user",
    )
    filter_names = (
        "item",
        "bin",
        "warehouse",
        "move_kind",
        "document",
        "user",
        "date_from",
        "date_to",
        "ids",
    )

    def queryset(self) -> QuerySet[StockMoveLine]:
        ids = ids_filter(self.filters)
        queryset = moves_query(
            sku=self.filters.get("item", ""),
            bin_code=self.filters.get("bin", ""),
            warehouse=self.filters.get("warehouse", ""),
            kind=self.filters.get("move_kind", ""),
            document=self.filters.get("document", ""),
            user=self.filters.get("user", ""),
            date_from=date_filter(self.filters, "date_from"),
            date_to=date_filter(self.filters, "date_to"),
        )
        return queryset if ids is None else queryset.filter(pk__in=ids)

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[Sequence[Any]]:
        codes = dict(Warehouse.objects.values_list("pk", "code"))

        def place(location: Any) -> str:
            if location.kind == LocationKind.INTERNAL:
                return f"{codes.get(location.warehouse_id, '')}:{location.code}"
            return str(location.code)

        for line in self.queryset().iterator(chunk_size=2000):
            move = line.move
            number = (
                document_number(move.document_type, move.document_id)
                if move.document_type and move.document_id is not None
                else ""
            )
            yield (
                timezone.localtime(move.created_at).isoformat(timespec="seconds"),
                move.kind,
                number,
                move.reference,
                line.item.sku,
                line.item.name,
                place(line.from_location),
                place(line.to_location),
                line.qty,
                move.user.get_username() if move.user else "",
            )


DOCUMENT_MODELS: dict[str, type[Document]] = {
    DocumentType.RECEIPT: Receipt,
    DocumentType.ISSUE: Issue,
    DocumentType.TRANSFER: Transfer,
    DocumentType.STOCKTAKE: Stocktake,
}


def local_time(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


class DocumentExporter(Exporter):
    """One document list (receipts, issues, transfers or stocktakes) with its filters:
    ?type= (receipt, issue, transfer, stocktake) ?q= ?warehouse= (code) ?document_kind=
    ?status= ?ids= (the documents ticked on the list). The document's own kind is
    `document_kind` because `kind` names what to export."""

    kind = "documents"
    kind_label = gettext_lazy("Stock documents")
    header = (
        "number",
        "type",
        "kind",
        "warehouse",
        "to_warehouse",
        "reference",
        "status",
        "lines",
        "units",
        "created_by",
        "created_at",
        "posted_at",
    )
    filter_names = ("type", "q", "warehouse", "document_kind", "status", "ids")

    def document_type(self) -> str:
        document_type = self.filters.get("type", "")
        if document_type not in DOCUMENT_MODELS:
            message = _("Filter type must be one of %(types)s, not “%(value)s”.") % {
                "types": ", ".join(DOCUMENT_MODELS),
                "value": document_type,
            }
            raise ValidationFailed(detail=message, errors=[FieldError("type", message)])
        return document_type

    def queryset(self) -> QuerySet[Any]:
        document_type = self.document_type()
        ids = ids_filter(self.filters)
        queryset = document_list(
            DOCUMENT_MODELS[document_type],
            text=self.filters.get("q", ""),
            warehouse=self.filters.get("warehouse", ""),
            kind=self.filters.get("document_kind", ""),
            status=self.filters.get("status", ""),
        ).order_by("pk")
        return queryset if ids is None else queryset.filter(pk__in=ids)

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[Sequence[Any]]:
        document_type = self.document_type()
        for document in self.queryset().iterator(chunk_size=2000):
            to_warehouse = getattr(document, "to_warehouse", None)
            yield (
                document.number,
                document_type,
                getattr(document, "kind", ""),
                document.warehouse.code,
                to_warehouse.code if to_warehouse else "",
                document.reference,
                document.status,
                document.line_count,
                document.units,
                document.created_by.get_username() if document.created_by else "",
                local_time(document.created_at),
                local_time(document.posted_at),
            )
