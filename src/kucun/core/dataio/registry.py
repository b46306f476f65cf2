"""Which importer and exporter serve each kind; each lives in the app that owns its data."""

from __future__ import annotations

from django.utils.module_loading import import_string

from kucun.core.choices import ExportKind, ImportKind

IMPORTERS = {
    ImportKind.ITEMS: "kucun.catalog.importers.ItemImporter",
    ImportKind.BUNDLES: "kucun.catalog.importers.BundleImporter",
    ImportKind.RECEIPT: "kucun.inventory.importers.ReceiptImporter",
    ImportKind.STOCKTAKE: "kucun.inventory.importers.StocktakeImporter",
}
EXPORTERS = {
    ExportKind.ITEMS: "kucun.catalog.exporters.ItemExporter",
    ExportKind.BUNDLES: "kucun.catalog.exporters.BundleExporter",
    ExportKind.STOCK: "kucun.inventory.exporters.StockExporter",
    ExportKind.STOCK_BY_BIN: "kucun.inventory.exporters.BinStockExporter",
    ExportKind.MOVES: "kucun.inventory.exporters.MoveExporter",
    ExportKind.DOCUMENTS: "kucun.inventory.exporters.DocumentExporter",
    ExportKind.ZONES: "kucun.warehouses.exporters.ZoneExporter",
}


def importer_class(kind: str) -> type:
    return import_string(IMPORTERS[ImportKind(kind)])


def exporter_class(kind: str) -> type:
    return import_string(EXPORTERS[ExportKind(kind)])
