"""Orders made directly as rows for the console's, API's and CLI's tests: a store, an order
with its lines (linked to items by SKU), stock held for it, a timeline entry and a shipment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kucun.catalog.models import Item
from kucun.channels.models import Store
from kucun.inventory.services import DocumentLineInput, receipt_create
from kucun.inventory.services.order_allocations import AllocationLineInput, stock_allocate_order
from kucun.orders.models import Order, OrderEvent, OrderLine, OrderShipment
from kucun.shipping.models import CarrierAccount, Shipment
from kucun.warehouses.models import Warehouse


def make_store(name: str = "Melbourne shop", **fields: Any) -> Store:
    return Store.objects.create(
        name=name,
        platform=fields.pop("platform", "shopify"),
        sandbox=True,
        account_ref=f"{name.lower().replace(' ', '-')}.myshopify.com",
        **fields,
    )


def make_order(
    store: Store,
    number: str,
    lines: Sequence[tuple[str, int]] = (("TEA", 1),),
    *,
    placed_at: datetime | None = None,
    **fields: Any,
) -> Order:
    """An order of ``store`` numbered ``number`` with (SKU, quantity) lines, each linked to
    the item of that SKU when there is one."""
    placed = placed_at or timezone.now()
    order = Order.objects.create(
        store=store,
        external_id=fields.pop("external_id", f"ext-{number}"),
        number=number,
        placed_at=placed,
        channel_updated_at=placed,
        currency=fields.pop("currency", "AUD"),
        total=fields.pop("total", Decimal("25.00")),
        customer_name=fields.pop("customer_name", "Ada Lovelace"),
        customer_email=fields.pop("customer_email", "ada@example.com"),
        ship_name=fields.pop("ship_name", "Ada Lovelace"),
        ship_line1="1 George St",
        ship_city="SYDNEY",
        ship_state="NSW",
        ship_postcode="2000",
        ship_country="AU",
        shipping_method=fields.pop("shipping_method", "Standard"),
        **fields,
    )
    items = Item.objects.in_bulk([sku for sku, _qty in lines], field_name="sku")
    for position, (sku, quantity) in enumerate(lines, start=1):
        OrderLine.objects.create(
            order=order,
            line_ref=f"{number}-{position}",
            position=position,
            sku=sku,
            title=f"{sku} title",
            item=items.get(sku),
            quantity=quantity,
            unit_price=Decimal("10.00"),
            allocation_reference=f"{order.reference_prefix}:{number}-{position}",
        )
    return order


def stock(warehouse: Warehouse, sku: str, quantity: int) -> None:
    receipt_create(
        user=None,
        warehouse=warehouse.code,
        kind="purchase",
        lines=[DocumentLineInput(sku=sku, qty=quantity, bin="RECEIVING")],
        post=True,
    )


def hold(order: Order, warehouse: Warehouse) -> None:
    """Allocate every line of the order in ``warehouse`` and say so on the order."""
    lines = list(order.lines.order_by("position"))
    stock_allocate_order(
        lines=[
            AllocationLineInput(
                reference=line.allocation_reference, sku=line.sku, qty=line.quantity
            )
            for line in lines
        ],
        warehouse=warehouse.code,
    )
    OrderLine.objects.filter(order=order).update(allocated=True)
    Order.objects.filter(pk=order.pk).update(
        warehouse=warehouse, routing_note=f"{warehouse.code} holds every line"
    )
    order.refresh_from_db()


def event(order: Order, kind: str, message: str = "", actor: Any = None) -> OrderEvent:
    return OrderEvent.objects.create(order=order, kind=kind, message=message, actor=actor)


def ship(
    order: Order, account: CarrierAccount, tracking_number: str, *, label: str = ""
) -> OrderShipment:
    """A shipment of the whole order with one parcel and this tracking number."""
    shipment = Shipment.objects.create(
        reference=f"SHP-{order.number}",
        carrier_account=account,
        service_code="T28",
        sender_warehouse=account.sender_warehouse,
        receiver_name=order.ship_name,
        receiver_suburb=order.ship_city,
        receiver_state=order.ship_state,
        receiver_postcode=order.ship_postcode,
        status="label_ready",
        source="order",
        source_reference=order.number,
        label_file=label,
    )
    shipment.parcels.create(index=1, weight_kg=Decimal("1.000"), tracking_number=tracking_number)
    return OrderShipment.objects.create(
        order=order,
        shipment=shipment,
        key=f"{order.reference_prefix}:ship",
        method="carrier",
        lines=[{"line": line.pk, "quantity": line.quantity} for line in order.lines.all()],
    )


def carrier_account(warehouse: Warehouse, name: str = "AusPost MEL") -> CarrierAccount:
    return CarrierAccount.objects.create(
        name=name,
        carrier="auspost",
        sandbox=True,
        sender_warehouse=warehouse,
        default_service="T28",
    )
