"""Kogan's asynchronous writes (kogan.md §4.1): a stockprice or status request (and a dispatch,
when the ``fulfil_async`` setting is on) becomes a task that answers ``AsyncResponsePending``
for a set number of polls, then applies its items at once and answers ``Complete`` or
``CompleteWithErrors``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from kucun.sandbox.kogan.fulfil import orders_fulfil
from kucun.sandbox.kogan.state import MAX_SKU_LENGTH, PRODUCT, TASK, emulator, setting

PENDING = "AsyncResponsePending"
COMPLETE = "Complete"
COMPLETE_WITH_ERRORS = "CompleteWithErrors"


STOCKPRICE = "stockprice"
STATUS = "status"
FULFIL = "fulfil"  # orders/fulfill/ when the ``fulfil_async`` setting is on


def task_create(seller_id: str, kind: str, items: list[Any]) -> str:
    task_id = uuid.uuid4().hex
    emulator.put(
        seller_id,
        TASK,
        task_id,
        {"kind": kind, "status": PENDING, "polls": 0, "items": items, "body": None},
    )
    return task_id


def task_poll(seller_id: str, task_id: str) -> dict[str, Any] | None:
    """The task's answer to one more poll (None for a task this seller does not have)."""
    with transaction.atomic():
        record = emulator.records(seller_id, TASK).select_for_update().filter(key=task_id).first()
        if record is None:
            return None
        task = dict(record.data)
        if task["status"] == PENDING:
            if task["polls"] >= setting("task_polls"):
                task["status"], task["body"] = task_apply(seller_id, task["kind"], task["items"])
            task["polls"] += 1
            record.data = task
            record.updated_at = emulator.now()
            record.save(update_fields=["data", "updated_at"])
    return task


def task_apply(seller_id: str, kind: str, items: list[Any]) -> tuple[str, Any]:
    """Apply a task's items now: its terminal status and body."""
    if kind == FULFIL:
        # A dispatch task's body is the per-order results orders/fulfill/ would have answered.
        return COMPLETE, orders_fulfil(seller_id, items)
    apply = status_apply if kind == STATUS else stockprice_apply
    errors = apply(seller_id, items)
    return COMPLETE_WITH_ERRORS if errors else COMPLETE, {"errors": errors, "warnings": []}


def item_error(sku: str, code: str, message: str) -> dict[str, str]:
    return {"product_sku": sku, "message": message, "code": code}


def stockprice_apply(seller_id: str, items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Set each item's stock (and price) now; the errors of the items that were refused."""
    errors: list[dict[str, str]] = []
    for item in items:
        sku = item["product_sku"]
        problem = stockprice_problem(seller_id, item)
        if problem is not None:
            errors.append(item_error(sku, *problem))
            continue
        product = emulator.get(seller_id, PRODUCT, sku)
        assert product is not None  # stockprice_problem checked it
        if "stock" in item:
            product["stock"] = int(item["stock"])
        for currency, offer in (item.get("offer_data") or {}).items():
            current = dict(product["offer_data"].get(currency) or {})
            current.update(offer)
            product["offer_data"][currency] = current
        emulator.put(seller_id, PRODUCT, sku, product)
    return errors


def stockprice_problem(seller_id: str, item: Mapping[str, Any]) -> tuple[str, str] | None:
    """Why Kogan refuses this item, as (code, message), or None."""
    sku = item["product_sku"]
    if len(sku) > MAX_SKU_LENGTH:
        return "sku_too_long", f"product_sku must be at most {MAX_SKU_LENGTH} characters."
    if emulator.get(seller_id, PRODUCT, sku) is None:
        return "unknown_sku", f"Product with product_sku {sku} does not exist."
    stock = item.get("stock")
    if "stock" in item and (isinstance(stock, bool) or not isinstance(stock, int) or stock < 0):
        return "invalid_stock", "stock must be a whole number of 0 or more."
    offer_data = item.get("offer_data")
    if offer_data is not None:
        if not isinstance(offer_data, dict):
            return "invalid_offer_data", "offer_data must be an object keyed by currency."
        for offer in offer_data.values():
            if not isinstance(offer, dict) or not valid_price(offer.get("price", "0")):
                return "invalid_price", "price must be a decimal number of 0 or more."
    return None


def valid_price(price: Any) -> bool:
    try:
        return Decimal(str(price)) >= 0
    except InvalidOperation:
        return False


def status_apply(seller_id: str, items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Enable or disable each product now; the errors of the items that were refused."""
    errors: list[dict[str, str]] = []
    for item in items:
        sku = item["product_sku"]
        product = emulator.get(seller_id, PRODUCT, sku)
        if product is None:
            errors.append(
                item_error(sku, "unknown_sku", f"Product with product_sku {sku} does not exist.")
            )
        elif not isinstance(item.get("enabled"), bool):
            errors.append(item_error(sku, "invalid_enabled", "enabled must be true or false."))
        else:
            product["enabled"] = item["enabled"]
            emulator.put(seller_id, PRODUCT, sku, product)
    return errors
