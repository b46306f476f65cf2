"""Reads for the orders console and the orders API: one filter for the list (tabs, store,
dates, warehouse, carrier, search), the counts of each tab, one order with everything its page
shows, and the download runs."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kucun.catalog.models import Item
from kucun.catalog.selectors import bundle_expansions
from kucun.core.errors import NotFound
from kucun.inventory.models import Allocation
from kucun.inventory.selectors import allocation_query, day_start
from kucun.orders.choices import OrderStatus
from kucun.orders.models import Order, OrderDownload, OrderEvent, OrderLine, OrderShipment
from kucun.shipping.choices import RuleAction
from kucun.shipping.models import CarrierAccount, ShipmentParcel

SEARCH_MAX = 200


@dataclass(frozen=True)
class OrderTab:
    key: str
    label: str | Promise
    statuses: tuple[str, ...]


# The list's tabs, in the order an order moves through them. Confirming (the carrier is being
# asked) shows under confirmed: the person has done their part.
ORDER_TABS: tuple[OrderTab, ...] = (
    OrderTab("to_confirm", gettext_lazy("To confirm"), (OrderStatus.TO_CONFIRM,)),
    OrderTab("awaiting_stock", gettext_lazy("Awaiting stock"), (OrderStatus.AWAITING_STOCK,)),
    OrderTab("needs_attention", gettext_lazy("Needs attention"), (OrderStatus.NEEDS_ATTENTION,)),
    OrderTab(
        "confirmed", gettext_lazy("Confirmed"), (OrderStatus.CONFIRMING, OrderStatus.CONFIRMED)
    ),
    # "Shipped" alone is a time elsewhere (when stock left); here it is the order's state.
    OrderTab("shipped", pgettext_lazy("order status", "Shipped"), (OrderStatus.SHIPPED,)),
    OrderTab("cancelled", gettext_lazy("Cancelled"), (OrderStatus.CANCELLED,)),
)
TAB_KEYS = tuple(tab.key for tab in ORDER_TABS)


def tab_statuses(tab: str) -> tuple[str, ...]:
    for candidate in ORDER_TABS:
        if candidate.key == tab:
            return candidate.statuses
    return ()


@dataclass(frozen=True)
class OrderFilters:
    """What the list is narrowed to, besides its tab: the console's form and the API's query
    both come down to this."""

    store: int | None = None
    warehouse: int | None = None
    carrier_account: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    search: str = ""

    @property
    def any(self) -> bool:
        return any(
            value not in (None, "")
            for value in (
                self.store,
                self.warehouse,
                self.carrier_account,
                self.date_from,
                self.date_to,
                self.search.strip(),
            )
        )


def search_condition(text: str) -> Q:
    """Order number or channel id, customer name or email, a line's SKU, or a shipment's
    tracking number."""
    by_sku = OrderLine.objects.filter(sku__iexact=text).values("order_id")
    tracked = ShipmentParcel.objects.filter(tracking_number__iexact=text).values("shipment_id")
    by_tracking = OrderShipment.objects.filter(shipment_id__in=tracked).values("order_id")
    return (
        Q(number__icontains=text)
        | Q(external_id=text)
        | Q(customer_name__icontains=text)
        | Q(customer_email__icontains=text)
        | Q(ship_name__icontains=text)
        | Q(pk__in=by_sku)
        | Q(pk__in=by_tracking)
    )


def filtered_orders(filters: OrderFilters) -> QuerySet[Order]:
    rows = Order.objects.all()
    if filters.store:
        rows = rows.filter(store_id=filters.store)
    if filters.warehouse:
        rows = rows.filter(warehouse_id=filters.warehouse)
    if filters.carrier_account:
        shipped_with = OrderShipment.objects.filter(
            shipment__carrier_account_id=filters.carrier_account
        ).values("order_id")
        rows = rows.filter(Q(carrier_account_id=filters.carrier_account) | Q(pk__in=shipped_with))
    if filters.date_from:
        rows = rows.filter(placed_at__gte=day_start(filters.date_from))
    if filters.date_to:
        rows = rows.filter(placed_at__lt=day_start(filters.date_to + datetime.timedelta(days=1)))
    text = filters.search.strip()[:SEARCH_MAX]
    if text:
        rows = rows.filter(search_condition(text))
    return rows


def orders_query(
    filters: OrderFilters | None = None, *, tab: str = "", status: str = ""
) -> QuerySet[Order]:
    """Orders, newest placed first, with their store, warehouse, carrier choice, units ordered
    (``units``), lines and shipments (with parcels, for the tracking numbers): a constant number
    of queries a page."""
    rows = filtered_orders(filters or OrderFilters())
    if tab:
        rows = rows.filter(status__in=tab_statuses(tab))
    if status:
        rows = rows.filter(status=status)
    shipments = OrderShipment.objects.select_related("shipment").prefetch_related(
        Prefetch("shipment__parcels", queryset=ShipmentParcel.objects.order_by("index"))
    )
    units = (
        OrderLine.objects.filter(order_id=OuterRef("pk"))
        .order_by()
        .values("order_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return (
        rows.select_related("store", "warehouse", "carrier_account")
        .annotate(units=Coalesce(Subquery(units), 0))
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("position", "id")),
            Prefetch("shipments", queryset=shipments),
        )
        .order_by("-placed_at", "-pk")
    )


def order_tab_counts(filters: OrderFilters | None = None) -> dict[str, int]:
    """How many orders each tab holds under these filters (every tab named, zero or not),
    and "all"."""
    counted = (
        filtered_orders(filters or OrderFilters())
        .values("status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_status = {row["status"]: row["count"] for row in counted}
    counts = {
        tab.key: sum(by_status.get(status, 0) for status in tab.statuses) for tab in ORDER_TABS
    }
    counts["all"] = sum(by_status.values())
    return counts


def order_status_counts() -> dict[str, int]:
    """Orders per status (every status named), for the home page and the API."""
    counted = Order.objects.values("status").annotate(count=Count("pk")).order_by()
    found = {row["status"]: row["count"] for row in counted}
    return {status: found.get(status, 0) for status in OrderStatus.values}


def tracking_numbers(links: Iterable[OrderShipment]) -> list[str]:
    """The tracking numbers of these order shipments' parcels (prefetched), in order."""
    numbers = []
    for link in links:
        if link.shipment is None:
            continue
        numbers += [p.tracking_number for p in link.shipment.parcels.all() if p.tracking_number]
    return numbers


def order_tracking_numbers(order: Order) -> list[str]:
    """The tracking numbers of an order of ``orders_query`` (its shipments prefetched)."""
    return tracking_numbers(order.shipments.all())


# --- one order ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineComponent:
    """One item a bundle line is made of: how many per unit of the line, and in all."""

    item: Item
    per_unit: int
    total: int


@dataclass
class LineView:
    line: OrderLine
    reference: str
    components: list[LineComponent] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)

    @property
    def is_bundle(self) -> bool:
        return bool(self.components)

    @property
    def allocated_units(self) -> int:
        """Units of the line (not of its components) the allocations still hold."""
        if not self.allocations:
            return 0
        per_item: dict[int, int] = defaultdict(int)
        for allocation in self.allocations:
            per_item[allocation.item_id] += allocation.qty // allocation.line_units
        return min(per_item.values())


@dataclass(frozen=True)
class WarehouseAllocation:
    code: str
    name: str
    units: int


@dataclass(frozen=True)
class CarrierDecision:
    """How confirming decided the order leaves: by which rule (none: chosen on the order),
    by what method, and with which account and service."""

    method: str
    method_label: str
    rule: str
    carrier_account: CarrierAccount | None
    service_code: str


def carrier_decision(order: Order) -> CarrierDecision | None:
    """The choice confirming recorded on the order (``confirm_details["choice"]``), if any."""
    choice = (order.confirm_details or {}).get("choice")
    if not isinstance(choice, dict) or not choice.get("method"):
        return None
    method = str(choice["method"])
    account_id = choice.get("carrier_account")
    account = (
        CarrierAccount.objects.filter(pk=account_id).first()
        if isinstance(account_id, int)
        else None
    )
    labels = dict(RuleAction.choices)
    return CarrierDecision(
        method=method,
        method_label=str(labels.get(method, method)),
        rule=str(choice.get("rule") or ""),
        carrier_account=account,
        service_code=str(choice.get("service_code") or ""),
    )


@dataclass
class OrderDetail:
    order: Order
    lines: list[LineView]
    events: list[OrderEvent]
    shipments: list[OrderShipment]
    decision: CarrierDecision | None = None

    @property
    def by_warehouse(self) -> list[WarehouseAllocation]:
        """Units allocated per warehouse (of the items held, bundles counted by component)."""
        units: dict[tuple[str, str], int] = defaultdict(int)
        for line in self.lines:
            for allocation in line.allocations:
                warehouse = allocation.stock_level.warehouse
                units[(warehouse.code, warehouse.name)] += allocation.qty
        return [
            WarehouseAllocation(code, name, count) for (code, name), count in sorted(units.items())
        ]

    @property
    def tracking_numbers(self) -> list[str]:
        return tracking_numbers(self.shipments)


def line_reference(order: Order, line: OrderLine) -> str:
    return line.allocation_reference or f"{order.reference_prefix}:{line.line_ref}"


def order_get(order_id: int) -> Order:
    """One order with its store, warehouse, carrier choice and who confirmed it."""
    order = (
        Order.objects.select_related("store", "warehouse", "carrier_account", "confirmed_by")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(detail=_("No order has id %(id)s.") % {"id": order_id})
    return order


def order_detail(order_id: int) -> OrderDetail:
    """The order's page: its lines (bundles expanded into their items), what each line holds
    in which warehouse (the inventory's allocations by reference), its timeline and its
    shipments with their parcels."""
    order = order_get(order_id)
    lines = list(order.lines.select_related("item").order_by("position", "id"))
    held: dict[str, list[Allocation]] = defaultdict(list)
    for allocation in allocation_query(reference_prefix=f"{order.reference_prefix}:"):
        held[allocation.reference].append(allocation)
    expansions = bundle_expansions(
        [line.item.pk for line in lines if line.item is not None and line.item.is_bundle]
    )
    component_ids = {item_id for parts in expansions.values() for item_id in parts}
    items = Item.objects.in_bulk(component_ids)
    views = []
    for line in lines:
        reference = line_reference(order, line)
        parts = expansions.get(line.item_id or 0, {})
        components = sorted(
            (
                LineComponent(items[item_id], per, per * line.quantity)
                for item_id, per in parts.items()
                if item_id in items
            ),
            key=lambda part: part.item.sku,
        )
        views.append(LineView(line, reference, components, held.get(reference, [])))
    events = list(order.events.select_related("actor").order_by("at", "id"))
    shipments = list(
        order.shipments.select_related(
            "shipment", "shipment__carrier_account", "shipment__sender_warehouse"
        )
        .prefetch_related(
            Prefetch("shipment__parcels", queryset=ShipmentParcel.objects.order_by("index"))
        )
        .order_by("created_at", "id")
    )
    return OrderDetail(
        order=order,
        lines=views,
        events=events,
        shipments=shipments,
        decision=carrier_decision(order),
    )


def order_by_number(text: str) -> Order:
    """An order named on the command line: its id, or its number (or the channel's id)."""
    value = text.strip()
    if value.isdigit():
        found = Order.objects.filter(pk=int(value)).first()
        if found is not None:
            return found
    matches = list(Order.objects.filter(Q(number=value) | Q(external_id=value))[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise NotFound(
            detail=_("More than one order has the number %(number)s: give its id.")
            % {"number": value}
        )
    raise NotFound(detail=_("No order has the number or id %(number)s.") % {"number": value})


# --- downloads ----------------------------------------------------------------------------------


def order_downloads_query(
    *, store: int | None = None, status: str = "", trigger: str = ""
) -> QuerySet[OrderDownload]:
    """Download runs, newest first, with their store."""
    rows = OrderDownload.objects.select_related("store")
    if store:
        rows = rows.filter(store_id=store)
    if status:
        rows = rows.filter(status=status)
    if trigger:
        rows = rows.filter(trigger=trigger)
    return rows.order_by("-started_at", "-pk")
