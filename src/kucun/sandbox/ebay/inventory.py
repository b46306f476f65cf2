"""The Inventory API (ebay.md §3.1, §4.1): inventory items with ``limit``/``offset`` paging and a
``next`` href, single and bulk reads, offers by SKU, and ``bulkUpdatePriceQuantity`` with its
per-offer answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from kucun.sandbox.ebay.api import Caller, api_root, ebay_call, ebay_error, error_entry
from kucun.sandbox.ebay.state import (
    EBAY,
    REVISIONS_PER_DAY,
    SELL_INVENTORY,
    SELL_INVENTORY_READONLY,
    item_records,
    item_set_quantity,
    offers_of,
    record_of,
    revisions_take,
    setting,
)
from kucun.sandbox.emulator import json_body

INVENTORY = "API_INVENTORY"
READ_SCOPES = (SELL_INVENTORY, SELL_INVENTORY_READONLY)
MAX_SKU_LENGTH = 50
MAX_BULK_ENTRIES = 25
ITEMS_DEFAULT_LIMIT, ITEMS_MAX_LIMIT = 25, 200
PATH = "/sell/inventory/v1"


def invalid_value(field: str, detail: str = "") -> JsonResponse:
    return ebay_error(
        400,
        error_id=25709,
        domain=INVENTORY,
        message=f"Invalid value for {field}. {detail}".strip(),
        parameters=[{"name": "fieldName", "value": field}],
    )


def invalid_request() -> JsonResponse:
    return ebay_error(
        400,
        error_id=2004,
        domain="ACCESS",
        message="Invalid request",
        long_message="The request has errors. For help, see the documentation for this API.",
    )


def entity_not_found() -> JsonResponse:
    return ebay_error(
        404,
        error_id=25710,
        domain=INVENTORY,
        message="We didn't find the entity you are requesting. Please verify the request",
    )


def invalid_sku() -> JsonResponse:
    return ebay_error(
        400,
        error_id=25707,
        domain=INVENTORY,
        message="This is an invalid value for a SKU. Only alphanumeric characters can be used "
        "for SKUs, and their length must not exceed 50 characters",
    )


def paging(request: HttpRequest, *, default: int, maximum: int) -> tuple[int, int] | JsonResponse:
    """``(limit, offset)`` from the query string, or the refusal of a bad one."""
    try:
        limit = int(request.GET.get("limit", default))
    except ValueError:
        return invalid_value("limit")
    try:
        offset = int(request.GET.get("offset", 0))
    except ValueError:
        return invalid_value("offset")
    if not 1 <= limit <= maximum:
        return invalid_value("limit", f"The value must be between 1 and {maximum}.")
    if offset < 0:
        return invalid_value("offset")
    return limit, offset


def page_hrefs(
    request: HttpRequest, path: str, *, limit: int, offset: int, step: int, total: int, **extra: str
) -> dict[str, Any]:
    """``href``, and ``next``/``prev`` where there is such a page; ``step`` is how far an offset
    moves per page (1 when offset counts pages, ``limit`` when it counts items)."""
    skipped = offset * limit if step == 1 else offset

    def href(page_offset: int) -> str:
        query = urlencode({**extra, "limit": limit, "offset": page_offset})
        return f"{api_root(request)}{path}?{query}"

    found: dict[str, Any] = {"href": href(offset)}
    if skipped + limit < total:
        found["next"] = href(offset + step)
    if offset > 0:
        found["prev"] = href(max(0, offset - step))
    return found


def public_offer(offer: Mapping[str, Any]) -> dict[str, Any]:
    return dict(offer)


@ebay_call("getInventoryItems", methods={"GET"}, scopes=READ_SCOPES, user_only=True)
def inventory_items(request: HttpRequest, caller: Caller) -> HttpResponse:
    """``GET /sell/inventory/v1/inventory_item?limit=&offset=`` in SKU order."""
    found = paging(request, default=ITEMS_DEFAULT_LIMIT, maximum=ITEMS_MAX_LIMIT)
    if isinstance(found, JsonResponse):
        return found
    limit, offset = found
    step = 1 if setting("inventory_offset") == "page" else limit
    start = offset * limit if step == 1 else offset
    records = item_records(caller.seller)
    total = records.count()
    items = list(records.values_list("data", flat=True)[start : start + limit])
    body = {
        **page_hrefs(
            request,
            f"{PATH}/inventory_item",
            limit=limit,
            offset=offset,
            step=step,
            total=total,
        ),
        "limit": limit,
        "size": len(items),
        "total": total,
        "inventoryItems": items,
    }
    return JsonResponse(body)


@ebay_call("getInventoryItem", methods={"GET"}, scopes=READ_SCOPES, user_only=True)
def inventory_item(request: HttpRequest, caller: Caller, sku: str) -> HttpResponse:
    """``GET /sell/inventory/v1/inventory_item/{sku}``."""
    if len(sku) > MAX_SKU_LENGTH:
        return invalid_sku()
    record = record_of(caller.seller, "inventory_item", sku)
    if record is None:
        return entity_not_found()
    return JsonResponse(record.data)


def bulk_requests(request: HttpRequest) -> list[dict[str, Any]] | JsonResponse:
    """The ``requests`` array of a bulk call (1 to 25 objects with a ``sku``), or its refusal."""
    if request.content_type != "application/json":
        return invalid_value("header Content-Type", "It must be application/json.")
    body = json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        return invalid_request()
    entries = body["requests"]
    if not entries or not all(isinstance(entry, dict) for entry in entries):
        return invalid_value("requests")
    if len(entries) > MAX_BULK_ENTRIES:
        return invalid_value("requests", f"The requests array may hold at most {MAX_BULK_ENTRIES}.")
    return entries


@ebay_call("bulkGetInventoryItem", methods={"POST"}, scopes=READ_SCOPES, user_only=True)
def bulk_get_inventory_item(request: HttpRequest, caller: Caller) -> HttpResponse:
    """``POST /sell/inventory/v1/bulk_get_inventory_item`` with up to 25 SKUs."""
    entries = bulk_requests(request)
    if isinstance(entries, JsonResponse):
        return entries
    skus = [str(entry.get("sku", "")) for entry in entries]
    records = {
        record.key: record.data
        for record in EBAY.records(caller.seller, "inventory_item").filter(key__in=skus)
    }
    responses = []
    for sku in skus:
        if sku in records:
            responses.append(
                {
                    "statusCode": 200,
                    "sku": sku,
                    "inventoryItem": records[sku],
                    "errors": [],
                    "warnings": [],
                }
            )
        else:
            responses.append(
                {
                    "statusCode": 404,
                    "sku": sku,
                    "errors": [sku_unknown(sku)],
                    "warnings": [],
                }
            )
    status = 200 if all(entry["statusCode"] == 200 for entry in responses) else 207
    return JsonResponse({"responses": responses}, status=status)


def sku_unknown(sku: str) -> dict[str, Any]:
    return error_entry(
        25702,
        INVENTORY,
        f"SKU {sku} is not available in the system",
        parameters=[{"name": "sku", "value": sku}],
    )


@ebay_call("getOffers", methods={"GET"}, scopes=READ_SCOPES, user_only=True)
def offers(request: HttpRequest, caller: Caller) -> HttpResponse:
    """``GET /sell/inventory/v1/offer?sku=&marketplace_id=&format=&limit=&offset=``."""
    sku = request.GET.get("sku", "")
    if not sku:
        return invalid_value("sku", "The sku query parameter is required.")
    if len(sku) > MAX_SKU_LENGTH:
        return invalid_sku()
    found = paging(request, default=ITEMS_DEFAULT_LIMIT, maximum=ITEMS_MAX_LIMIT)
    if isinstance(found, JsonResponse):
        return found
    limit, offset = found
    if record_of(caller.seller, "inventory_item", sku) is None:
        return ebay_error(
            404,
            error_id=25713,
            domain=INVENTORY,
            message="This Offer is not available.",
            parameters=[{"name": "sku", "value": sku}],
        )
    selected = offers_of(caller.seller, [sku]).get(sku, [])
    marketplace = request.GET.get("marketplace_id")
    if marketplace:
        selected = [offer for offer in selected if offer["marketplaceId"] == marketplace]
    page = selected[offset : offset + limit]
    extra = {"sku": sku, **({"marketplace_id": marketplace} if marketplace else {})}
    body = {
        **page_hrefs(
            request,
            f"{PATH}/offer",
            limit=limit,
            offset=offset,
            step=limit,
            total=len(selected),
            **extra,
        ),
        "limit": limit,
        "size": len(page),
        "total": len(selected),
        "offers": [public_offer(offer) for offer in page],
    }
    return JsonResponse(body)


@ebay_call("getOffer", methods={"GET"}, scopes=READ_SCOPES, user_only=True)
def offer(request: HttpRequest, caller: Caller, offer_id: str) -> HttpResponse:
    """``GET /sell/inventory/v1/offer/{offerId}``."""
    record = record_of(caller.seller, "offer", offer_id)
    if record is None:
        return ebay_error(
            404,
            error_id=25713,
            domain=INVENTORY,
            message="This Offer is not available.",
            parameters=[{"name": "offerId", "value": offer_id}],
        )
    return JsonResponse(public_offer(record.data))


# -- bulkUpdatePriceQuantity --------------------------------------------------------------------


@ebay_call(
    "bulkUpdatePriceQuantity",
    methods={"POST"},
    scopes=(SELL_INVENTORY,),
    user_only=True,
    writes=True,
)
def bulk_update_price_quantity(request: HttpRequest, caller: Caller) -> HttpResponse:
    """``POST /sell/inventory/v1/bulk_update_price_quantity``: up to 25 entries, each a SKU with
    its ship-to-home quantity and/or offers' quantities and prices; one answer per offer (per SKU
    when the entry names no offer). 200 when every answer is 200, else 207."""
    if not request.headers.get("Content-Language"):
        return invalid_value("header Content-Language", "Use a locale such as en-AU.")
    entries = bulk_requests(request)
    if isinstance(entries, JsonResponse):
        return entries
    if setting("bulk_update_one_sku_per_call") and len({str(e.get("sku")) for e in entries}) > 1:
        return invalid_value("requests", "Only one SKU may be updated per call.")
    responses: list[dict[str, Any]] = []
    with transaction.atomic():
        for entry in entries:
            responses += entry_apply(caller.seller, entry)
    status = 200 if all(answer["statusCode"] == 200 for answer in responses) else 207
    return JsonResponse({"responses": responses}, status=status)


def entry_apply(seller: str, entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Apply one entry (all of it or none of it) and answer for each of its offers."""
    sku = str(entry.get("sku", ""))
    offer_changes = entry.get("offers") or []
    offer_ids = [
        str(change.get("offerId", "")) for change in offer_changes if isinstance(change, dict)
    ]

    def answers(status: int, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        common = {"statusCode": status, "sku": sku, "errors": errors, "warnings": []}
        if not offer_ids:
            return [common]
        return [
            {
                "statusCode": status,
                "sku": sku,
                "offerId": offer_id,
                "errors": errors,
                "warnings": [],
            }
            for offer_id in offer_ids
        ]

    if not sku or len(sku) > MAX_SKU_LENGTH:
        return answers(400, [error_entry(25707, INVENTORY, "This is an invalid value for a SKU.")])
    item_record = record_of(seller, "inventory_item", sku)
    if item_record is None:
        return answers(404, [sku_unknown(sku)])
    problem = entry_problem(seller, sku, entry, offer_changes)
    if problem is not None:
        return answers(400, [problem])
    availability = entry.get("shipToLocationAvailability")
    if not revisions_take(seller, revised_listings(seller, sku, offer_ids, availability)):
        return answers(
            400,
            [
                error_entry(
                    25020,
                    INVENTORY,
                    f"The listing has reached the maximum of {REVISIONS_PER_DAY} revisions for "
                    "this calendar day.",
                    category="BUSINESS",
                )
            ],
        )
    if isinstance(availability, dict) and "quantity" in availability:
        item = dict(item_record.data)
        item_set_quantity(item, int(availability["quantity"]))
        EBAY.put(seller, "inventory_item", sku, item)
    for change in offer_changes:
        offer_record = record_of(seller, "offer", str(change["offerId"]))
        assert offer_record is not None
        updated = dict(offer_record.data)
        if "availableQuantity" in change:
            updated["availableQuantity"] = int(change["availableQuantity"])
        if isinstance(change.get("price"), dict):
            updated["pricingSummary"] = {"price": dict(change["price"])}
        EBAY.put(seller, "offer", str(change["offerId"]), updated)
    return answers(200, [])


def revised_listings(seller: str, sku: str, offer_ids: list[str], availability: Any) -> list[str]:
    """The listings an entry revises: those of the offers it names, and every published listing
    of the SKU when it sets the item's quantity."""
    offers = offers_of(seller, [sku]).get(sku, [])
    return sorted(
        {
            offer["listing"]["listingId"]
            for offer in offers
            if offer.get("listing")
            and (offer["offerId"] in offer_ids or isinstance(availability, dict))
        }
    )


def entry_problem(
    seller: str, sku: str, entry: Mapping[str, Any], offer_changes: Any
) -> dict[str, Any] | None:
    """Why an entry for a known SKU cannot be applied, as an eBay error entry."""
    availability = entry.get("shipToLocationAvailability")
    if availability is not None and (
        not isinstance(availability, dict) or not _whole(availability.get("quantity", 0))
    ):
        return error_entry(25709, INVENTORY, "Invalid value for quantity.")
    if not isinstance(offer_changes, list):
        return error_entry(25709, INVENTORY, "Invalid value for offers.")
    for change in offer_changes:
        if not isinstance(change, dict) or not change.get("offerId"):
            return error_entry(25709, INVENTORY, "Invalid value for offerId.")
        if "availableQuantity" in change and not _whole(change["availableQuantity"]):
            return error_entry(25709, INVENTORY, "Invalid value for availableQuantity.")
        found = record_of(seller, "offer", str(change["offerId"]))
        if found is None or found.data["sku"] != sku:
            return error_entry(
                25713,
                INVENTORY,
                "This Offer is not available.",
                parameters=[{"name": "offerId", "value": str(change["offerId"])}],
            )
    if availability is None and not offer_changes:
        return error_entry(25709, INVENTORY, "Invalid value for requests. Nothing to update.")
    return None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
