"""Reads of the postcode table (Settings → Postcode locations, its export and API)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kucun.orders.models import PostcodeLocation


def postcode_location_list(*, q: str = "", country: str = "") -> QuerySet[PostcodeLocation]:
    """By country and postcode; ``q`` matches the start of a postcode, or a place or state."""
    queryset = PostcodeLocation.objects.all()
    code = country.strip().upper()
    if code:
        queryset = queryset.filter(country=code)
    text = " ".join(q.split())
    if text:
        queryset = queryset.filter(
            Q(postcode__istartswith=text) | Q(place__icontains=text) | Q(state__iexact=text)
        )
    return queryset.order_by("country", "postcode", "id")


def postcode_countries() -> list[str]:
    """The countries the table holds postcodes of (the list's country filter)."""
    return list(
        PostcodeLocation.objects.order_by("country").values_list("country", flat=True).distinct()
    )
