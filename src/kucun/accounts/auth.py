"""API authentication: the console session (with CSRF) or a bearer token."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from ninja.security import HttpBearer, SessionAuth

from kucun.accounts.models import ApiToken


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=token_digest(token), revoked_at__isnull=True)
            .first()
        )
        if api_token is None or not api_token.user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        # Messages follow the token's user's language, as the console does for its session.
        translation.activate(api_token.user.language or settings.LANGUAGE_CODE)
        return api_token.user


class ActiveSessionAuth(SessionAuth):
    """The console session; CSRF is checked for unsafe methods.

    Without a logged-in session there is nothing to protect, so the request is simply not
    authenticated (401) instead of failing the CSRF check (403): a client sending a revoked or
    wrong bearer token learns that it is not authenticated.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        key: str | None = super()._get_key(request)
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or not user.is_active:
            return None
        return user


api_auth = [BearerTokenAuth(), ActiveSessionAuth()]
