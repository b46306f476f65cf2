"""Create-shipment validation (auspost.md §4, §10): every problem of the request becomes one
entry of the 400 envelope, its ``field`` a path such as ``shipments[0].to.postcode``."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from kucun.sandbox.auspost import errors
from kucun.sandbox.auspost.state import product

NAME_LENGTH = 40
LINE_LENGTH = 40
MAX_LINES = 3
REFERENCE_LENGTH = 50
PRODUCT_ID_LENGTH = 5
AU_STATES = frozenset({"ACT", "NSW", "NT", "QLD", "SA", "TAS", "VIC", "WA"})
MOVEMENT_TYPES = frozenset({"DESPATCH", "RETURN", "TRANSFER"})
POSTCODE = re.compile(r"^\d{4}$")

Problems = list[dict[str, Any]]


def required(problems: Problems, value: Any, field: str) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(errors.entry(errors.FIELD_REQUIRED, f"{field} is required.", field))
        return False
    return True


def text_within(problems: Problems, value: Any, limit: int, field: str) -> None:
    """An optional text field: a string of at most ``limit`` characters when present."""
    if value is None:
        return
    if not isinstance(value, str):
        problems.append(errors.entry(errors.FIELD_INVALID, f"{field} must be text.", field))
    elif len(value) > limit:
        message = f"{field} must be at most {limit} characters long (it has {len(value)})."
        problems.append(errors.entry(errors.FIELD_TOO_LONG, message, field))


def positive_number(problems: Problems, value: Any, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        message = f"{field} must be a number greater than 0."
        problems.append(errors.entry(errors.FIELD_INVALID, message, field))


def address_problems(address: Any, field: str) -> Problems:
    problems: Problems = []
    if not isinstance(address, Mapping):
        if required(problems, address, field):
            problems.append(errors.entry(errors.FIELD_INVALID, f"{field} is an object.", field))
        return problems
    if required(problems, address.get("name"), f"{field}.name"):
        text_within(problems, address["name"], NAME_LENGTH, f"{field}.name")
    text_within(problems, address.get("business_name"), NAME_LENGTH, f"{field}.business_name")
    problems += lines_problems(address.get("lines"), f"{field}.lines")
    for name in ("suburb", "state", "postcode"):
        required(problems, address.get(name), f"{field}.{name}")
    if str(address.get("country") or "AU").upper() == "AU":
        state, postcode = address.get("state"), address.get("postcode")
        if state and str(state).upper() not in AU_STATES:
            message = f"{field}.state {state!s} is not an Australian state or territory."
            problems.append(errors.entry(errors.FIELD_INVALID, message, f"{field}.state"))
        if postcode and not POSTCODE.match(str(postcode)):
            message = f"{field}.postcode {postcode!s} is not a 4-digit Australian postcode."
            problems.append(errors.entry(errors.FIELD_INVALID, message, f"{field}.postcode"))
    email = address.get("email")
    if email and "@" not in str(email):
        message = f"{field}.email is not an email address."
        problems.append(errors.entry(errors.FIELD_INVALID, message, f"{field}.email"))
    return problems


def lines_problems(lines: Any, field: str) -> Problems:
    problems: Problems = []
    if not isinstance(lines, list) or not lines:
        message = f"{field} needs 1 to {MAX_LINES} address lines."
        problems.append(errors.entry(errors.FIELD_REQUIRED, message, field))
        return problems
    if len(lines) > MAX_LINES:
        message = f"{field} has {len(lines)} lines; at most {MAX_LINES} are allowed."
        problems.append(errors.entry(errors.FIELD_INVALID, message, field))
    required(problems, lines[0], f"{field}[0]")
    for index, line in enumerate(lines):
        text_within(problems, line, LINE_LENGTH, f"{field}[{index}]")
    return problems


def item_problems(item: Any, field: str, services: Collection[str]) -> Problems:
    problems: Problems = []
    if not isinstance(item, Mapping):
        problems.append(errors.entry(errors.FIELD_INVALID, f"{field} is an object.", field))
        return problems
    text_within(problems, item.get("item_reference"), REFERENCE_LENGTH, f"{field}.item_reference")
    product_id = item.get("product_id")
    if required(problems, product_id, f"{field}.product_id"):
        text_within(problems, product_id, PRODUCT_ID_LENGTH, f"{field}.product_id")
        if product_id not in services:
            message = f"Product {product_id!s} is not available on this account's contract."
            problems.append(
                errors.entry(errors.PRODUCT_NOT_ON_CONTRACT, message, f"{field}.product_id")
            )
    if required(problems, item.get("weight"), f"{field}.weight"):
        positive_number(problems, item["weight"], f"{field}.weight")
    cubic = isinstance(product_id, str) and product(product_id).volumetric
    for side in ("length", "width", "height"):
        value = item.get(side)
        if value is not None:
            positive_number(problems, value, f"{field}.{side}")
        elif cubic:
            message = f"{field}.{side} is required: product {product_id} is priced by volume."
            problems.append(errors.entry(errors.FIELD_REQUIRED, message, f"{field}.{side}"))
    return problems


def shipment_problems(
    shipment: Any, field: str, *, services: Collection[str], max_items: int
) -> Problems:
    problems: Problems = []
    if not isinstance(shipment, Mapping):
        problems.append(errors.entry(errors.FIELD_INVALID, f"{field} is an object.", field))
        return problems
    for name in ("shipment_reference", "customer_reference_1", "customer_reference_2"):
        text_within(problems, shipment.get(name), REFERENCE_LENGTH, f"{field}.{name}")
    movement = shipment.get("movement_type")
    if movement is not None and movement not in MOVEMENT_TYPES:
        message = f"{field}.movement_type must be one of {', '.join(sorted(MOVEMENT_TYPES))}."
        problems.append(errors.entry(errors.FIELD_INVALID, message, f"{field}.movement_type"))
    problems += address_problems(shipment.get("from"), f"{field}.from")
    problems += address_problems(shipment.get("to"), f"{field}.to")
    receiver = shipment.get("to")
    if shipment.get("email_tracking_enabled") and not (
        isinstance(receiver, Mapping) and receiver.get("email")
    ):
        message = "to.email is required when email_tracking_enabled is true."
        problems.append(errors.entry(errors.FIELD_REQUIRED, message, f"{field}.to.email"))
    problems += items_problems(shipment.get("items"), f"{field}.items", services, max_items)
    return problems


def items_problems(items: Any, field: str, services: Collection[str], max_items: int) -> Problems:
    problems: Problems = []
    if not isinstance(items, list) or not items:
        problems.append(errors.entry(errors.FIELD_REQUIRED, f"{field} needs an item.", field))
        return problems
    if len(items) > max_items:
        message = f"A shipment holds at most {max_items} items; this one has {len(items)}."
        problems.append(errors.entry(errors.TOO_MANY_ITEMS, message, field))
    for index, item in enumerate(items):
        problems += item_problems(item, f"{field}[{index}]", services)
    return problems


def request_problems(body: Any, *, services: Collection[str], max_items: int) -> Problems:
    """Every problem of a create-shipments (or shipment price) body; empty when it is good."""
    if not isinstance(body, Mapping) or not isinstance(body.get("shipments"), list):
        message = "The body must be a JSON object with a shipments array."
        return [errors.entry(errors.INVALID_REQUEST, message, "shipments")]
    if not body["shipments"]:
        return [errors.entry(errors.FIELD_REQUIRED, "shipments needs a shipment.", "shipments")]
    problems: Problems = []
    for index, shipment in enumerate(body["shipments"]):
        problems += shipment_problems(
            shipment, f"shipments[{index}]", services=services, max_items=max_items
        )
    return problems
