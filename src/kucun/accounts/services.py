"""Account writes: users, roles, API tokens, login failures, preferences."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kucun.accounts.auth import token_digest
from kucun.accounts.models import ApiToken, FailedLogin

TOKEN_PREFIX = "kc_"  # noqa: S105 - a visible marker, not a secret


def normalised_language(language: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def user_set_language(*, user: Any, language: str) -> None:
    if not user.is_authenticated:
        return
    user.language = normalised_language(language)
    user.save(update_fields=["language"])


def login_failure_record(*, username: str, address: str | None) -> None:
    FailedLogin.objects.create(username=username[:150], address=address)


def login_throttle_wait_seconds(*, username: str, address: str | None) -> int:
    """Seconds until another try is allowed for this user name or address (0 = allowed now)."""
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    since = timezone.now() - window
    recent = FailedLogin.objects.filter(created_at__gte=since)
    checks: list[tuple[Q, int]] = []
    if username:
        checks.append((Q(username__iexact=username), settings.LOGIN_FAILURES_PER_USER))
    if address:
        checks.append((Q(address=address), settings.LOGIN_FAILURES_PER_ADDRESS))
    wait = 0
    for condition, limit in checks:
        failures = list(
            recent.filter(condition)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:limit]
        )
        if len(failures) >= limit:
            oldest_counted = failures[-1]
            wait = max(wait, int((oldest_counted + window - timezone.now()).total_seconds()) + 1)
    return wait


@transaction.atomic
def api_token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """Create a token; the plain token is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "token", prefix=plain[:10], token_hash=token_digest(plain)
    )
    return token, plain
