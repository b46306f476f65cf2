"""Reads of stock: the stock query, availability (bundles derived), bins, the ledger.

Stock pages are built in two steps so they stay fast at any catalogue size: ``stock_query``
filters and orders items (one indexed query, sliced by the paginator), then ``stock_rows``
fetches the figures of that one page in a fixed number of queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce
from django.utils import timezone

from kucun.catalog.models import Item
from kucun.catalog.selectors import (
    bundle_expansions,
    components_expansion,
    items_matching_skus,
)
from kucun.inventory.choices import DOCUMENT_NUMBER_PREFIXES, DocumentType
from kucun.inventory.models import (
    Allocation,
    AvailabilityChange,
    BinStock,
    Document,
    StockLevel,
    StockMoveLine,
    document_pk_from_number,
)
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location, Warehouse

STOCK_SORTS = {
    "sku": "sku",
    "name": "name",
    "on_hand": "on_hand_total",
    "available": "available_total",
}


def resolve_warehouse(warehouse: Warehouse | str | None) -> Warehouse | None:
    if warehouse is None or isinstance(warehouse, Warehouse):
        return warehouse
    code = warehouse.strip()
    if not code:
        return None
    return Warehouse.objects.filter(code__iexact=code).first() or Warehouse(pk=0, code=code)


# --- availability -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockFigures:
    """One item's stock in one warehouse. A bundle holds no stock: only its ``available`` is
    set, derived from its components."""

    on_hand: int = 0
    sellable_on_hand: int = 0
    allocated: int = 0
    available: int = 0


NO_STOCK = StockFigures()
FiguresByWarehouse = dict[int, StockFigures]


def stock_figures(
    items: Iterable[Item], *, warehouse_ids: Iterable[int] | None = None
) -> dict[int, FiguresByWarehouse]:
    """The availability selector: item id -> warehouse id -> figures, for stock items and
    bundles alike (in the given warehouses, or all).

    A stock item's figures are its stock levels; a bundle's available is, per warehouse, the
    minimum over its leaf components of floor(component available / units per bundle). A
    warehouse where an item has nothing is absent (read it as ``NO_STOCK``). One query for the
    levels, plus one per level of bundle nesting when bundles are asked for. The stock query,
    the item page, the bundle form and channel quantities all read availability here.
    """
    items = list(items)
    expansions = bundle_expansions([item.pk for item in items if item.is_bundle])
    wanted = {item.pk for item in items if not item.is_bundle}
    for leaves in expansions.values():
        wanted.update(leaves)
    levels = level_figures(wanted, warehouse_ids)
    return {
        item.pk: (
            derived_figures(expansions[item.pk], levels)
            if item.is_bundle
            else levels.get(item.pk, {})
        )
        for item in items
    }


def level_figures(
    item_ids: Iterable[int], warehouse_ids: Iterable[int] | None = None
) -> dict[int, FiguresByWarehouse]:
    """item id -> warehouse id -> figures of stock items, from their stock levels (one query)."""
    wanted = set(item_ids)
    if not wanted:
        return {}
    rows = StockLevel.objects.filter(item_id__in=wanted)
    if warehouse_ids is not None:
        rows = rows.filter(warehouse_id__in=set(warehouse_ids))
    result: dict[int, FiguresByWarehouse] = defaultdict(dict)
    for item_id, warehouse_id, on_hand, sellable, allocated in rows.values_list(
        "item_id", "warehouse_id", "on_hand", "sellable_on_hand", "allocated"
    ):
        result[item_id][warehouse_id] = StockFigures(
            on_hand=on_hand,
            sellable_on_hand=sellable,
            allocated=allocated,
            available=sellable - allocated,
        )
    return result


def derived_figures(
    leaves: Mapping[int, int], levels: Mapping[int, FiguresByWarehouse]
) -> FiguresByWarehouse:
    """Per warehouse, how many units of something made of ``leaves`` ({item id: units per
    unit}) can be sold: the minimum over the leaves of floor(available / units)."""
    if not leaves:
        return {}
    warehouses = {warehouse for leaf in leaves for warehouse in levels.get(leaf, {})}
    return {
        warehouse: StockFigures(
            available=max(
                0,
                min(
                    levels.get(leaf, {}).get(warehouse, NO_STOCK).available // units
                    for leaf, units in leaves.items()
                ),
            )
        )
        for warehouse in sorted(warehouses)
    }


def components_available(
    components: Iterable[tuple[int, int]], *, warehouse_ids: Iterable[int] | None = None
) -> FiguresByWarehouse:
    """Per warehouse, how many bundles made of these (item id, quantity) components could be
    sold, before the bundle is saved (the bundle form shows it as the components change)."""
    leaves = components_expansion(components)
    return derived_figures(leaves, level_figures(leaves, warehouse_ids))


def item_available(item: Item, warehouse: Warehouse | str | None = None) -> int:
    """Sellable on hand − allocated (a bundle: derived from its components), in one warehouse
    or summed over all (a bundle ships whole from one warehouse, so its per-warehouse figures
    are summed, never its components')."""
    target = resolve_warehouse(warehouse)
    figures = stock_figures([item], warehouse_ids=None if target is None else [target.pk])
    return sum(figure.available for figure in figures[item.pk].values())


bundle_available = item_available


# --- the stock query ----------------------------------------------------------------------------


def _level_total(expression: F | CombinedExpression, warehouse: Warehouse | None) -> Coalesce:
    """Sum of ``expression`` over the item's stock levels (in one warehouse): one correlated
    subquery answered from the (item, warehouse) index; an item without levels totals 0.

    ``SUM`` as a plain function, so the subquery has no ``GROUP BY`` (one group anyway),
    which SQLite runs about a third faster over a large catalogue."""
    levels = StockLevel.objects.filter(item_id=OuterRef("pk"))
    if warehouse is not None:
        levels = levels.filter(warehouse_id=warehouse.pk)
    total = levels.order_by().annotate(total=Func(expression, function="SUM")).values("total")
    return Coalesce(Subquery(total[:1], output_field=IntegerField()), Value(0))


def available_total(warehouse: Warehouse | None = None) -> Coalesce:
    """Sellable on hand − allocated of a stock item (all warehouses, or one), as one subquery
    (two subqueries, one per column, cost twice as much over a large catalogue)."""
    return _level_total(F("sellable_on_hand") - F("allocated"), warehouse)


def low_stock_items(warehouse: Warehouse | None = None) -> QuerySet[Item]:
    """Active stock items (not bundles) whose available is at or under their reorder point;
    an item without any stock level has 0 available. The one definition of low stock, used
    by the stock screen's filter and the home page's count."""
    return (
        Item.objects.filter(active=True, is_bundle=False)
        .alias(available_total=available_total(warehouse))
        .filter(available_total__lte=F("reorder_point"))
    )


def stock_query(
    *,
    warehouse: str | None = None,
    zone_kind: str | None = None,
    low_stock: bool = False,
    bundles: bool | None = None,
    text: str = "",
    sort: str = "sku",
) -> QuerySet[Item]:
    """Active items matching the filters, ordered; figures come per page from ``stock_rows``.

    ``zone_kind`` keeps items holding stock in a zone of that kind; ``low_stock`` keeps stock
    items (not bundles) whose available is at or under their reorder point; ``bundles`` True /
    False keeps only bundles / only stock items. Sorting by on_hand or available computes the
    figure for every matching item, so it is slower than sku or name on a large catalogue.
    """
    target = resolve_warehouse(warehouse)
    items = Item.objects.filter(active=True)
    if bundles is not None:
        items = items.filter(is_bundle=bundles)
    text = (text or "").strip()
    if text:
        items = items.filter(Q(sku__icontains=text) | Q(name__icontains=text) | Q(barcode=text))
    if zone_kind:
        held = BinStock.objects.filter(
            item_id=OuterRef("pk"),
            on_hand__gt=0,
            location__kind=LocationKind.INTERNAL,
            location__zone__kind=zone_kind,
        )
        if target is not None:
            held = held.filter(location__warehouse_id=target.pk)
        items = items.filter(Exists(held))
    elif target is not None:
        items = items.filter(
            Q(is_bundle=True)
            | Exists(StockLevel.objects.filter(item_id=OuterRef("pk"), warehouse_id=target.pk))
        )
    key = (sort or "sku").lstrip("-")
    if key not in STOCK_SORTS:
        key, sort = "sku", "sku"
    # ``alias``, not ``annotate``: selected as well, the subquery would run twice per item in
    # the paginator's count (once to select, once to filter).
    if key == "on_hand":
        items = items.alias(on_hand_total=_level_total(F("on_hand"), target))
    if low_stock or key == "available":
        items = items.alias(available_total=available_total(target))
    if low_stock:
        # The cheap test first: bundles are never low stock.
        items = items.filter(is_bundle=False).filter(
            available_total__lte=F("reorder_point"),  # type: ignore[misc]
        )
    descending = sort.startswith("-")
    field_name = STOCK_SORTS[key]
    return items.order_by(
        f"-{field_name}" if descending else field_name, "-pk" if descending else "pk"
    )


@dataclass
class WarehouseStock:
    warehouse_id: int
    on_hand: int = 0
    sellable_on_hand: int = 0
    allocated: int = 0

    @property
    def available(self) -> int:
        return self.sellable_on_hand - self.allocated


@dataclass
class StockRow:
    item: Item
    warehouses: dict[int, WarehouseStock] = field(default_factory=dict)
    on_hand: int = 0
    allocated: int = 0
    available: int = 0

    @property
    def low_stock(self) -> bool:
        return self.available <= self.item.reorder_point


def stock_rows(
    items: Sequence[Item],
    *,
    warehouse: str | None = None,
    zone_kind: str | None = None,
) -> list[StockRow]:
    """Figures for one page of items: on hand, allocated, available per warehouse and in total.

    A bundle shows its derived availability (and no on hand). With ``zone_kind`` the on hand
    counts only bins in zones of that kind. A fixed number of queries, whatever the page.
    """
    target = resolve_warehouse(warehouse)
    figures = stock_figures(items, warehouse_ids=None if target is None else [target.pk])
    zone_on_hand: dict[tuple[int, int], int] = {}
    if zone_kind:
        bins = BinStock.objects.filter(
            item_id__in=[item.pk for item in items if not item.is_bundle],
            location__zone__kind=zone_kind,
            on_hand__gt=0,
        )
        if target is not None:
            bins = bins.filter(location__warehouse_id=target.pk)
        for item_id, warehouse_id, total in (
            bins.values("item_id", "location__warehouse_id")
            .annotate(total=Sum("on_hand"))
            .values_list("item_id", "location__warehouse_id", "total")
        ):
            zone_on_hand[(item_id, warehouse_id)] = total
    rows = []
    for item in items:
        row = StockRow(item=item)
        for warehouse_id, figure in figures[item.pk].items():
            on_hand = figure.on_hand
            if zone_kind and not item.is_bundle:
                on_hand = zone_on_hand.get((item.pk, warehouse_id), 0)
            # A bundle's "sellable" is the units its components make (what it can sell).
            sellable = figure.available + figure.allocated
            row.warehouses[warehouse_id] = WarehouseStock(
                warehouse_id, on_hand, sellable, figure.allocated
            )
            row.on_hand += on_hand
            row.allocated += figure.allocated
            row.available += figure.available
        rows.append(row)
    return rows


def low_stock_count() -> int:
    """Active stock items whose available (all warehouses) is at or under their reorder point."""
    return low_stock_items().count()


@dataclass(frozen=True)
class WarehouseValue:
    code: str
    name: str
    units: int
    value: Decimal


def stock_value_by_warehouse() -> list[WarehouseValue]:
    """Units on hand and their value at the items' cost prices, per active warehouse (one
    grouped query; a warehouse holding nothing shows 0). Bundles hold no stock, so their
    value is in their components'."""
    totals = {
        row["warehouse_id"]: (row["units"], row["value"])
        for row in StockLevel.objects.filter(warehouse__active=True, on_hand__gt=0)
        .values("warehouse_id")
        .annotate(
            units=Sum("on_hand"),
            value=Sum(
                F("on_hand") * F("item__cost_price"),
                output_field=DecimalField(max_digits=20, decimal_places=2),
            ),
        )
        .order_by()
    }
    values = []
    for warehouse in Warehouse.objects.filter(active=True).order_by("code"):
        units, value = totals.get(warehouse.pk, (0, 0))
        values.append(
            WarehouseValue(
                code=warehouse.code,
                name=warehouse.name,
                units=int(units or 0),
                value=Decimal(value or 0).quantize(Decimal("0.01")),
            )
        )
    return values


# --- bins and movements -------------------------------------------------------------------------


def item_stock_by_bin(item: Item, warehouse: Warehouse | str | None = None) -> list[BinStock]:
    """Where the item is: its bins holding stock, with zone and warehouse loaded."""
    target = resolve_warehouse(warehouse)
    rows = BinStock.objects.filter(item=item, on_hand__gt=0).select_related(
        "location", "location__zone", "location__warehouse"
    )
    if target is not None:
        rows = rows.filter(location__warehouse_id=target.pk)
    return list(
        rows.order_by(
            "location__warehouse__priority", "location__warehouse__code", "location__code"
        )
    )


def bin_contents(
    *,
    warehouse: Warehouse | str | None = None,
    bin_code: str = "",
    text: str = "",
    zone_kind: str = "",
) -> QuerySet[BinStock]:
    """What bins hold: filter by warehouse, bin code (exact, case-insensitive), SKU or name."""
    target = resolve_warehouse(warehouse)
    rows = BinStock.objects.filter(on_hand__gt=0, location__kind=LocationKind.INTERNAL)
    if target is not None:
        rows = rows.filter(location__warehouse_id=target.pk)
    if bin_code.strip():
        rows = rows.filter(location__code__iexact=bin_code.strip())
    if zone_kind:
        rows = rows.filter(location__zone__kind=zone_kind)
    text = text.strip()
    if text:
        rows = rows.filter(
            Q(item__sku__icontains=text)
            | Q(item__name__icontains=text)
            | Q(location__code__icontains=text)
        )
    return rows.select_related(
        "item", "location", "location__zone", "location__warehouse"
    ).order_by("location__warehouse__code", "location__code", "item__sku")


def _internal(prefix: str, warehouse: Warehouse | None) -> Q:
    condition = Q(**{f"{prefix}__kind": LocationKind.INTERNAL})
    if warehouse is not None:
        condition &= Q(**{f"{prefix}__warehouse_id": warehouse.pk})
    return condition


def item_movements(item: Item, warehouse: Warehouse | str | None = None) -> QuerySet[StockMoveLine]:
    """The item's ledger lines, newest first, each with ``delta`` (change of on hand in the
    warehouse, or all warehouses) and ``balance`` (on hand after that line)."""
    target = resolve_warehouse(warehouse)
    lines = StockMoveLine.objects.filter(item=item)
    if target is not None:
        lines = lines.filter(
            Q(from_location__warehouse_id=target.pk) | Q(to_location__warehouse_id=target.pk)
        )
    incoming = Case(When(_internal("to_location", target), then=F("qty")), default=Value(0))
    outgoing = Case(When(_internal("from_location", target), then=F("qty")), default=Value(0))
    return (
        lines.annotate(delta=incoming - outgoing)
        .annotate(
            balance=Window(
                Sum("delta"),
                order_by=[F("move__created_at").asc(), F("move_id").asc(), F("id").asc()],
            )
        )
        .select_related("move", "move__user", "from_location", "to_location")
        .order_by("-move__created_at", "-move_id", "-id")
    )


def moves_query(
    *,
    sku: str = "",
    bin_code: str = "",
    warehouse: str = "",
    kind: str = "",
    document: str = "",
    user: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[StockMoveLine]:
    """The movements filter, one for the console, the API and the export: ledger lines by SKU,
    bin (internal locations only), warehouse, move kind, document (its number, e.g. RC-000012,
    or the move's reference), username and date range (whole days in the current time zone);
    newest first."""
    lines = StockMoveLine.objects.select_related(
        "move",
        "move__user",
        "item",
        "from_location",
        "from_location__warehouse",
        "to_location",
        "to_location__warehouse",
    )
    if sku.strip():
        lines = lines.filter(item__in=items_matching_skus([sku.strip()]))
    if bin_code.strip():
        code = bin_code.strip()
        lines = lines.filter(
            Q(from_location__code__iexact=code, from_location__kind=LocationKind.INTERNAL)
            | Q(to_location__code__iexact=code, to_location__kind=LocationKind.INTERNAL)
        )
    target = resolve_warehouse(warehouse) if warehouse.strip() else None
    if target is not None:
        lines = lines.filter(
            Q(from_location__warehouse_id=target.pk) | Q(to_location__warehouse_id=target.pk)
        )
    if kind.strip():
        lines = lines.filter(move__kind=kind.strip())
    if document.strip():
        lines = lines.filter(document_condition(document))
    if user.strip():
        lines = lines.filter(move__user__username__iexact=user.strip())
    if date_from is not None:
        lines = lines.filter(move__created_at__gte=day_start(date_from))
    if date_to is not None:
        lines = lines.filter(move__created_at__lt=day_start(date_to + datetime.timedelta(days=1)))
    return lines.order_by("-move__created_at", "-move_id", "-id")


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def document_condition(text: str) -> Q:
    """Lines of moves posted for a document number such as RC-000012 (or a bare 12, of any
    kind of document), or of moves with this reference."""
    value = text.strip().upper()
    condition = Q(move__reference__iexact=text.strip())
    for document_type in DocumentType.values:
        pk = document_pk_from_number(document_type, value)
        prefixed = "-" in value
        if pk is not None and (
            not prefixed or value.startswith(document_number_prefix(document_type))
        ):
            condition |= Q(move__document_type=document_type, move__document_id=pk)
    return condition


def document_number_prefix(document_type: str) -> str:
    return DOCUMENT_NUMBER_PREFIXES[DocumentType(document_type)] + "-"


def documents_query(
    model: type[Document],
    *,
    text: str = "",
    warehouse: str = "",
    kind: str = "",
    status: str = "",
    base: QuerySet[Any] | None = None,
) -> QuerySet[Any]:
    """The document filter, one for the console and the API: by number (e.g. RC-000012),
    reference, note or the SKU of a line; warehouse code; kind; status. ``base`` is the
    caller's queryset of ``model`` (with its own joins and annotations)."""
    queryset: QuerySet[Any] = (
        base if base is not None else model.objects.all()  # type: ignore[attr-defined]
    )
    text = (text or "").strip()
    if text:
        condition: Any = Q(reference__icontains=text) | Q(note__icontains=text)
        number = document_pk_from_number(model.DOCUMENT_TYPE, text)
        if number is not None:
            condition |= Q(pk=number)
        meta: Any = model._meta
        line_model = meta.get_field("lines").related_model
        parent = meta.get_field("lines").remote_field.name
        condition |= Exists(
            line_model.objects.filter(
                **{parent: OuterRef("pk")}, item__in=items_matching_skus([text])
            )
        )
        queryset = queryset.filter(condition)
    if warehouse.strip():
        queryset = queryset.filter(warehouse__code__iexact=warehouse.strip())
    if kind and hasattr(model, "kind"):
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def warehouse_codes(warehouse_ids: Iterable[int]) -> dict[int, str]:
    return dict(Warehouse.objects.filter(pk__in=set(warehouse_ids)).values_list("pk", "code"))


def allocation_rows(allocation_ids: Iterable[int]) -> list[dict[str, object]]:
    """SKU, warehouse code and quantity of these allocations, in SKU order."""
    return [
        {"sku": sku, "warehouse": code, "qty": qty}
        for sku, code, qty in Allocation.objects.filter(pk__in=set(allocation_ids))
        .order_by("item__sku")
        .values_list("item__sku", "stock_level__warehouse__code", "qty")
    ]


def allocation_query(
    *, reference: str = "", reference_prefix: str = "", warehouse: Warehouse | str | None = None
) -> QuerySet[Allocation]:
    """Allocations by reference (exact) or reference prefix (every line of one order:
    ``order:shop1:1001:``), optionally in one warehouse; by reference, then component SKU."""
    queryset = Allocation.objects.select_related("item", "line_item", "stock_level__warehouse")
    if reference.strip():
        queryset = queryset.filter(reference=reference.strip())
    if reference_prefix.strip():
        queryset = queryset.filter(reference__startswith=reference_prefix.strip())
    if warehouse:
        target = resolve_warehouse(warehouse)
        queryset = queryset.filter(stock_level__warehouse=target)
    return queryset.order_by("reference", "item__sku", "id")


def allocation_line_qty(allocation: Allocation) -> int:
    """Units of the line's SKU (a bundle, or the item itself) the allocation still holds."""
    return allocation.qty // allocation.line_units


# --- reconcile ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """A stored balance that disagrees with the ledger (or with the allocations)."""

    what: str  # "bin on hand" | "on hand" | "sellable on hand" | "allocated"
    item_id: int
    place_id: int  # the bin for "bin on hand", else the warehouse
    stored: int
    expected: int


def ledger_drift() -> list[Drift]:
    """Recompute every balance from the ledger and the allocations; list the differences.

    Used by the nightly reconcile: drift is reported for a person to investigate, never
    silently corrected. Four aggregate queries plus the balances themselves.
    """
    bins = {
        row["pk"]: row
        for row in Location.objects.filter(kind=LocationKind.INTERNAL).values(
            "pk", "warehouse_id", "sellable"
        )
    }
    expected_bins: dict[tuple[int, int], int] = defaultdict(int)
    for item_id, location_id, total in (
        StockMoveLine.objects.filter(to_location__kind=LocationKind.INTERNAL)
        .values("item_id", "to_location_id")
        .annotate(total=Sum("qty"))
        .values_list("item_id", "to_location_id", "total")
    ):
        expected_bins[(item_id, location_id)] += total
    for item_id, location_id, total in (
        StockMoveLine.objects.filter(from_location__kind=LocationKind.INTERNAL)
        .values("item_id", "from_location_id")
        .annotate(total=Sum("qty"))
        .values_list("item_id", "from_location_id", "total")
    ):
        expected_bins[(item_id, location_id)] -= total
    drifts: list[Drift] = []
    stored_bins = {
        (item_id, location_id): on_hand
        for item_id, location_id, on_hand in BinStock.objects.values_list(
            "item_id", "location_id", "on_hand"
        )
    }
    for pair in sorted(set(expected_bins) | set(stored_bins)):
        stored, expected = stored_bins.get(pair, 0), expected_bins.get(pair, 0)
        if stored != expected:
            drifts.append(Drift("bin on hand", pair[0], pair[1], stored, expected))
    expected_levels: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (item_id, location_id), qty in expected_bins.items():
        location = bins[location_id]
        level = expected_levels[(item_id, location["warehouse_id"])]
        level[0] += qty
        if location["sellable"]:
            level[1] += qty
    for item_id, warehouse_id, total in (
        Allocation.objects.values("item_id", "stock_level__warehouse_id")
        .annotate(total=Sum("qty"))
        .values_list("item_id", "stock_level__warehouse_id", "total")
    ):
        expected_levels[(item_id, warehouse_id)][2] += total
    stored_levels = {
        (item_id, warehouse_id): [on_hand, sellable, allocated]
        for item_id, warehouse_id, on_hand, sellable, allocated in StockLevel.objects.values_list(
            "item_id", "warehouse_id", "on_hand", "sellable_on_hand", "allocated"
        )
    }
    names = ("on hand", "sellable on hand", "allocated")
    for pair in sorted(set(expected_levels) | set(stored_levels)):
        stored_values = stored_levels.get(pair, [0, 0, 0])
        expected_values = expected_levels.get(pair, [0, 0, 0])
        for name, stored, expected in zip(names, stored_values, expected_values, strict=True):
            if stored != expected:
                drifts.append(Drift(name, pair[0], pair[1], stored, expected))
    return drifts


def availability_changes_after(after_id: int, *, limit: int = 1000) -> list[AvailabilityChange]:
    """The availability changes still recorded after ``after_id``, oldest first, at most
    ``limit``: for looking at what the ledger recorded (tests, diagnostics). The stock sync
    consumes these rows by claiming and deleting them, never by this cursor. The same pair may
    appear more than once; the figures themselves are read again from the balances."""
    return list(AvailabilityChange.objects.filter(id__gt=after_id).order_by("id")[:limit])
