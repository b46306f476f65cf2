"""Export of the sync log (kind ``stock_pushes``), with the sync log's filters."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kucun.channels.choices import PushStatus, PushTrigger
from kucun.channels.models import StockSyncRecord
from kucun.channels.selectors_sync import stock_push_query
from kucun.core.dataio.exporting import Exporter, ids_filter
from kucun.core.errors import FieldError, ValidationFailed


def refuse(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(detail=message, errors=[FieldError(name, message)])


def date_filter(filters: dict[str, str], name: str) -> datetime.date | None:
    text = filters.get(name, "")
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise refuse(
            name,
            _("Filter %(name)s must be a date such as 2026-01-31.") % {"name": name},
        ) from None


def choice_filter(filters: dict[str, str], name: str, values: Sequence[str]) -> str | None:
    text = filters.get(name, "")
    if not text:
        return None
    if text not in values:
        raise refuse(
            name,
            _("Filter %(name)s must be one of %(values)s.")
            % {"name": name, "values": ", ".join(values)},
        )
    return text


class StockPushExporter(Exporter):
    """The sync log: ?store= (id) ?status= ?trigger= ?sku= ?date_from= ?date_to= ?ids=."""

    kind = "stock_pushes"
    kind_label = gettext_lazy("Stock sync log")
    header = (
        "time",
        "store",
        "sku",
        "quantity",
        "previous_quantity",
        "trigger",
        "status",
        "attempts",
        "error",
        "duration_ms",
        "finished_at",
    )
    filter_names = ("store", "status", "trigger", "sku", "date_from", "date_to", "ids")

    def queryset(self) -> QuerySet[StockSyncRecord]:
        store = self.filters.get("store", "")
        if store and not store.isdigit():
            raise refuse("store", _("Filter store must be a store's id."))
        return stock_push_query(
            store_id=int(store) if store else None,
            status=choice_filter(self.filters, "status", PushStatus.values),
            trigger=choice_filter(self.filters, "trigger", PushTrigger.values),
            sku=self.filters.get("sku") or None,
            date_from=date_filter(self.filters, "date_from"),
            date_to=date_filter(self.filters, "date_to"),
            record_ids=ids_filter(self.filters),
        )

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[Sequence[Any]]:
        for record in self.queryset().iterator(chunk_size=1000):
            yield (
                timezone.localtime(record.created_at).isoformat(timespec="seconds"),
                record.store.name,
                record.sku,
                record.quantity,
                record.previous_quantity,
                record.trigger,
                record.status,
                record.attempts,
                record.error,
                record.duration_ms,
                timezone.localtime(record.finished_at).isoformat(timespec="seconds")
                if record.finished_at
                else None,
            )
