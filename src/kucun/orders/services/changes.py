"""What the channel changes on an order after it was downloaded, and a person's cancel.

A newer version of an order (its ``updated_at`` later than ours) is applied by
``order_apply_channel_version`` inside the upsert's transaction, on the locked order row:

- cancelled on the channel: the stock held is released (and so pushed back to the stores by
  the stock sync); an order already shipped is only flagged for a person, one already
  confirmed is cancelled and flagged (its shipment may need voiding);
- lines or address changed before confirmation: applied (a quantity change holds the stock
  again); after confirmation (confirming, confirmed, shipped): not applied but flagged, with
  what changed, for a person;
- anything else (the channel's status, totals, payload) is copied as it is.

``order_cancel`` is a person cancelling in Kucun: the stock is released; the channel is not
touched.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from kucun.channels.adapters.base import ChannelOrder, ChannelOrderLine
from kucun.channels.adapters.base import OrderStatus as ChannelStatus
from kucun.core.audit import audit_record
from kucun.core.errors import Conflict, NotFound
from kucun.inventory.services import allocation_release
from kucun.orders.choices import EventKind, OrderStatus
from kucun.orders.models import Order, OrderLine
from kucun.orders.services.routing import (
    UNPLACED_STATUSES,
    allocate_locked,
    allocation_round,
    in_unit,
    listing_for_line,
    operation_key,
    order_event_record,
    order_lock,
)

CONFIRMED_STATUSES = (OrderStatus.CONFIRMING, OrderStatus.CONFIRMED, OrderStatus.SHIPPED)
ADDRESS_FIELDS = (
    "ship_name",
    "ship_company",
    "ship_line1",
    "ship_line2",
    "ship_city",
    "ship_state",
    "ship_postcode",
    "ship_country",
    "ship_phone",
    "ship_email",
)


# --- the channel's order in our fields ----------------------------------------------------------


def clip(value: Any, length: int) -> str:
    return str(value or "").strip()[:length]


def money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def address_values(channel_order: ChannelOrder) -> dict[str, str]:
    ship = channel_order.ship_to
    return {
        "ship_name": clip(ship.name, 200),
        "ship_company": clip(ship.company, 200),
        "ship_line1": clip(ship.line1, 200),
        "ship_line2": clip(ship.line2, 200),
        "ship_city": clip(ship.city, 100),
        "ship_state": clip(ship.state, 100),
        "ship_postcode": clip(ship.postcode, 20),
        "ship_country": clip(ship.country_code, 2).upper(),
        "ship_phone": clip(ship.phone, 50),
        "ship_email": clip(ship.email, 254),
    }


def channel_values(channel_order: ChannelOrder) -> dict[str, Any]:
    """The order's fields that always follow the channel (never a person's decision)."""
    return {
        "number": clip(channel_order.number, 100) or clip(channel_order.order_ref, 100),
        "channel_status": clip(channel_order.status, 40),
        "channel_status_detail": clip(channel_order.channel_status, 100),
        "placed_at": channel_order.created_at,
        "channel_updated_at": channel_order.updated_at,
        "currency": clip(channel_order.currency, 3).upper(),
        "total": money(channel_order.total),
        "shipping_total": money(channel_order.shipping_total),
        "customer_name": clip(channel_order.customer_name, 200),
        "customer_email": clip(channel_order.customer_email, 254),
        "customer_phone": clip(channel_order.customer_phone, 50),
        "shipping_method": clip(channel_order.shipping_method, 200),
        "raw": dict(channel_order.raw),
    }


def line_values(store_id: int, line: ChannelOrderLine, position: int) -> dict[str, Any]:
    listing = listing_for_line(
        store_id, inventory_ref=line.inventory_ref, variant_ref=line.variant_ref, sku=line.sku
    )
    return {
        "position": position,
        "sku": clip(line.sku, 200),
        "title": clip(line.title, 500),
        "inventory_ref": clip(line.inventory_ref, 200),
        "variant_ref": clip(line.variant_ref, 200),
        "quantity": max(0, int(line.quantity)),
        "unit_price": money(line.unit_price),
        "listing": listing,
        "item": listing.item if listing is not None else None,
    }


def lines_create(order: Order, channel_order: ChannelOrder) -> None:
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                line_ref=clip(line.line_ref, 200) or str(position),
                **line_values(order.store_id, line, position),
            )
            for position, line in enumerate(channel_order.lines, start=1)
        ]
    )


# --- what changed -------------------------------------------------------------------------------


def address_changes(order: Order, channel_order: ChannelOrder) -> dict[str, str]:
    return {
        name: value
        for name, value in address_values(channel_order).items()
        if getattr(order, name) != value
    }


def line_changes(order: Order, channel_order: ChannelOrder) -> dict[str, tuple[int, int]]:
    """line ref -> (our quantity, the channel's) for every line whose quantity differs (a line
    the channel dropped counts as 0, a new one as 0 before)."""
    ours = {line.line_ref: line.quantity for line in order.lines.all()}
    theirs: dict[str, int] = {}
    for position, line in enumerate(channel_order.lines, start=1):
        ref = clip(line.line_ref, 200) or str(position)
        theirs[ref] = theirs.get(ref, 0) + max(0, int(line.quantity))
    return {
        ref: (ours.get(ref, 0), theirs.get(ref, 0))
        for ref in sorted(set(ours) | set(theirs))
        if ours.get(ref, 0) != theirs.get(ref, 0)
    }


def changes_text(order: Order, address: dict[str, str], lines: dict[str, tuple[int, int]]) -> str:
    parts = []
    skus = dict(order.lines.values_list("line_ref", "sku"))
    for ref, (before, after) in lines.items():
        parts.append(
            _("line %(line)s quantity %(before)d → %(after)d")
            % {"line": skus.get(ref) or ref, "before": before, "after": after}
        )
    if address:
        parts.append(_("ship-to address changed"))
    return "; ".join(parts)


def lines_apply(order: Order, channel_order: ChannelOrder) -> None:
    existing = {line.line_ref: line for line in order.lines.all()}
    seen = set()
    for position, channel_line in enumerate(channel_order.lines, start=1):
        ref = clip(channel_line.line_ref, 200) or str(position)
        seen.add(ref)
        values = line_values(order.store_id, channel_line, position)
        line = existing.get(ref)
        if line is None:
            OrderLine.objects.create(order=order, line_ref=ref, **values)
            continue
        for name, value in values.items():
            setattr(line, name, value)
        line.save()
    for ref, line in existing.items():
        if ref not in seen and line.quantity:
            line.quantity = 0
            line.save(update_fields=["quantity"])


# --- releasing and flagging ---------------------------------------------------------------------


def release_lines(order: Order, *, actor: Any = None) -> int:
    """Release what the order's lines hold (inventory takes the change to the stock sync);
    returns the units released."""
    round_number = allocation_round(order)
    released = 0
    for line in order.lines.filter(allocated=True).order_by("id"):
        reference = line.allocation_reference or f"{order.reference_prefix}:{line.line_ref}"
        # NotFound: shipped or released already, nothing is held under it.
        with contextlib.suppress(NotFound):
            released += allocation_release(
                user=actor,
                reference=reference,
                idempotency_key=operation_key(f"{reference}:release:{round_number}"),
            )
        line.allocated = False
        line.save(update_fields=["allocated"])
    if released:
        order_event_record(
            order,
            EventKind.RELEASED,
            _("%(units)d units released.") % {"units": released},
            actor=actor,
            data={"units": released},
        )
    return released


def order_flag(order: Order, reason: str, *, actor: Any = None) -> None:
    """Ask a person to look at the order (the list's attention column and a timeline entry)."""
    if reason not in order.attention:
        order.attention = f"{order.attention}\n{reason}".strip()
    order.save(update_fields=["attention", "updated_at"])
    order_event_record(order, EventKind.FLAGGED, reason, actor=actor)
    audit_record(
        actor=actor,
        action="order.flag",
        obj=order,
        summary=_("Order %(order)s flagged: %(reason)s") % {"order": order, "reason": reason},
    )


# --- the channel's newer version ----------------------------------------------------------------


def order_apply_channel_version(order: Order, channel_order: ChannelOrder) -> bool:
    """Apply a version of the order from the channel to the locked ``order``; False when it
    is not newer than what we hold (nothing changes)."""
    if channel_order.updated_at <= order.channel_updated_at:
        return False
    before_status = order.channel_status
    events_before = order.events.count()
    if channel_order.status == ChannelStatus.CANCELLED:
        cancelled_on_channel(order)
    elif order.status != OrderStatus.CANCELLED:
        content_changes_apply(order, channel_order)
        if channel_order.status == ChannelStatus.SHIPPED and order.status in UNPLACED_STATUSES:
            order_flag(
                order,
                _("Marked shipped on the channel, but not shipped by Kucun: check its stock."),
            )
    for name, value in channel_values(channel_order).items():
        setattr(order, name, value)
    order.save()
    if before_status != order.channel_status and channel_order.status != ChannelStatus.CANCELLED:
        order_event_record(
            order,
            EventKind.UPDATED,
            _("Status on the channel: %(before)s → %(after)s")
            % {"before": before_status, "after": order.channel_status},
        )
    elif order.events.count() == events_before:
        order_event_record(order, EventKind.UPDATED, _("Updated on the channel."))
    return True


def content_changes_apply(order: Order, channel_order: ChannelOrder) -> None:
    address = address_changes(order, channel_order)
    lines = line_changes(order, channel_order)
    if not address and not lines:
        return
    text = changes_text(order, address, lines)
    if order.status in CONFIRMED_STATUSES:
        order_flag(
            order,
            _("Changed on the channel after confirmation (not applied): %(changes)s.")
            % {"changes": text},
        )
        return
    for name, value in address.items():
        setattr(order, name, value)
    order.save()
    if lines:
        release_lines(order)
        lines_apply(order, channel_order)
    order_event_record(
        order,
        EventKind.UPDATED,
        _("Changed on the channel: %(changes)s.") % {"changes": text},
        data={"lines": {ref: list(pair) for ref, pair in lines.items()}},
    )
    if lines:
        if order.status == OrderStatus.NEEDS_ATTENTION:
            order.attention = ""
        order.status = (
            OrderStatus.AWAITING_STOCK
            if order.status == OrderStatus.AWAITING_STOCK
            else OrderStatus.TO_CONFIRM
        )
        order.warehouse = None
        order.save()
        allocate_locked(order)


def cancelled_on_channel(order: Order) -> None:
    if order.status == OrderStatus.CANCELLED:
        return
    if order.status == OrderStatus.SHIPPED:
        order_flag(
            order,
            _("Cancelled on the channel after it shipped: arrange a return or a refund."),
        )
        return
    was_confirmed = order.status in (OrderStatus.CONFIRMING, OrderStatus.CONFIRMED)
    released = release_lines(order)
    order.status = OrderStatus.CANCELLED
    order.awaiting_since = None
    order.save()
    order_event_record(
        order,
        EventKind.CANCELLED,
        _("Cancelled on the channel; %(units)d units released.") % {"units": released},
    )
    audit_record(
        actor=None,
        action="order.cancelled_on_channel",
        obj=order,
        summary=_("Order %(order)s cancelled on the channel") % {"order": order},
    )
    if was_confirmed:
        order_flag(
            order,
            _("Cancelled on the channel after confirmation: void its shipment and label."),
        )


# --- a person cancels ---------------------------------------------------------------------------


def order_cancel(*, order: Order, user: Any = None, reason: str = "") -> Order:
    """Cancel the order in Kucun: its stock is released; the channel is not told. Refused
    once it is being confirmed, confirmed or shipped."""
    return in_unit(lambda: cancel_locked(order_lock(order), user=user, reason=reason))


def cancel_locked(order: Order, *, user: Any, reason: str) -> Order:
    if order.status == OrderStatus.CANCELLED:
        return order
    if order.status in CONFIRMED_STATUSES:
        raise Conflict.for_field(
            "order",
            _(
                "Order %(order)s is %(status)s: it can no longer be cancelled here; "
                "cancel its shipment first."
            )
            % {"order": order, "status": order.get_status_display()},
        )
    released = release_lines(order, actor=user)
    order.status = OrderStatus.CANCELLED
    order.awaiting_since = None
    order.attention = ""
    order.save()
    reason = reason.strip()
    message = _("Cancelled in Kucun; %(units)d units released.") % {"units": released}
    order_event_record(
        order,
        EventKind.CANCELLED,
        f"{message} {reason}".strip(),
        actor=user,
        data={"reason": reason} if reason else {},
    )
    audit_record(
        actor=user,
        action="order.cancel",
        obj=order,
        summary=_("Cancelled order %(order)s") % {"order": order},
        data={"reason": reason, "released": released},
    )
    return order
