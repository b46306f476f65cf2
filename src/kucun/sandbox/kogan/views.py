"""Kogan's Seller API views: header auth, the per-seller bucket, products with a cursor in a
``next`` URL, stock/price writes as asynchronous tasks, and the task poll."""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from datetime import datetime
from functools import partial, wraps
from typing import Any
from urllib.parse import parse_qs, urlencode

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from kucun.sandbox.emulator import json_answer, json_body
from kucun.sandbox.kogan import fulfil, orders, tasks
from kucun.sandbox.kogan.state import (
    PRODUCT,
    SUMMARY_FIELDS,
    emulator,
    seller_authenticated,
    seller_may_change_status,
    seller_orders_error,
    seller_throttled,
    setting,
)

SellerView = Callable[..., HttpResponse]  # (request, seller_id, **path arguments)


def envelope(
    body: Any, *, status: str = "Complete", error: str | None = None, pending_url: str | None = None
) -> dict[str, Any]:
    return {"status": status, "error": error, "pending_url": pending_url, "body": body}


def detail(message: str, status: int) -> HttpResponse:
    return json_answer({"detail": message}, status=status)


def seller_api(operation: str, methods: tuple[str, ...]) -> Callable[[SellerView], Any]:
    """A vendor view: faults first, then SellerID/SellerToken, the seller's bucket, the
    handler, and a line in the access log."""

    def decorator(view: SellerView) -> Any:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            seller_id = request.headers.get("SellerID", "")
            with emulator.one_request():
                response = answer(request, seller_id, kwargs)
                emulator.log(request, response.status_code, account=seller_id, operation=operation)
            return response

        def answer(request: HttpRequest, seller_id: str, kwargs: dict[str, Any]) -> HttpResponse:
            faulted = emulator.fault_before(request, operation)
            if faulted is not None:
                return faulted
            token = request.headers.get("SellerToken", "")
            if not seller_id or not token:
                return detail("Authentication credentials were not provided.", 401)
            if not seller_authenticated(seller_id, token):
                return detail("Incorrect authentication credentials.", 401)
            if request.method not in methods:
                return detail(f'Method "{request.method}" not allowed.', 405)
            wait_seconds = seller_throttled(seller_id)
            if wait_seconds is not None:
                wait = max(1, math.ceil(wait_seconds))
                throttled = detail(f"Request was throttled. Expected available in {wait} sec.", 429)
                throttled["Retry-After"] = str(wait)
                return throttled
            response = view(request, seller_id, **kwargs)
            if request.method != "GET":
                response = emulator.fault_after(request, response, operation)
            return response

        return wrapper

    return decorator


# -- products/ ----------------------------------------------------------------------------
def encode_cursor(position: str, *, backwards: bool = False) -> str:
    """Opaque as Kogan's: base64 of ``p=<position>`` (``&r=1`` for a page before it)."""
    fields = {"p": position, **({"r": "1"} if backwards else {})}
    return base64.urlsafe_b64encode(urlencode(fields).encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, bool] | None:
    """(position, backwards), or None for a cursor this server did not make."""
    try:
        decoded = parse_qs(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    positions = decoded.get("p")
    return (positions[0], decoded.get("r") == ["1"]) if positions else None


def parse_datetime_param(raw: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def page_size(request: HttpRequest) -> int:
    """``size`` clamped to the server's maximum; anything unreadable is the default."""
    limit = setting("page_size")
    try:
        asked = int(request.GET.get("size", ""))
    except ValueError:
        return limit
    return min(max(asked, 1), limit)


def product_filters(request: HttpRequest) -> tuple[Q, dict[str, list[str]]]:
    """The query's filters, and the per-field errors of those that cannot be read."""
    query, errors = Q(), {}
    params = request.GET
    if params.get("sku"):
        query &= Q(key=params["sku"])
    if params.get("enabled") in ("true", "false", "True", "False"):
        query &= Q(data__enabled=params["enabled"].lower() == "true")
    for name in ("brand", "category"):
        if params.get(name):
            query &= Q(**{f"data__{name}": params[name]})
    if params.get("search"):
        query &= Q(data__product_title__icontains=params["search"]) | Q(
            key__icontains=params["search"]
        )
    for name, lookup in (
        ("created_after", "created_at__gte"),
        ("created_before", "created_at__lte"),
    ):
        if params.get(name):
            moment = parse_datetime_param(params[name])
            if moment is None:
                errors[name] = ["Enter a valid date/time."]
            else:
                query &= Q(**{lookup: moment})
    return query, errors


def product_out(data: dict[str, Any], *, full: bool) -> dict[str, Any]:
    if full:
        return data
    return {name: data.get(name) for name in SUMMARY_FIELDS}


@seller_api("products_get", ("GET",))
def products(request: HttpRequest, seller_id: str) -> HttpResponse:
    """``GET products/`` — one page in SKU order; ``next`` and ``previous`` are the full URLs
    of the pages after and before it (DRF-style cursors, as Kogan's look)."""
    query, errors = product_filters(request)
    if errors:
        return json_answer(errors, status=400)
    found = emulator.records(seller_id, PRODUCT).filter(query)
    position, backwards = None, False
    if request.GET.get("cursor"):
        decoded = decode_cursor(request.GET["cursor"])
        if decoded is None:
            return detail("Invalid cursor", 404)
        position, backwards = decoded
    size = page_size(request)
    if backwards:
        before = found.filter(key__lt=position).order_by("-key")
        rows = list(before.values_list("key", "data")[: size + 1])
        more_before, more_after = len(rows) > size, True
        rows = rows[:size][::-1]
    else:
        after = found.filter(key__gt=position) if position is not None else found
        rows = list(after.order_by("key").values_list("key", "data")[: size + 1])
        more_before, more_after = position is not None, len(rows) > size
        rows = rows[:size]
    full = request.GET.get("detail", "").lower() == "true"
    results = [product_out(data, full=full) for _key, data in rows]
    page_link = partial(cursor_url, request, size)
    return json_answer(
        envelope(
            {
                "next": page_link(rows[-1][0]) if more_after and rows else None,
                "previous": page_link(rows[0][0], backwards=True) if more_before and rows else None,
                "results": results,
            }
        )
    )


def cursor_url(request: HttpRequest, size: int, position: str, *, backwards: bool = False) -> str:
    """This request's URL with the cursor of the page after (or before) ``position``."""
    params = request.GET.copy()
    params["cursor"] = encode_cursor(position, backwards=backwards)
    params["size"] = str(size)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


# -- products/stockprice/ -----------------------------------------------------------------
def batch_refusal(body: Any) -> tuple[str, list[dict[str, str]]] | None:
    """Why the whole request is refused (kogan.md §4: HTTP 400), or None."""
    if not isinstance(body, list):
        return "Expected a list of items but got something else.", []
    if not body:
        return "This list may not be empty.", []
    limit = setting("max_batch")
    if len(body) > limit:
        return f"Ensure this list has no more than {limit} items (it has {len(body)}).", []
    errors = [
        tasks.item_error(
            str(item.get("product_sku", "")) if isinstance(item, dict) else "",
            "invalid_item",
            f"Item {index}: an object with a product_sku string is required.",
        )
        for index, item in enumerate(body)
        if not isinstance(item, dict) or not isinstance(item.get("product_sku"), str)
    ]
    if errors:
        return "Invalid items.", errors
    return None


@seller_api("products_stock_price_update", ("POST",))
def stockprice(request: HttpRequest, seller_id: str) -> HttpResponse:
    """``POST products/stockprice/`` — accepted as a task; nothing changes until it completes."""
    body = json_body(request)
    refusal = batch_refusal(body)
    if refusal is not None:
        message, errors = refusal
        answer = envelope({"errors": errors} if errors else None, status="Failed", error=message)
        return json_answer(answer, status=400)
    return task_accepted(request, seller_id, tasks.STOCKPRICE, body)


def task_accepted(request: HttpRequest, seller_id: str, kind: str, items: Any) -> HttpResponse:
    task_id = tasks.task_create(seller_id, kind, items)
    pending_url = request.build_absolute_uri(reverse("sandbox_kogan_task", args=[task_id]))
    return json_answer(envelope(None, status=tasks.PENDING, pending_url=pending_url))


# -- products/status/ ---------------------------------------------------------------------
@seller_api("products_status_update", ("POST",))
def status(request: HttpRequest, seller_id: str) -> HttpResponse:
    """``POST products/status/`` — enable or disable products; only for sellers holding the
    permission (kogan.md §4: 403 otherwise)."""
    if not seller_may_change_status(seller_id):
        return detail("You do not have permission to perform this action.", 403)
    body = json_body(request)
    refusal = batch_refusal(body)
    if refusal is not None:
        message, errors = refusal
        answer = envelope({"errors": errors} if errors else None, status="Failed", error=message)
        return json_answer(answer, status=400)
    return task_accepted(request, seller_id, tasks.STATUS, body)


# -- task/<id>/ ---------------------------------------------------------------------------
@seller_api("task_get", ("GET",))
def task(request: HttpRequest, seller_id: str, task_id: str) -> HttpResponse:
    found = tasks.task_poll(seller_id, task_id)
    if found is None:
        return detail("Not found.", 404)
    if found["status"] == tasks.PENDING:
        return json_answer(
            envelope(None, status=tasks.PENDING, pending_url=request.build_absolute_uri())
        )
    return json_answer(envelope(found["body"], status=found["status"]))


# -- orders/ ------------------------------------------------------------------------------
def failed(message: str, status: int = 400) -> HttpResponse:
    """Kogan's envelope for a refused request (kogan.md §9)."""
    return json_answer(envelope(None, status="Failed", error=message), status=status)


def order_window(request: HttpRequest, status: str) -> tuple[datetime | None, datetime | None]:
    """``startDateUTC`` / ``endDateUTC``; for Shipped and Canceled at most 15 days apart and,
    when not given, the last 15 days. Raises ValueError naming what is wrong."""
    bounds = []
    for name in ("startDateUTC", "endDateUTC"):
        raw = request.GET.get(name, "")
        moment = parse_datetime_param(raw) if raw else None
        if raw and moment is None:
            raise ValueError(f"{name} must be an ISO-8601 date-time in UTC.")
        bounds.append(moment)
    start, end = bounds
    if status in orders.WINDOWED_STATUSES:
        end = end or emulator.now()
        start = start or end - orders.MAX_WINDOW
        if end - start > orders.MAX_WINDOW:
            raise ValueError(
                f"The date range for status {status} may not exceed 15 days "
                "(startDateUTC to endDateUTC)."
            )
    if start is not None and end is not None and start > end:
        raise ValueError("startDateUTC must be before endDateUTC.")
    return start, end


@seller_api("orders_list", ("GET",))
def orders_list(request: HttpRequest, seller_id: str) -> HttpResponse:
    """``GET orders/?status=…`` — every matching order in one answer (no pagination), oldest
    first; ``limit`` caps how many."""
    status = request.GET.get("status", "")
    if not status:
        return failed("status is required: one of " + ", ".join(orders.STATUSES) + ".")
    if status not in orders.STATUSES:
        return failed(f"Invalid status {status!r}: one of " + ", ".join(orders.STATUSES) + ".")
    try:
        start, end = order_window(request, status)
    except ValueError as refused:
        return failed(str(refused))
    limit = None
    if request.GET.get("limit"):
        raw = request.GET["limit"]
        if not raw.isdigit() or int(raw) < 1:
            return failed("limit must be a whole number of 1 or more.")
        limit = int(raw)
    account_problem = seller_orders_error(seller_id)
    if account_problem:
        return json_answer(envelope(None, status="Failed", error=account_problem))
    found = orders.orders_listed(seller_id, status=status, start=start, end=end, limit=limit)
    return json_answer(envelope(found))


@seller_api("orders_get", ("GET",))
def order_detail(request: HttpRequest, seller_id: str, order_ref: str) -> HttpResponse:
    """``GET orders/{kogan_order_ref}/``."""
    found = orders.order_found(seller_id, order_ref)
    if found is None:
        return detail("Not found.", 404)
    return json_answer(envelope(found))


@seller_api("orders_fulfill", ("POST",))
def orders_fulfill(request: HttpRequest, seller_id: str) -> HttpResponse:
    """``POST orders/fulfill/`` — a result per order (``Success`` or ``Fail`` with its
    errors) in a 200; a body that is not a non-empty array of objects is a 400."""
    body = json_body(request)
    if not isinstance(body, list):
        return failed("Expected a list of orders but got something else.")
    if not body:
        return failed("This list may not be empty.")
    limit = setting("max_batch")
    if len(body) > limit:
        return failed(f"Ensure this list has no more than {limit} items (it has {len(body)}).")
    if setting("fulfil_async"):
        return task_accepted(request, seller_id, tasks.FULFIL, body)
    return json_answer(envelope(fulfil.orders_fulfil(seller_id, body)))
