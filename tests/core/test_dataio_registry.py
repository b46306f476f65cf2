"""Core knows no import or export kind by name: the apps register theirs when they load."""

from __future__ import annotations

import pytest
from django.utils import translation

from kucun.catalog.importers import ItemImporter
from kucun.core.dataio import registry
from kucun.core.errors import ValidationFailed
from kucun.core.models import ExportRun, ImportRun
from kucun.inventory.exporters import MoveExporter


def test_the_apps_register_their_kinds_in_app_order() -> None:
    assert registry.import_kinds() == ["items", "bundles", "receipt", "stocktake", "postcodes"]
    assert registry.export_kinds() == [
        "zones",
        "items",
        "bundles",
        "stock",
        "stock_bins",
        "moves",
        "documents",
        "stock_pushes",
        "postcodes",
    ]
    assert registry.importer_class("items") is ItemImporter
    assert registry.exporter_class("moves") is MoveExporter


def test_labels_come_from_the_registered_classes() -> None:
    with translation.override("en"):
        assert registry.import_kind_choices()[3] == ("stocktake", "Stocktake counts")
        assert registry.export_kind_choices()[4] == ("stock_bins", "Stock per bin")
        assert ImportRun(kind="receipt").get_kind_display() == "Receipt"
        assert ExportRun(kind="moves").get_kind_display() == "Movements"
        # A kind no longer registered still shows, as its stored value.
        assert ImportRun(kind="gone").get_kind_display() == "gone"


@pytest.mark.parametrize(
    ("lookup", "message"),
    [
        (
            registry.importer_class,
            "Unknown import kind “widgets”: choose one of items, bundles, receipt, stocktake, "
            "postcodes.",
        ),
        (
            registry.exporter_class,
            "Unknown export kind “widgets”: choose one of zones, items, bundles, stock, "
            "stock_bins, moves, documents, stock_pushes, postcodes.",
        ),
    ],
)
def test_an_unknown_kind_is_refused_naming_the_field(lookup: object, message: str) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        lookup("widgets")  # type: ignore[operator]

    assert [(error.field, error.message) for error in caught.value.errors] == [("kind", message)]
