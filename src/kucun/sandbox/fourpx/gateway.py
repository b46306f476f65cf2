"""The FOP gateway (fourpx.md §1, §3): one path, the operation in the ``method`` query
parameter, the public parameters in the query string and the business payload as the JSON
body, signed with MD5 over the exact bytes received. Every answer is HTTP 200 with
``result`` "1" or "0"; only a registered fault answers otherwise."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from kucun.sandbox.fourpx.consignments import order_cancel, order_create, order_get
from kucun.sandbox.fourpx.labels import label_get
from kucun.sandbox.fourpx.services import estimated_cost, product_list, tracking_get
from kucun.sandbox.fourpx.state import App, app_get, emulator, same_sign, throttled
from kucun.sandbox.fourpx.wire import Problem, Refused, failed, language_of, succeeded

PUBLIC_PARAMS = ("method", "app_key", "v", "timestamp", "format", "sign")
UNSIGNED_PARAMS = ("sign", "access_token", "language")

Method = Callable[[App, Mapping[str, Any], HttpRequest], Any]
METHODS: dict[str, Method] = {
    "ds.xms.logistics_product.getlist": lambda app, body, _request: product_list(app, body),
    "ds.xms.estimated_cost.get": lambda app, body, _request: estimated_cost(app, body),
    "ds.xms.order.create": lambda app, body, _request: order_create(app, body),
    "ds.xms.order.get": lambda app, body, _request: order_get(app, body),
    "ds.xms.order.cancel": lambda app, body, _request: order_cancel(app, body),
    "ds.xms.label.get": label_get,
    "tr.order.tracking.get": lambda app, body, _request: tracking_get(app, body),
}


def sign_of(params: Mapping[str, str], body: bytes, app_secret: str) -> str:
    """fourpx.md §1.2: the parameters but sign/access_token/language, sorted by name, each
    name then value with no separators; then the body exactly as sent; then the secret;
    lowercase hex MD5."""
    signed = "".join(
        f"{name}{params[name]}" for name in sorted(params) if name not in UNSIGNED_PARAMS
    )
    digest = hashlib.md5(usedforsecurity=False)
    digest.update(signed.encode())
    digest.update(body)
    digest.update(app_secret.encode())
    return digest.hexdigest()


@csrf_exempt
def service(request: HttpRequest) -> HttpResponse:
    """``POST router/api/service?method=…&app_key=…&v=…&timestamp=…&format=json&sign=…``"""
    method = request.GET.get("method", "")
    app_key = request.GET.get("app_key", "")
    response = answer(request, method, app_key, language_of(request.GET.get("language", "")))
    emulator.log(request, response.status_code, account=app_key, operation=method)
    return response


def answer(request: HttpRequest, method: str, app_key: str, language: str) -> HttpResponse:
    faulted = emulator.fault_before(request, method)
    if faulted is not None:
        return faulted
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    refused = gateway_refusal(request, method, app_key)
    if refused is not None:
        return failed([refused], language)
    try:
        body = json.loads(request.body)
    except ValueError:
        return failed([Problem("000004")], language)
    try:
        if not isinstance(body, dict):
            raise Refused.one("DS000004", "the body must be a JSON object")
        app = app_get(app_key)
        assert app is not None  # checked by gateway_refusal
        response = succeeded(METHODS[method](app, body, request), language)
    except Refused as refusal:
        response = failed(refusal.problems, language)
    return emulator.fault_after(request, response, method)


def gateway_refusal(request: HttpRequest, method: str, app_key: str) -> Problem | None:
    """What the gateway refuses before any method runs, in the order it checks: the public
    parameters, the app, the method, the signature, then the app's rate."""
    params = {name: request.GET.get(name, "") for name in request.GET}
    missing = [name for name in PUBLIC_PARAMS if not params.get(name)]
    if missing:
        return Problem("000014", f"missing {', '.join(missing)}")
    if params["format"].lower() != "json":
        return Problem("000014", "format must be json")
    if not params["timestamp"].isdigit():
        return Problem("000014", "timestamp must be epoch milliseconds")
    app = app_get(app_key)
    if app is None:
        return Problem("000013")
    if method not in METHODS:
        return Problem("000011", method)
    if not same_sign(sign_of(params, request.body, app.secret()), params["sign"]):
        return Problem("000012")
    if throttled(app_key):
        return Problem("000017")
    return None
