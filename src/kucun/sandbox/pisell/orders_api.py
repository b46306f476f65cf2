"""The contract's order endpoints (pisell.md §2.4, §2.5): the incremental listing, one order,
and fulfilments (mark shipped) with an ``Idempotency-Key``."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from kucun.sandbox.pisell.api import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    answer,
    bad_parameter,
    idempotency_key_missing,
    idempotency_key_reused,
    problem,
    vendor_view,
)
from kucun.sandbox.pisell.orders import (
    ORDER_STATUSES,
    OrderRefused,
    fulfillment_create,
    fulfillments_of,
    order_json,
    order_record,
    orders_page,
)
from kucun.sandbox.pisell.store import EMULATOR, Tenant, decode_cursor, parse_time
from kucun.sandbox.pisell.webhooks import event_fire


def refused_problem(refused: OrderRefused) -> HttpResponse:
    return problem(refused.status, refused.code, refused.title, refused.detail, refused.errors)


def not_found(order_id: str) -> HttpResponse:
    return problem(404, "not_found", "Not Found", f"No order has the id {order_id!r}.")


@vendor_view("orders", ("GET",))
def orders(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    """``GET orders``: ``updated_since`` (inclusive), ``status`` (repeatable), ``limit``,
    ``cursor``; sorted by ``(updated_at, id)``."""
    raw_limit = request.GET.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        return bad_parameter("limit", "out_of_range", f"limit must be 1 to {MAX_LIMIT}.")
    statuses = request.GET.getlist("status")
    for status in statuses:
        if status not in ORDER_STATUSES:
            return bad_parameter(
                "status",
                "invalid_choice",
                f"status {status!r} is not one of {', '.join(ORDER_STATUSES)}.",
            )
    since = None
    if request.GET.get("updated_since"):
        since = parse_time(request.GET["updated_since"])
        if since is None:
            return bad_parameter(
                "updated_since", "invalid_datetime", "updated_since must be ISO-8601 with Z."
            )
    after = None
    if request.GET.get("cursor"):
        after = decode_cursor(request.GET["cursor"])
        if after is None:
            return bad_parameter("cursor", "invalid_cursor", "The cursor is not one we issued.")
    page, next_cursor = orders_page(
        tenant, updated_since=since, statuses=statuses, after=after, limit=int(raw_limit)
    )
    data = [order_json(record, tenant.local_time_zone) for record in page]
    return answer({"data": data, "next_cursor": next_cursor})


@vendor_view("order", ("GET",))
def order(request: HttpRequest, tenant: Tenant, order_id: str) -> HttpResponse:
    """``GET orders/{id}``: ``{"data": order}``."""
    record = order_record(tenant, order_id)
    if record is None:
        return not_found(order_id)
    return answer({"data": order_json(record, tenant.local_time_zone)})


@vendor_view("order_fulfillments", ("GET", "POST"))
def fulfillments(request: HttpRequest, tenant: Tenant, order_id: str) -> HttpResponse:
    """``POST orders/{id}/fulfillments`` ships lines (``201`` with the fulfilment); a replay
    of the same ``Idempotency-Key`` and body answers the stored fulfilment, another body
    ``409``. ``GET`` lists the order's fulfilments."""
    if request.method == "GET":
        if order_record(tenant, order_id) is None:
            return not_found(order_id)
        return answer({"data": fulfillments_of(tenant.id, order_id)})
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return idempotency_key_missing()
    try:
        body = json.loads(request.body)
    except ValueError:
        return problem(400, "malformed_json", "Malformed JSON", "The body is not valid JSON.")
    # A key names one write: the same key on another order or endpoint is another body.
    print_of_request = hashlib.sha256(
        request.path.encode() + json.dumps(body, sort_keys=True).encode()
    ).hexdigest()
    try:
        with transaction.atomic():
            stored = EMULATOR.get(tenant.id, "idempotency", key)
            if stored is not None:
                if stored["fingerprint"] != print_of_request:
                    return idempotency_key_reused()
                return answer(stored["response"], status=int(stored["status"]))
            fulfillment = fulfillment_create(tenant, order_id, body)
            EMULATOR.put(
                tenant.id,
                "idempotency",
                key,
                {"fingerprint": print_of_request, "status": 201, "response": fulfillment},
            )
    except OrderRefused as refused:
        return refused_problem(refused)
    updated = order_record(tenant, order_id)
    assert updated is not None  # it was just fulfilled
    event_fire(tenant, "order.updated", order_json(updated, tenant.local_time_zone))
    return answer(fulfillment, status=201)
