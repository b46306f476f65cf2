"""Where an order's stock comes from, held at once when it arrives.

``order_allocate`` picks, among the store's source warehouses, the nearest to the destination
that can ship every line, and holds the stock with one call to inventory's
``stock_allocate_order`` (all or nothing, one allocation per line keyed
``order:{store}:{external}:{line}``). Warehouses are ranked by distance (the warehouse's
coordinates to the place ``geocoding.locate`` finds for the address); equal or unknown
distances fall back to the warehouse's priority, then its position in the store's list.
``Order.routing_note`` says which warehouse and why.

An order no warehouse can fill waits (``awaiting_stock``, first come first served by the
moment it started waiting, then when it was placed); ``orders_allocate_waiting`` runs after
stock changes commit. An order with a line whose listing is not linked to an item waits for a
person (``needs_attention``) and resumes when the listing is linked.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.catalog.models import Item
from kucun.catalog.selectors import bundles_affected_by
from kucun.channels.models import Listing, Store, StoreWarehouse
from kucun.core.audit import audit_record
from kucun.core.errors import DomainError
from kucun.core.locks import run_with_retry
from kucun.core.models import IDEMPOTENCY_KEY_MAX_LENGTH
from kucun.inventory.errors import InsufficientStock
from kucun.inventory.selectors import stock_figures
from kucun.inventory.services import AllocationLineInput, stock_allocate_order
from kucun.orders.choices import EventKind, OrderStatus
from kucun.orders.geocoding import Located, distance_km, locate
from kucun.orders.models import Order, OrderEvent, OrderLine
from kucun.warehouses.models import Warehouse

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Orders whose stock is not held yet and that routing may still place.
UNPLACED_STATUSES = (
    OrderStatus.TO_CONFIRM,
    OrderStatus.AWAITING_STOCK,
    OrderStatus.NEEDS_ATTENTION,
)


def in_unit(unit: Callable[[], T]) -> T:
    """One transaction, retried whole on a deadlock; inside the caller's transaction, a
    savepoint of it (the caller's unit retries)."""
    if connection.in_atomic_block:
        with transaction.atomic():
            return unit()
    return run_with_retry(unit)


def order_event_record(
    order: Order,
    kind: str,
    message: str = "",
    *,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    """One timeline entry, written in the transaction of the change it tells of."""
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        message=message,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        data=data or {},
    )


def operation_key(text: str) -> str:
    """An idempotency key for an order's stock operation: the text itself, or its digest when
    a long channel id would make it longer than a key may be."""
    if len(text) <= IDEMPOTENCY_KEY_MAX_LENGTH:
        return text
    return "order-sha256:" + hashlib.sha256(text.encode()).hexdigest()


def order_lock(order: Order | int) -> Order:
    """The order's row, locked, read after the lock."""
    pk = order if isinstance(order, int) else order.pk
    return Order.objects.select_for_update().select_related("store").get(pk=pk)


# --- lines to listings and items ----------------------------------------------------------------


def listing_for_line(
    store: Store | int, *, inventory_ref: str = "", variant_ref: str = "", sku: str = ""
) -> Listing | None:
    """The store's listing a line names: by inventory ref, else variant ref, else SKU (a
    linked listing first when several share it)."""
    store_id = store if isinstance(store, int) else store.pk
    listings = Listing.objects.filter(store_id=store_id).select_related("item")
    if inventory_ref:
        found = listings.filter(inventory_ref=inventory_ref).first()
        if found is not None:
            return found
    if variant_ref:
        found = listings.filter(variant_ref=variant_ref).order_by("item_id", "id").first()
        if found is not None:
            return found
    if sku.strip():
        return (
            listings.filter(sku__iexact=sku.strip())
            .order_by(F("item_id").asc(nulls_last=True), "id")  # linked ones first
            .first()
        )
    return None


def line_refresh_item(line: OrderLine, store_id: int) -> Item | None:
    """The line's item, mapping it again when it has none (its listing may be linked now)."""
    if line.item_id is not None:
        return line.item
    listing = listing_for_line(
        store_id, inventory_ref=line.inventory_ref, variant_ref=line.variant_ref, sku=line.sku
    )
    if listing is None:
        return None
    line.listing = listing
    line.item = listing.item
    line.save(update_fields=["listing", "item"])
    return listing.item


def unlinked_text(lines: Sequence[OrderLine]) -> str:
    parts = []
    for line in lines:
        label = line.sku or line.title or line.line_ref
        if line.listing_id is None:
            parts.append(_("%(sku)s has no listing in this store") % {"sku": label})
        else:
            parts.append(_("%(sku)s: its listing is not linked to an item") % {"sku": label})
    return _("Link these listings to items, then the order is allocated: %(lines)s.") % {
        "lines": "; ".join(parts)
    }


# --- warehouses, nearest first ------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    warehouse: Warehouse
    position: int
    distance: float | None


def destination_of(order: Order) -> Located | None:
    return locate(
        country=order.ship_country,
        state=order.ship_state,
        city=order.ship_city,
        postcode=order.ship_postcode,
    )


def ranked_warehouses(order: Order, destination: Located | None) -> list[Candidate]:
    """The store's active source warehouses, nearest first; unknown distances after known
    ones; ties by priority (lower first), then the store's order."""
    links = (
        StoreWarehouse.objects.filter(store_id=order.store_id, warehouse__active=True)
        .select_related("warehouse")
        .order_by("position", "id")
    )
    candidates = []
    for link in links:
        warehouse = link.warehouse
        distance = None
        if destination is not None and None not in (warehouse.latitude, warehouse.longitude):
            distance = distance_km(
                float(warehouse.latitude),  # type: ignore[arg-type]
                float(warehouse.longitude),  # type: ignore[arg-type]
                destination.latitude,
                destination.longitude,
            )
        candidates.append(Candidate(warehouse, link.position, distance))
    return sorted(
        candidates,
        key=lambda c: (
            c.distance is None,
            round(c.distance, 1) if c.distance is not None else 0.0,
            c.warehouse.priority,
            c.position,
        ),
    )


def distance_text(candidate: Candidate) -> str:
    if candidate.distance is None:
        return _("%(code)s distance unknown") % {"code": candidate.warehouse.code}
    return _("%(code)s %(km)d km") % {
        "code": candidate.warehouse.code,
        "km": round(candidate.distance),
    }


def shortages_text(
    candidates: Sequence[Candidate], lines: Sequence[tuple[OrderLine, Item, int]]
) -> list[str]:
    """For each warehouse, the SKUs it cannot fill now (read for the note, not for the choice:
    the allocation itself decides under its locks)."""
    items = {item.pk: item for _line, item, _qty in lines}
    figures = stock_figures(
        items.values(), warehouse_ids=[candidate.warehouse.pk for candidate in candidates]
    )
    texts = []
    for candidate in candidates:
        short = []
        for _line, item, qty in lines:
            figure = figures.get(item.pk, {}).get(candidate.warehouse.pk)
            available = figure.available if figure is not None else 0
            if available < qty:
                short.append(
                    _("%(sku)s (needs %(needed)d, has %(available)d)")
                    % {"sku": item.sku, "needed": qty, "available": max(available, 0)}
                )
        if short:
            texts.append(
                _("%(code)s could not fill %(skus)s")
                % {"code": candidate.warehouse.code, "skus": ", ".join(short)}
            )
    return texts


def ranking_text(candidates: Sequence[Candidate], destination: Located | None) -> str:
    if destination is None:
        return _("Destination not located: warehouses by priority, then the store's order.")
    return _("Distances (located by %(source)s): %(distances)s.") % {
        "source": destination.source,
        "distances": ", ".join(distance_text(candidate) for candidate in candidates),
    }


# --- allocating ---------------------------------------------------------------------------------


def allocation_round(order: Order) -> int:
    """How many times this order's stock was held before; keys each hold and its release."""
    return OrderEvent.objects.filter(order=order, kind=EventKind.ALLOCATED).count()


def lines_to_place(order: Order) -> list[OrderLine]:
    return [
        line
        for line in order.lines.select_related("item", "listing").order_by("position", "id")
        if line.quantity > line.quantity_shipped
    ]


def order_allocate(order: Order, *, actor: Any = None) -> Order:
    """Choose the warehouse and hold the order's stock, or mark it awaiting stock or needing
    a person. An order already held, confirmed, shipped or cancelled is left as it is."""
    return in_unit(lambda: allocate_locked(order_lock(order), actor=actor))


def allocate_locked(order: Order, *, actor: Any = None) -> Order:
    """``order_allocate`` on an order whose row the caller has locked."""
    if order.status not in UNPLACED_STATUSES:
        return order
    lines = lines_to_place(order)
    if not lines or any(line.allocated for line in lines):
        return order
    items = [line_refresh_item(line, order.store_id) for line in lines]
    unlinked = [line for line, item in zip(lines, items, strict=True) if item is None]
    if unlinked:
        return mark_needs_attention(order, unlinked_text(unlinked), actor=actor)
    placed = [
        (line, item, line.quantity - line.quantity_shipped)
        for line, item in zip(lines, items, strict=True)
        if item is not None
    ]
    destination = destination_of(order)
    remember_destination(order, destination)
    candidates = ranked_warehouses(order, destination)
    if not candidates:
        return mark_needs_attention(
            order, _("The store has no active source warehouse to ship from."), actor=actor
        )
    round_number = allocation_round(order)
    try:
        result = stock_allocate_order(
            user=actor,
            lines=[
                AllocationLineInput(
                    reference=f"{order.reference_prefix}:{line.line_ref}", sku=item.sku, qty=qty
                )
                for line, item, qty in placed
            ],
            warehouses=[candidate.warehouse.code for candidate in candidates],
            idempotency_key=operation_key(f"{order.reference_prefix}:allocate:{round_number}"),
        )
    except InsufficientStock as error:
        return mark_awaiting(order, candidates, destination, error, actor=actor)
    except DomainError as error:
        return mark_needs_attention(
            order, _("The stock could not be held: %(error)s") % {"error": error.detail}
        )
    return mark_allocated(order, placed, candidates, destination, result.warehouse, actor=actor)


def remember_destination(order: Order, destination: Located | None) -> None:
    order.destination_latitude = destination.latitude if destination else None
    order.destination_longitude = destination.longitude if destination else None
    order.destination_source = destination.source if destination else ""


def mark_allocated(
    order: Order,
    placed: Sequence[tuple[OrderLine, Item, int]],
    candidates: Sequence[Candidate],
    destination: Located | None,
    chosen: Warehouse,
    *,
    actor: Any,
) -> Order:
    passed_over = [c for c in candidates if c.warehouse.pk != chosen.pk]
    nearer = passed_over[: [c.warehouse.pk for c in candidates].index(chosen.pk)]
    parts = [
        _("Ships from %(code)s: the first that can ship every line.") % {"code": chosen.code},
        ranking_text(candidates, destination),
    ]
    parts += [text + "." for text in shortages_text(nearer, placed)]
    for line, _item, _qty in placed:
        line.allocated = True
        line.allocation_reference = f"{order.reference_prefix}:{line.line_ref}"
        line.save(update_fields=["allocated", "allocation_reference"])
    order.status = OrderStatus.TO_CONFIRM
    order.warehouse = chosen
    order.routing_note = " ".join(parts)
    order.awaiting_since = None
    order.attention = ""
    order.save()
    order_event_record(
        order,
        EventKind.ALLOCATED,
        _("Stock held in %(code)s.") % {"code": chosen.code},
        actor=actor,
        data={"warehouse": chosen.code},
    )
    audit_record(
        actor=actor,
        action="order.allocate",
        obj=order,
        summary=_("Order %(order)s allocated in %(code)s") % {"order": order, "code": chosen.code},
    )
    return order


def mark_awaiting(
    order: Order,
    candidates: Sequence[Candidate],
    destination: Located | None,
    error: InsufficientStock,
    *,
    actor: Any,
) -> Order:
    shortages = [item.message for item in error.errors] or [error.detail]
    note = " ".join(
        [
            _("No warehouse can ship every line; waiting for stock."),
            ranking_text(candidates, destination),
            *shortages,
        ]
    )
    already_waiting = order.status == OrderStatus.AWAITING_STOCK
    order.status = OrderStatus.AWAITING_STOCK
    order.awaiting_since = order.awaiting_since or timezone.now()
    order.warehouse = None
    order.routing_note = note
    order.attention = ""
    order.save()
    if not already_waiting:  # a retry that still finds too little adds no timeline entry
        order_event_record(order, EventKind.AWAITING_STOCK, note, actor=actor)
        audit_record(
            actor=actor,
            action="order.await_stock",
            obj=order,
            summary=_("Order %(order)s awaits stock") % {"order": order},
        )
    return order


def mark_needs_attention(order: Order, reason: str, *, actor: Any = None) -> Order:
    unchanged = order.status == OrderStatus.NEEDS_ATTENTION and order.attention == reason
    order.status = OrderStatus.NEEDS_ATTENTION
    order.attention = reason
    order.warehouse = None
    order.save()
    if not unchanged:
        order_event_record(order, EventKind.NEEDS_ATTENTION, reason, actor=actor)
        audit_record(
            actor=actor,
            action="order.needs_attention",
            obj=order,
            summary=_("Order %(order)s needs attention") % {"order": order},
        )
    return order


# --- waiting orders -----------------------------------------------------------------------------


def waiting_orders(item_ids: Iterable[int] | None = None) -> Any:
    """Orders awaiting stock, first come first served; with ``item_ids``, only those with a
    line of one of these items."""
    waiting = Order.objects.filter(status=OrderStatus.AWAITING_STOCK)
    if item_ids is not None:
        waiting = waiting.filter(
            pk__in=OrderLine.objects.filter(item_id__in=list(item_ids)).values("order_id")
        )
    return waiting.order_by("awaiting_since", "placed_at", "id")


def orders_awaiting_items(item_ids: Iterable[int]) -> Any:
    """Orders awaiting stock with a line of one of these items or of a bundle (whose
    availability any of them may change); one query."""
    return Order.objects.filter(
        Q(lines__item_id__in=list(item_ids)) | Q(lines__item__is_bundle=True),
        status=OrderStatus.AWAITING_STOCK,
    )


def orders_allocate_waiting(
    *, limit: int | None = None, item_ids: Iterable[int] | None = None
) -> int:
    """Try the orders awaiting stock, oldest wait first, each in its own transaction; returns
    how many were allocated. ``item_ids``: only orders with a line of these items, or of a
    bundle holding one of them. An order that still cannot be filled keeps its place in the
    line and does not stop the later ones (a large order never blocks every small one behind
    it)."""
    if item_ids is not None:
        wanted = set(item_ids)
        item_ids = wanted | bundles_affected_by(wanted)
    order_ids = list(waiting_orders(item_ids).values_list("pk", flat=True))
    allocated = 0
    for order_id in order_ids:
        if limit is not None and allocated >= limit:
            break

        def unit(order_id: int = order_id) -> bool:
            order = order_lock(order_id)
            if order.status != OrderStatus.AWAITING_STOCK:
                return False
            return allocate_locked(order).status == OrderStatus.TO_CONFIRM

        try:
            if in_unit(unit):
                allocated += 1
        except Exception:
            logger.exception("allocating waiting order %s failed", order_id)
    return allocated


def orders_resume_for_listings(*, listing_ids: Iterable[int]) -> int:
    """Orders needing a person because of these listings' lines, tried again now that the
    listings are linked; returns how many were allocated or now await stock."""
    listings = list(
        Listing.objects.filter(pk__in=list(listing_ids), item__isnull=False).values_list(
            "store_id", "inventory_ref", "variant_ref", "sku"
        )
    )
    if not listings:
        return 0
    matches = Q()
    for store_id, inventory_ref, variant_ref, sku in listings:
        refs = Q(inventory_ref=inventory_ref) if inventory_ref else Q(pk__in=[])
        if variant_ref:
            refs |= Q(variant_ref=variant_ref)
        if sku:
            refs |= Q(sku__iexact=sku)
        matches |= Q(order__store_id=store_id, item__isnull=True) & refs
    order_ids = sorted(
        set(
            OrderLine.objects.filter(
                matches, order__status=OrderStatus.NEEDS_ATTENTION
            ).values_list("order_id", flat=True)
        )
    )
    resumed = 0
    for order_id in order_ids:

        def unit(order_id: int = order_id) -> bool:
            order = order_lock(order_id)
            if order.status != OrderStatus.NEEDS_ATTENTION:
                return False
            return allocate_locked(order).status != OrderStatus.NEEDS_ATTENTION

        if in_unit(unit):
            resumed += 1
    return resumed
