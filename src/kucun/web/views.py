from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from kucun.channels.selectors_console import channel_health
from kucun.orders.selectors import stores_with_failed_download
from kucun.orders.selectors_console import ORDER_TABS, order_tab_counts
from kucun.web.navigation import PLANNED_SCREENS, find_entry
from kucun.web.selectors import home_summary

FAVICON = Path(__file__).resolve().parent.parent / "core" / "static" / "core" / "favicon.svg"


@require_GET
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on their own, answers with our SVG icon."""
    return HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/home.html",
        {
            "summary": home_summary(),
            "currency": settings.DEFAULT_CURRENCY,
            "channel_health": channel_health(),
            "order_tabs": order_tabs(),
            "failed_downloads": list(stores_with_failed_download()),
        },
    )


def order_tabs() -> list[dict[str, object]]:
    """The orders list's tabs with their counts, for the home page's orders card."""
    counts = order_tab_counts()
    return [{"key": tab.key, "label": tab.label, "count": counts[tab.key]} for tab in ORDER_TABS]


def not_built(request: HttpRequest, slug: str) -> HttpResponse:
    """The placeholder of a screen not built yet; a screen built since goes to its page, so
    an old link or bookmark never says "not built" of something that exists."""
    entry = find_entry(slug)
    if entry is None:
        raise Http404(slug)
    if entry.is_built:
        return redirect(entry.url())
    return render(
        request,
        "web/not_built.html",
        {"entry": entry, "planned": PLANNED_SCREENS.get(slug, "")},
    )
