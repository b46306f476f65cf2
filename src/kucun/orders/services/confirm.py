"""Confirming an order: rule → carrier shipment → label → stock issue → tracking sent to the
store. One order is one recoverable job (``confirm_run``): every step commits what it did and
moves ``Order.confirm_step`` on, so a job that stops, however it stops, is continued from the
step it reached and does nothing twice:

* rule: the shipping rules (or the carrier chosen on the order) decide how it leaves: with a
  carrier account and service, by local delivery or pickup, or held for a person. The lines
  to ship are written on the order's shipment record (``OrderShipment``, keyed
  ``order:{store}:{external}:ship:1``).
* shipment: the carrier shipment, its parcel packed from the items' weights and sizes, with
  ``source_reference`` = that key. A shipment already made for the key is continued, never
  made again; a lost answer is asked for by shipping's own reference lookup.
* label: kept by shipping; the order is then confirmed.
* issue: one order-shipment issue from the order's warehouse (bins in inventory's pick order,
  picking zones first), each line consuming its own allocation, written in the same
  transaction as the lines' shipped quantities and the order's "shipped" mark.
* fulfilment: the tracking number sent to the store (``fulfilment.py``), retried by the
  worker while the store is unavailable.

A step that fails keeps the step and the vendor's message on the order and on its timeline;
``order_retry`` continues from it. ``Order.confirm_lease_until`` keeps two workers from
running one order's steps at once.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.accounts.choices import Role
from kucun.catalog.models import Item
from kucun.catalog.selectors import bundle_expansions
from kucun.core.access import user_holds_role
from kucun.core.credentials import Problems
from kucun.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from kucun.core.vendor.errors import VendorError
from kucun.inventory.choices import IssueKind
from kucun.inventory.models import Allocation
from kucun.inventory.services import DocumentLineInput, issue_create
from kucun.orders.choices import ConfirmStep, EventKind, OrderStatus
from kucun.orders.models import Order, OrderLine, OrderShipment
from kucun.orders.services.fulfilment import (
    being_confirmed,
    fulfilment_send,
    lease_claim,
    lease_release,
    lease_release_fields,
    lease_seconds,
    locked_order,
    order_event_add,
    step_failed,
)
from kucun.shipping.choices import RuleAction, ShipmentSource, ShipmentStatus
from kucun.shipping.models import BoxPreset, CarrierAccount, Shipment
from kucun.shipping.rules import evaluate
from kucun.shipping.selectors_rules import PlainDestination, facts_for_items, rules_compiled
from kucun.shipping.services.labels import shipment_fetch_label
from kucun.shipping.services.shipments import (
    clean_account,
    clean_service,
    shipment_create,
    shipment_submit,
)

logger = logging.getLogger(__name__)

RUNNING_STEPS = (
    ConfirmStep.RULE,
    ConfirmStep.SHIPMENT,
    ConfirmStep.LABEL,
    ConfirmStep.ISSUE,
    ConfirmStep.FULFILMENT,
)
# The statuses of an order whose confirming has started and not finished.
UNDERWAY = (OrderStatus.CONFIRMING, OrderStatus.CONFIRMED, OrderStatus.SHIPPED)
MM_PER_CM = Decimal(10)
LOST_JOB_SECONDS = 300


# --- who may, and what is shipped ---------------------------------------------------------------


def require_staff(user: Any) -> None:
    """Staff and owners confirm and ship orders; None is the system itself (the worker)."""
    if user is not None and not user_holds_role(user, Role.STAFF):
        raise PermissionDenied(detail=_("Only warehouse staff and owners confirm orders."))


def main_key(order: Order) -> str:
    return f"{order.reference_prefix}:ship:1"


def main_shipment(order: Order) -> OrderShipment | None:
    return (
        OrderShipment.objects.select_related("shipment__carrier_account")
        .filter(order=order, reship=False)
        .order_by("pk")
        .first()
    )


def lines_to_ship(order: Order) -> list[tuple[OrderLine, int]]:
    """Every line with units not shipped yet, and how many."""
    lines = OrderLine.objects.filter(order=order).select_related("item").order_by("position", "pk")
    return [
        (line, line.quantity - line.quantity_shipped)
        for line in lines
        if line.quantity > line.quantity_shipped
    ]


def confirm_refusal(order: Order) -> DomainError | None:
    """Why this order cannot be confirmed now (None when it can)."""
    if order.status != OrderStatus.TO_CONFIRM:
        if order.status in UNDERWAY and order.confirm_step in RUNNING_STEPS:
            return Conflict(
                detail=_(
                    "Order %(number)s is being confirmed already (step: %(step)s); "
                    "use retry to continue it."
                )
                % {"number": order, "step": ConfirmStep(order.confirm_step).label}
            )
        return Conflict(
            detail=_("Order %(number)s is %(status)s: only an order to confirm is confirmed.")
            % {"number": order, "status": order.get_status_display()}
        )
    if order.warehouse_id is None:
        return ValidationFailed.for_field(
            "warehouse",
            _("Order %(number)s has no warehouse holding its stock: allocate it first.")
            % {"number": order},
        )
    shipping = lines_to_ship(order)
    if not shipping:
        return ValidationFailed.for_field(
            "lines", _("Order %(number)s has nothing left to ship.") % {"number": order}
        )
    problems = Problems()
    for index, (line, _quantity) in enumerate(shipping):
        if line.item_id is None:
            problems.add(
                f"lines[{index}].sku",
                _("Line %(sku)s is not linked to an item: link its listing first.")
                % {"sku": line.sku or line.line_ref},
            )
        elif not (line.allocated and line.allocation_reference):
            problems.add(
                f"lines[{index}].sku",
                _("Line %(sku)s holds no stock for the order: allocate the order first.")
                % {"sku": line.sku},
            )
    try:
        problems.raise_any()
    except ValidationFailed as error:
        return error
    return None


def receiver_of(order: Order) -> dict[str, str]:
    """The order's shipping address as shipping's receiver."""
    return {
        "name": order.ship_name or order.customer_name,
        "company": order.ship_company,
        "line1": order.ship_line1,
        "line2": order.ship_line2,
        "suburb": order.ship_city,
        "state": order.ship_state,
        "postcode": order.ship_postcode,
        "country": order.ship_country or "AU",
        "phone": order.ship_phone or order.customer_phone,
        "email": order.ship_email or order.customer_email,
    }


def destination_of(order: Order) -> PlainDestination:
    return PlainDestination(
        country=order.ship_country or "", state=order.ship_state, postcode=order.ship_postcode
    )


# --- parcels --------------------------------------------------------------------------------------


def leaf_units(items: Sequence[tuple[Item, int]]) -> list[tuple[Item, int]]:
    """(Item, units) of what physically goes in the box: a bundle as its components."""
    expansions = bundle_expansions(item.pk for item, _units in items if item.is_bundle)
    leaf_ids = {leaf for expansion in expansions.values() for leaf in expansion}
    leaves = {item.pk: item for item in Item.objects.filter(pk__in=leaf_ids)}
    found: list[tuple[Item, int]] = []
    for item, units in items:
        parts = expansions.get(item.pk) if item.is_bundle else None
        if parts:
            found.extend((leaves[leaf], per * units) for leaf, per in parts.items())
        else:
            found.append((item, units))
    return found


def parcel_dimensions(items: Sequence[tuple[Item, int]]) -> dict[str, Decimal] | None:
    """The items packed as a stack: the longest length, the widest width, the heights added
    up (in cm). None when an item's size is not known: the box or the carrier decides."""
    leaves = leaf_units(items)
    if not leaves or any(
        item.length_mm is None or item.width_mm is None or item.height_mm is None
        for item, _units in leaves
    ):
        return None
    length = max(item.length_mm or 0 for item, _units in leaves)
    width = max(item.width_mm or 0 for item, _units in leaves)
    height = sum((item.height_mm or 0) * units for item, units in leaves)
    return {
        "length_cm": (Decimal(length) / MM_PER_CM).quantize(Decimal("0.1")),
        "width_cm": (Decimal(width) / MM_PER_CM).quantize(Decimal("0.1")),
        "height_cm": (Decimal(height) / MM_PER_CM).quantize(Decimal("0.1")),
    }


def shipment_items(lines: Sequence[tuple[OrderLine, int]]) -> list[dict[str, Any]]:
    return [
        {
            "item_id": line.item_id,
            "quantity": quantity,
            "unit_value": str(line.unit_price or Decimal("0")),
        }
        for line, quantity in lines
    ]


# --- how it leaves: the rule, or the carrier chosen on the order ----------------------------------


@dataclass(frozen=True)
class Choice:
    """How the parcel leaves: ``method`` carrier, local_delivery, pickup or hold."""

    method: str
    carrier_account_id: int | None = None
    service_code: str = ""
    box_preset_id: int | None = None
    rule_name: str = ""

    def as_details(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "carrier_account": self.carrier_account_id,
            "service_code": self.service_code,
            "box_preset": self.box_preset_id,
            "rule": self.rule_name,
        }


def chosen_account(account: CarrierAccount | int, service_code: str, order: Order) -> Choice:
    """A carrier account and service, checked: active, a service it offers, and shipping from
    the warehouse that holds the order's stock."""
    found = clean_account(account)
    problems = Problems()
    code = clean_service(found, service_code, problems)
    problems.raise_any()
    if order.warehouse_id is not None and found.sender_warehouse_id != order.warehouse_id:
        raise ValidationFailed.for_field(
            "carrier_account",
            _(
                "Carrier account %(account)s ships from %(sender)s, but the order's stock is "
                "held in %(warehouse)s: choose an account of that warehouse."
            )
            % {
                "account": found.name,
                "sender": found.sender_warehouse.code,
                "warehouse": order.warehouse.code if order.warehouse else "",
            },
        )
    return Choice(method=RuleAction.CARRIER, carrier_account_id=found.pk, service_code=code)


def choice_for(order: Order, lines: Sequence[tuple[OrderLine, int]]) -> Choice:
    """The carrier chosen on the order, or the first shipping rule that matches its parcel.
    An item without a weight is refused, naming its SKU."""
    facts = facts_for_items(
        items=[(line.item, quantity) for line, quantity in lines],
        destination=destination_of(order),
        store=order.store_id,
        warehouse=order.warehouse_id,
        value=order.total,
        shipping_method=order.shipping_method,
    )
    if order.carrier_account_id is not None:
        return chosen_account(order.carrier_account_id, order.service_code, order)
    decision = evaluate(rules_compiled(), facts)
    rule = decision.rule
    if rule is None or decision.action == RuleAction.HOLD:
        return Choice(method=RuleAction.HOLD, rule_name=rule.name if rule else "")
    if decision.action == RuleAction.CARRIER:
        assert rule.carrier_account_id is not None  # the rule's constraint
        picked = chosen_account(rule.carrier_account_id, rule.service_code, order)
        return Choice(
            method=RuleAction.CARRIER,
            carrier_account_id=picked.carrier_account_id,
            service_code=picked.service_code,
            box_preset_id=rule.box_preset_id,
            rule_name=rule.name,
        )
    return Choice(method=decision.action, rule_name=rule.name)


# --- the steps ------------------------------------------------------------------------------------


def step_done(order: Order, next_step: str, *changed: str) -> None:
    """Move the locked ``order`` on to ``next_step`` (saving ``changed`` fields too)."""
    order.confirm_step = next_step
    order.confirm_error = ""
    fields = ["confirm_step", "confirm_error", "confirm_lease_until", "updated_at"]
    order.save(update_fields=[*fields, *changed])


class StepNotDone(DomainError):
    """The step could not finish yet (the carrier did not answer, the label is not ready)."""


def hold(order_id: int, choice: Choice, *, user: Any, token: str) -> None:
    """A rule says a person decides: the order goes back to be confirmed, with the reason."""
    with transaction.atomic():
        order = locked_order(order_id, token)
        reason = (
            _("held by rule %(rule)s") % {"rule": choice.rule_name}
            if choice.rule_name
            else _("held: no shipping rule matched")
        )
        order.status = OrderStatus.TO_CONFIRM
        order.attention = reason
        order.confirm_step = ""
        order.confirm_error = ""
        fields = lease_release_fields(order)
        order.save(
            update_fields=[
                *fields,
                "status",
                "attention",
                "confirm_step",
                "confirm_error",
                "updated_at",
            ]
        )
        order_event_add(
            order, EventKind.FLAGGED, user=user, message=reason, data=choice.as_details()
        )


def step_rule(order_id: int, *, user: Any, token: str) -> None:
    order = Order.objects.select_related("warehouse").get(pk=order_id)
    lines = lines_to_ship(order)
    choice = choice_for(order, lines)
    if choice.method == RuleAction.HOLD:
        hold(order_id, choice, user=user, token=token)
        return
    with transaction.atomic():
        order = locked_order(order_id, token)
        shipped_lines = [{"line": line.pk, "quantity": quantity} for line, quantity in lines]
        order_shipment, made = OrderShipment.objects.get_or_create(
            key=main_key(order),
            defaults={"order": order, "method": choice.method, "lines": shipped_lines},
        )
        if not made and order_shipment.shipment_id is None and not order_shipment.issue_numbers:
            order_shipment.method = choice.method
            order_shipment.lines = shipped_lines
            order_shipment.save(update_fields=["method", "lines"])
        order.confirm_details = {**(order.confirm_details or {}), "choice": choice.as_details()}
        carrier = order_shipment.method == RuleAction.CARRIER
        step_done(order, ConfirmStep.SHIPMENT if carrier else ConfirmStep.ISSUE, "confirm_details")


def shipment_for_key(key: str) -> Shipment | None:
    """The live shipment made for this order shipment, when one was (its draft is committed
    before the carrier is called, so a job that stopped mid-call left it)."""
    return (
        Shipment.objects.filter(source=ShipmentSource.ORDER, source_reference=key)
        .exclude(status=ShipmentStatus.CANCELLED)
        .order_by("pk")
        .first()
    )


def shipment_made(order: Order, order_shipment: OrderShipment, *, user: Any) -> Shipment:
    """The order's carrier shipment: the one made for its key (sent again when still a
    draft), or a new one."""
    shipment = order_shipment.shipment
    if shipment is not None and shipment.status == ShipmentStatus.CANCELLED:
        raise Conflict(
            detail=_(
                "Shipment %(reference)s of this order was cancelled: choose the carrier again, "
                "then retry."
            )
            % {"reference": shipment.reference}
        )
    shipment = shipment or shipment_for_key(order_shipment.key)
    if shipment is not None:
        if shipment.status == ShipmentStatus.DRAFT:
            return shipment_submit(shipment, actor=user)
        return shipment
    choice = (order.confirm_details or {}).get("choice") or {}
    box_id = choice.get("box_preset")
    box = BoxPreset.objects.filter(pk=box_id, active=True).first() if box_id else None
    lines = shipped_lines_of(order_shipment)
    packed = [(line.item, quantity) for line, quantity in lines if line.item is not None]
    return shipment_create(
        actor=user,
        carrier_account=int(choice["carrier_account"]),
        receiver=receiver_of(order),
        service_code=choice.get("service_code") or None,
        items=shipment_items(lines),
        box_preset=box,
        dimensions=None if box else parcel_dimensions(packed),
        source=ShipmentSource.ORDER,
        source_reference=order_shipment.key,
    )


def shipped_lines_of(order_shipment: OrderShipment) -> list[tuple[OrderLine, int]]:
    quantities = {int(entry["line"]): int(entry["quantity"]) for entry in order_shipment.lines}
    lines = OrderLine.objects.filter(pk__in=quantities).select_related("item")
    return [(line, quantities[line.pk]) for line in lines.order_by("position", "pk")]


def tracking_numbers(shipment: Shipment) -> list[str]:
    return [
        number
        for number in shipment.parcels.order_by("index").values_list("tracking_number", flat=True)
        if number
    ]


def shipment_link(order_shipment_id: int, shipment: Shipment) -> None:
    with transaction.atomic():
        OrderShipment.objects.filter(pk=order_shipment_id, shipment__isnull=True).update(
            shipment=shipment
        )


def step_shipment(order_id: int, *, user: Any, token: str) -> None:
    order = Order.objects.select_related("store", "warehouse").get(pk=order_id)
    order_shipment = main_shipment(order)
    if order_shipment is None:
        raise Conflict(detail=_("The carrier was not chosen yet: retry from the rule."))
    shipment = shipment_made(order, order_shipment, user=user)
    shipment_link(order_shipment.pk, shipment)
    if shipment.status == ShipmentStatus.DRAFT:
        raise StepNotDone(
            detail=_("The carrier did not confirm the shipment yet: %(message)s")
            % {"message": shipment.last_error or _("no answer")}
        )
    numbers = tracking_numbers(shipment)
    with transaction.atomic():
        order = locked_order(order_id, token)
        step_done(order, ConfirmStep.LABEL)
        order_event_add(
            order,
            EventKind.SHIPMENT_CREATED,
            user=user,
            message=_("Shipment %(reference)s with %(account)s, tracking %(numbers)s.")
            % {
                "reference": shipment.reference,
                "account": shipment.carrier_account.name,
                "numbers": ", ".join(numbers) or "-",
            },
            data={
                "shipment": shipment.pk,
                "reference": shipment.reference,
                "tracking_numbers": numbers,
            },
        )


def step_label(order_id: int, *, user: Any, token: str) -> None:
    order = Order.objects.get(pk=order_id)
    order_shipment = main_shipment(order)
    if order_shipment is None or order_shipment.shipment is None:
        raise Conflict(detail=_("The order has no carrier shipment yet: retry from it."))
    shipment = order_shipment.shipment
    if not shipment.label_file:
        shipment = shipment_fetch_label(shipment, actor=user)
    if not shipment.label_file:
        raise StepNotDone(
            detail=_("The carrier's label is not ready yet: %(message)s")
            % {"message": shipment.last_error or _("no answer")}
        )
    with transaction.atomic():
        order = locked_order(order_id, token)
        order.status = OrderStatus.CONFIRMED
        step_done(order, ConfirmStep.ISSUE, "status")
        order_event_add(
            order,
            EventKind.LABEL_READY,
            user=user,
            message=_("Label of shipment %(reference)s ready.") % {"reference": shipment.reference},
            data={"shipment": shipment.pk},
        )


def issue_lines(lines: Sequence[tuple[OrderLine, int]]) -> list[DocumentLineInput]:
    """One issue line per item allocated to each order line (a bundle line's components),
    each consuming that line's allocation."""
    references = [line.allocation_reference for line, _quantity in lines]
    held: dict[str, list[Allocation]] = {}
    for allocation in (
        Allocation.objects.filter(reference__in=references)
        .select_related("item")
        .order_by("reference", "item__sku", "pk")
    ):
        held.setdefault(allocation.reference, []).append(allocation)
    problems = Problems()
    documents: list[DocumentLineInput] = []
    for index, (line, quantity) in enumerate(lines):
        allocations = held.get(line.allocation_reference)
        if not allocations:
            problems.add(
                f"lines[{index}].sku",
                _("Line %(sku)s holds no allocated stock (%(reference)s): allocate it again.")
                % {"sku": line.sku, "reference": line.allocation_reference},
            )
            continue
        documents.extend(
            DocumentLineInput(
                allocation.item.sku,
                quantity * allocation.line_units,
                allocation_reference=line.allocation_reference,
            )
            for allocation in allocations
        )
    problems.raise_any()
    return documents


def lines_shipped(lines: Iterable[tuple[OrderLine, int]]) -> None:
    for line, quantity in lines:
        OrderLine.objects.filter(pk=line.pk).update(
            quantity_shipped=F("quantity_shipped") + quantity
        )


def step_issue(order_id: int, *, user: Any, token: str) -> None:
    """The stock leaves: the issue, the lines' shipped quantities and the order's mark, in one
    transaction (so a stop before it commits leaves none of them, and after, all)."""
    with transaction.atomic():
        order = locked_order(order_id, token)
        order_shipment = OrderShipment.objects.select_for_update().get(key=main_key(order))
        if not order_shipment.issue_numbers:
            lines = shipped_lines_of(order_shipment)
            assert order.warehouse is not None  # checked when confirming began
            issue = issue_create(
                user=user,
                warehouse=order.warehouse.code,
                kind=IssueKind.ORDER_SHIPMENT,
                lines=issue_lines(lines),
                reference=order.number,
                note=_("Order %(number)s") % {"number": order.number},
                post=True,
                idempotency_key=f"{order_shipment.key}:issue",
            )
            lines_shipped(lines)
            order_shipment.issue_numbers = [issue.number]
            order_shipment.save(update_fields=["issue_numbers"])
            order.shipped_at = timezone.now()
            order_event_add(
                order,
                EventKind.SHIPPED,
                user=user,
                message=_("Issue %(issue)s posted from %(warehouse)s.")
                % {"issue": issue.number, "warehouse": order.warehouse.code},
                data={"issue": issue.number},
            )
        order.status = OrderStatus.SHIPPED
        step_done(order, ConfirmStep.FULFILMENT, "status", "shipped_at")


def step_fulfilment(order_id: int, *, user: Any, token: str) -> None:
    fulfilment_send(order_id, user=user, token=token)


Step = Callable[..., None]
STEPS: dict[str, Step] = {
    ConfirmStep.RULE: step_rule,
    ConfirmStep.SHIPMENT: step_shipment,
    ConfirmStep.LABEL: step_label,
    ConfirmStep.ISSUE: step_issue,
    ConfirmStep.FULFILMENT: step_fulfilment,
}


# --- the job --------------------------------------------------------------------------------------


def failure_message(error: BaseException) -> str:
    """What a person reads: our message, or the vendor's own words (never a secret); an
    unexpected error only by its kind (the server log has the rest)."""
    if isinstance(error, DomainError):
        return error.detail
    if isinstance(error, VendorError):
        return error.message
    return _("Unexpected error (%(kind)s): see the server log.") % {"kind": type(error).__name__}


def confirm_run(*, order_id: int, user: Any = None) -> Order:
    """Run the order's steps from the one it reached, under its lease, until done, held, or
    stopped by a failure (recorded on the order). Refused with a Conflict while another
    worker holds the order."""
    token = lease_claim(order_id)
    while True:
        order = Order.objects.get(pk=order_id)
        step = order.confirm_step
        if order.status not in UNDERWAY or step not in STEPS:
            break
        try:
            STEPS[step](order_id, user=user, token=token)
        except (DomainError, VendorError) as error:
            return step_failed(
                order_id,
                step=step,
                message=failure_message(error),
                user=user,
                token=token,
                data={"error": type(error).__name__},
            )
        except Exception as error:
            logger.exception("confirming order %s stopped at step %s", order_id, step)
            return step_failed(
                order_id,
                step=step,
                message=failure_message(error),
                user=user,
                token=token,
                data={"error": type(error).__name__},
            )
        if Order.objects.filter(pk=order_id, confirm_step=step).exists():
            break  # a step that did not move on: stop rather than loop
    lease_release(order_id, token)
    return Order.objects.get(pk=order_id)


def confirm_start(order_id: int, *, user: Any) -> Order:
    """Mark the order as being confirmed (its timeline says by whom); refused with the reason
    when it cannot be."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        refusal = confirm_refusal(order)
        if refusal is not None:
            raise refusal
        order.status = OrderStatus.CONFIRMING
        order.confirm_step = ConfirmStep.RULE
        order.confirm_error = ""
        order.attention = ""
        order.confirm_attempts = 0
        order.confirmed_at = timezone.now()
        order.confirmed_by = user if getattr(user, "is_authenticated", False) else None
        order.save()
        order_event_add(order, EventKind.CONFIRMED, user=user, message=_("Confirmed."))
        return order


def job_queue(order_id: int, *, user: Any) -> None:
    """Queue the order's job once the caller's transaction commits (the worker runs it; the
    test settings' inline queue runs it then and there)."""
    from kucun.orders.tasks_confirm import order_confirm_task

    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    transaction.on_commit(functools.partial(order_confirm_task, order_id, user_id))


def order_confirm(
    *,
    order: Order,
    user: Any = None,
    carrier_account: CarrierAccount | int | None = None,
    service_code: str = "",
) -> Order:
    """Confirm one order: refused with the reason when it cannot be; otherwise marked as
    being confirmed and its job queued (see the module). Answers the order as it is then:
    with the worker's queue, still confirming; with an inline queue, shipped and sent to the
    store, held by a rule, or stopped at a step with what stopped it. ``carrier_account``
    (and ``service_code``) choose the carrier instead of the rules."""
    require_staff(user)
    if carrier_account is not None:
        refusal = confirm_refusal(Order.objects.get(pk=order.pk))
        if refusal is not None:
            raise refusal
        order_set_carrier(
            order=order, user=user, carrier_account=carrier_account, service_code=service_code
        )
    with transaction.atomic():
        confirm_start(order.pk, user=user)
        job_queue(order.pk, user=user)
    return Order.objects.get(pk=order.pk)


def orders_confirm_enqueue(*, orders: Iterable[Order], user: Any = None) -> int:
    """Confirm many orders, each as its own job (queued once its mark is committed). Orders
    that cannot be confirmed are left as they are; an order stopped at a step (and not held by
    a worker) is queued to continue. Answers how many jobs were queued."""
    require_staff(user)
    queued = 0
    for order in orders:
        current = Order.objects.get(pk=order.pk)
        with transaction.atomic():
            if current.status in UNDERWAY and current.confirm_error:
                if lease_held(current):
                    continue
            else:
                try:
                    confirm_start(current.pk, user=user)
                except DomainError:
                    continue
            job_queue(current.pk, user=user)
        queued += 1
    return queued


def lease_held(order: Order) -> bool:
    return order.confirm_lease_until is not None and order.confirm_lease_until > timezone.now()


def order_retry(*, order: Order, user: Any = None) -> Order:
    """Continue a stopped confirmation from the step it stopped at, as the order's job (see
    the module: nothing done already is done again). Refused while a worker holds the order.
    Answers the order as ``order_confirm`` does."""
    require_staff(user)
    current = Order.objects.get(pk=order.pk)
    if current.status not in UNDERWAY or current.confirm_step not in STEPS:
        raise Conflict(
            detail=_("Order %(number)s has no stopped step to retry.") % {"number": current}
        )
    if lease_held(current):
        raise being_confirmed(current)
    with transaction.atomic():
        Order.objects.filter(pk=current.pk).update(confirm_attempts=F("confirm_attempts") + 1)
        order_event_add(
            current,
            EventKind.NOTE,
            user=user,
            message=_("Retry from: %(step)s.") % {"step": ConfirmStep(current.confirm_step).label},
            data={"retry": current.confirm_step},
        )
        job_queue(current.pk, user=user)
    return Order.objects.get(pk=current.pk)


def order_set_carrier(
    *, order: Order, user: Any, carrier_account: CarrierAccount | int | None, service_code: str = ""
) -> Order:
    """Choose the carrier account and service of an order before it ships (None: the rules
    choose). Allowed until its carrier shipment exists; an order stopped before it goes back
    to choosing the carrier."""
    require_staff(user)
    with transaction.atomic():
        current = (
            Order.objects.select_for_update(of=("self",))
            .select_related("warehouse")
            .get(pk=order.pk)
        )
        refuse_carrier_change(current)
        if carrier_account is None:
            current.carrier_account = None
            current.service_code = ""
            message = _("The shipping rules choose the carrier.")
        else:
            choice = chosen_account(carrier_account, service_code, current)
            current.carrier_account = CarrierAccount.objects.get(pk=choice.carrier_account_id or 0)
            current.service_code = choice.service_code
            message = _("Carrier set to %(account)s, service %(service)s.") % {
                "account": current.carrier_account.name,
                "service": choice.service_code,
            }
        if current.status in UNDERWAY:
            current.confirm_step = ConfirmStep.RULE
            OrderShipment.objects.filter(key=main_key(current), reship=False).update(shipment=None)
        current.save()
        order_event_add(
            current,
            EventKind.NOTE,
            user=user,
            message=message,
            data={"carrier_account": current.carrier_account_id, "service": current.service_code},
        )
    order.refresh_from_db()
    return order


def refuse_carrier_change(order: Order) -> None:
    if order.status == OrderStatus.TO_CONFIRM:
        return
    stopped_early = (
        order.status in UNDERWAY
        and order.confirm_error
        and order.confirm_step in (ConfirmStep.RULE, ConfirmStep.SHIPMENT)
        and not (order.confirm_lease_until and order.confirm_lease_until > timezone.now())
    )
    linked = main_shipment(order)
    live = (
        linked is not None
        and linked.shipment is not None
        and linked.shipment.status != ShipmentStatus.CANCELLED
    ) or (linked is not None and shipment_for_key(linked.key) is not None)
    if not stopped_early or live:
        raise Conflict.for_field(
            "carrier_account",
            _("Order %(number)s has its carrier shipment already: the carrier cannot change.")
            % {"number": order},
        )


# --- the worker's recovery -----------------------------------------------------------------------


def orders_confirm_resume_due(*, now: datetime.datetime | None = None, limit: int = 50) -> int:
    """Jobs to continue without a person: those whose worker stopped mid-step (its lease ran
    out, or its queued job was lost), and those stopped waiting for the carrier whose shipment
    or label has arrived since (shipping retries them in the background). Answers how many
    were continued."""
    moment = now or timezone.now()
    lost_before = moment - datetime.timedelta(seconds=max(LOST_JOB_SECONDS, lease_seconds()))
    stalled = Q(confirm_error="") & (
        Q(confirm_lease_until__lt=moment)
        | Q(confirm_lease_until__isnull=True, updated_at__lt=lost_before)
    )
    carrier_caught_up = Q(
        confirm_step=ConfirmStep.SHIPMENT,
        shipments__reship=False,
        shipments__shipment__status__in=(ShipmentStatus.CREATED, ShipmentStatus.LABEL_READY),
    ) | Q(
        confirm_step=ConfirmStep.LABEL,
        shipments__reship=False,
        shipments__shipment__status=ShipmentStatus.LABEL_READY,
    )
    due = list(
        Order.objects.filter(status__in=UNDERWAY, confirm_step__in=RUNNING_STEPS)
        .exclude(confirm_step=ConfirmStep.FULFILMENT, confirm_error__gt="")
        .filter(stalled | (Q(confirm_error__gt="") & carrier_caught_up))
        .exclude(confirm_lease_until__gt=moment)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )
    continued = 0
    for order_id in due:
        try:
            confirm_run(order_id=order_id, user=None)
        except Conflict:
            continue
        continued += 1
    return continued
