"""What ``ds.xms.order.create`` refuses (fourpx.md §6), one ``errors[]`` entry per field:
required fields, ISO-2 countries, the account's product codes, and parcel weights in whole
grams (a decimal, or a few "grams" that are plainly kilograms, are refused)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from kucun.sandbox.fourpx.wire import Problem

MAX_REF_NO = 64
MAX_PARCELS = 50
# Below this a weight is taken for kilograms sent as grams (1.25 kg sent as 1); above it, for
# grams counted twice. 4PX's direct-shipment parcels weigh 10 g to 70 kg.
MIN_GRAMS = 10
MAX_GRAMS = 70_000
LABEL_SIZES = ("label_80x90", "label_100x100", "label_100x150")
LABEL_FORMATS = ("PDF",)
BUSINESS_TYPES = ("BDS",)
DUTY_TYPES = ("U", "P")
CARGO_TYPES = ("1", "2", "3", "5")
DELIVER_TYPES = ("1", "2", "3", "5")
YES_NO = ("Y", "N")
SENDER_REQUIRED = ("first_name", "country", "city", "street")
RECIPIENT_REQUIRED = ("first_name", "country", "city", "street", "post_code")
DECLARATION_REQUIRED = ("declare_product_name_en",)
COUNTRY = re.compile(r"^[A-Z]{2}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


class Checker:
    """Collects the problems of one request body, each naming its field."""

    def __init__(self, reference_code: str) -> None:
        self.reference_code = reference_code
        self.problems: list[Problem] = []

    def refuse(self, field: str, why: str, code: str = "DS000004") -> None:
        self.problems.append(Problem(code, f"{field} {why}", self.reference_code))

    def text(self, body: Mapping[str, Any], name: str, path: str, *, required: bool) -> str:
        value = body.get(name)
        if value is None or value == "":
            if required:
                self.refuse(f"{path}{name}", "is required")
            return ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.refuse(f"{path}{name}", "must be a string")
            return ""
        return str(value)

    def choice(
        self,
        body: Mapping[str, Any],
        name: str,
        path: str,
        allowed: tuple[str, ...],
        *,
        required: bool,
    ) -> str:
        value = self.text(body, name, path, required=required)
        if value and value not in allowed:
            self.refuse(f"{path}{name}", f"must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def number(
        self, body: Mapping[str, Any], name: str, path: str, *, required: bool = False
    ) -> Decimal | None:
        value = body.get(name)
        if value is None or value == "":
            if required:
                self.refuse(f"{path}{name}", "is required")
            return None
        if isinstance(value, bool):
            self.refuse(f"{path}{name}", "must be a number")
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.refuse(f"{path}{name}", "must be a number")
            return None
        if not amount.is_finite() or amount < 0:
            self.refuse(f"{path}{name}", "must be zero or more")
            return None
        return amount

    def whole(self, body: Mapping[str, Any], name: str, path: str, *, required: bool) -> int | None:
        amount = self.number(body, name, path, required=required)
        if amount is None:
            return None
        if amount != amount.to_integral_value() or isinstance(body.get(name), float):
            self.refuse(f"{path}{name}", f"must be a whole number, not {body.get(name)!r}")
            return None
        return int(amount)

    def mapping(self, body: Mapping[str, Any], name: str, *, required: bool) -> Mapping[str, Any]:
        value = body.get(name)
        if value is None:
            if required:
                self.refuse(name, "is required")
            return {}
        if not isinstance(value, dict):
            self.refuse(name, "must be an object")
            return {}
        return value


def grams(checker: Checker, parcel: Mapping[str, Any], path: str) -> int | None:
    """A parcel's ``weight``: whole grams, as 4PX weighs."""
    value = parcel.get("weight")
    field = f"{path}weight"
    if value is None or value == "" or isinstance(value, bool):
        checker.refuse(field, "is required, in grams (an integer)")
        return None
    if isinstance(value, float) or (isinstance(value, str) and not value.strip().isdigit()):
        checker.refuse(field, f"must be an integer number of grams, not {value!r}")
        return None
    if not isinstance(value, int | str):
        checker.refuse(field, "must be an integer number of grams")
        return None
    weight = int(value)
    if weight < MIN_GRAMS:
        checker.refuse(
            field, f"{weight} g is under {MIN_GRAMS} g: weights are grams, not kilograms"
        )
        return None
    if weight > MAX_GRAMS:
        checker.refuse(field, f"{weight} g is over the {MAX_GRAMS} g a parcel may weigh")
        return None
    return weight


def address(
    checker: Checker, body: Mapping[str, Any], name: str, required: tuple[str, ...]
) -> None:
    found = checker.mapping(body, name, required=True)
    if not found:
        return
    for field in required:
        checker.text(found, field, f"{name}.", required=True)
    country = checker.text(found, "country", f"{name}.", required=False)
    if country and not COUNTRY.match(country):
        checker.refuse(f"{name}.country", f"must be an ISO 3166 two-letter code, not {country!r}")


def parcel(checker: Checker, found: Any, index: int, *, cross_border: bool) -> None:
    path = f"parcel_list[{index}]."
    if not isinstance(found, dict):
        checker.refuse(path.rstrip("."), "must be an object")
        return
    grams(checker, found, path)
    for dimension in ("length", "width", "height", "parcel_value"):
        checker.number(found, dimension, path)
    currency = checker.text(found, "currency", path, required=False)
    if currency and not CURRENCY.match(currency):
        checker.refuse(f"{path}currency", f"must be an ISO 4217 code, not {currency!r}")
    checker.choice(found, "include_battery", path, YES_NO, required=False)
    for line_index, line in enumerate(found.get("product_list") or []):
        line_path = f"{path}product_list[{line_index}]."
        if not isinstance(line, dict):
            checker.refuse(line_path.rstrip("."), "must be an object")
            continue
        checker.whole(line, "qty", line_path, required=True)
        checker.number(line, "product_unit_price", line_path)
    declarations = found.get("declare_product_info") or []
    if not isinstance(declarations, list):
        checker.refuse(f"{path}declare_product_info", "must be a list")
        return
    if cross_border and not declarations:
        checker.refuse(f"{path}declare_product_info", "is required for a cross-border parcel")
    for line_index, line in enumerate(declarations):
        line_path = f"{path}declare_product_info[{line_index}]."
        if not isinstance(line, dict):
            checker.refuse(line_path.rstrip("."), "must be an object")
            continue
        for field in DECLARATION_REQUIRED:
            checker.text(line, field, line_path, required=True)
        checker.whole(line, "declare_product_code_qty", line_path, required=True)
        checker.number(line, "declare_unit_price_export", line_path, required=cross_border)


def country_of(body: Mapping[str, Any], name: str) -> str:
    found = body.get(name)
    return str(found.get("country", "")) if isinstance(found, dict) else ""


def order_problems(body: Mapping[str, Any], product_codes: set[str]) -> list[Problem]:
    """Every reason 4PX would refuse this ``ds.xms.order.create`` body (empty: none)."""
    ref_no = body.get("ref_no")
    checker = Checker(str(ref_no) if isinstance(ref_no, str | int) else "")
    if ref_no is None or ref_no == "":
        checker.refuse("ref_no", "is required", code="DS000005")
    elif not isinstance(ref_no, str) or len(ref_no) > MAX_REF_NO:
        checker.refuse("ref_no", f"must be a string of at most {MAX_REF_NO} characters")
    checker.choice(body, "business_type", "", BUSINESS_TYPES, required=True)
    checker.choice(body, "duty_type", "", DUTY_TYPES, required=True)
    checker.choice(body, "cargo_type", "", CARGO_TYPES, required=False)
    for optional in ("4px_tracking_no", "label_barcode"):
        value = checker.text(body, optional, "", required=False)
        if len(value) > MAX_REF_NO:
            checker.refuse(optional, f"must have at most {MAX_REF_NO} characters")
    service = checker.mapping(body, "logistics_service_info", required=True)
    if service:
        code = checker.text(
            service, "logistics_product_code", "logistics_service_info.", required=True
        )
        if code and code not in product_codes:
            checker.refuse(
                "logistics_service_info.logistics_product_code",
                f"{code!r} is not enabled on this account",
                code="DS000110",
            )
    address(checker, body, "sender", SENDER_REQUIRED)
    address(checker, body, "recipient_info", RECIPIENT_REQUIRED)
    deliver = checker.mapping(body, "deliver_type_info", required=True)
    if deliver:
        checker.choice(deliver, "deliver_type", "deliver_type_info.", DELIVER_TYPES, required=True)
    label_config = checker.mapping(body, "label_config_info", required=False)
    if label_config:
        checker.choice(
            label_config, "label_size", "label_config_info.", LABEL_SIZES, required=False
        )
        label_format = checker.text(
            label_config, "response_label_format", "label_config_info.", required=False
        )
        if label_format and label_format.upper() not in LABEL_FORMATS:
            checker.refuse(
                "label_config_info.response_label_format", f"{label_format!r}", code="DS000019"
            )
    parcels = body.get("parcel_list")
    if not isinstance(parcels, list) or not parcels:
        checker.refuse("parcel_list", "must list at least one parcel")
        return checker.problems
    if len(parcels) > MAX_PARCELS:
        checker.refuse("parcel_list", f"may hold at most {MAX_PARCELS} parcels")
    parcel_qty = checker.whole(body, "parcel_qty", "", required=False)
    if parcel_qty is not None and parcel_qty != len(parcels):
        checker.refuse(
            "parcel_qty", f"is {parcel_qty} but parcel_list holds {len(parcels)} parcels"
        )
    cross_border = country_of(body, "sender") != country_of(body, "recipient_info")
    for index, found in enumerate(parcels):
        parcel(checker, found, index, cross_border=cross_border)
    return checker.problems
