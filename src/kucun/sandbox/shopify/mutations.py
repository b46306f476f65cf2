"""The emulated mutations: ``inventorySetQuantities`` with compare-and-swap by API version and
``@idempotent`` replay (shopify.md §2, §4.1), and webhook subscriptions (§7)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo
from graphql.execution.values import get_directive_values

from kucun.sandbox.models import EmulatorRecord
from kucun.sandbox.shopify import schema, state
from kucun.sandbox.shopify.resolvers import (
    MAX_PAGE,
    InventoryItemView,
    LocationView,
    VariantView,
    WebhookView,
    ctx,
)

REASONS = (
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
)
SETTABLE_NAMES = ("available", "on_hand")
MAX_QUANTITY = 1_000_000_000
IDEMPOTENCY_WINDOW = timedelta(hours=24)
URI = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
MESSAGES = {
    "CHANGE_FROM_QUANTITY_STALE": "The changeFromQuantity value does not match persisted value.",
    "COMPARE_QUANTITY_STALE": "The compareQuantity value does not match persisted value.",
    "COMPARE_QUANTITY_REQUIRED": "The compareQuantity argument must be given to each quantity "
    "or ignored using ignoreCompareQuantity.",
    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH": "The same idempotency key cannot be used with "
    "different operation parameters.",
    "INVALID_INVENTORY_ITEM": "The specified inventory item could not be found.",
    "INVALID_LOCATION": "The specified location could not be found.",
    "INVALID_NAME": "The quantity name must be either 'available' or 'on_hand'.",
    "INVALID_QUANTITY_NEGATIVE": "The quantity can't be negative.",
    "INVALID_QUANTITY_TOO_HIGH": "The total quantity can't be higher than 1,000,000,000.",
    "INVALID_REASON": "The specified reason is invalid.",
    "INVALID_REFERENCE_DOCUMENT": "The specified reference document is invalid.",
    "ITEM_NOT_STOCKED_AT_LOCATION": "The specified inventory item is not stocked at the location.",
    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR": "The combination of inventoryItemId and "
    "locationId must be unique.",
}


def user_error(code: str, *path: str | int) -> dict[str, Any]:
    return {"code": code, "field": [str(part) for part in path], "message": MESSAGES[code]}


class AdjustmentGroupView:
    """An applied set of changes, as stored (so an idempotent replay answers the same)."""

    typename = "InventoryAdjustmentGroup"

    def __init__(self, data: dict[str, Any], info: GraphQLResolveInfo) -> None:
        self.data, self.info = data, info
        self.id = data["id"]
        self.createdAt = data["createdAt"]
        self.reason = data["reason"]
        self.referenceDocumentUri = data.get("referenceDocumentUri")

    def changes(
        self,
        info: GraphQLResolveInfo,
        inventoryItemIds: list[str] | None = None,
        locationIds: list[str] | None = None,
        quantityNames: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        context = ctx(info)
        variants = state.variant_records(
            context.domain,
            {state.variant_id_of_item(change["item"]) for change in self.data["changes"]},
        )
        # One read per location, not per change: a 250-quantity write names one location.
        locations: dict[int, EmulatorRecord | None] = {}
        found = []
        for change in self.data["changes"]:
            item_gid = state.gid("InventoryItem", change["item"])
            location_gid = state.gid("Location", change["location"])
            if inventoryItemIds is not None and item_gid not in inventoryItemIds:
                continue
            if locationIds is not None and location_gid not in locationIds:
                continue
            if quantityNames is not None and change["name"] not in quantityNames:
                continue
            record = variants.get(state.variant_id_of_item(change["item"]))
            if change["location"] not in locations:
                locations[change["location"]] = state.location_get(
                    context.domain, change["location"]
                )
            location = locations[change["location"]]
            found.append(
                {
                    "name": change["name"],
                    "delta": change["delta"],
                    "quantityAfterChange": change["quantityAfterChange"],
                    "ledgerDocumentUri": None,
                    "item": None
                    if record is None
                    else InventoryItemView(VariantView(record, context)),
                    "location": None if location is None else LocationView(location),
                }
            )
        return found


def idempotency_key(info: GraphQLResolveInfo) -> str | None:
    directive = info.schema.get_directive("idempotent")
    if directive is None:
        return None
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
    return None if values is None else str(values["key"])


def fingerprint(arguments: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(arguments, sort_keys=True).encode()).hexdigest()


def payload(
    info: GraphQLResolveInfo, group: dict[str, Any] | None, errors: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "inventoryAdjustmentGroup": None if group is None else AdjustmentGroupView(group, info),
        "userErrors": errors,
    }


def inventory_set_quantities(
    _root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> dict[str, Any]:
    context = ctx(info)
    key = idempotency_key(info)
    print_ = fingerprint(input)
    if key is not None:
        replay = replayed(context.domain, key, print_)
        if replay is not None:
            return payload(info, replay.get("group"), replay.get("userErrors", []))
    group, errors = set_quantities(info, input)
    if key is not None:
        state.emulator.put(
            context.domain,
            "idempotency",
            hashlib.sha256(key.encode()).hexdigest(),
            {"fingerprint": print_, "group": group, "userErrors": errors},
        )
    return payload(info, group, errors)


def replayed(domain: str, key: str, print_: str) -> dict[str, Any] | None:
    record = (
        state.emulator.records(domain, "idempotency")
        .filter(key=hashlib.sha256(key.encode()).hexdigest())
        .first()
    )
    if record is None or record.created_at + IDEMPOTENCY_WINDOW < state.emulator.now():
        return None
    if record.data["fingerprint"] != print_:
        return {"userErrors": [user_error("IDEMPOTENCY_KEY_PARAMETER_MISMATCH")]}
    return record.data


def set_quantities(
    info: GraphQLResolveInfo, given: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Check every quantity, then apply all of them or none."""
    context = ctx(info)
    quantities = given["quantities"]
    if len(quantities) > MAX_PAGE:
        raise GraphQLError(
            f"The input array size of {len(quantities)} is greater than the maximum allowed "
            f"of {MAX_PAGE}.",
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
        )
    if context.era == schema.CURRENT:
        for index, quantity in enumerate(quantities):
            if "changeFromQuantity" not in quantity:
                raise GraphQLError(
                    f"InventoryQuantityInput.changeFromQuantity must be given at "
                    f"input.quantities.{index} (pass null to skip the compare check).",
                    extensions={"code": "BAD_REQUEST"},
                )
    errors = input_errors(given)
    item_ids = {
        state.parse_gid(quantity["inventoryItemId"], "InventoryItem") or 0
        for quantity in quantities
    }
    records = state.variant_records(
        context.domain,
        {state.variant_id_of_item(item) for item in item_ids},
    )
    locations = set(state.location_ids(context.domain))
    changes: list[tuple[EmulatorRecord, int, int]] = []
    seen: set[tuple[str, str]] = set()
    for index, quantity in enumerate(quantities):
        problem = quantity_error(context.era, given, quantity, records, locations, seen)
        if problem is not None:
            errors.append(user_error(problem[0], "input", "quantities", index, problem[1]))
            continue
        item = state.parse_gid(quantity["inventoryItemId"], "InventoryItem") or 0
        location = state.parse_gid(quantity["locationId"], "Location") or 0
        changes.append((records[state.variant_id_of_item(item)], location, quantity["quantity"]))
    if errors:
        return None, errors
    return apply(info, given, changes), []


def input_errors(given: dict[str, Any]) -> list[dict[str, Any]]:
    errors = []
    if given["name"] not in SETTABLE_NAMES:
        errors.append(user_error("INVALID_NAME", "input", "name"))
    if given["reason"] not in REASONS:
        errors.append(user_error("INVALID_REASON", "input", "reason"))
    reference = given.get("referenceDocumentUri")
    if reference is not None and not URI.match(reference):
        errors.append(user_error("INVALID_REFERENCE_DOCUMENT", "input", "referenceDocumentUri"))
    return errors


def quantity_error(
    era: str,
    given: dict[str, Any],
    quantity: dict[str, Any],
    records: dict[int, EmulatorRecord],
    locations: set[int],
    seen: set[tuple[str, str]],
) -> tuple[str, str] | None:
    """The first problem with one quantity: (code, the input field it names)."""
    item = state.parse_gid(quantity["inventoryItemId"], "InventoryItem")
    record = None if item is None else records.get(state.variant_id_of_item(item))
    if record is None:
        return "INVALID_INVENTORY_ITEM", "inventoryItemId"
    location = state.parse_gid(quantity["locationId"], "Location")
    if location is None or location not in locations:
        return "INVALID_LOCATION", "locationId"
    pair = (quantity["inventoryItemId"], quantity["locationId"])
    if pair in seen:
        return "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "inventoryItemId"
    seen.add(pair)
    held = state.quantity_of(record.data, location, given["name"])
    if held is None:
        return "ITEM_NOT_STOCKED_AT_LOCATION", "locationId"
    if quantity["quantity"] < 0:
        return "INVALID_QUANTITY_NEGATIVE", "quantity"
    if quantity["quantity"] > MAX_QUANTITY:
        return "INVALID_QUANTITY_TOO_HIGH", "quantity"
    return compare_error(era, given, quantity, held)


def compare_error(
    era: str, given: dict[str, Any], quantity: dict[str, Any], held: int
) -> tuple[str, str] | None:
    if era != schema.LEGACY and "changeFromQuantity" in quantity:
        expected = quantity["changeFromQuantity"]
        if expected is not None and expected != held:
            return "CHANGE_FROM_QUANTITY_STALE", "changeFromQuantity"
        return None
    if given.get("ignoreCompareQuantity"):
        return None
    if quantity.get("compareQuantity") is None:
        return "COMPARE_QUANTITY_REQUIRED", "compareQuantity"
    if quantity["compareQuantity"] != held:
        return "COMPARE_QUANTITY_STALE", "compareQuantity"
    return None


def apply(
    info: GraphQLResolveInfo,
    given: dict[str, Any],
    changes: list[tuple[EmulatorRecord, int, int]],
) -> dict[str, Any]:
    context = ctx(info)
    name, other = given["name"], "on_hand" if given["name"] == "available" else "available"
    applied = []
    now = state.emulator.now()
    locked = {
        record.id: record
        for record in state.variants(context.domain)
        .select_for_update()
        .filter(id__in=[record.id for record, _location, _quantity in changes])
        .order_by("id")
    }
    saved: dict[int, EmulatorRecord] = {}
    for stale, location, target in changes:
        record = locked[stale.id]
        level = record.data["levels"][str(location)]
        before = state.quantity_of(record.data, location, name) or 0
        delta = target - before
        level[name] = target
        level[other] = (state.quantity_of(record.data, location, other) or 0) + delta
        item = state.inventory_item_id(int(record.key))
        for changed in (name, other):
            applied.append(
                {
                    "name": changed,
                    "delta": delta,
                    "quantityAfterChange": level[changed],
                    "item": item,
                    "location": location,
                }
            )
        saved[record.id] = record
        context.events.append(
            {"topic": "inventory_levels/update", "variant": int(record.key), "location": location}
        )
    state.variants_save(list(saved.values()), reason=given["reason"], now=now)
    number = state.allocate_ids(1)
    group = {
        "id": state.gid("InventoryAdjustmentGroup", number),
        "createdAt": state.shopify_time(now),
        "reason": given["reason"],
        "referenceDocumentUri": given.get("referenceDocumentUri"),
        "changes": applied,
    }
    state.emulator.put(context.domain, "adjustment_group", str(number), group)
    state.mutation_log(
        context.domain,
        {
            "operation": "inventorySetQuantities",
            "name": name,
            "reason": given["reason"],
            "referenceDocumentUri": given.get("referenceDocumentUri"),
            "changes": [change for change in applied if change["name"] == name],
        },
    )
    return group


# -- webhook subscriptions -----------------------------------------------------------------


def topic_name(enum_value: str) -> str:
    """``INVENTORY_LEVELS_UPDATE`` → ``inventory_levels/update``."""
    head, _, tail = enum_value.lower().rpartition("_")
    return f"{head}/{tail}"


def webhook_subscription_create(
    _root: Any,
    info: GraphQLResolveInfo,
    topic: str,
    webhookSubscription: dict[str, Any],
) -> dict[str, Any]:
    context = ctx(info)
    uri = webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl") or ""
    field = "uri" if webhookSubscription.get("uri") else "callbackUrl"
    if not re.match(r"^https?://\S+$", uri):
        return {
            "webhookSubscription": None,
            "userErrors": [
                {"field": ["webhookSubscription", field], "message": "Address is invalid"}
            ],
        }
    existing = state.emulator.records(context.domain, "webhook").filter(
        data__topic=topic, data__uri=uri
    )
    if existing.exists():
        return {
            "webhookSubscription": None,
            "userErrors": [
                {
                    "field": ["webhookSubscription", field],
                    "message": "Address for this topic has already been taken",
                }
            ],
        }
    record = webhook_add(
        context.domain,
        topic=topic,
        uri=uri,
        format_=webhookSubscription.get("format") or "JSON",
        api_version=context.version,
    )
    return {"webhookSubscription": WebhookView(record), "userErrors": []}


def webhook_add(
    domain: str, *, topic: str, uri: str, format_: str = "JSON", api_version: str
) -> EmulatorRecord:
    number = state.allocate_ids(1)
    return state.emulator.put(
        domain,
        "webhook",
        str(number),
        {"topic": topic, "uri": uri, "format": format_, "api_version": api_version},
    )


def webhook_subscription_delete(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
    number = state.parse_gid(id, "WebhookSubscription")
    if number is None or not state.emulator.delete(ctx(info).domain, "webhook", str(number)):
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
        }
    return {"deletedWebhookSubscriptionId": id, "userErrors": []}


def stamp(moment: datetime) -> str:
    return state.shopify_time(moment)
