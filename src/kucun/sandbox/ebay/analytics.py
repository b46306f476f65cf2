"""The Developer Analytics API (ebay.md §8): ``rate_limit/`` (application token) and
``user_rate_limit/`` (user token) report the caller's bucket as eBay reports its quotas:
``rateLimits[].resources[].rates[]{count, limit, remaining, reset, timeWindow}``.

The emulator's limit is a bucket refilled continuously rather than a daily window, so ``limit``
is its capacity, ``timeWindow`` the seconds an empty bucket takes to fill, and ``reset`` when it
will be full again."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse, JsonResponse

from kucun.sandbox.ebay.api import Caller, ebay_call
from kucun.sandbox.ebay.state import API_SCOPE, EBAY, USER_SCOPES, stamp
from kucun.sandbox.emulator import credential_digest
from kucun.sandbox.models import EmulatorBucket


def bucket_report(caller: Caller) -> JsonResponse:
    limit = EBAY.rate_limit()
    capacity, rate = float(limit["capacity"]), float(limit["refill_per_second"])
    now = EBAY.now()
    bucket = EmulatorBucket.objects.filter(
        system=EBAY.system, credential=credential_digest(caller.bucket)
    ).first()
    tokens = capacity
    if bucket is not None:
        tokens = min(
            capacity, bucket.tokens + max(0.0, now.timestamp() - bucket.refilled_at) * rate
        )
    to_full = (capacity - tokens) / rate if rate > 0 else 0.0
    window = int(capacity / rate) if rate > 0 else 86_400
    rate_entry = {
        "count": int(capacity - tokens),
        "limit": int(capacity),
        "remaining": int(tokens),
        "reset": stamp((now + timedelta(seconds=to_full)).timestamp()),
        "timeWindow": window,
    }
    resources = [
        {"name": name, "rates": [rate_entry]}
        for name in ("sell.inventory", "commerce.notification", "commerce.identity")
    ]
    return JsonResponse(
        {
            "rateLimits": [
                {
                    "apiContext": "sell",
                    "apiName": "inventory",
                    "apiVersion": "v1",
                    "resources": resources,
                }
            ]
        }
    )


@ebay_call("getRateLimits", methods={"GET"}, scopes=(API_SCOPE,))
def rate_limit(request: HttpRequest, caller: Caller) -> HttpResponse:
    return bucket_report(caller)


@ebay_call("getUserRateLimits", methods={"GET"}, scopes=USER_SCOPES, user_only=True)
def user_rate_limit(request: HttpRequest, caller: Caller) -> HttpResponse:
    return bucket_report(caller)
