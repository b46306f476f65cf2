"""Import and export of the postcode table the routing locates destinations with.

A row is a postcode's place and coordinates: ``country, postcode, place, state, latitude,
longitude``. Postcode lists are usually published one row per suburb, so a postcode may appear
on several rows: it is then located at the middle of its rows, under its first row's place and
state. The file is imported all or nothing (a wrong coordinate would send orders to the wrong
warehouse without anyone noticing); a postcode already in the table is updated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kucun.core.dataio.bulk import bulk_insert, bulk_update_rows
from kucun.core.dataio.columns import Column
from kucun.core.dataio.exporting import Exporter, ids_filter
from kucun.core.dataio.importing import Importer, ImportOptions, WriteCounts
from kucun.core.dataio.rows import CellError
from kucun.core.errors import FieldError, ValidationFailed
from kucun.orders.geocoding import known_country
from kucun.orders.models import PostcodeLocation
from kucun.orders.selectors_postcodes import postcode_location_list

POSTCODE_COLUMNS: tuple[Column, ...] = (
    Column("country", ("Country", "Country code", "国家", "国家代码"), True, "AU"),
    Column(
        "postcode",
        ("Postcode", "Post code", "Postal code", "Zip", "Zip code", "邮编", "邮政编码"),
        True,
        "2000",
    ),
    Column("place", ("Place", "Suburb", "Locality", "City", "地名", "城市", "区"), False, "Sydney"),
    Column("state", ("State", "州", "省", "州/省"), False, "NSW"),
    Column("latitude", ("Latitude", "Lat", "纬度"), True, "-33.8688"),
    Column("longitude", ("Longitude", "Long", "Lon", "Lng", "经度"), True, "151.2093"),
)
HEADER = tuple(column.key for column in POSTCODE_COLUMNS)
POSTCODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9 \-]{0,19}")
PLACE_MAX_LENGTH = 200
STATE_MAX_LENGTH = 100


def parse_country(text: str) -> str:
    code = text.strip().upper()
    if not code:
        raise CellError(_("Country is required: write its two-letter code, such as AU."))
    if len(code) != 2 or not code.isalpha() or not known_country(code):
        raise CellError(
            _("“%(value)s” is not a country code: write two letters, such as AU or NZ.")
            % {"value": text}
        )
    return code


def parse_postcode(text: str) -> str:
    code = " ".join(text.split()).upper()
    if not code:
        raise CellError(_("Postcode is required."))
    if not POSTCODE_PATTERN.fullmatch(code):
        raise CellError(
            _("“%(value)s” is not a postcode: use at most 20 letters, digits, spaces or hyphens.")
            % {"value": text}
        )
    return code


def parse_coordinate(text: str, *, limit: int, name: str) -> float:
    if not text:
        raise CellError(_("%(name)s is required.") % {"name": name})
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise CellError(
            _("%(name)s must be a number from -%(limit)d to %(limit)d, not “%(value)s”.")
            % {"name": name, "limit": limit, "value": text}
        )
    return value


def parse_text(text: str, *, limit: int) -> str:
    value = " ".join(text.split())
    if len(value) > limit:
        raise CellError(_("Write at most %(limit)d characters.") % {"limit": limit})
    return value


@dataclass
class PostcodeRecord:
    """A postcode's rows in the file, merged: first place and state, mean position."""

    country: str
    postcode: str
    place: str
    state: str
    latitudes: list[float] = field(default_factory=list)
    longitudes: list[float] = field(default_factory=list)

    @property
    def latitude(self) -> float:
        return round(sum(self.latitudes) / len(self.latitudes), 6)

    @property
    def longitude(self) -> float:
        return round(sum(self.longitudes) / len(self.longitudes), 6)


class PostcodeImporter(Importer):
    kind = "postcodes"
    kind_label = gettext_lazy("Postcode locations")
    columns = POSTCODE_COLUMNS

    @classmethod
    def clean_options(cls, options: ImportOptions) -> ImportOptions:
        if options.valid_rows_only:
            message = _(
                "Postcode locations are imported all or nothing: correct the rows with errors "
                "instead of leaving them out."
            )
            raise ValidationFailed(detail=message, errors=[FieldError("valid_rows_only", message)])
        return options

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.records: dict[tuple[str, str], PostcodeRecord] = {}

    def label(self, key: str) -> str:
        return self.header_map.labels.get(key) or {
            "country": _("Country"),
            "postcode": _("Postcode"),
            "place": _("Place"),
            "state": _("State"),
            "latitude": _("Latitude"),
            "longitude": _("Longitude"),
        }.get(key, key)

    def validate_row(
        self, number: int, cells: list[str], cell: Callable[[list[str], str], str]
    ) -> None:
        parsers: dict[str, Callable[[str], Any]] = {
            "country": parse_country,
            "postcode": parse_postcode,
            "place": lambda text: parse_text(text, limit=PLACE_MAX_LENGTH),
            "state": lambda text: parse_text(text, limit=STATE_MAX_LENGTH),
            "latitude": lambda text: parse_coordinate(text, limit=90, name=_("Latitude")),
            "longitude": lambda text: parse_coordinate(text, limit=180, name=_("Longitude")),
        }
        values: dict[str, Any] = {}
        for key, parse in parsers.items():
            text = cell(cells, key)
            try:
                values[key] = parse(text)
            except CellError as error:
                self.error(number, key, error.message, text)
        if number in self.failed:
            return
        postcode_key = (values["country"], values["postcode"])
        record = self.records.get(postcode_key)
        if record is None:
            record = self.records[postcode_key] = PostcodeRecord(
                values["country"], values["postcode"], values["place"], values["state"]
            )
        record.latitudes.append(values["latitude"])
        record.longitudes.append(values["longitude"])

    def write(self) -> WriteCounts:
        existing = self.existing_ids()
        fields = ("place", "state", "latitude", "longitude")
        new: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        for key, record in self.records.items():
            values = (record.place, record.state, record.latitude, record.longitude)
            if key in existing:
                updates.append((*values, existing[key]))
            else:
                new.append((record.country, record.postcode, *values))
        return WriteCounts(
            created=bulk_insert(PostcodeLocation, ("country", "postcode", *fields), new),
            updated=bulk_update_rows(PostcodeLocation, fields, updates),
        )

    def existing_ids(self) -> dict[tuple[str, str], int]:
        countries = sorted({country for country, _postcode in self.records})
        rows = PostcodeLocation.objects.filter(country__in=countries).values_list(
            "country", "postcode", "pk"
        )
        return {(country, postcode): pk for country, postcode, pk in rows.iterator(2000)}


class PostcodeExporter(Exporter):
    """The postcode table: ?q= (postcode, place or state) ?country= ?ids= (the rows ticked)."""

    kind = "postcodes"
    kind_label = gettext_lazy("Postcode locations")
    header = HEADER
    filter_names = ("q", "country", "ids")

    def queryset(self) -> QuerySet[PostcodeLocation]:
        ids = ids_filter(self.filters)
        queryset = postcode_location_list(
            q=self.filters.get("q", ""), country=self.filters.get("country", "")
        )
        return queryset if ids is None else queryset.filter(pk__in=ids)

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[Sequence[Any]]:
        values = self.queryset().values_list(*HEADER)
        yield from values.iterator(chunk_size=2000)
