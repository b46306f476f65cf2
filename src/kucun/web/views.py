from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kucun.web.navigation import PLANNED_SCREENS, find_entry
from kucun.web.selectors import home_summary


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/home.html",
        {"summary": home_summary(), "currency": settings.DEFAULT_CURRENCY},
    )


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
