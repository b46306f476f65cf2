"""Helpers shared by the stock screens' views."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kucun.accounts.choices import Role
from kucun.accounts.permissions import user_has_role


def can_edit(request: HttpRequest) -> bool:
    """Staff and owners move stock; viewers only look."""
    return user_has_role(getattr(request, "user", None), Role.STAFF)


def acting_user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None
