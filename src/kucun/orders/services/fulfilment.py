"""Sending a shipped order's tracking number to its store, and what every confirm step shares:
the order's lease, its timeline, and the record of a step that stopped.

The lease (``Order.confirm_lease_until`` with its token in ``confirm_details``) lets one worker
at a time run an order's steps: a step writes its progress only after checking, under the
order's row lock, that the lease is still its own. A worker that dies keeps the lease until it
runs out; then another may continue.

The fulfilment is sent once per order shipment: ``Fulfilment.key`` is the order shipment's key,
and the channel adapters answer an existing fulfilment with that key (or tracking number)
instead of making a second one. When the store answers 5xx, 429 or not at all, the order
shipment is given ``fulfilment_next_at`` with backoff and the worker sends it again when due;
another refusal is kept for a person to read and retry.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.channels.adapters.base import ChannelError, Fulfilment, ShipLine, ShipResult
from kucun.channels.connect import store_channel
from kucun.core.errors import Conflict
from kucun.orders.choices import ConfirmStep, EventKind, FulfilmentStatus
from kucun.orders.models import Order, OrderEvent, OrderLine, OrderShipment
from kucun.shipping.connect import account_spec
from kucun.shipping.models import Shipment

logger = logging.getLogger(__name__)

LEASE_SECONDS = 600
FULFILMENT_MAX_ATTEMPTS = 10
FULFILMENT_RETRY_FIRST_SECONDS = 60
FULFILMENT_RETRY_CAP_SECONDS = 3600
LEASE_FIELD = "lease_token"  # the key in confirm_details that names the holder
ERROR_MAX = 2000


# --- settings ------------------------------------------------------------------------------------


def lease_seconds() -> int:
    return int(getattr(settings, "ORDER_CONFIRM_LEASE_SECONDS", LEASE_SECONDS))


def fulfilment_max_attempts() -> int:
    return int(getattr(settings, "ORDER_FULFILMENT_MAX_ATTEMPTS", FULFILMENT_MAX_ATTEMPTS))


def fulfilment_retry_delay(attempts: int, retry_after: float | None) -> datetime.timedelta:
    """Backoff after the ``attempts``-th failure: 1 min, 2, 4, … capped at an hour; never
    sooner than the store asked (Retry-After)."""
    first = int(
        getattr(settings, "ORDER_FULFILMENT_RETRY_FIRST_SECONDS", FULFILMENT_RETRY_FIRST_SECONDS)
    )
    seconds = min(first * 2 ** max(attempts - 1, 0), FULFILMENT_RETRY_CAP_SECONDS)
    return datetime.timedelta(seconds=max(float(seconds), float(retry_after or 0)))


# --- timeline ------------------------------------------------------------------------------------


def user_or_none(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def order_event_add(
    order: Order,
    kind: str,
    *,
    user: Any = None,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    """One entry of the order's timeline (inside the caller's transaction)."""
    return OrderEvent.objects.create(
        order=order, kind=kind, actor=user_or_none(user), message=message, data=data or {}
    )


# --- the lease -----------------------------------------------------------------------------------


class LeaseLost(Conflict):
    """Another worker holds the order now (this one's lease ran out): stop without writing."""


def being_confirmed(order: Order) -> Conflict:
    return Conflict(
        detail=_("Order %(number)s is being confirmed right now: try again in a minute.")
        % {"number": order}
    )


def lease_claim(order_id: int, *, now: datetime.datetime | None = None) -> str:
    """Claim the order's steps for this worker (committed); answers the lease's token.
    Refused with a Conflict while another worker's lease runs."""
    moment = now or timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.confirm_lease_until is not None and order.confirm_lease_until > moment:
            raise being_confirmed(order)
        token = uuid.uuid4().hex
        order.confirm_details = {**(order.confirm_details or {}), LEASE_FIELD: token}
        order.confirm_lease_until = moment + datetime.timedelta(seconds=lease_seconds())
        order.save(update_fields=["confirm_details", "confirm_lease_until", "updated_at"])
        return token


def locked_order(order_id: int, token: str) -> Order:
    """The order, locked, when this worker still holds its lease (call inside a transaction);
    LeaseLost otherwise. The lease is renewed: the step that locks it is making progress."""
    # Only the order's row is locked (never its store's): ``of=("self",)`` on PostgreSQL.
    order = Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=order_id)
    if (order.confirm_details or {}).get(LEASE_FIELD) != token:
        raise LeaseLost(
            detail=_("Order %(number)s was taken over by another worker.") % {"number": order}
        )
    order.confirm_lease_until = timezone.now() + datetime.timedelta(seconds=lease_seconds())
    return order


def lease_release_fields(order: Order) -> list[str]:
    """Drop the lease on ``order`` (locked by the caller); answers the fields to save."""
    details = dict(order.confirm_details or {})
    details.pop(LEASE_FIELD, None)
    order.confirm_details = details
    order.confirm_lease_until = None
    return ["confirm_details", "confirm_lease_until"]


def lease_release(order_id: int, token: str) -> None:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if (order.confirm_details or {}).get(LEASE_FIELD) != token:
            return
        order.save(update_fields=[*lease_release_fields(order), "updated_at"])


def step_failed(
    order_id: int, *, step: str, message: str, user: Any, token: str, data: dict[str, Any]
) -> Order:
    """The step stopped: kept on the order (its step, what stopped it), on the timeline, and
    the lease given back so that "retry" may continue from this step."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if (order.confirm_details or {}).get(LEASE_FIELD) != token:
            return order
        order.confirm_step = step
        order.confirm_error = message[:ERROR_MAX]
        fields = lease_release_fields(order)
        order.save(update_fields=[*fields, "confirm_step", "confirm_error", "updated_at"])
        order_event_add(
            order,
            EventKind.STEP_FAILED,
            user=user,
            message=message[:ERROR_MAX],
            data={"step": step, **data},
        )
        return order


# --- the fulfilment ------------------------------------------------------------------------------


def shipment_tracking_number(shipment: Shipment | None) -> str:
    if shipment is None:
        return ""
    numbers = [
        number
        for number in shipment.parcels.order_by("index").values_list("tracking_number", flat=True)
        if number
    ]
    return numbers[0] if numbers else shipment.consignment_number


def method_note(method: str) -> str:
    if method == "local_delivery":
        return _("Delivered locally by the merchant.")
    if method == "pickup":
        return _("Collected by the customer.")
    return ""


def fulfilment_of(order: Order, order_shipment: OrderShipment) -> Fulfilment:
    """What the store is told: these lines left with this tracking number (none for a local
    delivery or a pickup, which carry a note instead)."""
    shipment = order_shipment.shipment
    line_refs = dict(OrderLine.objects.filter(order=order).values_list("pk", "line_ref"))
    lines = tuple(
        ShipLine(line_ref=line_refs[entry["line"]], quantity=int(entry["quantity"]))
        for entry in order_shipment.lines
        if entry["line"] in line_refs
    )
    carrier = carrier_name = ""
    if shipment is not None:
        carrier = shipment.carrier_account.carrier
        try:
            carrier_name = str(account_spec(shipment.carrier_account).label)
        except KeyError:
            carrier_name = shipment.carrier_account.name
    return Fulfilment(
        order_ref=order.external_id,
        lines=lines,
        tracking_number=shipment_tracking_number(shipment),
        carrier=carrier,
        carrier_name=carrier_name,
        shipped_at=order.shipped_at or timezone.now(),
        key=order_shipment.key,
        note=method_note(order_shipment.method),
    )


def send_to_store(order: Order, fulfilment: Fulfilment) -> ShipResult:
    channel = store_channel(order.store)
    try:
        return channel.mark_shipped(fulfilment)
    finally:
        channel.close()


def fulfilment_sent(
    order_shipment_id: int, result: ShipResult, *, user: Any, token: str
) -> OrderShipment:
    with transaction.atomic():
        order_id = OrderShipment.objects.values_list("order_id", flat=True).get(
            pk=order_shipment_id
        )
        order = locked_order(order_id, token)  # the order first, as every step locks
        order_shipment = OrderShipment.objects.select_for_update().get(pk=order_shipment_id)
        order_shipment.fulfilment_status = FulfilmentStatus.SENT
        order_shipment.fulfilment_ref = result.fulfilment_ref[:200]
        order_shipment.fulfilment_error = ""
        order_shipment.fulfilment_next_at = None
        order_shipment.save(
            update_fields=[
                "fulfilment_status",
                "fulfilment_ref",
                "fulfilment_error",
                "fulfilment_next_at",
            ]
        )
        order.confirm_step = ConfirmStep.DONE
        order.confirm_error = ""
        order.save(update_fields=["confirm_step", "confirm_error", "confirm_lease_until"])
        order_event_add(
            order,
            EventKind.PUSHED_BACK,
            user=user,
            message=_("Sent to the store (fulfilment %(ref)s).") % {"ref": result.fulfilment_ref},
            data={
                "fulfilment_ref": result.fulfilment_ref,
                "already_done": result.already_done,
                "key": order_shipment.key,
            },
        )
        return order_shipment


def fulfilment_failed(
    order_shipment_id: int, error: ChannelError, *, now: datetime.datetime
) -> OrderShipment:
    """A refusal or a store that did not answer: kept, and sent again later when that may
    help."""
    with transaction.atomic():
        order_shipment = OrderShipment.objects.select_for_update().get(pk=order_shipment_id)
        order_shipment.fulfilment_attempts += 1
        order_shipment.fulfilment_error = error.message[:ERROR_MAX]
        if error.retryable and order_shipment.fulfilment_attempts < fulfilment_max_attempts():
            order_shipment.fulfilment_status = FulfilmentStatus.PENDING
            order_shipment.fulfilment_next_at = now + fulfilment_retry_delay(
                order_shipment.fulfilment_attempts, error.retry_after
            )
        else:
            order_shipment.fulfilment_status = FulfilmentStatus.FAILED
            order_shipment.fulfilment_next_at = None
        order_shipment.save(
            update_fields=[
                "fulfilment_attempts",
                "fulfilment_error",
                "fulfilment_status",
                "fulfilment_next_at",
            ]
        )
        return order_shipment


def fulfilment_send(
    order_id: int, *, user: Any, token: str, now: datetime.datetime | None = None
) -> None:
    """The fulfilment step of the order holding the lease ``token``: sent (the step becomes
    done), or the store's error raised after the order shipment has recorded it (and when to
    try again)."""
    order = Order.objects.select_related("store").get(pk=order_id)
    order_shipment = (
        OrderShipment.objects.select_related("shipment__carrier_account")
        .filter(order=order, reship=False)
        .order_by("pk")
        .first()
    )
    if order_shipment is None:
        raise Conflict(detail=_("This order has no shipment to send to the store."))
    if order_shipment.fulfilment_status == FulfilmentStatus.SENT:
        with transaction.atomic():
            locked = locked_order(order_id, token)
            locked.confirm_step = ConfirmStep.DONE
            locked.confirm_error = ""
            locked.save(update_fields=["confirm_step", "confirm_error", "confirm_lease_until"])
        return
    try:
        result = send_to_store(order, fulfilment_of(order, order_shipment))
    except ChannelError as error:
        fulfilment_failed(order_shipment.pk, error, now=now or timezone.now())
        raise
    fulfilment_sent(order_shipment.pk, result, user=user, token=token)


def fulfilments_send_due(*, now: datetime.datetime | None = None, limit: int = 100) -> int:
    """The worker's retry of fulfilments the store could not take (5xx, 429, no answer) whose
    backoff is over. Each runs under its order's lease; an order another worker holds is left
    for the next round. Answers how many were tried."""
    moment = now or timezone.now()
    due = list(
        OrderShipment.objects.filter(
            reship=False,
            fulfilment_status=FulfilmentStatus.PENDING,
            fulfilment_next_at__lte=moment,
        )
        .order_by("fulfilment_next_at", "pk")
        .values_list("order_id", flat=True)[:limit]
    )
    for order_id in due:
        try:
            token = lease_claim(order_id, now=moment)
        except Conflict:
            continue
        try:
            fulfilment_send(order_id, user=None, token=token, now=moment)
        except (ChannelError, Conflict) as error:
            message = getattr(error, "message", None) or str(error)
            step_failed(
                order_id,
                step=ConfirmStep.FULFILMENT,
                message=message,
                user=None,
                token=token,
                data={"retry": True},
            )
            continue
        lease_release(order_id, token)
    return len(due)
