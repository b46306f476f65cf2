"""/api/v1/orders: the orders downloaded from the stores, filtered as the console's list, and
each order with its lines, allocations, timeline and shipments.

Viewers read; staff confirm, cancel, reship, retry and choose the carrier; owners also see
each order's ``raw`` payload (null for everyone else). Writes accept an ``Idempotency-Key``
header: the same key from the same user answers the first result (confirming, retrying and
reshipping talk to the carrier, so the key is recorded once their work is done).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role, user_has_role
from kucun.core.errors import ValidationFailed
from kucun.core.idempotency import count_result, model_once, run_once
from kucun.core.pagination import PageParams, page_slice
from kucun.inventory.models import Receipt
from kucun.orders.choices import OrderStatus
from kucun.orders.models import Order, OrderEvent, OrderLine, OrderShipment
from kucun.orders.selectors_console import (
    LineView,
    OrderDetail,
    OrderFilters,
    order_detail,
    order_get,
    order_tab_counts,
    order_tracking_numbers,
    orders_query,
    tracking_numbers,
)
from kucun.orders.services import confirm as confirm_services
from kucun.orders.services import reship as reship_services
from kucun.orders.services.changes import order_cancel
from kucun.shipping.api.shipments import idempotency_key, once_around_io
from kucun.shipping.models import CarrierAccount
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location

router = Router(tags=["orders"])

MAX_ID = 2**63 - 1
# The console's tabs (selectors_console.ORDER_TABS): confirmed includes confirming.
OrderTabName = Literal[
    "to_confirm", "awaiting_stock", "needs_attention", "confirmed", "shipped", "cancelled"
]


# --- schemas -------------------------------------------------------------------------------------


class StoreRef(Schema):
    id: int
    name: str
    platform: str


class WarehouseRef(Schema):
    id: int
    code: str
    name: str


class AccountRef(Schema):
    id: int
    name: str
    carrier: str


class CustomerOut(Schema):
    name: str
    email: str
    phone: str


class AddressOut(Schema):
    name: str
    company: str
    line1: str
    line2: str
    city: str
    state: str
    postcode: str
    country: str
    phone: str
    email: str


class OrderOut(Schema):
    id: int
    number: str
    external_id: str
    store: StoreRef
    status: str
    channel_status: str
    placed_at: datetime.datetime
    currency: str
    total: Decimal | None
    shipping_total: Decimal | None
    customer: CustomerOut
    ship_to: AddressOut
    shipping_method: str
    units: int
    warehouse: WarehouseRef | None
    routing_note: str
    carrier_account: AccountRef | None = Field(
        ..., description="The carrier chosen by hand before confirming (null: the rules choose)."
    )
    service_code: str
    confirm_step: str
    confirm_error: str
    attention: str
    tracking_numbers: list[str]
    confirmed_at: datetime.datetime | None
    shipped_at: datetime.datetime | None
    updated_at: datetime.datetime


class ComponentOut(Schema):
    sku: str
    name: str
    per_unit: int
    quantity: int


class AllocationOut(Schema):
    warehouse: str
    sku: str
    quantity: int


class LineOut(Schema):
    id: int
    line_ref: str
    sku: str
    title: str
    item_id: int | None
    quantity: int
    quantity_shipped: int
    unit_price: Decimal | None
    reference: str
    components: list[ComponentOut] = Field(..., description="A bundle's items (empty otherwise).")
    allocations: list[AllocationOut]
    allocated: int = Field(..., description="Units of the line the allocations still hold.")


class EventOut(Schema):
    at: datetime.datetime
    kind: str
    actor: str | None
    message: str
    data: dict[str, Any]


class OrderShipmentOut(Schema):
    id: int
    shipment_id: int | None
    reference: str
    carrier_account: AccountRef | None
    service_code: str
    status: str
    method: str
    reship: bool
    tracking_numbers: list[str]
    label_url: str | None
    lines: list[dict[str, Any]]
    fulfilment_status: str
    fulfilment_error: str
    created_at: datetime.datetime


class CarrierChoiceOut(Schema):
    method: str = Field(..., description="carrier, local_delivery or pickup (or hold).")
    rule: str = Field(..., description="The shipping rule that chose (empty: the order's own).")
    carrier_account: AccountRef | None
    service_code: str


class OrderDetailOut(OrderOut):
    carrier_choice: CarrierChoiceOut | None = Field(
        ..., description="How confirming decided the order leaves (null before it did)."
    )
    lines: list[LineOut]
    events: list[EventOut]
    shipments: list[OrderShipmentOut]
    raw: dict[str, Any] | None = Field(..., description="What the store sent (owners only).")


class OrderPage(Schema):
    count: int
    items: list[OrderOut]
    tabs: dict[str, int] = Field(..., description="Orders in each tab under the same filters.")


class OrderListFilters(PageParams):
    tab: OrderTabName | None = None
    status: OrderStatus | None = None
    store: int | None = Field(None, ge=1, le=MAX_ID)
    warehouse: int | None = Field(None, ge=1, le=MAX_ID)
    carrier_account: int | None = Field(None, ge=1, le=MAX_ID)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    search: str | None = Field(
        None,
        max_length=200,
        description="Order number, customer name or email, a line's SKU, a tracking number.",
    )

    def order_filters(self) -> OrderFilters:
        return OrderFilters(
            store=self.store,
            warehouse=self.warehouse,
            carrier_account=self.carrier_account,
            date_from=self.date_from,
            date_to=self.date_to,
            search=self.search or "",
        )


class ConfirmIn(Schema):
    carrier_account: int | None = Field(
        None, ge=1, le=MAX_ID, description="Ship with this account instead of the rules' choice."
    )
    service_code: str = Field("", max_length=50)


class BulkConfirmIn(Schema):
    ids: list[int] = Field(..., min_length=1, max_length=500)


class OrderStateOut(Schema):
    id: int
    number: str
    status: str
    confirm_step: str
    confirm_error: str


class BulkConfirmOut(Schema):
    queued: int = Field(..., description="Orders queued to be confirmed by the worker.")
    orders: list[OrderStateOut] = Field(
        ...,
        description="Each order asked for, as it stands: being confirmed, or left as it was "
        "(only orders to confirm, or stopped at a step, are queued).",
    )


class CancelIn(Schema):
    reason: str = Field("", max_length=500)


class ReshipLineIn(Schema):
    line: int = Field(..., ge=1, le=MAX_ID)
    quantity: int


class ReshipIn(Schema):
    lines: list[ReshipLineIn] = Field(..., max_length=1000)
    carrier_account: int | None = Field(None, ge=1, le=MAX_ID)
    service_code: str = Field("", max_length=50)


class ReturnIn(Schema):
    lines: list[ReshipLineIn] = Field(..., max_length=1000)
    bin: str = Field(
        ..., max_length=64, description="A bin of the warehouse the order shipped from."
    )


class ReturnOut(Schema):
    receipt_id: int
    receipt_number: str
    order: OrderDetailOut


class CarrierPatchIn(Schema):
    carrier_account: int | None = Field(
        ..., ge=1, le=MAX_ID, description="null: the shipping rules choose."
    )
    service_code: str = Field("", max_length=50)


# --- shaping -------------------------------------------------------------------------------------


def account_ref(account: Any) -> dict[str, Any] | None:
    if account is None:
        return None
    return {"id": account.pk, "name": account.name, "carrier": account.carrier}


def order_out(order: Order, *, numbers: list[str] | None = None) -> dict[str, Any]:
    warehouse = order.warehouse
    units = getattr(order, "units", None)
    if units is None:
        units = sum(line.quantity for line in order.lines.all())
    return {
        "id": order.pk,
        "number": order.number,
        "external_id": order.external_id,
        "store": {"id": order.store.pk, "name": order.store.name, "platform": order.store.platform},
        "status": order.status,
        "channel_status": order.channel_status,
        "placed_at": order.placed_at,
        "currency": order.currency,
        "total": order.total,
        "shipping_total": order.shipping_total,
        "customer": {
            "name": order.customer_name,
            "email": order.customer_email,
            "phone": order.customer_phone,
        },
        "ship_to": {
            "name": order.ship_name,
            "company": order.ship_company,
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "city": order.ship_city,
            "state": order.ship_state,
            "postcode": order.ship_postcode,
            "country": order.ship_country,
            "phone": order.ship_phone,
            "email": order.ship_email,
        },
        "shipping_method": order.shipping_method,
        "units": units,
        "warehouse": {"id": warehouse.pk, "code": warehouse.code, "name": warehouse.name}
        if warehouse is not None
        else None,
        "routing_note": order.routing_note,
        "carrier_account": account_ref(order.carrier_account),
        "service_code": order.service_code,
        "confirm_step": order.confirm_step,
        "confirm_error": order.confirm_error,
        "attention": order.attention,
        "tracking_numbers": order_tracking_numbers(order) if numbers is None else numbers,
        "confirmed_at": order.confirmed_at,
        "shipped_at": order.shipped_at,
        "updated_at": order.updated_at,
    }


def line_out(row: LineView) -> dict[str, Any]:
    line = row.line
    return {
        "id": line.pk,
        "line_ref": line.line_ref,
        "sku": line.sku,
        "title": line.title,
        "item_id": line.item_id,
        "quantity": line.quantity,
        "quantity_shipped": line.quantity_shipped,
        "unit_price": line.unit_price,
        "reference": row.reference,
        "components": [
            {
                "sku": part.item.sku,
                "name": part.item.name,
                "per_unit": part.per_unit,
                "quantity": part.total,
            }
            for part in row.components
        ],
        "allocations": [
            {
                "warehouse": allocation.stock_level.warehouse.code,
                "sku": allocation.item.sku,
                "quantity": allocation.qty,
            }
            for allocation in row.allocations
        ],
        "allocated": row.allocated_units,
    }


def event_out(event: OrderEvent) -> dict[str, Any]:
    return {
        "at": event.at,
        "kind": event.kind,
        "actor": event.actor.get_username() if event.actor is not None else None,
        "message": event.message,
        "data": dict(event.data or {}),
    }


def order_shipment_out(link: OrderShipment) -> dict[str, Any]:
    shipment = link.shipment
    return {
        "id": link.pk,
        "shipment_id": shipment.pk if shipment is not None else None,
        "reference": shipment.reference if shipment is not None else "",
        "carrier_account": account_ref(shipment.carrier_account) if shipment is not None else None,
        "service_code": shipment.service_code if shipment is not None else "",
        "status": shipment.status if shipment is not None else "",
        "method": link.method,
        "reship": link.reship,
        "tracking_numbers": tracking_numbers([link]),
        "label_url": reverse("api:shipments_label", args=[shipment.pk])
        if shipment is not None and shipment.label_file
        else None,
        "lines": list(link.lines or []),
        "fulfilment_status": link.fulfilment_status,
        "fulfilment_error": link.fulfilment_error,
        "created_at": link.created_at,
    }


def order_detail_out(request: HttpRequest, detail: OrderDetail) -> dict[str, Any]:
    order = detail.order
    return {
        **order_out(order, numbers=detail.tracking_numbers),
        "carrier_choice": {
            "method": detail.decision.method,
            "rule": detail.decision.rule,
            "carrier_account": account_ref(detail.decision.carrier_account),
            "service_code": detail.decision.service_code,
        }
        if detail.decision is not None
        else None,
        "lines": [line_out(row) for row in detail.lines],
        "events": [event_out(event) for event in detail.events],
        "shipments": [order_shipment_out(link) for link in detail.shipments],
        "raw": dict(order.raw or {}) if user_has_role(request.user, Role.OWNER) else None,
    }


def order_detail_response(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return order_detail_out(request, order_detail(order_id))


def writer(request: HttpRequest) -> Any:
    require_role(request, Role.STAFF)
    return request.user


def carrier_account_of(account_id: int | None) -> CarrierAccount | None:
    if account_id is None:
        return None
    found = CarrierAccount.objects.filter(pk=account_id).first()
    if found is None:
        raise ValidationFailed.for_field(
            "carrier_account", _("No carrier account has id %(id)s.") % {"id": account_id}
        )
    return found


# --- endpoints -----------------------------------------------------------------------------------


@router.get("/orders", response=OrderPage, summary="List orders")
def orders_list(request: HttpRequest, filters: Query[OrderListFilters]) -> Any:
    narrowed = filters.order_filters()
    rows = orders_query(
        narrowed,
        tab=filters.tab or "",
        status=filters.status or "",
    )
    count, page = page_slice(rows, filters.page, filters.page_size)
    return {
        "count": count,
        "items": [order_out(order) for order in page],
        "tabs": order_tab_counts(narrowed),
    }


# Before /orders/{order_id}, whose path would take "confirm" for an id.
@router.post(
    "/orders/confirm",
    response={202: BulkConfirmOut},
    summary="Confirm many orders in the worker (staff)",
)
def orders_confirm_bulk(request: HttpRequest, payload: BulkConfirmIn) -> Any:
    actor = writer(request)
    ids = sorted(set(payload.ids))
    found = list(Order.objects.filter(pk__in=ids).order_by("pk"))
    missing = sorted(set(ids) - {order.pk for order in found})
    if missing:
        raise ValidationFailed.for_field(
            "ids",
            _("No order has id %(ids)s.") % {"ids": ", ".join(str(pk) for pk in missing)},
        )
    record, replay = count_result()
    queued = run_once(
        user=actor,
        operation="orders_confirm_bulk",
        payload={"ids": ids},
        key=idempotency_key(request),
        unit=lambda: confirm_services.orders_confirm_enqueue(orders=found, user=actor),
        record=record,
        replay=lambda stored: replay(stored, {}),
    )
    states = Order.objects.filter(pk__in=ids).order_by("pk")
    return Status(
        202,
        {
            "queued": queued,
            "orders": [
                {
                    "id": order.pk,
                    "number": order.number,
                    "status": order.status,
                    "confirm_step": order.confirm_step,
                    "confirm_error": order.confirm_error,
                }
                for order in states
            ],
        },
    )


@router.get(
    "/orders/{order_id}",
    response=OrderDetailOut,
    summary="An order with its lines, allocations, timeline and shipments",
)
def orders_get(request: HttpRequest, order_id: int) -> Any:
    return order_detail_response(request, order_id)


@router.post(
    "/orders/{order_id}/confirm",
    response=OrderDetailOut,
    summary="Confirm an order: refused at once with the reason, or marked and run as its job "
    "(carrier, label, stock issue, tracking to the store); the answer shows where it stands "
    "(staff)",
)
def orders_confirm(request: HttpRequest, order_id: int, payload: ConfirmIn | None = None) -> Any:
    actor = writer(request)
    order = order_get(order_id)
    chosen = payload or ConfirmIn(carrier_account=None, service_code="")
    account = carrier_account_of(chosen.carrier_account)
    once_around_io(
        request,
        "order_confirm",
        {"order": order_id, **chosen.dict()},
        Order,
        lambda: confirm_services.order_confirm(
            order=order, user=actor, carrier_account=account, service_code=chosen.service_code
        ),
    )
    return order_detail_response(request, order_id)


@router.post(
    "/orders/{order_id}/retry",
    response=OrderDetailOut,
    summary="Continue a stopped confirmation from its step, as the order's job (staff)",
)
def orders_retry(request: HttpRequest, order_id: int) -> Any:
    actor = writer(request)
    order = order_get(order_id)
    once_around_io(
        request,
        "order_retry",
        {"order": order_id},
        Order,
        lambda: confirm_services.order_retry(order=order, user=actor),
    )
    return order_detail_response(request, order_id)


@router.post(
    "/orders/{order_id}/cancel",
    response=OrderDetailOut,
    summary="Cancel an order before it is confirmed: its stock is released (staff)",
)
def orders_cancel(request: HttpRequest, order_id: int, payload: CancelIn | None = None) -> Any:
    actor = writer(request)
    order = order_get(order_id)
    reason = payload.reason if payload is not None else ""
    model_once(
        user=actor,
        key=idempotency_key(request),
        operation="order_cancel",
        payload={"order": order_id, "reason": reason},
        unit=lambda: order_cancel(order=order, user=actor, reason=reason),
        model=Order,
    )
    return order_detail_response(request, order_id)


@router.post(
    "/orders/{order_id}/reship",
    response={201: OrderShipmentOut},
    summary="Send lines of a shipped order again (staff)",
)
def orders_reship(request: HttpRequest, order_id: int, payload: ReshipIn) -> Any:
    actor = writer(request)
    order = order_get(order_id)
    own = {line.pk: line for line in order.lines.all()}
    # A line of another order goes to the service as it was named, which refuses it by its
    # place in the list.
    lines = [(own.get(row.line) or OrderLine(pk=row.line), row.quantity) for row in payload.lines]
    account = carrier_account_of(payload.carrier_account)
    reshipment = once_around_io(
        request,
        "order_reship",
        {"order": order_id, **payload.dict()},
        OrderShipment,
        lambda: reship_services.order_reship(
            order=order,
            lines=lines,
            user=actor,
            carrier_account=account,
            service_code=payload.service_code,
        ),
    )
    link = (
        OrderShipment.objects.select_related("shipment__carrier_account")
        .prefetch_related("shipment__parcels")
        .get(pk=reshipment.pk)
    )
    return Status(201, order_shipment_out(link))


@router.post(
    "/orders/{order_id}/return",
    response={201: ReturnOut},
    summary="Take lines of a shipped order back into a bin: a sales-return receipt (staff)",
)
def orders_return(request: HttpRequest, order_id: int, payload: ReturnIn) -> Any:
    actor = writer(request)
    order = order_get(order_id)
    own = {line.pk: line for line in order.lines.all()}
    lines = [(own.get(row.line) or OrderLine(pk=row.line), row.quantity) for row in payload.lines]
    target = Location.objects.filter(
        warehouse=order.warehouse,
        kind=LocationKind.INTERNAL,
        code=payload.bin.strip().upper(),
    ).first()
    if target is None:
        raise ValidationFailed.for_field(
            "bin",
            _("No bin %(code)s in the warehouse the order shipped from.")
            % {"code": payload.bin.strip().upper()},
        )
    receipt = model_once(
        user=actor,
        key=idempotency_key(request),
        operation="order_return",
        payload={"order": order_id, **payload.dict()},
        unit=lambda: reship_services.order_return(order=order, lines=lines, bin=target, user=actor),
        model=Receipt,
    )
    return Status(
        201,
        {
            "receipt_id": receipt.pk,
            "receipt_number": receipt.number,
            "order": order_detail_response(request, order_id),
        },
    )


@router.patch(
    "/orders/{order_id}",
    response=OrderDetailOut,
    summary="Choose the carrier account and service before confirming (staff)",
)
def orders_patch(request: HttpRequest, order_id: int, payload: CarrierPatchIn) -> Any:
    actor = writer(request)
    order = order_get(order_id)
    confirm_services.order_set_carrier(
        order=order,
        user=actor,
        carrier_account=carrier_account_of(payload.carrier_account),
        service_code=payload.service_code,
    )
    return order_detail_response(request, order_id)
