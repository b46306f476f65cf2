"""Places where other apps add to the catalogue's screens without editing them.

The stock ledger knows quantities; the catalogue does not. An app that can say "on hand" or
"available" registers a column for the item or bundle list, or a section for the item page, from
its ``AppConfig.ready()``:

    register_item_column(ListColumn(
        key="on_hand", label=_("On hand"),
        annotate=lambda qs: qs.annotate(on_hand=...),   # one query for the whole page
        sort_field="on_hand",
        cell_template="inventory/includes/on_hand_cell.html",   # optional
    ))
    register_item_section(ItemSection(
        key="stock", template_name="inventory/includes/item_stock.html",
        context=lambda item: {"bins": item_stock_by_bin(item)},
    ))

A section of the bundle form is given the components as typed, before the bundle is saved, as
(item id, quantity) pairs, and shows what they would make (the ledger shows the derived
availability there):

    register_bundle_form_section(BundleFormSection(
        key="availability", template_name="inventory/includes/bundle_availability.html",
        context=lambda components: {"figures": components_available(components)},
    ))

An app that holds stock also says how many units each item holds, so that the catalogue can
refuse to turn a stocked item into a bundle:

    register_stock_held(units_held_by_item)   # {item id: units} for items holding stock

A column's value is read from the row object's attribute named ``key`` (set by ``annotate`` on
the queryset, or by ``fill_page`` on the rows of one page when a queryset expression cannot say
it). A section template receives ``item`` and ``section`` (whose ``data`` is what ``context``
returned).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise

from kucun.catalog.models import Item


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: str | Promise
    annotate: Callable[[QuerySet[Item]], QuerySet[Item]] | None = None
    fill_page: Callable[[list[Item]], None] | None = None
    sort_field: str | None = None
    cell_template: str | None = None
    numeric: bool = True


@dataclass(frozen=True)
class ItemSection:
    key: str
    template_name: str
    context: Callable[[Item], dict[str, Any]] = field(default=lambda item: {})


@dataclass(frozen=True)
class BundleFormSection:
    key: str
    template_name: str
    context: Callable[[list[tuple[int, int]]], dict[str, Any]]


@dataclass(frozen=True)
class RenderedSection:
    key: str
    template_name: str
    data: dict[str, Any]


ITEM_COLUMNS: list[ListColumn] = []
BUNDLE_COLUMNS: list[ListColumn] = []
ITEM_SECTIONS: list[ItemSection] = []
BUNDLE_FORM_SECTIONS: list[BundleFormSection] = []
StockHeldReader = Callable[[Sequence[int]], dict[int, int]]
STOCK_HELD: list[StockHeldReader] = []


def _register(registry: list[Any], entry: Any) -> None:
    """Add or replace by key, so a second ready() call never shows a column twice."""
    registry[:] = [existing for existing in registry if existing.key != entry.key]
    registry.append(entry)


def register_item_column(column: ListColumn) -> None:
    _register(ITEM_COLUMNS, column)


def register_bundle_column(column: ListColumn) -> None:
    _register(BUNDLE_COLUMNS, column)


def register_item_section(section: ItemSection) -> None:
    _register(ITEM_SECTIONS, section)


def register_bundle_form_section(section: BundleFormSection) -> None:
    _register(BUNDLE_FORM_SECTIONS, section)


def columns_applied(
    queryset: QuerySet[Item], columns: list[ListColumn]
) -> tuple[QuerySet[Item], dict[str, str]]:
    """The queryset with every column's annotation, and the extra sort keys they allow."""
    sort_fields: dict[str, str] = {}
    for column in columns:
        if column.annotate is not None:
            queryset = column.annotate(queryset)
        if column.sort_field:
            sort_fields[column.key] = column.sort_field
    return queryset, sort_fields


def columns_fill_page(rows: list[Item], columns: list[ListColumn]) -> None:
    for column in columns:
        if column.fill_page is not None:
            column.fill_page(rows)


def item_sections(item: Item) -> list[RenderedSection]:
    return [
        RenderedSection(section.key, section.template_name, section.context(item))
        for section in ITEM_SECTIONS
    ]


def bundle_form_sections(components: list[tuple[int, int]]) -> list[RenderedSection]:
    return [
        RenderedSection(section.key, section.template_name, section.context(components))
        for section in BUNDLE_FORM_SECTIONS
    ]


def register_stock_held(reader: StockHeldReader) -> None:
    """The one reader of units held per item (a second registration replaces it)."""
    STOCK_HELD[:] = [reader]


def stock_held(item_ids: Sequence[int]) -> dict[int, int]:
    """Units held per item, for the items holding any; nothing without a stock ledger."""
    if not STOCK_HELD or not item_ids:
        return {}
    return STOCK_HELD[0](list(item_ids))


ComponentsChanged = Callable[[int], None]
COMPONENTS_CHANGED: list[ComponentsChanged] = []


def register_components_changed(callback: ComponentsChanged) -> None:
    """Called with a bundle's id inside the transaction that changed its components, so that
    an app deriving something from them (channel quantities) records it in the same unit."""
    if callback not in COMPONENTS_CHANGED:
        COMPONENTS_CHANGED.append(callback)


def components_changed(bundle_id: int) -> None:
    for callback in COMPONENTS_CHANGED:
        callback(bundle_id)
