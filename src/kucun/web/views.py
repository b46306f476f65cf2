from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.web.navigation import PLANNED_SCREENS, find_entry
from kucun.web.selectors import home_summary


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"summary": home_summary()})


def not_built(request: HttpRequest, slug: str) -> HttpResponse:
    entry = find_entry(slug)
    if entry is None:
        raise Http404(slug)
    return render(
        request,
        "web/not_built.html",
        {"entry": entry, "planned": PLANNED_SCREENS.get(slug, "")},
    )
