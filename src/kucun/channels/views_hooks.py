"""``/hooks/<platform>/<store id>``: where a platform delivers a store's webhooks.

Public (no session, no CSRF token): the platform's signature on the raw body is the proof,
checked by the store's adapter. The adapter receives the request's headers, plus three that
Kucun sets itself (a client cannot forge them): ``X-Kucun-Method``, ``X-Kucun-Query`` (the raw
query string, where eBay's ``challenge_code`` arrives on a GET) and ``X-Kucun-Endpoint`` (this
endpoint's absolute URL, which eBay's challenge response is computed over).
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.datastructures import CaseInsensitiveMapping
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kucun.channels.adapters.base import ChannelError, WebhookRejected
from kucun.channels.models import Store
from kucun.channels.platforms import platforms
from kucun.channels.services.webhooks import webhook_receive

logger = logging.getLogger(__name__)

KUCUN_HEADERS = ("X-Kucun-Method", "X-Kucun-Query", "X-Kucun-Endpoint")


def delivery_headers(request: HttpRequest) -> CaseInsensitiveMapping[str]:
    headers = {
        name: value
        for name, value in request.headers.items()
        if name.lower() not in {kucun.lower() for kucun in KUCUN_HEADERS}
    }
    headers["X-Kucun-Method"] = request.method or "POST"
    headers["X-Kucun-Query"] = request.META.get("QUERY_STRING", "")
    headers["X-Kucun-Endpoint"] = request.build_absolute_uri(request.path)
    return CaseInsensitiveMapping(headers)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, platform: str, store_id: int) -> HttpResponse:
    store = (
        Store.objects.filter(pk=store_id, platform=platform).first()
        if platform in platforms() and 0 < store_id < 2**63
        else None
    )
    if store is None:
        raise Http404("no such store")
    try:
        answer = webhook_receive(
            store=store, headers=delivery_headers(request), raw_body=request.body
        )
    except WebhookRejected as error:
        # Never the body: it is unverified and may carry anything.
        logger.warning("webhook for store %s refused: %s", store.pk, error)
        return JsonResponse({"detail": "signature does not verify"}, status=401)
    except ChannelError as error:
        logger.warning("webhook for store %s not understood: %s", store.pk, error.message)
        return JsonResponse({"detail": "delivery not understood"}, status=400)
    if answer.body:
        return HttpResponse(answer.body, content_type="application/json")
    return JsonResponse({"accepted": answer.accepted, "duplicates": answer.duplicates})
