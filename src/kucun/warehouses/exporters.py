"""Export of the zones list: ?q= ?warehouse= (code) ?zone_kind= ?ids= (the zones ticked)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from kucun.core.dataio.exporting import Exporter, ids_filter
from kucun.warehouses.models import Zone
from kucun.warehouses.selectors import zone_list


class ZoneExporter(Exporter):
    """The zone kind is `zone_kind` because `kind` names what to export."""

    kind = "zones"
    kind_label = gettext_lazy("Zones")
    header = ("warehouse", "code", "name", "kind", "bins")
    filter_names = ("q", "warehouse", "zone_kind", "ids")

    def queryset(self) -> QuerySet[Zone]:
        ids = ids_filter(self.filters)
        queryset = zone_list(
            warehouse=self.filters.get("warehouse") or None,
            kind=self.filters.get("zone_kind", ""),
            q=self.filters.get("q", ""),
        )
        return queryset if ids is None else queryset.filter(pk__in=ids)

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[Sequence[Any]]:
        for zone in self.queryset().iterator(chunk_size=2000):
            bins = zone.bins_count  # type: ignore[attr-defined]  # annotated by zone_list
            yield (zone.warehouse.code, zone.code, zone.name, zone.kind, bins)
