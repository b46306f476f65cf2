from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kucun.accounts.choices import Role
from kucun.accounts.permissions import user_has_role
from kucun.web.navigation import NAVIGATION


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    is_owner = user_has_role(user, Role.OWNER)
    sections = []
    for section in NAVIGATION:
        entries = [
            {"label": e.label, "url": e.url(), "built": e.is_built, "slug": e.slug}
            for e in section.entries
            if is_owner or not e.owner_only
        ]
        if entries:
            sections.append({"label": section.label, "entries": entries})
    return {
        "nav_sections": sections,
        "can_write": user_has_role(user, Role.STAFF),
        "is_owner": is_owner,
    }
