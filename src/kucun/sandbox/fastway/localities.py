"""The emulator's small locality table (fastway.md §4, §11): suburb, state and postcode that must
agree, the franchise that services each, and the suggestions offered when they do not agree.
More localities can be seeded (``__emu/seed {"localities": [...]}``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Locality:
    locality: str
    state: str
    postcode: str
    lat: float
    lng: float
    franchise_code: str
    franchise_name: str

    @property
    def locality_id(self) -> int:
        """A stable internal id, as the vendor's normalised addresses carry one."""
        return int(self.postcode) * 100 + sum(map(ord, self.locality.upper())) % 100

    def suggestion(self) -> str:
        """How a suggestion reads in ``suggestedValues``: ``KATOOMBA NSW 2780``."""
        return f"{self.locality.upper()} {self.state} {self.postcode}"

    def seed_form(self) -> dict[str, Any]:
        return asdict(self)


def _locality(
    name: str, state: str, postcode: str, lat: float, lng: float, franchise: tuple[str, str]
) -> Locality:
    return Locality(name, state, postcode, lat, lng, *franchise)


SYDNEY = ("SYD", "Sydney")
BLUE_MOUNTAINS = ("BMT", "Blue Mountains")
NEWCASTLE = ("NTL", "Newcastle")
WOLLONGONG = ("WOL", "Wollongong")
MELBOURNE = ("MEL", "Melbourne")
GEELONG = ("GEE", "Geelong")
BRISBANE = ("BNE", "Brisbane")
GOLD_COAST = ("GCT", "Gold Coast")
ADELAIDE = ("ADL", "Adelaide")
PERTH = ("PER", "Perth")
HOBART = ("HBA", "Hobart")
CANBERRA = ("CBR", "Canberra")
DARWIN = ("DRW", "Darwin")

DEFAULT_LOCALITIES: tuple[Locality, ...] = (
    _locality("Sydney", "NSW", "2000", -33.8688, 151.2093, SYDNEY),
    _locality("Haymarket", "NSW", "2000", -33.8810, 151.2040, SYDNEY),
    _locality("Surry Hills", "NSW", "2010", -33.8840, 151.2110, SYDNEY),
    _locality("Alexandria", "NSW", "2015", -33.9020, 151.1940, SYDNEY),
    _locality("Bondi", "NSW", "2026", -33.8940, 151.2640, SYDNEY),
    _locality("Chatswood", "NSW", "2067", -33.7970, 151.1830, SYDNEY),
    _locality("Parramatta", "NSW", "2150", -33.8150, 151.0010, SYDNEY),
    _locality("Richmond", "NSW", "2753", -33.5990, 150.7510, SYDNEY),
    _locality("Katoomba", "NSW", "2780", -33.7150, 150.3110, BLUE_MOUNTAINS),
    _locality("Leura", "NSW", "2780", -33.7130, 150.3310, BLUE_MOUNTAINS),
    _locality("Wentworth Falls", "NSW", "2782", -33.7090, 150.3760, BLUE_MOUNTAINS),
    _locality("Newcastle", "NSW", "2300", -32.9270, 151.7760, NEWCASTLE),
    _locality("Wollongong", "NSW", "2500", -34.4250, 150.8930, WOLLONGONG),
    _locality("Melbourne", "VIC", "3000", -37.8136, 144.9631, MELBOURNE),
    _locality("Port Melbourne", "VIC", "3207", -37.8390, 144.9420, MELBOURNE),
    _locality("Richmond", "VIC", "3121", -37.8230, 144.9980, MELBOURNE),
    _locality("St Kilda", "VIC", "3182", -37.8680, 144.9810, MELBOURNE),
    _locality("Dandenong", "VIC", "3175", -37.9870, 145.2150, MELBOURNE),
    _locality("Geelong", "VIC", "3220", -38.1490, 144.3610, GEELONG),
    _locality("Brisbane City", "QLD", "4000", -27.4698, 153.0251, BRISBANE),
    _locality("Fortitude Valley", "QLD", "4006", -27.4570, 153.0340, BRISBANE),
    _locality("Southport", "QLD", "4215", -27.9670, 153.4000, GOLD_COAST),
    _locality("Surfers Paradise", "QLD", "4217", -28.0020, 153.4310, GOLD_COAST),
    _locality("Adelaide", "SA", "5000", -34.9285, 138.6007, ADELAIDE),
    _locality("Glenelg", "SA", "5045", -34.9800, 138.5150, ADELAIDE),
    _locality("Perth", "WA", "6000", -31.9505, 115.8605, PERTH),
    _locality("Fremantle", "WA", "6160", -32.0560, 115.7470, PERTH),
    _locality("Hobart", "TAS", "7000", -42.8821, 147.3272, HOBART),
    _locality("Canberra", "ACT", "2601", -35.2809, 149.1300, CANBERRA),
    _locality("Braddon", "ACT", "2612", -35.2710, 149.1350, CANBERRA),
    _locality("Darwin City", "NT", "0800", -12.4634, 130.8456, DARWIN),
)

STATES = ("ACT", "NSW", "NT", "QLD", "SA", "TAS", "VIC", "WA")


def locality_from_seed(spec: Mapping[str, Any]) -> Locality:
    """A locality from seed JSON: ``locality``, ``state``, ``postcode`` and optionally ``lat``,
    ``lng``, ``franchise_code``, ``franchise_name``."""
    state = str(spec["state"]).upper()
    if state not in STATES:
        raise ValueError(f"state {state!r} is not one of {', '.join(STATES)}")
    postcode = str(spec["postcode"])
    if not (postcode.isdigit() and len(postcode) == 4):
        raise ValueError(f"postcode {postcode!r} must be four digits")
    return Locality(
        locality=str(spec["locality"]),
        state=state,
        postcode=postcode,
        lat=float(spec.get("lat", 0.0)),
        lng=float(spec.get("lng", 0.0)),
        franchise_code=str(spec.get("franchise_code") or "SYD"),
        franchise_name=str(spec.get("franchise_name") or "Sydney"),
    )


@dataclass(frozen=True)
class Verdict:
    """What validation found: the locality when suburb, state and postcode agree, otherwise the
    field at fault, why, and the localities that might have been meant."""

    found: Locality | None
    field: str = ""
    message: str = ""
    suggestions: tuple[Locality, ...] = ()


def verdict(table: Iterable[Locality], *, locality: str, state: str, postcode: str) -> Verdict:
    """Suburb, state and postcode must name one row of the table (suburb case-insensitively).
    When they do not: the same suburb and postcode in another state points at the state; the
    postcode's suburbs, or the suburb's other postcodes, are suggested."""
    rows = list(table)
    name, state, postcode = locality.strip().upper(), state.strip().upper(), postcode.strip()
    same_name = [row for row in rows if row.locality.upper() == name]
    same_postcode = [row for row in rows if row.postcode == postcode]
    for row in same_name:
        if row.postcode == postcode and row.state == state:
            return Verdict(row)
    in_other_state = [row for row in same_name if row.postcode == postcode]
    if in_other_state:
        return Verdict(
            None,
            "stateOrProvince",
            f"{locality} {postcode} is in {in_other_state[0].state}, not {state or 'blank'}.",
            tuple(in_other_state),
        )
    if same_name:
        return Verdict(
            None,
            "postalCode",
            f"Postcode {postcode or 'blank'} does not match {locality} {state}.",
            tuple(sorted(same_name, key=lambda row: (row.state != state, row.postcode))),
        )
    return Verdict(
        None,
        "locality",
        f"Locality '{locality}' was not found in postcode {postcode or 'blank'}.",
        tuple(sorted(same_postcode, key=lambda row: row.locality)),
    )


def search(table: Iterable[Locality], term: str) -> list[Locality]:
    """Localities whose name or postcode starts with ``term``."""
    wanted = term.strip().upper()
    if not wanted:
        return []
    return sorted(
        (
            row
            for row in table
            if row.locality.upper().startswith(wanted) or row.postcode.startswith(wanted)
        ),
        key=lambda row: (row.locality, row.state),
    )
