"""The Fulfillment API (ebay.md §5, §6): ``getOrders``, ``getOrder``, and a package's
``createShippingFulfillment`` with its reads. User tokens only; reads take ``sell.fulfillment``
or ``sell.fulfillment.readonly``, the write ``sell.fulfillment``.

``getOrders``: ``filter`` criteria joined by commas — ``creationdate:[from..to]``,
``lastmodifieddate:[from..]`` or ``[from..to]`` (inclusive; ISO-8601 UTC with milliseconds),
``orderfulfillmentstatus:{NOT_STARTED|IN_PROGRESS}`` or ``{FULFILLED|IN_PROGRESS}``; the
brackets, braces and pipe must arrive percent-encoded. With both date criteria only
``creationdate`` counts; with none, orders created in the last 90 days; never older than two
years. ``orderIds`` (up to 50) overrides everything. ``limit`` 1–200 (default 50), ``offset``
counts orders; orders come in the order they were created.

``createShippingFulfillment``: one package. A seller ships all of a line item's units in one
package; eBay marks the line FULFILLED as soon as any of its units is in a package (so a
``quantity`` below the line's is taken, and the line has nothing left afterwards: a second
package for it is refused, as is a quantity above the line's). The order is FULFILLED when every
line is, IN_PROGRESS before. ``shippedDate`` defaults to now. 201 with ``Location``, no body.

The errorIds of the Fulfillment API's refusals (30xxx for reads, 32xxx for the write) are
not given by the notes; the numbers here are the emulator's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from kucun.sandbox.ebay import orders
from kucun.sandbox.ebay.api import Caller, api_root, ebay_call, ebay_error
from kucun.sandbox.ebay.notification import notify
from kucun.sandbox.ebay.state import EBAY, SELL_FULFILLMENT, SELL_FULFILLMENT_READONLY, stamp
from kucun.sandbox.emulator import json_body

FULFILLMENT = "API_FULFILLMENT"
PATH = "/sell/fulfillment/v1/order"
READ_SCOPES = (SELL_FULFILLMENT, SELL_FULFILLMENT_READONLY)
WRITE_SCOPES = (SELL_FULFILLMENT,)
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_ORDER_IDS = 50
DEFAULT_WINDOW = timedelta(days=90)
OLDEST = timedelta(days=730)
ENCODED_ONLY = ("[", "]", "{", "}", "|")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
DATE_RANGE = re.compile(r"^\[(?P<start>[^\[\]]+?)\.\.(?P<end>[^\[\]]*)\]$")
STATUS_SET = re.compile(r"^\{(?P<values>[A-Z_|]+)\}$")
STATUS_CHOICES = (
    frozenset({"NOT_STARTED", "IN_PROGRESS"}),
    frozenset({"FULFILLED", "IN_PROGRESS"}),
)
ONE_MILLISECOND = timedelta(milliseconds=1)


def fulfillment_error(
    status: int, error_id: int, message: str, *, parameters: Sequence[Mapping[str, str]] = ()
) -> JsonResponse:
    return ebay_error(
        status, error_id=error_id, domain=FULFILLMENT, message=message, parameters=parameters
    )


def invalid_filter(detail: str) -> JsonResponse:
    return fulfillment_error(
        400, 30500, f"Invalid filter: {detail}", parameters=[{"name": "filter", "value": detail}]
    )


def order_not_found(order_id: str) -> JsonResponse:
    return fulfillment_error(
        404,
        32100,
        f"Invalid order ID: {order_id}",
        parameters=[{"name": "orderId", "value": order_id}],
    )


def parse_timestamp(text: str) -> datetime | None:
    if not TIMESTAMP.match(text):
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


# -- getOrders -----------------------------------------------------------------------------


def raw_filter(request: HttpRequest) -> str:
    """The ``filter`` parameter as it was sent, before any decoding."""
    for part in request.META.get("QUERY_STRING", "").split("&"):
        name, _, value = part.partition("=")
        if name == "filter":
            return value
    return ""


def date_range(name: str, value: str) -> tuple[datetime, datetime | None] | JsonResponse:
    found = DATE_RANGE.match(value)
    if found is None:
        return invalid_filter(f"{name} takes [from..] or [from..to]")
    start = parse_timestamp(found["start"])
    end = parse_timestamp(found["end"]) if found["end"] else None
    if start is None or (found["end"] and end is None):
        return invalid_filter(f"{name} dates are ISO-8601 UTC with milliseconds (…T00:00:00.000Z)")
    if end is not None and end < start:
        return invalid_filter(f"{name} ends before it starts")
    return start, end


def orders_filter(request: HttpRequest, seller: str) -> Any:
    """The seller's orders the ``filter`` asks for, or the refusal of a bad filter."""
    raw = raw_filter(request)
    if any(character in raw for character in ENCODED_ONLY):
        return invalid_filter("the characters [ ] { } | must be percent-encoded")
    found = orders.order_records(seller)
    text = request.GET.get("filter", "")
    ranges: dict[str, tuple[datetime, datetime | None]] = {}
    for criterion in (part.strip() for part in text.split(",") if part.strip()):
        name, _, value = criterion.partition(":")
        name = name.lower()
        if name in ("creationdate", "lastmodifieddate"):
            parsed = date_range(name, value)
            if isinstance(parsed, JsonResponse):
                return parsed
            ranges[name] = parsed
        elif name == "orderfulfillmentstatus":
            statuses = STATUS_SET.match(value)
            chosen = frozenset(statuses["values"].split("|")) if statuses else frozenset()
            if chosen not in STATUS_CHOICES:
                return invalid_filter(
                    "orderfulfillmentstatus takes {NOT_STARTED|IN_PROGRESS} or "
                    "{FULFILLED|IN_PROGRESS}"
                )
            found = found.filter(data__orderFulfillmentStatus__in=sorted(chosen))
        else:
            return invalid_filter(f"unknown filter name {name!r}")
    now = EBAY.now()
    found = found.filter(created_at__gte=now - OLDEST)
    if "creationdate" in ranges:
        found = within(found, "created_at", ranges["creationdate"])
    elif "lastmodifieddate" in ranges:
        found = within(found, "updated_at", ranges["lastmodifieddate"])
    else:
        found = found.filter(created_at__gte=now - DEFAULT_WINDOW)
    return found


def within(found: Any, column: str, bounds: tuple[datetime, datetime | None]) -> Any:
    """Inclusive at the millisecond, as eBay's timestamps are."""
    start, end = bounds
    found = found.filter(**{f"{column}__gte": start})
    if end is not None:
        found = found.filter(**{f"{column}__lt": end + ONE_MILLISECOND})
    return found


def paging(request: HttpRequest) -> tuple[int, int] | JsonResponse:
    try:
        limit = int(request.GET.get("limit", DEFAULT_LIMIT))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        return fulfillment_error(
            400,
            30530,
            f"Invalid limit. The limit is 1 to {MAX_LIMIT}.",
            parameters=[{"name": "limit", "value": request.GET.get("limit", "")}],
        )
    try:
        offset = int(request.GET.get("offset", 0))
    except ValueError:
        offset = -1
    if offset < 0:
        return fulfillment_error(
            400,
            30520,
            "Invalid offset.",
            parameters=[{"name": "offset", "value": request.GET.get("offset", "")}],
        )
    return limit, offset


def by_order_ids(request: HttpRequest, seller: str) -> list[dict[str, Any]] | JsonResponse:
    wanted = [part.strip() for part in request.GET["orderIds"].split(",") if part.strip()]
    if not wanted or len(wanted) > MAX_ORDER_IDS:
        return fulfillment_error(
            400,
            30550,
            f"orderIds takes 1 to {MAX_ORDER_IDS} order IDs.",
            parameters=[{"name": "orderIds", "value": request.GET["orderIds"]}],
        )
    records = {
        record.key: record.data for record in orders.order_records(seller).filter(key__in=wanted)
    }
    return [records[order_id] for order_id in dict.fromkeys(wanted) if order_id in records]


@ebay_call("getOrders", methods={"GET"}, scopes=READ_SCOPES, user_only=True)
def orders_view(request: HttpRequest, caller: Caller) -> HttpResponse:
    """``GET /sell/fulfillment/v1/order?filter=&limit=&offset=`` or ``?orderIds=``."""
    page = paging(request)
    if isinstance(page, JsonResponse):
        return page
    limit, offset = page
    if "orderIds" in request.GET:
        chosen = by_order_ids(request, caller.seller)
        if isinstance(chosen, JsonResponse):
            return chosen
        total, listed = len(chosen), chosen[offset : offset + limit]
    else:
        found = orders_filter(request, caller.seller)
        if isinstance(found, JsonResponse):
            return found
        total = found.count()
        listed = [
            record.data for record in found.order_by("created_at", "id")[offset : offset + limit]
        ]
    kept = {name: request.GET[name] for name in ("filter", "orderIds") if name in request.GET}

    def href(at: int) -> str:
        return f"{api_root(request)}{PATH}?{urlencode({**kept, 'limit': limit, 'offset': at})}"

    body: dict[str, Any] = {"href": href(offset), "total": total, "limit": limit, "offset": offset}
    if offset + limit < total:
        body["next"] = href(offset + limit)
    if offset > 0:
        body["prev"] = href(max(0, offset - limit))
    body["orders"] = [orders.summary(order) for order in listed]
    body["warnings"] = []
    return JsonResponse(body)


@ebay_call("getOrder", methods={"GET"}, scopes=READ_SCOPES, user_only=True)
def order_view(request: HttpRequest, caller: Caller, order_id: str) -> HttpResponse:
    """``GET /sell/fulfillment/v1/order/{orderId}``: the order, cancel requests included."""
    record = orders.order_record(caller.seller, order_id)
    if record is None:
        return order_not_found(order_id)
    return JsonResponse(record.data)


# -- shipping fulfilments ------------------------------------------------------------------


@csrf_exempt
def shipping_fulfillments(request: HttpRequest, order_id: str) -> HttpResponse:
    """``GET`` lists the order's packages; ``POST`` is ``createShippingFulfillment``."""
    if request.method == "POST":
        return create_shipping_fulfillment(request, order_id)
    return shipping_fulfillments_list(request, order_id)


@ebay_call("getShippingFulfillments", methods={"GET"}, scopes=READ_SCOPES, user_only=True)
def shipping_fulfillments_list(request: HttpRequest, caller: Caller, order_id: str) -> HttpResponse:
    if orders.order_record(caller.seller, order_id) is None:
        return order_not_found(order_id)
    found = orders.fulfillments(caller.seller, order_id)
    return JsonResponse({"fulfillments": found, "total": len(found), "warnings": []})


@ebay_call("getShippingFulfillment", methods={"GET"}, scopes=READ_SCOPES, user_only=True)
def shipping_fulfillment(
    request: HttpRequest, caller: Caller, order_id: str, fulfillment_id: str
) -> HttpResponse:
    if orders.order_record(caller.seller, order_id) is None:
        return order_not_found(order_id)
    found = EBAY.get(caller.seller, "fulfillment", f"{order_id}/{fulfillment_id}")
    if found is None:
        return fulfillment_error(
            404,
            32120,
            f"Invalid fulfillment ID: {fulfillment_id}",
            parameters=[{"name": "fulfillmentId", "value": fulfillment_id}],
        )
    return JsonResponse(found)


def line_quantity(
    line: Mapping[str, Any], entry: Mapping[str, Any], index: int
) -> int | JsonResponse:
    """The units of a line in the package (all of them unless given), or the refusal of a
    number above what is left: a line once in a package has none left."""
    line_id = line["lineItemId"]
    remaining = 0 if line["lineItemFulfillmentStatus"] == "FULFILLED" else int(line["quantity"])
    quantity = entry.get("quantity", remaining or int(line["quantity"]))
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        return fulfillment_error(400, 32410, f"Invalid quantity for line item {line_id}.")
    if quantity > remaining:
        message = (
            f"Line item {line_id} has already been shipped."
            if remaining == 0
            else f"The quantity of line item {line_id} is above its remaining {remaining}."
        )
        return fulfillment_error(
            400,
            32420,
            message,
            parameters=[{"name": f"lineItems[{index}].quantity", "value": str(quantity)}],
        )
    return quantity


def package_problem(
    order: Mapping[str, Any], body: Any
) -> tuple[list[tuple[dict[str, Any], int]], str] | JsonResponse:
    """The lines of the package and its shipped date, or the refusal eBay gives."""
    if not isinstance(body, dict):
        return fulfillment_error(400, 32600, "The request body is not a valid JSON object.")
    if order["cancelStatus"]["cancelState"] == "CANCELED":
        return fulfillment_error(400, 32610, f"Order {order['orderId']} is cancelled.")
    given = body.get("lineItems")
    if not isinstance(given, list) or not given:
        return fulfillment_error(400, 32400, "lineItems: give at least one {lineItemId}.")
    lines = {line["lineItemId"]: line for line in order["lineItems"]}
    chosen: list[tuple[dict[str, Any], int]] = []
    for index, entry in enumerate(given):
        line_id = str(entry.get("lineItemId", "")) if isinstance(entry, dict) else ""
        line = lines.get(line_id)
        if line is None or any(line is picked for picked, _ in chosen):
            return fulfillment_error(
                400,
                32400,
                f"Invalid line item ID: {line_id}",
                parameters=[{"name": f"lineItems[{index}].lineItemId", "value": line_id}],
            )
        quantity = line_quantity(line, entry, index)
        if isinstance(quantity, JsonResponse):
            return quantity
        chosen.append((line, quantity))
    carrier, tracking = body.get("shippingCarrierCode"), body.get("trackingNumber")
    if bool(carrier) != bool(tracking):
        return fulfillment_error(
            400, 32200, "shippingCarrierCode and trackingNumber are given together."
        )
    shipped = body.get("shippedDate")
    if shipped is not None and (not isinstance(shipped, str) or parse_timestamp(shipped) is None):
        return fulfillment_error(
            400, 32500, "Invalid shippedDate: ISO-8601 UTC with milliseconds (…T03:15:00.000Z)."
        )
    return chosen, shipped or stamp()


@ebay_call(
    "createShippingFulfillment", methods={"POST"}, scopes=WRITE_SCOPES, user_only=True, writes=True
)
def create_shipping_fulfillment(
    request: HttpRequest, caller: Caller, order_id: str
) -> HttpResponse:
    if request.content_type != "application/json":
        return fulfillment_error(400, 32600, "The Content-Type header must be application/json.")
    body = json_body(request)
    href = f"{api_root(request)}{PATH}/{order_id}/shipping_fulfillment"
    with transaction.atomic():
        record = (
            orders.order_records(caller.seller).select_for_update().filter(key=order_id).first()
        )
        if record is None:
            return order_not_found(order_id)
        checked = package_problem(record.data, body)
        if isinstance(checked, JsonResponse):
            return checked
        lines, shipped_date = checked
        made = orders.ship(
            record,
            lines,
            shipped_date=shipped_date,
            carrier=str(body.get("shippingCarrierCode") or ""),
            tracking_number=str(body.get("trackingNumber") or ""),
            href=href,
        )
    notify(caller.seller, "ITEM_MARKED_SHIPPED", {"orderId": order_id})
    response = HttpResponse(status=201)
    response["Location"] = f"{href}/{made['fulfillmentId']}"
    return response
