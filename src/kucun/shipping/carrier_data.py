"""Shipping's records as a carrier sees them: the ShipmentRequest a draft is sent as, and the
CreatedShipment a created one is known by (for its label, its cancellation, its manifest)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from kucun.shipping.carriers.base import (
    Address,
    CreatedParcel,
    CreatedShipment,
    Parcel,
    ParcelContent,
    ShipmentOptions,
    ShipmentRequest,
)
from kucun.shipping.models import Shipment, ShipmentParcel


def sender_of(shipment: Shipment) -> Address:
    warehouse = shipment.sender_warehouse
    lines = tuple(line for line in (warehouse.address_line1, warehouse.address_line2) if line)
    return Address(
        name=warehouse.name[:40],
        lines=lines,
        suburb=warehouse.city.upper(),
        state=warehouse.state.upper(),
        postcode=warehouse.postcode,
        country=warehouse.country or "AU",
        phone=warehouse.phone,
        email=warehouse.email,
    )


def receiver_of(shipment: Shipment) -> Address:
    lines = tuple(
        line
        for line in (shipment.receiver_line1, shipment.receiver_line2, shipment.receiver_line3)
        if line
    )
    return Address(
        name=shipment.receiver_name,
        company=shipment.receiver_company,
        lines=lines,
        suburb=shipment.receiver_suburb,
        state=shipment.receiver_state,
        postcode=shipment.receiver_postcode,
        country=shipment.receiver_country,
        phone=shipment.receiver_phone,
        email=shipment.receiver_email,
    )


def decimal_or_zero(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")


def contents_of(row: ShipmentParcel) -> tuple[ParcelContent, ...]:
    return tuple(
        ParcelContent(
            sku=str(line.get("sku") or ""),
            description=str(line.get("description") or ""),
            quantity=int(line.get("quantity") or 1),
            unit_value=decimal_or_zero(line.get("unit_value") or 0),
            unit_weight_kg=decimal_or_zero(line.get("unit_weight_kg") or 0),
        )
        for line in row.contents or []
    )


def parcel_reference(shipment: Shipment, index: int) -> str:
    return f"{shipment.reference}-{index}"


def options_of(shipment: Shipment) -> ShipmentOptions:
    options = shipment.options or {}
    insurance = options.get("insurance_value")
    return ShipmentOptions(
        authority_to_leave=bool(options.get("authority_to_leave")),
        signature=bool(options.get("signature")),
        insurance_value=decimal_or_zero(insurance) if insurance not in (None, "") else None,
        dangerous_goods=bool(options.get("dangerous_goods")),
    )


def request_of(shipment: Shipment) -> ShipmentRequest:
    account = shipment.carrier_account
    return ShipmentRequest(
        reference=shipment.reference,
        sender=sender_of(shipment),
        receiver=receiver_of(shipment),
        parcels=tuple(
            Parcel(
                reference=parcel_reference(shipment, row.index),
                weight_kg=row.weight_kg,
                length_cm=row.length_cm,
                width_cm=row.width_cm,
                height_cm=row.height_cm,
                description=row.description,
                value=row.value,
                contents=contents_of(row),
            )
            for row in shipment.parcels.order_by("index")
        ),
        service_code=shipment.service_code,
        options=options_of(shipment),
        currency=shipment.currency,
        label_format=account.label_format or "PDF",
        label_size=account.label_size,
    )


def created_of(shipment: Shipment) -> CreatedShipment:
    """The carrier's view of a created shipment, rebuilt from what was recorded."""
    parcels = list(shipment.parcels.order_by("index"))
    return CreatedShipment(
        carrier=shipment.carrier_account.carrier,
        reference=shipment.reference,
        carrier_shipment_id=shipment.carrier_shipment_id,
        tracking_numbers=tuple(parcel.tracking_number for parcel in parcels),
        parcels=tuple(
            CreatedParcel(
                reference=f"{shipment.reference}-{parcel.index}",
                carrier_parcel_id=parcel.carrier_parcel_id,
                tracking_number=parcel.tracking_number,
            )
            for parcel in parcels
        ),
        consignment_number=shipment.consignment_number,
        label_ref=shipment.label_ref,
        cost=shipment.cost,
        currency=shipment.currency,
        last_mile_carrier=shipment.last_mile_carrier,
    )
