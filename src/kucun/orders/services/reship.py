"""After an order has shipped: sending chosen lines again (补发), and taking goods back (退货).

A reshipment is a shipment of its own (``OrderShipment`` with ``reship``, keyed
``order:{store}:{external}:reship:{n}``) and an issue of kind order reshipment: the goods
leave from the order's warehouse again, as new stock (no allocation is consumed; what the
order held left with its first shipment). The store is not told: its order is fulfilled
already.

A reshipment that stops (the carrier did not answer, its label is not ready, the stock
fell short) keeps what it did; asking for the same lines again continues it, without a second
shipment or a second issue. A carrier's refusal leaves nothing behind.

A return is a sales-return receipt into the chosen bin, its reference the order's number,
for at most what was shipped and not returned yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kucun.catalog.models import Item
from kucun.catalog.selectors import bundle_expansions
from kucun.core.credentials import Problems
from kucun.core.errors import Conflict, DomainError, ValidationFailed
from kucun.core.vendor.errors import VendorError
from kucun.inventory.choices import IssueKind, ReceiptKind
from kucun.inventory.models import Receipt, StockLevel
from kucun.inventory.services import DocumentLineInput, issue_create, receipt_create
from kucun.orders.choices import EventKind
from kucun.orders.models import Order, OrderEvent, OrderLine, OrderShipment
from kucun.orders.services.confirm import (
    Choice,
    StepNotDone,
    choice_for,
    chosen_account,
    parcel_dimensions,
    receiver_of,
    require_staff,
    shipment_for_key,
    shipment_items,
    tracking_numbers,
)
from kucun.orders.services.fulfilment import (
    lease_claim,
    lease_release,
    locked_order,
    order_event_add,
)
from kucun.shipping.choices import RuleAction, ShipmentSource, ShipmentStatus
from kucun.shipping.models import BoxPreset, CarrierAccount, Shipment
from kucun.shipping.services.labels import shipment_fetch_label
from kucun.shipping.services.shipments import shipment_create, shipment_submit
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location

LinesAsked = Sequence[tuple[OrderLine, int]]


# --- the lines asked for --------------------------------------------------------------------------


def clean_lines(
    order: Order, lines: LinesAsked, *, limits: dict[int, int]
) -> list[tuple[OrderLine, int]]:
    """The lines asked for, each of this order, linked to an item, at least 1 and at most its
    limit (by line id); every problem named by its line."""
    problems = Problems()
    if not lines:
        problems.add("lines", _("Choose at least one line and its quantity."))
        problems.raise_any()
    own = {line.pk: line for line in OrderLine.objects.filter(order=order).select_related("item")}
    cleaned: dict[int, int] = {}
    for index, (line, quantity) in enumerate(lines):
        field = f"lines[{index}]"
        found = own.get(getattr(line, "pk", None) or 0)
        if found is None:
            problems.add(
                f"{field}.line", _("This line is not one of order %(number)s.") % {"number": order}
            )
            continue
        if found.item_id is None:
            problems.add(
                f"{field}.line",
                _("Line %(sku)s is not linked to an item.") % {"sku": found.sku or found.line_ref},
            )
            continue
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            problems.add(f"{field}.quantity", _("The quantity is a whole number of at least 1."))
            continue
        total = cleaned.get(found.pk, 0) + quantity
        if total > limits.get(found.pk, 0):
            problems.add(
                f"{field}.quantity",
                _("Line %(sku)s: %(quantity)d asked, at most %(limit)d.")
                % {"sku": found.sku, "quantity": total, "limit": limits.get(found.pk, 0)},
            )
            continue
        cleaned[found.pk] = total
    problems.raise_any()
    return [(own[pk], quantity) for pk, quantity in cleaned.items()]


def component_lines(
    lines: Sequence[tuple[OrderLine, int]], *, bin_code: str | None = None
) -> list[DocumentLineInput]:
    """Document lines of what physically moves: a bundle line as its components."""
    items = [line.item for line, _quantity in lines if line.item is not None]
    expansions = bundle_expansions(item.pk for item in items if item.is_bundle)
    skus = dict(
        Item.objects.filter(
            pk__in={leaf for expansion in expansions.values() for leaf in expansion}
        ).values_list("pk", "sku")
    )
    units: dict[str, int] = defaultdict(int)
    for line, quantity in lines:
        item = line.item
        assert item is not None  # clean_lines refused the others
        parts = expansions.get(item.pk) if item.is_bundle else None
        if parts:
            for leaf, per in sorted(parts.items()):
                units[skus[leaf]] += per * quantity
        else:
            units[item.sku] += quantity
    return [DocumentLineInput(sku, quantity, bin_code) for sku, quantity in units.items()]


# --- reshipping -----------------------------------------------------------------------------------


def reship_key(order: Order, number: int) -> str:
    return f"{order.reference_prefix}:reship:{number}"


def unfinished_reship(order: Order) -> OrderShipment | None:
    return (
        OrderShipment.objects.select_related("shipment")
        .filter(order=order, reship=True, issue_numbers=[])
        .order_by("pk")
        .first()
    )


def same_lines(order_shipment: OrderShipment, lines: Sequence[tuple[OrderLine, int]]) -> bool:
    asked = sorted((line.pk, quantity) for line, quantity in lines)
    kept = sorted((int(entry["line"]), int(entry["quantity"])) for entry in order_shipment.lines)
    return asked == kept


def refuse_short_stock(order: Order, documents: Sequence[DocumentLineInput]) -> None:
    """Reshipped goods are new stock: refused before anything is made when the warehouse's
    available quantity (what is not promised to other orders) cannot cover them."""
    wanted = {line.sku: line.qty for line in documents}
    items = dict(Item.objects.filter(sku__in=wanted).values_list("sku", "pk"))
    levels = {
        level.item_id: level
        for level in StockLevel.objects.filter(
            warehouse=order.warehouse, item_id__in=items.values()
        )
    }
    problems = Problems()
    for sku, quantity in wanted.items():
        level = levels.get(items.get(sku, 0))
        available = level.available if level is not None else 0
        if available < quantity:
            problems.add(
                "lines",
                _("%(sku)s: %(needed)d needed, %(available)d available in %(warehouse)s.")
                % {
                    "sku": sku,
                    "needed": quantity,
                    "available": max(available, 0),
                    "warehouse": order.warehouse.code if order.warehouse else "",
                },
            )
    problems.raise_any()


def reship_choice(
    order: Order,
    lines: Sequence[tuple[OrderLine, int]],
    carrier_account: CarrierAccount | int | None,
    service_code: str,
) -> Choice:
    if carrier_account is not None:
        return chosen_account(carrier_account, service_code, order)
    choice = choice_for(order, lines)
    if choice.method == RuleAction.HOLD:
        raise ValidationFailed.for_field(
            "carrier_account",
            _("The shipping rules hold this parcel for a person: choose the carrier account."),
        )
    return choice


def reship_shipment(
    order: Order, order_shipment: OrderShipment, choice: Choice | None, *, user: Any
) -> Shipment:
    """The reshipment's carrier shipment: the one made for its key (sent again while a
    draft), or a new one (``choice`` is None only when continuing)."""
    shipment = order_shipment.shipment or shipment_for_key(order_shipment.key)
    if shipment is not None:
        return (
            shipment_submit(shipment, actor=user)
            if shipment.status == ShipmentStatus.DRAFT
            else shipment
        )
    if choice is None or choice.carrier_account_id is None:
        raise Conflict(detail=_("This reshipment has no carrier shipment: ask for it again."))
    lines = [(line, quantity) for line, quantity in shipped_lines(order_shipment)]
    box = (
        BoxPreset.objects.filter(pk=choice.box_preset_id, active=True).first()
        if choice.box_preset_id
        else None
    )
    return shipment_create(
        actor=user,
        carrier_account=choice.carrier_account_id,
        receiver=receiver_of(order),
        service_code=choice.service_code or None,
        items=shipment_items(lines),
        box_preset=box,
        dimensions=None
        if box
        else parcel_dimensions([(line.item, n) for line, n in lines if line.item]),
        source=ShipmentSource.ORDER,
        source_reference=order_shipment.key,
    )


def shipped_lines(order_shipment: OrderShipment) -> list[tuple[OrderLine, int]]:
    quantities = {int(entry["line"]): int(entry["quantity"]) for entry in order_shipment.lines}
    found = (
        OrderLine.objects.filter(pk__in=quantities)
        .select_related("item")
        .order_by("position", "pk")
    )
    return [(line, quantities[line.pk]) for line in found]


def reship_carrier(
    order: Order, order_shipment: OrderShipment, choice: Choice | None, *, user: Any
) -> None:
    """The shipment and its label. A refusal before the carrier holds anything removes the
    reshipment; a lost answer or a label not ready keeps it, to be continued."""
    try:
        shipment = reship_shipment(order, order_shipment, choice, user=user)
    except (DomainError, VendorError):
        if shipment_for_key(order_shipment.key) is None:
            OrderShipment.objects.filter(pk=order_shipment.pk, issue_numbers=[]).delete()
        raise
    OrderShipment.objects.filter(pk=order_shipment.pk, shipment__isnull=True).update(
        shipment=shipment
    )
    if shipment.status == ShipmentStatus.DRAFT:
        raise StepNotDone(
            detail=_(
                "The carrier did not confirm the reshipment yet (%(message)s): ask for the same "
                "lines again to continue it."
            )
            % {"message": shipment.last_error or _("no answer")}
        )
    if not shipment.label_file:
        shipment = shipment_fetch_label(shipment, actor=user)
    if not shipment.label_file:
        raise StepNotDone(
            detail=_("The reshipment's label is not ready yet (%(message)s): ask again later.")
            % {"message": shipment.last_error or _("no answer")}
        )


def reship_issue(order: Order, order_shipment_id: int, *, user: Any, token: str) -> OrderShipment:
    with transaction.atomic():
        locked_order(order.pk, token)  # the order first, as every step locks
        order_shipment = (
            OrderShipment.objects.select_for_update(of=("self",))
            .select_related("shipment")
            .get(pk=order_shipment_id)
        )
        if order_shipment.issue_numbers:
            return order_shipment
        lines = shipped_lines(order_shipment)
        assert order.warehouse is not None  # refused before
        issue = issue_create(
            user=user,
            warehouse=order.warehouse.code,
            kind=IssueKind.ORDER_RESHIPMENT,
            lines=component_lines(lines),
            reference=order.number,
            note=_("Reshipment of order %(number)s") % {"number": order.number},
            post=True,
            idempotency_key=f"{order_shipment.key}:issue",
        )
        order_shipment.issue_numbers = [issue.number]
        order_shipment.save(update_fields=["issue_numbers"])
        shipment = order_shipment.shipment
        numbers = tracking_numbers(shipment) if shipment is not None else []
        order_event_add(
            order,
            EventKind.RESHIPPED,
            user=user,
            message=_("Reshipped %(lines)s: issue %(issue)s, tracking %(numbers)s.")
            % {
                "lines": ", ".join(f"{quantity} × {line.sku}" for line, quantity in lines),
                "issue": issue.number,
                "numbers": ", ".join(numbers) or "-",
            },
            data={
                "key": order_shipment.key,
                "issue": issue.number,
                "shipment": shipment.pk if shipment is not None else None,
                "tracking_numbers": numbers,
                "lines": order_shipment.lines,
            },
        )
        return order_shipment


def reship_start(
    order: Order,
    lines: Sequence[tuple[OrderLine, int]],
    choice: Choice,
) -> OrderShipment:
    with transaction.atomic():
        number = OrderShipment.objects.filter(order=order, reship=True).count() + 1
        return OrderShipment.objects.create(
            order=order,
            key=reship_key(order, number),
            reship=True,
            method=choice.method,
            lines=[{"line": line.pk, "quantity": quantity} for line, quantity in lines],
        )


def order_reship(
    *,
    order: Order,
    lines: LinesAsked,
    user: Any = None,
    carrier_account: CarrierAccount | int | None = None,
    service_code: str = "",
) -> OrderShipment:
    """Send ``lines`` ([(OrderLine, quantity)], at most what shipped of each) again: a
    shipment of their own (by ``carrier_account`` or the shipping rules; local delivery and
    pickup need none) and an order-reshipment issue. Answers the reshipment."""
    require_staff(user)
    current = Order.objects.select_related("warehouse", "store").get(pk=order.pk)
    if (
        current.warehouse_id is None
        or not current.shipments.filter(reship=False).exclude(issue_numbers=[]).exists()
    ):
        raise Conflict(
            detail=_("Order %(number)s has not shipped: confirm it first.") % {"number": current}
        )
    limits = {line.pk: line.quantity_shipped for line in OrderLine.objects.filter(order=current)}
    wanted = clean_lines(current, lines, limits=limits)
    token = lease_claim(current.pk)
    try:
        order_shipment = unfinished_reship(current)
        choice: Choice | None = None
        if order_shipment is not None and not same_lines(order_shipment, wanted):
            raise Conflict(
                detail=_(
                    "Reshipment %(key)s of this order is not finished: ask for its lines again "
                    "to continue it first."
                )
                % {"key": order_shipment.key}
            )
        if order_shipment is None:
            refuse_short_stock(current, component_lines(wanted))
            choice = reship_choice(current, wanted, carrier_account, service_code)
            order_shipment = reship_start(current, wanted, choice)
        if order_shipment.method == RuleAction.CARRIER:
            reship_carrier(current, order_shipment, choice, user=user)
        return reship_issue(current, order_shipment.pk, user=user, token=token)
    finally:
        lease_release(current.pk, token)


# --- returns --------------------------------------------------------------------------------------


def returned_so_far(order: Order) -> dict[int, int]:
    """Units of each line returned by earlier returns (from the order's timeline)."""
    returned: dict[int, int] = defaultdict(int)
    for data in OrderEvent.objects.filter(order=order, kind=EventKind.RETURNED).values_list(
        "data", flat=True
    ):
        for entry in (data or {}).get("lines", []):
            returned[int(entry["line"])] += int(entry["quantity"])
    return returned


def clean_bin(bin: Location | Any) -> Location:
    found = (
        bin
        if isinstance(bin, Location)
        else Location.objects.filter(pk=getattr(bin, "pk", bin)).first()
    )
    if found is None or found.kind != LocationKind.INTERNAL or found.warehouse_id is None:
        raise ValidationFailed.for_field(
            "bin", _("Choose a bin of a warehouse to return the goods into.")
        )
    if not found.active:
        raise ValidationFailed.for_field(
            "bin", _("Bin %(code)s is inactive.") % {"code": found.code}
        )
    return found


def order_return(*, order: Order, lines: LinesAsked, bin: Location, user: Any = None) -> Receipt:
    """Take back ``lines`` ([(OrderLine, quantity)]) into ``bin``: a posted sales-return
    receipt whose reference is the order's number (a bundle comes back as its components),
    for at most what shipped and was not returned yet."""
    require_staff(user)
    target = clean_bin(bin)
    warehouse = target.warehouse
    assert warehouse is not None  # clean_bin refused a bin outside a warehouse
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        returned = returned_so_far(current)
        limits = {
            line.pk: line.quantity_shipped - returned.get(line.pk, 0)
            for line in OrderLine.objects.filter(order=current)
        }
        wanted = clean_lines(current, lines, limits=limits)
        receipt = receipt_create(
            user=user,
            warehouse=warehouse.code,
            kind=ReceiptKind.SALES_RETURN,
            lines=component_lines(wanted, bin_code=target.code),
            reference=current.number,
            note=_("Return of order %(number)s") % {"number": current.number},
            post=True,
        )
        order_event_add(
            current,
            EventKind.RETURNED,
            user=user,
            message=_("Returned %(lines)s into %(bin)s: receipt %(receipt)s.")
            % {
                "lines": ", ".join(f"{quantity} × {line.sku}" for line, quantity in wanted),
                "bin": target.code,
                "receipt": receipt.number,
            },
            data={
                "receipt": receipt.number,
                "bin": target.code,
                "lines": [{"line": line.pk, "quantity": quantity} for line, quantity in wanted],
            },
        )
        return receipt
