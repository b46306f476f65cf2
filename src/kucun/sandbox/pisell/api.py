"""The contract's endpoints (pisell.md §2): authentication, the token bucket, problem+json
errors, products, locations, stock levels and webhook registration."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from kucun.sandbox.emulator import BucketAnswer, credential_digest
from kucun.sandbox.pisell.stock import RequestRefused, levels_set, validated_items
from kucun.sandbox.pisell.store import (
    EMULATOR,
    Tenant,
    client_named,
    decode_cursor,
    locations,
    parse_time,
    product_json,
    products_page,
    tenant_by_api_key,
    tenant_named,
)
from kucun.sandbox.pisell.webhooks import registration_errors, webhook_register

ERROR_TYPE_BASE = "https://errors.example/"
SIGNED_HEADERS_WINDOW_SECONDS = 300
DEFAULT_LIMIT, MAX_LIMIT = 100, 250

Handler = Callable[..., HttpResponse]  # (request, tenant, **path arguments)


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    """An RFC 7807 answer (pisell.md §2.7)."""
    body: dict[str, Any] = {
        "type": ERROR_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


def answer(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data), status=status, content_type="application/json")


def unauthorized() -> HttpResponse:
    response = problem(
        401,
        "unauthorized",
        "Unauthorized",
        "A valid API key is required: send Authorization: Bearer <api_key>.",
    )
    response["WWW-Authenticate"] = 'Bearer realm="pisell"'
    return response


def signed_tenant(request: HttpRequest) -> Tenant | None:
    """The tenant of valid signed headers (pisell.md §2.1 / §4.2), else None."""
    client_id = request.headers.get("Client-Id", "")
    client = client_named(client_id) if client_id else None
    if client is None:
        return None
    token = request.headers.get("Access-Token", "")
    if credential_digest(token) != client["access_token_digest"]:
        return None
    timestamp = request.headers.get("Timestamp", "")
    if not timestamp.isdigit():
        return None
    if abs(int(timestamp) - EMULATOR.now().timestamp()) > SIGNED_HEADERS_WINDOW_SECONDS:
        return None
    parts = sorted([timestamp, client_id, str(client["client_secret"])])
    expected = hashlib.md5("&".join(parts).encode(), usedforsecurity=False).hexdigest().upper()
    if not hmac.compare_digest(expected, request.headers.get("Sign", "")):
        return None
    return tenant_named(str(client["tenant"]), credential=f"client:{client_id}")


def authenticated_tenant(request: HttpRequest) -> Tenant | None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and key.strip():
        return tenant_by_api_key(key.strip())
    return signed_tenant(request)


def rate_headers(response: HttpResponse, bucket: BucketAnswer) -> None:
    full_in = (
        (bucket.capacity - bucket.remaining) / bucket.refill_per_second
        if bucket.refill_per_second > 0
        else 0.0
    )
    response["X-RateLimit-Limit"] = str(int(bucket.capacity))
    response["X-RateLimit-Remaining"] = str(max(0, math.floor(bucket.remaining)))
    response["X-RateLimit-Reset"] = str(math.ceil(EMULATOR.now().timestamp() + full_in))


def throttled(bucket: BucketAnswer) -> HttpResponse:
    wait = max(1, math.ceil(bucket.retry_after))
    response = problem(
        429,
        "rate_limited",
        "Too Many Requests",
        f"The rate limit of {int(bucket.capacity)} requests was reached; retry in {wait} s.",
    )
    response["Retry-After"] = str(wait)
    return response


def vendor_view(
    operation: str, methods: tuple[str, ...]
) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """Faults first, then the method, the credential and the bucket, as the vendor would;
    each call is logged, and a write's answer may be lost by an ``after_apply`` fault."""

    def decorator(handler: Handler) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            response, account = serve(request, handler, operation, methods, kwargs)
            EMULATOR.log(request, response.status_code, account=account, operation=operation)
            return response

        return view

    return decorator


def serve(
    request: HttpRequest,
    handler: Handler,
    operation: str,
    methods: tuple[str, ...],
    kwargs: dict[str, Any],
) -> tuple[HttpResponse, str]:
    fault = EMULATOR.fault_before(request, operation)
    if fault is not None:
        return fault, ""
    tenant = authenticated_tenant(request)
    if tenant is None:
        return unauthorized(), ""
    store = request.headers.get("X-Store-Domain", "")
    if store and store != tenant.data.get("domain"):
        refused = problem(
            403,
            "store_forbidden",
            "Forbidden",
            f"This credential does not cover the store {store}.",
            [{"field": "X-Store-Domain", "code": "store_forbidden"}],
        )
        return refused, tenant.id
    if request.method not in methods:
        refused = problem(
            405, "method_not_allowed", "Method Not Allowed", f"Use {' or '.join(methods)}."
        )
        refused["Allow"] = ", ".join(methods)
        return refused, tenant.id
    bucket = EMULATOR.take(tenant.credential)
    if not bucket.allowed:
        response = throttled(bucket)
        rate_headers(response, bucket)
        return response, tenant.id
    response = handler(request, tenant, **kwargs)
    rate_headers(response, bucket)
    if request.method != "GET":
        response = EMULATOR.fault_after(request, response, operation)
    return response, tenant.id


def bad_parameter(name: str, code: str, detail: str) -> HttpResponse:
    return problem(
        400, "invalid_parameter", "Invalid parameter", detail, [{"field": name, "code": code}]
    )


@vendor_view("products", ("GET",))
def products(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    """``GET products``: full or from ``updated_since`` (inclusive), cursor-paged."""
    raw_limit = request.GET.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        return bad_parameter("limit", "out_of_range", f"limit must be 1 to {MAX_LIMIT}.")
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
    page, next_cursor = products_page(
        tenant, updated_since=since, after=after, limit=int(raw_limit)
    )
    data = [product_json(record, tenant.local_time_zone) for record in page]
    return answer({"data": data, "next_cursor": next_cursor})


@vendor_view("locations", ("GET",))
def locations_list(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    return answer({"data": locations(tenant.id)})


def fingerprint(request: HttpRequest, body: Any) -> str:
    canonical = request.body if body is None else json.dumps(body, sort_keys=True).encode()
    return hashlib.sha256(canonical).hexdigest()


def idempotency_key_missing() -> HttpResponse:
    return problem(
        400,
        "idempotency_key_required",
        "Idempotency-Key required",
        "Send an Idempotency-Key header (a UUID) with every write.",
        [{"field": "Idempotency-Key", "code": "required"}],
    )


def idempotency_key_reused() -> HttpResponse:
    return problem(
        409,
        "idempotency_key_reused",
        "Idempotency-Key reused",
        "This Idempotency-Key was used with another body.",
    )


@vendor_view("inventory_levels", ("PUT",))
def inventory_levels(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    """``PUT inventory/levels``: per-item results in a 200, replayed by ``Idempotency-Key``."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return idempotency_key_missing()
    try:
        body = json.loads(request.body)
    except ValueError:
        return problem(400, "malformed_json", "Malformed JSON", "The body is not valid JSON.")
    with transaction.atomic():
        stored = EMULATOR.get(tenant.id, "idempotency", key)
        if stored is not None:
            if stored["fingerprint"] != fingerprint(request, body):
                return idempotency_key_reused()
            return answer(stored["response"], status=int(stored["status"]))
        try:
            items = validated_items(body)
        except RequestRefused as refused:
            return problem(
                refused.status, refused.code, refused.title, refused.detail, refused.errors
            )
        response = {"results": levels_set(tenant, items)}
        EMULATOR.put(
            tenant.id,
            "idempotency",
            key,
            {"fingerprint": fingerprint(request, body), "status": 200, "response": response},
        )
    return answer(response)


@vendor_view("webhooks", ("POST",))
def webhooks(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    """``POST webhooks``: register a callback; the answer carries its signing secret."""
    try:
        body = json.loads(request.body)
    except ValueError:
        return problem(400, "malformed_json", "Malformed JSON", "The body is not valid JSON.")
    errors = registration_errors(body)
    if errors:
        return problem(
            422, "validation_failed", "Validation failed", "Check url and events.", errors
        )
    webhook = webhook_register(tenant.id, url=body["url"], events=body["events"])
    return answer({"id": webhook["id"], "secret": webhook["secret"]}, status=201)
