"""How every myFastway API call is answered (fastway.md §1–§3, §9): registered faults first,
then the API version, the method, the bearer token, the client's bucket, the handler, and a
line in the access log. Envelopes are ``{"data": …}`` and ``{"errors": [...]}``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from kucun.sandbox.emulator import json_answer
from kucun.sandbox.fastway import state
from kucun.sandbox.fastway.consignments import ApiError, Refused

SUPPORTED_VERSIONS = ("1.0",)
emulator = state.emulator

Handler = Callable[..., HttpResponse]  # (request, client, **path arguments)


def data(value: Any, status: int = 200) -> HttpResponse:
    return json_answer({"data": value}, status=status)


def errors(status: int, found: list[ApiError]) -> HttpResponse:
    return json_answer({"errors": [error.wire() for error in found]}, status=status)


def requested_versions(request: HttpRequest) -> set[str]:
    """``api-version`` from the Accept media type's parameter (what the reference client sends),
    the query string or a header (the usual ASP.NET alternatives)."""
    found: set[str] = set()
    for media_type in request.headers.get("Accept", "").split(","):
        for parameter in media_type.split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "api-version":
                found.add(value.strip().strip('"'))
    for given in (request.GET.get("api-version"), request.headers.get("api-version")):
        if given:
            found.add(given.strip())
    return {"1.0" if version == "1" else version for version in found}


def version_refusal(request: HttpRequest) -> HttpResponse | None:
    """fastway.md §11: 400 for a version the API does not have; a request naming none is
    refused too unless ``require_api_version`` is off (then it is taken as 1.0)."""
    versions = requested_versions(request)
    supported = list(SUPPORTED_VERSIONS)
    if not versions:
        if not state.setting("require_api_version"):
            return None
        return errors(
            400,
            [
                ApiError(
                    "ApiVersionUnspecified",
                    "An API version is required, but was not specified.",
                    tuple(supported),
                )
            ],
        )
    if len(versions) > 1:
        listed = ", ".join(sorted(versions))
        return errors(
            400,
            [
                ApiError(
                    "AmbiguousApiVersion",
                    f"The following API versions were requested: {listed}. At most, only a "
                    "single API version may be specified.",
                    tuple(supported),
                )
            ],
        )
    version = next(iter(versions))
    if version not in SUPPORTED_VERSIONS:
        return errors(
            400,
            [
                ApiError(
                    "UnsupportedApiVersion",
                    f"The HTTP resource that matches the request URI '{request.path}' does not "
                    f"support the API version '{version}'.",
                    tuple(supported),
                )
            ],
        )
    return None


def bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def unauthorized(challenge: str) -> HttpResponse:
    """401 as an ASP.NET bearer-token API answers it: no body, the reason in the challenge."""
    response = HttpResponse(status=401)
    response["WWW-Authenticate"] = challenge
    return response


def authenticated(request: HttpRequest) -> tuple[dict[str, Any] | None, HttpResponse | None]:
    check = state.token_check(bearer(request))
    if not check.client_id:
        if not bearer(request):
            return None, unauthorized("Bearer")
        return None, unauthorized('Bearer error="invalid_token"')
    if check.expired:
        return None, unauthorized(
            'Bearer error="invalid_token", error_description="The token expired"'
        )
    client = state.client_get(check.client_id)
    if client is None:  # the client was removed after its token was issued
        return None, unauthorized('Bearer error="invalid_token"')
    return client, None


def throttled(client_id: str) -> HttpResponse | None:
    """fastway.md §9: undocumented; 429 with ``Retry-After`` in the errors envelope."""
    answer = emulator.take(client_id)
    if answer.allowed:
        return None
    wait = max(1, math.ceil(answer.retry_after))
    response = errors(
        429, [ApiError("TooManyRequests", f"Too many requests. Try again in {wait} seconds.")]
    )
    response["Retry-After"] = str(wait)
    return response


def endpoint(handlers: Mapping[str, tuple[str, Handler]]) -> Callable[..., HttpResponse]:
    """A view serving one path: ``{"GET": ("consignment_list", handler), ...}`` (the operation
    names faults are matched by)."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        method = request.method or ""
        chosen: tuple[str, Handler | None] = handlers.get(method, ("", None))
        operation, handler = chosen
        client_id = ""
        response = emulator.fault_before(request, operation)
        if response is None:
            response, client_id = _answer(request, handlers, handler, kwargs)
            if handler is not None and method != "GET" and response.status_code < 400:
                response = emulator.fault_after(request, response, operation)
        emulator.log(request, response.status_code, account=client_id, operation=operation)
        return response

    return view


def _answer(
    request: HttpRequest,
    handlers: Mapping[str, tuple[str, Handler]],
    handler: Handler | None,
    kwargs: dict[str, Any],
) -> tuple[HttpResponse, str]:
    refused = version_refusal(request)
    if refused is not None:
        return refused, ""
    if handler is None:
        response = HttpResponse(status=405)
        response["Allow"] = ", ".join(handlers)
        return response, ""
    client, refused = authenticated(request)
    if client is None or refused is not None:
        return refused or unauthorized("Bearer"), ""
    client_id = client["client_id"]
    refused = throttled(client_id)
    if refused is not None:
        return refused, client_id
    try:
        return handler(request, client, **kwargs), client_id
    except Refused as refusal:
        return errors(refusal.status, refusal.errors), client_id
