"""The identity host (fastway.md §1): IdentityServer's client-credentials token endpoint under
``/sandbox/fastway/identity/``. (Its discovery document is left out: the sandbox shows nothing
to anonymous callers, and clients are given the token URL.)"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from kucun.sandbox.fastway import state

FORM = "application/x-www-form-urlencoded"


def oauth_error(error: str, status: int = 400) -> JsonResponse:
    """OAuth2's error answer, as IdentityServer gives it: ``{"error": "invalid_client"}``."""
    return JsonResponse({"error": error}, status=status)


def client_credentials(request: HttpRequest) -> tuple[str, str]:
    """``client_id``/``client_secret`` from the form, or from HTTP Basic (client_secret_basic,
    which IdentityServer accepts as well)."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return unquote_plus(client_id), unquote_plus(secret)
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    """``POST identity/connect/token``."""
    response = state.emulator.fault_before(request, "token")
    client_id = ""
    if response is None:
        response, client_id = _token(request)
    state.emulator.log(request, response.status_code, account=client_id, operation="token")
    return response


def _token(request: HttpRequest) -> tuple[HttpResponse, str]:
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if request.method != "POST" or content_type != FORM:
        return oauth_error("invalid_request"), ""
    client_id, secret = client_credentials(request)
    client = state.client_authenticated(client_id, secret)
    if client is None:
        return oauth_error("invalid_client"), ""
    grant_type = request.POST.get("grant_type", "")
    if not grant_type:
        return oauth_error("invalid_request"), client_id
    if grant_type != "client_credentials":
        return oauth_error("unsupported_grant_type"), client_id
    asked = request.POST.get("scope", "").split()
    # IdentityServer grants every scope the client holds when none is asked for.
    scopes = asked or list(client["scopes"])
    if not set(scopes) <= set(client["scopes"]):
        return oauth_error("invalid_scope"), client_id
    access_token, lifetime = state.token_mint(client_id, scopes)
    return (
        JsonResponse(
            {
                "access_token": access_token,
                "expires_in": lifetime,
                "token_type": "Bearer",
                "scope": " ".join(scopes),
            }
        ),
        client_id,
    )
