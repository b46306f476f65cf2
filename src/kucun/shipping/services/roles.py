"""Who may write shipping's records: staff (and owners); ``None`` is the system itself (the
worker, a command run by the operator, the demo)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kucun.accounts.choices import Role
from kucun.core.access import user_holds_role
from kucun.core.errors import PermissionDenied


def require_staff(actor: Any) -> None:
    if actor is None:
        return
    if not user_holds_role(actor, Role.STAFF):
        raise PermissionDenied(
            detail=_("Only warehouse staff and owners create, cancel and lodge shipments.")
        )


def user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None
