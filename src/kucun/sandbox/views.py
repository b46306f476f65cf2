from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.sandbox.control import operator_required
from kucun.sandbox.registry import installed_systems


@operator_required("viewer", page=True)
def index(request: HttpRequest) -> HttpResponse:
    """The emulated systems, each linking to its own page of accounts and what they hold."""
    return render(request, "sandbox/index.html", {"systems": installed_systems()})
