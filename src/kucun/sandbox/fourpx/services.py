"""The account's logistics products (fourpx.md §4), their estimated cost (§5, in CNY), and
tracking (§8.2): a scan list on the emulator clock for a 4PX number, a child barcode or (once
known) the last-mile number."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kucun.sandbox.fourpx import timeline
from kucun.sandbox.fourpx.consignments import now_ts
from kucun.sandbox.fourpx.state import App, consignment_by_number
from kucun.sandbox.fourpx.validation import COUNTRY, Checker, grams
from kucun.sandbox.fourpx.wire import Refused

VOLUMETRIC_DIVISOR = 6000  # cm³ per kg


# -- ds.xms.logistics_product.getlist ------------------------------------------------------
def product_list(app: App, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    mode = str(body.get("transport_mode") or "")
    return [
        {
            "logistics_product_code": product["logistics_product_code"],
            "logistics_product_name_cn": product["logistics_product_name_cn"],
            "logistics_product_name_en": product["logistics_product_name_en"],
            "transport_mode": product["transport_mode"],
            "source_country_code": "",
            "with_battery": "N",
            "order_track": "Y",
            "billing_volume_weight": "Y",
            "surface_mail": "N",
        }
        for product in app.products.values()
        if not mode or product["transport_mode"] == mode
    ]


# -- ds.xms.estimated_cost.get -------------------------------------------------------------
def estimated_cost(app: App, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    checker = Checker("")
    country = checker.text(body, "country_code", "", required=True)
    if country and not COUNTRY.match(country):
        checker.refuse("country_code", f"must be an ISO 3166 two-letter code, not {country!r}")
    weight = grams(checker, body, "")
    sides = [checker.number(body, side, "") for side in ("length", "width", "height")]
    asked = body.get("logistics_product_code") or list(app.products)
    codes = [asked] if isinstance(asked, str) else asked
    if not isinstance(codes, list):
        checker.refuse("logistics_product_code", "must be a list of product codes")
        codes = []
    unknown = [str(code) for code in codes if str(code) not in app.products]
    if unknown:
        checker.refuse(
            "logistics_product_code",
            f"{', '.join(unknown)} not enabled on this account",
            "DS000110",
        )
    if checker.problems or weight is None:
        raise Refused(checker.problems)
    volume = math.prod(side or Decimal(0) for side in sides)
    volumetric = math.ceil(volume / VOLUMETRIC_DIVISOR * 1000)
    charge_weight = max(weight, volumetric)
    return [cost_of(app.products[str(code)], charge_weight, volumetric > weight) for code in codes]


def cost_of(product: Mapping[str, Any], charge_weight: int, bulky: bool) -> dict[str, Any]:
    fee = Decimal(product["base_fee"]) + Decimal(product["fee_per_kg"]) * charge_weight / 1000
    return {
        "logistics_product_code": product["logistics_product_code"],
        "logistics_product_name_en": product["logistics_product_name_en"],
        "charge_weight": charge_weight,
        "estimated_time": product["estimated_time"],
        "lump_sum_fee": str(fee.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
        "currency": "CNY",
        "is_show_track": "Y",
        "is_volume_cargo": "Y" if bulky else "N",
        "remarks": "",
    }


# -- tr.order.tracking.get -----------------------------------------------------------------
def tracking_get(app: App, body: Mapping[str, Any]) -> dict[str, Any]:
    number = str(body.get("deliveryOrderNo") or "")
    if not number:
        raise Refused.one("DS000005", "deliveryOrderNo")
    now = now_ts()
    found = consignment_by_number(app.app_key, number, at=now)
    by_our_reference = found is not None and number == found["ref_no"] != found["tracking_no"]
    if found is None or by_our_reference:  # tracking knows 4PX's numbers, not ours
        raise Refused.one("DS000017", number, number)
    return {
        "deliveryOrderNo": number,
        "destinationCountry": found["destination"]["country"],
        "trackingList": timeline.scans(found, now),
    }
