"""Exports of items and bundles, in the import templates' columns, so a file goes back in."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from kucun.catalog.importers import BUNDLE_COLUMNS, ITEM_FIELDS
from kucun.catalog.models import BundleComponent, Item
from kucun.catalog.selectors import item_list, searchable
from kucun.core.dataio.exporting import Exporter, flag_filter


class ItemExporter(Exporter):
    """Items as on the item list: ?q= (SKU, name, barcode), ?active=yes|no, ?bundle=yes|no
    (the API's name ?is_bundle= works too)."""

    kind = "items"
    kind_label = gettext_lazy("Items")
    header = ITEM_FIELDS
    filter_names = ("q", "active", "bundle", "is_bundle")

    def queryset(self) -> QuerySet[Item]:
        bundle = flag_filter(self.filters, "bundle")
        return item_list(
            text=searchable(self.filters.get("q", "")),
            active=flag_filter(self.filters, "active"),
            is_bundle=bundle if bundle is not None else flag_filter(self.filters, "is_bundle"),
        )

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[Sequence[Any]]:
        for row in self.queryset().values_list(*ITEM_FIELDS).iterator(chunk_size=5000):
            values = list(row)
            active_index = ITEM_FIELDS.index("active")
            values[active_index] = "yes" if values[active_index] else "no"
            yield values


class BundleExporter(Exporter):
    """One row per bundle component, as the bundle import takes them; ?q=, ?active= filter."""

    kind = "bundles"
    kind_label = gettext_lazy("Bundles")
    header = tuple(column.key for column in BUNDLE_COLUMNS)
    filter_names = ("q", "active")

    def bundles(self) -> QuerySet[Item]:
        return item_list(
            text=searchable(self.filters.get("q", "")),
            active=flag_filter(self.filters, "active"),
            is_bundle=True,
        )

    def queryset(self) -> QuerySet[BundleComponent]:
        return BundleComponent.objects.filter(bundle__in=self.bundles()).order_by(
            "bundle__sku", "id"
        )

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[Sequence[Any]]:
        yield from (
            self.queryset()
            .values_list("bundle__sku", "component__sku", "quantity")
            .iterator(chunk_size=5000)
        )
