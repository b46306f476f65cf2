from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from kucun.accounts.choices import Role
from kucun.accounts.permissions import user_has_role
from kucun.channels.selectors_console import stores_with_sync_off
from kucun.core.dataio.registry import import_kinds
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
        "console_urls": console_urls(),
        # Read only by the pages that show it (the stock query): lazily.
        "stores_sync_off": SimpleLazyObject(stores_with_sync_off),
    }


def console_urls() -> dict[str, Any]:
    """Links to the console's own screens for the templates of the apps and of core's page
    shell, which cannot name them: home, language and logout, the Data screens (import,
    export, each kind's CSV template as (kind, url)) and the stock push."""
    return {
        "home": reverse("web:home"),
        "language": reverse("accounts:language"),
        "logout": reverse("accounts:logout"),
        "data_import": reverse("data:import_create"),
        "data_export": reverse("data:export_create"),
        "stock_push": reverse("channels:stock_push"),
        "data_import_templates": [
            (kind, reverse("data:import_template", args=[kind, "csv"])) for kind in import_kinds()
        ],
    }
