"""The postcode table's import (all or nothing, bad cells named by row and column) and export."""

from __future__ import annotations

from pathlib import Path

import pytest

from kucun.accounts.models import User
from kucun.core.dataio.importing import ImportOptions, ImportResult
from kucun.core.dataio.registry import export_kinds, exporter_class, import_kinds
from kucun.core.dataio.services import clean_options, import_path
from kucun.core.errors import ValidationFailed
from kucun.orders.models import PostcodeLocation

pytestmark = pytest.mark.django_db

HEADER = "country,postcode,place,state,latitude,longitude\n"


def run_import(tmp_path: Path, user: User, text: str) -> ImportResult:
    path = tmp_path / "postcodes.csv"
    path.write_text(text, encoding="utf-8")
    _run, result = import_path(user=user, kind="postcodes", path=path, options=ImportOptions())
    return result


def table() -> list[tuple[str, str, str, str, float, float]]:
    return list(
        PostcodeLocation.objects.order_by("country", "postcode").values_list(
            "country", "postcode", "place", "state", "latitude", "longitude"
        )
    )


def test_postcodes_are_an_import_and_an_export_kind() -> None:
    assert "postcodes" in import_kinds()
    assert "postcodes" in export_kinds()


def test_rows_are_created_and_existing_postcodes_updated(tmp_path: Path, staff: User) -> None:
    PostcodeLocation.objects.create(
        country="AU", postcode="3000", place="Old", state="VIC", latitude=-37.0, longitude=144.0
    )

    result = run_import(
        tmp_path,
        staff,
        HEADER + "au,2000,Sydney,NSW,-33.8688,151.2093\nAU,3000,Melbourne,VIC,-37.8136,144.9631\n",
    )

    assert (result.written, result.created, result.updated, result.errors) == (True, 1, 1, [])
    assert table() == [
        ("AU", "2000", "Sydney", "NSW", -33.8688, 151.2093),
        ("AU", "3000", "Melbourne", "VIC", -37.8136, 144.9631),
    ]


def test_a_postcode_on_several_rows_is_located_at_their_middle(tmp_path: Path, staff: User) -> None:
    result = run_import(
        tmp_path,
        staff,
        HEADER + "AU,2000,Sydney,NSW,-33.80,151.20\nAU,2000,Barangaroo,NSW,-33.90,151.30\n",
    )

    assert (result.written, result.created, result.rows_total) == (True, 1, 2)
    assert table() == [("AU", "2000", "Sydney", "NSW", -33.85, 151.25)]


def test_chinese_headers_and_blank_place_and_state(tmp_path: Path, staff: User) -> None:
    result = run_import(tmp_path, staff, "国家,邮编,纬度,经度\nNZ,1010,-36.85,174.76\n")

    assert result.written
    assert table() == [("NZ", "1010", "", "", -36.85, 174.76)]


def test_bad_rows_are_named_and_nothing_is_written(tmp_path: Path, staff: User) -> None:
    PostcodeLocation.objects.create(country="AU", postcode="3000", latitude=-37.0, longitude=144.0)

    result = run_import(
        tmp_path,
        staff,
        HEADER
        + "AU,3000,Melbourne,VIC,-37.8136,144.9631\n"
        + "XX,2000,Sydney,NSW,-33.8688,151.2093\n"
        + "AU,,Nowhere,NSW,-33.8688,151.2093\n"
        + "AU,2600,Canberra,ACT,-95,north\n",
    )

    assert not result.written
    assert [(error.row, error.column) for error in result.errors] == [
        (3, "country"),
        (4, "postcode"),
        (5, "latitude"),
        (5, "longitude"),
    ]
    assert "-90 to 90" in result.errors[2].message
    assert "“north”" in result.errors[3].message
    assert "nothing was written" in result.message
    assert table() == [("AU", "3000", "", "", -37.0, 144.0)]


def test_a_missing_coordinate_column_is_refused_by_name(tmp_path: Path, staff: User) -> None:
    result = run_import(tmp_path, staff, "country,postcode,latitude\nAU,2000,-33.8\n")

    assert not result.written
    assert "longitude" in result.message
    assert table() == []


def test_valid_rows_only_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_options("postcodes", ImportOptions(valid_rows_only=True))

    assert refused.value.errors[0].field == "valid_rows_only"


def test_the_export_writes_the_import_columns_filtered() -> None:
    PostcodeLocation.objects.create(
        country="AU", postcode="2000", place="Sydney", state="NSW", latitude=-33.8, longitude=151.2
    )
    PostcodeLocation.objects.create(
        country="NZ", postcode="1010", place="Auckland", latitude=-36.8, longitude=174.7
    )
    exporter = exporter_class("postcodes")(filters={"country": "au", "unknown": "x"})

    assert exporter.header == ("country", "postcode", "place", "state", "latitude", "longitude")
    assert exporter.filters == {"country": "au"}
    assert exporter.count() == 1
    assert list(exporter.rows()) == [("AU", "2000", "Sydney", "NSW", -33.8, 151.2)]


def test_the_export_searches_place_and_postcode() -> None:
    PostcodeLocation.objects.create(
        country="AU", postcode="2000", place="Sydney", state="NSW", latitude=-33.8, longitude=151.2
    )
    PostcodeLocation.objects.create(
        country="AU", postcode="3000", place="Melbourne", state="VIC", latitude=-37.8, longitude=145
    )

    by_place = exporter_class("postcodes")(filters={"q": "melb"})
    by_postcode = exporter_class("postcodes")(filters={"q": "20"})

    assert [row[1] for row in by_place.rows()] == ["3000"]
    assert [row[1] for row in by_postcode.rows()] == ["2000"]
