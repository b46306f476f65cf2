"""The Shipping and Tracking API's views under ``/sandbox/auspost/shipping/v1/``: Basic auth
with the ``Account-Number`` header, the account's bucket, faults, and the resources."""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from kucun.sandbox.auspost import errors, labels, pricing, shipments, tracking
from kucun.sandbox.auspost.state import (
    ORDER,
    account,
    accounts_of_key,
    emulator,
    product,
    setting,
)
from kucun.sandbox.auspost.validation import items_problems, request_problems
from kucun.sandbox.emulator import json_answer, json_body
from kucun.sandbox.pdf import summary_pdf

Handler = Callable[..., HttpResponse]  # (request, account document, **path arguments)
MAX_SHIPMENTS_PER_PAGE = 1000


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    api_key, colon, password = decoded.partition(":")
    return (api_key, password) if colon and api_key else None


def caller_refusal(request: HttpRequest) -> HttpResponse | dict[str, Any]:
    """The caller's account, or the vendor's 401/403 refusal."""
    credentials = basic_credentials(request)
    allowed = accounts_of_key(*credentials) if credentials else None
    if allowed is None:
        message = "Full authentication is required: the API key and password were not accepted."
        return errors.refused_one(401, errors.UNAUTHORISED, message)
    number = request.headers.get("Account-Number", "").strip()
    document = account(number) if number in allowed else None
    if document is None:
        message = (
            f"The customer {number} was not found."
            if number
            else "The Account-Number header is required."
        )
        return errors.refused_one(403, errors.CUSTOMER_NOT_FOUND, message)
    return document


def throttled(wait_seconds: float) -> HttpResponse:
    answer = errors.refused_one(429, errors.TOO_MANY_REQUESTS, "Too many requests")
    answer["Retry-After"] = str(max(1, math.ceil(wait_seconds)))
    return answer


def endpoint(operations: Mapping[str, tuple[str, Handler]]) -> Callable[..., HttpResponse]:
    """A vendor path: method → (operation name for faults and the log, handler). Faults come
    first, then the caller's credentials and account, its bucket, the handler, and an
    after-apply fault for writes."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        operation, handler = operations.get(request.method or "", ("", None))
        number = request.headers.get("Account-Number", "")
        response = answer(request, operation, handler, kwargs)
        emulator.log(request, response.status_code, account=number, operation=operation)
        return response

    def answer(
        request: HttpRequest, operation: str, handler: Handler | None, kwargs: dict[str, Any]
    ) -> HttpResponse:
        faulted = emulator.fault_before(request, operation)
        if faulted is not None:
            return faulted
        caller = caller_refusal(request)
        if isinstance(caller, HttpResponse):
            return caller
        if handler is None:
            message = f"{request.method} is not supported here."
            return errors.refused_one(405, errors.INVALID_REQUEST, message)
        bucket = emulator.take(caller["account_number"])
        if not bucket.allowed:
            return throttled(bucket.retry_after)
        try:
            response = handler(request, caller, **kwargs)
        except shipments.Refused as refusal:
            response = errors.refused(refusal.status, refusal.entries)
        if request.method != "GET" and response.status_code < 400:
            response = emulator.fault_after(request, response, operation)
        return response

    return view


def json_object(request: HttpRequest) -> Any:
    body = json_body(request)
    if not isinstance(body, dict):
        message = "The body must be a JSON object."
        raise shipments.Refused(400, [errors.entry(errors.INVALID_REQUEST, message)])
    return body


# -- account ------------------------------------------------------------------------------
def account_details(request: HttpRequest, caller: dict, account_number: str) -> HttpResponse:
    """``GET accounts/{account_number}``. The doc does not list this call; it is modelled on
    the vendor's "get account details" resource, which integrators use to test a
    connection: the account, its validity and its contract's postage products."""
    if account_number != caller["account_number"]:
        message = f"The customer {account_number} was not found."
        return errors.refused_one(403, errors.CUSTOMER_NOT_FOUND, message)
    return json_answer(
        {
            "account_number": caller["account_number"],
            "name": caller["name"],
            "valid_from": "2020-01-01",
            "valid_to": "2999-12-31",
            "expired": False,
            "details": {
                "abn": "00000000000",
                "lodgement_postcode": "3207",
                "contact_number": "0390000000",
                "email_address": "sandbox@example.com",
            },
            "postage_products": [postage_product(code) for code in caller["services"]],
            "merchant_location_id": caller["consignment_prefix"],
            "credit_blocked": False,
        }
    )


def postage_product(code: str) -> dict[str, Any]:
    found = product(code)
    return {
        "type": found.type,
        "group": found.group,
        "product_id": found.product_id,
        "contract": {
            "valid_from": "2020-01-01",
            "valid_to": "2999-12-31",
            "expired": False,
            "volumetric_pricing": found.volumetric,
            "cubing_factor": 250,
            "max_item_count": setting("max_items"),
        },
        "authority_to_leave_threshold": 500,
        "options": {"authority_to_leave_option": True, "signature_on_delivery_option": True},
    }


# -- prices -------------------------------------------------------------------------------
def item_prices(request: HttpRequest, caller: dict) -> HttpResponse:
    """``POST prices/items``: prices per item and product; per-item ``errors`` with 200."""
    body = json_object(request)
    items = body.get("items")
    if not isinstance(items, list) or not items:
        message = "items needs at least one item."
        return errors.refused_one(400, errors.FIELD_REQUIRED, message, "items")
    return json_answer({"items": [priced_item(caller, item) for item in items]})


def priced_item(caller: dict, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        return {"errors": [errors.entry(errors.FIELD_INVALID, "An item is a JSON object.")]}
    asked = item.get("product_ids") or caller["services"]
    weight = item.get("weight")
    priced: dict[str, Any] = {"item_reference": item.get("item_reference"), "weight": weight}
    problems = []
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
        message = "weight is required and must be greater than 0."
        problems.append(errors.entry(errors.FIELD_REQUIRED, message, "weight"))
    prices = []
    for code in asked if isinstance(asked, list) else [asked]:
        if code not in caller["services"]:
            message = f"Product {code} is not available on this account's contract."
            problems.append(errors.entry(errors.PRODUCT_NOT_ON_CONTRACT, message, "product_ids"))
        elif not problems:
            prices.append(pricing.item_price(item, str(code)))
    priced["prices"] = prices
    if problems:
        priced["errors"] = problems
    return priced


def shipment_price(request: HttpRequest, caller: dict) -> HttpResponse:
    """``POST prices/shipments``: the create body, billed with the fuel surcharge."""
    body = json_body(request)
    problems = request_problems(body, services=caller["services"], max_items=setting("max_items"))
    if problems:
        return errors.refused(400, problems)
    return json_answer(
        {"shipments": [shipments.shipment_quote(spec) for spec in body["shipments"]]}
    )


# -- shipments ----------------------------------------------------------------------------
def shipments_create(request: HttpRequest, caller: dict) -> HttpResponse:
    """``POST shipments`` → 201 with ids, tracking details and costs; 400 with one entry per
    problem (a taken ``shipment_reference`` among them)."""
    body = json_body(request)
    problems = request_problems(body, services=caller["services"], max_items=setting("max_items"))
    if problems:
        return errors.refused(400, problems)
    created = shipments.shipments_create(caller, body["shipments"])
    return json_answer(
        {"shipments": [shipments.vendor_view(shipment) for shipment in created]}, status=201
    )


def shipments_get(request: HttpRequest, caller: dict) -> HttpResponse:
    """``GET shipments?shipment_ids=a,b``, or a page of them.

    Only ``shipment_ids`` is in the doc; its paging parameters are unverified. This emulator's
    best guess, configurable by nothing but this comment: ``offset`` and
    ``number_of_shipments`` (≤ 1000) page through the account's live shipments, answered with
    ``pagination``, and ``shipment_reference=`` narrows them to that reference."""
    number = caller["account_number"]
    ids = [found for found in request.GET.get("shipment_ids", "").split(",") if found]
    if ids:
        found = [shipments.live_shipment(number, shipment_id) for shipment_id in ids]
        if not any(found):
            return errors.refused(404, [shipments.not_found(shipment_id) for shipment_id in ids])
        return json_answer(
            {"shipments": [shipments.vendor_view(shipment) for shipment in found if shipment]}
        )
    try:
        offset = max(0, int(request.GET.get("offset", "0")))
        size = int(request.GET.get("number_of_shipments", str(MAX_SHIPMENTS_PER_PAGE)))
    except ValueError:
        message = "offset and number_of_shipments are whole numbers."
        return errors.refused_one(400, errors.FIELD_INVALID, message, "offset")
    size = min(max(size, 1), MAX_SHIPMENTS_PER_PAGE)
    page, total = shipments.shipments_page(
        number, reference=request.GET.get("shipment_reference"), offset=offset, size=size
    )
    return json_answer(
        {
            "shipments": page,
            "pagination": {
                "total_number_of_records": total,
                "number_of_records_per_page": size,
                "current_page_number": offset // size + 1,
            },
        }
    )


def shipment_delete(request: HttpRequest, caller: dict, shipment_id: str) -> HttpResponse:
    """``DELETE shipments/{id}``: 200 with no body; refused once the shipment is in an order."""
    shipments.shipment_cancel(caller["account_number"], shipment_id)
    return HttpResponse(status=200)


def shipment_items_update(request: HttpRequest, caller: dict, shipment_id: str) -> HttpResponse:
    """``PUT shipments/{id}/items`` → 200 with the shipment; 400 with one entry per problem,
    or once the shipment is in an order."""
    specs = json_object(request).get("items")
    limit = setting("max_items")
    problems = items_problems(specs, "items", caller["services"], limit)
    if problems:
        return errors.refused(400, problems)
    updated = shipments.shipment_items_put(
        caller["account_number"], shipment_id, specs, max_items=limit
    )
    return json_answer({"shipments": [shipments.vendor_view(updated)]})


# -- labels -------------------------------------------------------------------------------
def label_url_for(request: HttpRequest) -> labels.UrlFor:
    def url_for(request_id: str) -> str:
        return request.build_absolute_uri(reverse("sandbox_auspost_label_file", args=[request_id]))

    return url_for


def labels_create(request: HttpRequest, caller: dict) -> HttpResponse:
    label = labels.label_request_create(caller["account_number"], json_object(request))
    return json_answer({"labels": [labels.label_view(label, label_url_for(request))]})


def label_get(request: HttpRequest, caller: dict, request_id: str) -> HttpResponse:
    label = labels.label_poll(caller["account_number"], request_id)
    if label is None:
        message = f"Label request {request_id} was not found."
        return errors.refused_one(404, errors.LABEL_NOT_FOUND, message, "request_id")
    return json_answer({"labels": [labels.label_view(label, label_url_for(request))]})


def label_file(request: HttpRequest, request_id: str) -> HttpResponse:
    """The label URL's file on the emulator host (no auth header needed)."""
    if request.method != "GET":
        return HttpResponse(status=405)
    pdf = labels.label_file(request_id)
    if pdf is None:
        raise Http404
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{request_id}.pdf"'
    return response


# -- orders -------------------------------------------------------------------------------
def order_from_shipments(request: HttpRequest, caller: dict) -> HttpResponse:
    """``PUT orders``: an order (manifest) from shipments already created."""
    body = json_object(request)
    number = caller["account_number"]
    with transaction.atomic():
        sealed = shipments.shipments_for_order(number, body)
        order = shipments.order_create(number, body, sealed)
    return json_answer(shipments.order_view(number, order), status=201)


def order_with_shipments(request: HttpRequest, caller: dict) -> HttpResponse:
    """``POST orders``: the shipments and their order in one call."""
    body = json_object(request)
    problems = shipments.order_reference_problems(body) + request_problems(
        body, services=caller["services"], max_items=setting("max_items")
    )
    if problems:
        return errors.refused(400, problems)
    number = caller["account_number"]
    with transaction.atomic():
        created = shipments.shipments_create(caller, body["shipments"])
        order = shipments.order_create(number, body, created)
    return json_answer(shipments.order_view(number, order), status=201)


def order_summary(
    request: HttpRequest, caller: dict, account_number: str, order_id: str
) -> HttpResponse:
    """``GET accounts/{account_number}/orders/{order_id}/summary``: the manifest PDF."""
    number = caller["account_number"]
    if account_number != number:
        message = f"The customer {account_number} was not found."
        return errors.refused_one(403, errors.CUSTOMER_NOT_FOUND, message)
    order = emulator.get(number, ORDER, order_id)
    if order is None:
        message = f"Order {order_id} was not found."
        return errors.refused_one(404, errors.ORDER_NOT_FOUND, message, "order_id")
    view = shipments.order_view(number, order)["order"]
    lines = [
        f"Account {number} · {caller['name']}",
        f"Order reference {view['order_reference']} · created {view['order_creation_date']}",
        f"{view['order_summary']['number_of_shipments']} shipments, "
        f"{view['order_summary']['number_of_items']} items, "
        f"total {view['order_summary']['total_cost']:.2f} AUD inc. GST",
        "",
    ]
    for shipment in view["shipments"]:
        for item in shipment["items"]:
            lines.append(
                f"{item['tracking_details']['article_id']}  {item['product_id']}  "
                f"{shipment.get('shipment_reference', '')}  {item.get('weight', '')} kg"
            )
    pdf = summary_pdf(f"Order summary {order_id}", lines)
    return HttpResponse(pdf, content_type="application/pdf")


# -- tracking -----------------------------------------------------------------------------
def track(request: HttpRequest, caller: dict) -> HttpResponse:
    """``GET track?tracking_ids=…``: at most ``track_batch`` ids (default 10) a request."""
    ids = [found.strip() for found in request.GET.get("tracking_ids", "").split(",")]
    ids = [found for found in ids if found]
    limit = setting("track_batch")
    if not ids:
        message = "tracking_ids is required."
        return errors.refused_one(400, errors.FIELD_REQUIRED, message, "tracking_ids")
    if len(ids) > limit:
        message = f"At most {limit} tracking IDs may be sent in one request ({len(ids)} were)."
        return errors.refused_one(400, errors.TOO_MANY_TRACKING_IDS, message, "tracking_ids")
    results = tracking.tracking_results(caller["account_number"], ids)
    return json_answer({"tracking_results": results})
