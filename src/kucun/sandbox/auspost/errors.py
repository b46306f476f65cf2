"""Australia Post's error envelope (auspost.md §9):
``{"errors": [{"code", "name", "message", "field"?}]}``.

The codes the doc names are ``41001 CUSTOMER_NOT_FOUND``, ``API_002`` (too many requests) and
``ESB-10001`` (inside tracking results); the others below are this emulator's own (the doc
says to treat codes as opaque strings), chosen in the same style."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from kucun.sandbox.emulator import json_answer

UNAUTHORISED = ("API_001", "UNAUTHORISED")
TOO_MANY_REQUESTS = ("API_002", "Too many requests")
CUSTOMER_NOT_FOUND = ("41001", "CUSTOMER_NOT_FOUND")
INVALID_REQUEST = ("40001", "INVALID_REQUEST")
FIELD_REQUIRED = ("44001", "FIELD_REQUIRED")
FIELD_TOO_LONG = ("44002", "FIELD_TOO_LONG")
FIELD_INVALID = ("44003", "FIELD_INVALID")
TOO_MANY_ITEMS = ("44004", "TOO_MANY_ITEMS")
PRODUCT_NOT_ON_CONTRACT = ("44005", "PRODUCT_NOT_AVAILABLE")
DUPLICATE_REFERENCE = ("44006", "DUPLICATE_SHIPMENT_REFERENCE")
SHIPMENT_NOT_FOUND = ("44013", "SHIPMENT_NOT_FOUND")
SHIPMENT_IN_ORDER = ("44014", "SHIPMENT_ALREADY_IN_ORDER")
ORDER_NOT_FOUND = ("44015", "ORDER_NOT_FOUND")
LABEL_NOT_FOUND = ("44016", "LABEL_REQUEST_NOT_FOUND")
TOO_MANY_TRACKING_IDS = ("44017", "TOO_MANY_TRACKING_IDS")
INVALID_TRACKING_ID = ("ESB-10001", "Invalid tracking ID")


def entry(kind: tuple[str, str], message: str, field: str | None = None) -> dict[str, Any]:
    code, name = kind
    found: dict[str, Any] = {"code": code, "name": name, "message": message}
    if field is not None:
        found["field"] = field
    return found


def refused(status: int, entries: list[dict[str, Any]]) -> HttpResponse:
    return json_answer({"errors": entries}, status=status)


def refused_one(
    status: int, kind: tuple[str, str], message: str, field: str | None = None
) -> HttpResponse:
    return refused(status, [entry(kind, message, field)])
