"""Console-wide login requirement and per-user language and time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone, translation

from kucun.core.errors import NotFound, PermissionDenied

# The API authenticates each request itself (session or bearer token) and answers 401 in JSON;
# the sandbox's vendor paths check the vendor's credentials, its pages and control plane a
# session or token; webhooks check their signatures.
PUBLIC_PREFIXES = ("/api/", "/static/", "/health", "/favicon.ico", "/sandbox/", "/hooks/")


class ConsoleLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every console page needs a logged-in user, except the login page and public paths."""

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path.startswith(PUBLIC_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A console view refused by role (403) or naming a missing object (404) says why."""
        if request.path.startswith(PUBLIC_PREFIXES):
            return None
        if isinstance(exception, PermissionDenied | NotFound):
            return render(
                request,
                "accounts/refused.html",
                {"detail": exception.detail, "status": exception.status_code},
                status=exception.status_code,
            )
        return None


class UserPreferencesMiddleware:
    """Activate the logged-in user's chosen language and time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        # Restore what was active before, so one user's language never leaks into
        # whatever the same thread does next.
        with translation.override(language), timezone.override(user_time_zone(user)):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", translation.get_language())
        return response


def user_time_zone(user: Any) -> zoneinfo.ZoneInfo | None:
    """The user's zone, else the site's; None (UTC) when neither names a real zone."""
    for name in (getattr(user, "time_zone", ""), settings.TIME_ZONE):
        if not name:
            continue
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
    return None
