"""What every eBay REST call goes through: faults, the bearer token and its scopes, the rate
limit, the access log, and eBay's error envelope (ebay.md §1, §8)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from kucun.sandbox.ebay.state import EBAY, Grant, access_token_grant, settings_snapshot
from kucun.sandbox.emulator import json_body

THROTTLE_MESSAGE = "Too many requests. The request limit has been reached for the resource."


def ebay_error(
    status: int,
    *,
    error_id: int,
    domain: str,
    message: str,
    category: str = "REQUEST",
    long_message: str = "",
    parameters: Sequence[Mapping[str, str]] = (),
) -> JsonResponse:
    return JsonResponse(
        {"errors": [error_entry(error_id, domain, message, category, long_message, parameters)]},
        status=status,
    )


def error_entry(
    error_id: int,
    domain: str,
    message: str,
    category: str = "REQUEST",
    long_message: str = "",
    parameters: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "errorId": error_id,
        "domain": domain,
        "category": category,
        "message": message,
    }
    if long_message:
        entry["longMessage"] = long_message
    if parameters:
        entry["parameters"] = [dict(parameter) for parameter in parameters]
    return entry


def invalid_token() -> JsonResponse:
    return ebay_error(
        401,
        error_id=1001,
        domain="OAuth",
        message="Invalid access token",
        long_message="Invalid access token. Check the value of the Authorization HTTP request "
        "header.",
    )


def insufficient_permissions() -> JsonResponse:
    return ebay_error(
        403,
        error_id=1100,
        domain="ACCESS",
        message="Access denied",
        long_message="Insufficient permissions to fulfill the request.",
    )


def throttled() -> JsonResponse:
    # README.md §2.1 gives this body exactly, without a Retry-After header.
    return ebay_error(429, error_id=2001, domain="ACCESS", message=THROTTLE_MESSAGE)


def method_not_allowed() -> JsonResponse:
    return ebay_error(
        405, error_id=2002, domain="ACCESS", message="Method not allowed for this resource."
    )


@dataclass(frozen=True)
class Caller:
    """Who is calling: a seller's user token, or an application token (``seller`` empty)."""

    grant: Grant

    @property
    def seller(self) -> str:
        return self.grant.seller

    @property
    def client_id(self) -> str:
        return self.grant.client_id

    @property
    def is_application(self) -> bool:
        return not self.grant.seller

    @property
    def bucket(self) -> str:
        return self.seller or f"application:{self.client_id}"


CallerView = Callable[..., HttpResponse]


def bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def ebay_call(
    operation: str,
    *,
    methods: Collection[str],
    scopes: Collection[str],
    user_only: bool = False,
    writes: bool = False,
) -> Callable[[CallerView], Callable[..., HttpResponse]]:
    """A vendor view: ``fault_before``, then the token (401 errorId 1001), its scopes (any of
    ``scopes``; 403 errorId 1100), the caller's bucket (429 errorId 2001), the view itself, then
    ``fault_after`` for a write; each answer is logged against the seller."""

    def decorator(view: CallerView) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            with settings_snapshot():
                return _call(request, args, kwargs)

        def _call(
            request: HttpRequest, args: tuple[Any, ...], kwargs: dict[str, Any]
        ) -> HttpResponse:
            account = ""
            faulted = EBAY.fault_before(request, operation)
            if faulted is not None:
                response: HttpResponse = faulted
            elif request.method not in methods:
                response = method_not_allowed()
            else:
                grant = access_token_grant(bearer_token(request))
                if grant is None:
                    response = invalid_token()
                else:
                    caller = Caller(grant)
                    account = caller.seller
                    response = _authorised(request, caller, view, args, kwargs)
                    if writes and response.status_code < 400:
                        response = EBAY.fault_after(request, response, operation)
            EBAY.log(request, response.status_code, account=account, operation=operation)
            return response

        def _authorised(
            request: HttpRequest,
            caller: Caller,
            view: CallerView,
            args: tuple[Any, ...],
            kwargs: dict[str, Any],
        ) -> HttpResponse:
            if (user_only and caller.is_application) or not (caller.grant.scopes & set(scopes)):
                return insufficient_permissions()
            if not EBAY.take(caller.bucket).allowed:
                return throttled()
            return view(request, caller, *args, **kwargs)

        return wrapper

    return decorator


def request_json(request: HttpRequest) -> Any:
    return json_body(request)


def api_root(request: HttpRequest) -> str:
    """The emulated API host as the caller reached it (``{server}/sandbox/ebay``)."""
    return request.build_absolute_uri("/sandbox/ebay")
