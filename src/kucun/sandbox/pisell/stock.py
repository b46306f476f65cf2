"""``PUT inventory/levels`` (pisell.md §2.3): absolute quantities per SKU and location, at most
100 items, one result per item; structural mistakes refuse the whole request."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from kucun.sandbox.pisell.store import (
    EMULATOR,
    Tenant,
    find_variant,
    locations,
    product_save,
    products_by_id,
    variants_by_sku,
)

MAX_ITEMS = 100


@dataclass
class RequestRefused(Exception):
    """A whole-request error, answered as problem+json."""

    status: int
    code: str
    title: str
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)


def is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def item_errors(index: int, item: Any) -> list[dict[str, str]]:
    where = f"items[{index}]"
    if not isinstance(item, dict):
        return [{"field": where, "code": "invalid_item"}]
    errors = []
    if not isinstance(item.get("sku"), str) or not item["sku"].strip():
        errors.append({"field": f"{where}.sku", "code": "required"})
    if not is_count(item.get("quantity")):
        errors.append({"field": f"{where}.quantity", "code": "invalid_quantity"})
    location = item.get("location_id")
    if location is not None and not isinstance(location, str):
        errors.append({"field": f"{where}.location_id", "code": "invalid_location_id"})
    expected = item.get("expected_quantity")
    if expected is not None and not is_count(expected):
        errors.append({"field": f"{where}.expected_quantity", "code": "invalid_quantity"})
    return errors


def validated_items(body: Any) -> list[dict[str, Any]]:
    """The body's items, or RequestRefused naming each field that is wrong."""
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise RequestRefused(
            422,
            "validation_failed",
            "Validation failed",
            'The body must be {"items": [...]} with 1 to 100 items.',
            [{"field": "items", "code": "required"}],
        )
    if len(items) > MAX_ITEMS:
        raise RequestRefused(
            422,
            "too_many_items",
            "Too many items",
            f"A request holds at most {MAX_ITEMS} items; this one holds {len(items)}.",
            [{"field": "items", "code": "too_many_items"}],
        )
    errors = [error for index, item in enumerate(items) for error in item_errors(index, item)]
    if errors:
        raise RequestRefused(
            422, "validation_failed", "Validation failed", "Some items are invalid.", errors
        )
    return items


def item_failed(sku: str, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"sku": sku, "status": "error", "code": code, "message": message, **extra}


def levels_set(tenant: Tenant, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply each item in order; a product whose stock changed gets a new ``updated_at``."""
    known_locations = {loc["id"] for loc in locations(tenant.id) if loc["active"]}
    links = variants_by_sku(tenant, (item["sku"] for item in items))
    records = products_by_id(tenant, (product for product, _ in links.values()))
    documents = {key: copy.deepcopy(record.data) for key, record in records.items()}
    stamped = EMULATOR.now().isoformat()
    changed: set[str] = set()
    results = []
    for item in items:
        sku, quantity = item["sku"], item["quantity"]
        location = item.get("location_id") or tenant.default_location
        if sku not in links:
            results.append(item_failed(sku, "unknown_sku", f"No variant has the SKU {sku!r}."))
            continue
        if location not in known_locations:
            results.append(
                item_failed(
                    sku,
                    "unknown_location",
                    f"No active location has the id {location!r}.",
                    location_id=location,
                )
            )
            continue
        product_id, variant_id = links[sku]
        variant = find_variant(documents[product_id], variant_id)
        current = int(variant["stock"].get(location, 0))
        expected = item.get("expected_quantity")
        if expected is not None and expected != current:
            results.append(
                item_failed(
                    sku,
                    "stale_quantity",
                    f"The quantity is {current}, not the expected {expected}.",
                    location_id=location,
                    quantity=current,
                )
            )
            continue
        if quantity != current:
            variant["stock"][location] = quantity
            variant["updated_at"] = stamped
            changed.add(product_id)
        results.append({"sku": sku, "location_id": location, "status": "ok", "quantity": quantity})
    for product_id in sorted(changed):
        product_save(records[product_id], documents[product_id])
    return results
