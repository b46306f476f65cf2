"""The Identity API's ``getUser`` (``GET /commerce/identity/v1/user/``): who the user token
belongs to. Not in the notes' list of calls, but the cheapest way eBay offers to name the
account behind a token, with the scope ``commerce.identity.readonly``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from kucun.sandbox.ebay.api import Caller, ebay_call
from kucun.sandbox.ebay.state import IDENTITY_READONLY, MARKETPLACE
from kucun.sandbox.emulator import credential_digest


@ebay_call("getUser", methods={"GET"}, scopes=(IDENTITY_READONLY,), user_only=True)
def user(request: HttpRequest, caller: Caller) -> HttpResponse:
    return JsonResponse(
        {
            "userId": credential_digest(f"user:{caller.seller}")[:20],
            "username": caller.seller,
            "accountType": "BUSINESS",
            "registrationMarketplaceId": MARKETPLACE,
            "status": "CONFIRMED",
        }
    )
