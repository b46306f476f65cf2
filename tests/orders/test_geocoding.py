"""Destinations located offline: imported postcode, then city, state centre, country centre."""

from __future__ import annotations

import pytest

from kucun.orders.geocoding import Located, distance_km, locate
from kucun.orders.models import PostcodeLocation

SYDNEY = (-33.86785, 151.20732)
MELBOURNE = (-37.814, 144.96332)
# Rough boxes around Victoria and the Australian mainland and Tasmania.
VICTORIA_BOX = ((-39.2, -33.9), (140.9, 150.0))
AUSTRALIA_BOX = ((-43.7, -10.6), (113.0, 153.7))


def inside(located: Located, box: tuple[tuple[float, float], tuple[float, float]]) -> bool:
    (south, north), (west, east) = box
    return south <= located.latitude <= north and west <= located.longitude <= east


@pytest.mark.django_db
def test_sydney_is_located_by_its_city() -> None:
    located = locate(country="AU", state="NSW", city="Sydney", postcode="2000")

    assert located is not None
    assert located.source == "city"
    assert (located.latitude, located.longitude) == pytest.approx(SYDNEY)


@pytest.mark.django_db
def test_melbourne_by_state_name_in_any_case_and_spacing() -> None:
    by_code = locate(country="AU", state="VIC", city="Melbourne")
    by_name = locate(country="au", state="  victoria ", city="  MELBOURNE")

    assert by_code == by_name
    assert by_code is not None
    assert by_code.source == "city"
    assert (by_code.latitude, by_code.longitude) == pytest.approx(MELBOURNE)


@pytest.mark.django_db
def test_a_city_of_one_name_in_two_states_is_the_one_in_the_given_state() -> None:
    victoria = locate(country="AU", state="VIC", city="Richmond")
    new_south_wales = locate(country="AU", state="New South Wales", city="Richmond")

    assert victoria is not None
    assert new_south_wales is not None
    assert inside(victoria, VICTORIA_BOX)
    assert not inside(new_south_wales, VICTORIA_BOX)
    assert (victoria.source, new_south_wales.source) == ("city", "city")


@pytest.mark.django_db
def test_vic_in_lower_case_gives_the_state_centre() -> None:
    located = locate(country="AU", state="vic")

    assert located is not None
    assert located.source == "state"
    assert inside(located, VICTORIA_BOX)
    assert located == locate(country="AU", state="V I C")
    assert located == locate(country="AU", state="Victoria")


@pytest.mark.django_db
def test_unknown_city_falls_back_to_the_state_centre() -> None:
    located = locate(country="AU", state="VIC", city="Nowhere Creek Upper", postcode="3999")

    assert located == locate(country="AU", state="VIC")
    assert located is not None
    assert located.source == "state"


@pytest.mark.django_db
def test_a_city_of_another_state_is_not_taken_for_the_given_one() -> None:
    # Sydney exists, but not in Victoria: the address is somewhere in Victoria.
    located = locate(country="AU", state="VIC", city="Sydney")

    assert located is not None
    assert located.source == "state"
    assert inside(located, VICTORIA_BOX)


@pytest.mark.django_db
def test_unknown_state_falls_back_to_the_country_centre() -> None:
    located = locate(country="AU", state="Atlantis", city="Nowhere Creek Upper")

    assert located is not None
    assert located.source == "country"
    assert inside(located, AUSTRALIA_BOX)
    assert located == locate(country="Australia")


@pytest.mark.django_db
def test_unknown_country_is_not_located() -> None:
    assert locate(country="ZZ", state="VIC", city="Melbourne") is None
    assert locate(country="", city="Melbourne") is None


@pytest.mark.django_db
def test_the_imported_postcode_row_wins_over_the_city() -> None:
    PostcodeLocation.objects.create(
        country="AU", postcode="2000", place="Sydney", state="NSW", latitude=-33.87, longitude=151.2
    )

    located = locate(country="au", state="NSW", city="Melbourne", postcode=" 2000 ")

    assert located == Located(-33.87, 151.2, "postcode")


@pytest.mark.django_db
def test_a_postcode_of_another_country_is_not_used() -> None:
    PostcodeLocation.objects.create(country="NZ", postcode="2000", latitude=-36.9, longitude=174.8)

    located = locate(country="AU", state="NSW", city="Sydney", postcode="2000")

    assert located is not None
    assert located.source == "city"


@pytest.mark.django_db
def test_abbreviated_place_names_match_the_gazetteer() -> None:
    st_kilda = locate(country="AU", state="VIC", city="St. Kilda")
    mt_gambier = locate(country="AU", state="SA", city="Mt Gambier")

    assert st_kilda == locate(country="AU", state="VIC", city="Saint Kilda")
    assert mt_gambier == locate(country="AU", state="SA", city="Mount Gambier")
    assert st_kilda is not None
    assert mt_gambier is not None
    assert (st_kilda.source, mt_gambier.source) == ("city", "city")


@pytest.mark.django_db
def test_a_city_written_in_chinese() -> None:
    located = locate(country="AU", city="悉尼")

    assert located is not None
    assert located.source == "city"
    assert (located.latitude, located.longitude) == pytest.approx(SYDNEY)


def test_distance_between_sydney_and_melbourne() -> None:
    assert distance_km(*SYDNEY, *MELBOURNE) == pytest.approx(713.4, abs=1.0)
    assert distance_km(*SYDNEY, *SYDNEY) == 0.0
