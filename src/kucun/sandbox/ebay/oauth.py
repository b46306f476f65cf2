"""OAuth (ebay.md §1): the token endpoint's three grants with Basic client authentication, and
the consent page a seller agrees on, which redirects back with ``code`` and ``state``."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from kucun.sandbox.ebay.state import (
    APPLICATION_SCOPES,
    AUTHORIZATION_CODE_SECONDS,
    EBAY,
    REFRESH_TOKEN_SECONDS,
    USER_SCOPES,
    access_token_mint,
    application_get,
    authorization_code_mint,
    authorization_code_redeem,
    refresh_token_grant,
    refresh_token_mint,
    same_secret,
    seller_exists,
    sellers,
    settings_snapshot,
)

INVALID_REQUEST = "request is missing a required parameter or malformed."
INVALID_SCOPE = (
    "The requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client"
)


def oauth_error(status: int, error: str, description: str) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


def basic_client(request: HttpRequest) -> str | None:
    """The client id of a valid ``Authorization: Basic base64(client_id:client_secret)``."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, secret = decoded.partition(":")
    application = application_get(client_id) if separator else None
    if application is None or not same_secret(secret, application["secret_digest"]):
        return None
    return client_id


def requested_scopes(raw: str) -> list[str]:
    return [scope for scope in raw.replace("+", " ").split() if scope]


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    """``POST /identity/v1/oauth2/token``."""
    with settings_snapshot():
        response = EBAY.fault_before(request, "token") or _token(request)
    EBAY.log(request, response.status_code, operation="token")
    return response


def _token(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return oauth_error(405, "invalid_request", INVALID_REQUEST)
    client_id = basic_client(request)
    if client_id is None:
        return oauth_error(401, "invalid_client", "client authentication failed")
    grant_type = request.POST.get("grant_type", "")
    if grant_type == "client_credentials":
        return _client_credentials(request, client_id)
    if grant_type == "authorization_code":
        return _authorization_code(request, client_id)
    if grant_type == "refresh_token":
        return _refresh_token(request, client_id)
    if not grant_type:
        return oauth_error(400, "invalid_request", INVALID_REQUEST)
    return oauth_error(
        400,
        "unsupported_grant_type",
        "grant type in request is not supported by the authorization server",
    )


def _client_credentials(request: HttpRequest, client_id: str) -> HttpResponse:
    scopes = requested_scopes(request.POST.get("scope", ""))
    if not scopes:
        return oauth_error(400, "invalid_request", INVALID_REQUEST)
    if not set(scopes) <= set(APPLICATION_SCOPES):
        return oauth_error(400, "invalid_scope", INVALID_SCOPE)
    access, lifetime = access_token_mint(client_id=client_id, seller="", scopes=scopes)
    return JsonResponse(
        {"access_token": access, "expires_in": lifetime, "token_type": "Application Access Token"}
    )


def _authorization_code(request: HttpRequest, client_id: str) -> HttpResponse:
    code, redirect_uri = request.POST.get("code", ""), request.POST.get("redirect_uri", "")
    if not code or not redirect_uri:
        return oauth_error(400, "invalid_request", INVALID_REQUEST)
    grant = authorization_code_redeem(code, client_id=client_id, redirect_uri=redirect_uri)
    if grant is None:
        return oauth_error(
            400,
            "invalid_grant",
            "the provided authorization grant code is invalid or was issued to another client",
        )
    access, lifetime = access_token_mint(
        client_id=client_id, seller=grant.seller, scopes=grant.scopes
    )
    refresh = refresh_token_mint(client_id=client_id, seller=grant.seller, scopes=grant.scopes)
    return JsonResponse(
        {
            "access_token": access,
            "expires_in": lifetime,
            "refresh_token": refresh,
            "refresh_token_expires_in": REFRESH_TOKEN_SECONDS,
            "token_type": "User Access Token",
        }
    )


def _refresh_token(request: HttpRequest, client_id: str) -> HttpResponse:
    refresh = request.POST.get("refresh_token", "")
    if not refresh:
        return oauth_error(400, "invalid_request", INVALID_REQUEST)
    grant = refresh_token_grant(refresh)
    if grant is None or grant.client_id != client_id:
        return oauth_error(
            400,
            "invalid_grant",
            "the provided authorization refresh token is invalid or was issued to another client",
        )
    scopes = requested_scopes(request.POST.get("scope", "")) or sorted(grant.scopes)
    if not set(scopes) <= grant.scopes:
        return oauth_error(400, "invalid_scope", INVALID_SCOPE)
    access, lifetime = access_token_mint(client_id=client_id, seller=grant.seller, scopes=scopes)
    return JsonResponse(
        {"access_token": access, "expires_in": lifetime, "token_type": "User Access Token"}
    )


# -- consent ------------------------------------------------------------------------------------


def accept_url(application: dict, redirect_uri: str) -> str | None:
    """Where consent returns: the accept URL of a registered RuName, or (a sandbox convenience)
    an http(s) URL given as ``redirect_uri`` itself."""
    registered = application.get("ru_names", {}).get(redirect_uri)
    if registered:
        return str(registered)
    if redirect_uri.startswith(("http://", "https://")):
        return redirect_uri
    return None


@csrf_exempt
def authorize(request: HttpRequest) -> HttpResponse:
    """``/oauth2/authorize``: the seller signs in (chooses a seller) and agrees or declines."""
    params = request.POST if request.method == "POST" else request.GET
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    scopes = requested_scopes(params.get("scope", ""))
    state = params.get("state", "")
    application = application_get(client_id)
    problem = ""
    target = None
    if application is None:
        problem = "unauthorized_client: the client id is not known."
    else:
        target = accept_url(application, redirect_uri)
        if target is None:
            problem = "invalid_request: redirect_uri is not a RuName of this application."
        elif params.get("response_type") != "code":
            problem = "unsupported_response_type: response_type must be code."
        elif not scopes or not set(scopes) <= set(USER_SCOPES):
            problem = "invalid_scope: " + INVALID_SCOPE
    if problem or target is None:
        EBAY.log(request, 400, operation="authorize")
        return render(request, "sandbox/ebay/consent.html", {"problem": problem}, status=400)
    if request.method == "POST":
        return _decide(request, client_id, redirect_uri, target, scopes, state)
    EBAY.log(request, 200, operation="authorize")
    return render(
        request,
        "sandbox/ebay/consent.html",
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "scopes": scopes,
            "state": state,
            "sellers": sellers(),
        },
    )


def _decide(
    request: HttpRequest,
    client_id: str,
    redirect_uri: str,
    target: str,
    scopes: list[str],
    state: str,
) -> HttpResponse:
    seller = request.POST.get("seller", "").strip()
    if request.POST.get("decision") != "agree":
        query = {"error": "access_denied", "error_description": "The user declined consent."}
    elif not seller_exists(seller):
        EBAY.log(request, 400, operation="authorize")
        return render(
            request,
            "sandbox/ebay/consent.html",
            {"problem": f"No seller is called {seller!r}."},
            status=400,
        )
    else:
        code = authorization_code_mint(
            client_id=client_id, seller=seller, scopes=scopes, redirect_uri=redirect_uri
        )
        query = {"code": code, "expires_in": str(AUTHORIZATION_CODE_SECONDS)}
    if state:
        query = {"state": state, **query}
    separator = "&" if "?" in target else "?"
    EBAY.log(request, 302, account=seller, operation="authorize")
    return HttpResponseRedirect(target + separator + urlencode(query))


def accepted(request: HttpRequest) -> HttpResponse:
    """eBay's own "authorization complete" page, for a RuName without an accept URL of its own."""
    return render(
        request,
        "sandbox/ebay/accepted.html",
        {"code": request.GET.get("code", ""), "state": request.GET.get("state", "")},
    )
