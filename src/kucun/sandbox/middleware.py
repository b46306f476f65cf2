"""The sandbox exists only while ``KUCUN_SANDBOX`` is on; otherwise every path under it is 404."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound

SANDBOX_PREFIX = "/sandbox/"


class SandboxGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(SANDBOX_PREFIX) and not settings.SANDBOX_ENABLED:
            return HttpResponseNotFound()
        return self.get_response(request)
