"""The emulator's deterministic tariff (auspost.md §3, §10): each product has a base and a
rate per chargeable kilogram, ex GST; the chargeable weight is the dead weight or, for a
cubic-priced product with dimensions, the cubic weight (250 kg per m³) when that is more.
GST is 10 %. Item prices exclude surcharges; a shipment adds a fixed fuel surcharge per item."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kucun.sandbox.auspost.state import product

CUBIC_KG_PER_M3 = Decimal(250)
GST_RATE = Decimal("0.10")
FUEL_SURCHARGE_PER_ITEM = Decimal("0.90")  # ex GST
CENT = Decimal("0.01")


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def number(amount: Decimal) -> float:
    """Amounts go out as JSON numbers, as in the doc's examples (``12.1``, ``11``)."""
    return float(money(amount))


def chargeable_weight(item: Mapping[str, Any], *, volumetric: bool) -> Decimal:
    weight = Decimal(str(item.get("weight") or 0))
    sides = [item.get(name) for name in ("length", "width", "height")]
    if not volumetric or not all(isinstance(side, int | float) for side in sides):
        return weight
    volume_m3 = Decimal(1)
    for side in sides:
        volume_m3 *= Decimal(str(side)) / 100
    return max(weight, volume_m3 * CUBIC_KG_PER_M3)


def item_cost_ex_gst(item: Mapping[str, Any], product_id: str) -> Decimal:
    tariff = product(product_id)
    weight = chargeable_weight(item, volumetric=tariff.volumetric)
    return money(Decimal(str(tariff.base)) + Decimal(str(tariff.per_kg)) * weight)


def costs(ex_gst: Decimal) -> dict[str, float]:
    gst = money(ex_gst * GST_RATE)
    return {
        "total_cost": number(ex_gst + gst),
        "total_cost_ex_gst": number(ex_gst),
        "total_gst": number(gst),
    }


def item_price(item: Mapping[str, Any], product_id: str) -> dict[str, Any]:
    """One entry of ``prices/items``' ``prices[]``."""
    ex_gst = item_cost_ex_gst(item, product_id)
    gst = money(ex_gst * GST_RATE)
    return {
        "product_id": product_id,
        "product_type": product(product_id).type,
        "calculated_price": number(ex_gst + gst),
        "calculated_price_ex_gst": number(ex_gst),
        "calculated_gst": number(gst),
    }


def item_summary(item: Mapping[str, Any], status: str) -> dict[str, Any]:
    return {**costs(item_cost_ex_gst(item, str(item["product_id"]))), "status": status}


def shipment_summary(items: Sequence[Mapping[str, Any]], status: str) -> dict[str, Any]:
    """Item costs plus the fuel surcharge (and its GST), as the shipment is billed."""
    items_ex_gst = sum(
        (item_cost_ex_gst(item, str(item["product_id"])) for item in items), Decimal(0)
    )
    fuel = FUEL_SURCHARGE_PER_ITEM * len(items)
    return {
        **costs(items_ex_gst + fuel),
        "fuel_surcharge": number(fuel),
        "status": status,
        "number_of_items": len(items),
        "tracking_summary": {status: len(items)},
    }
