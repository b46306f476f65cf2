"""Console: Settings → Postcode locations (the table, its search, import and export links) and
the "Locate an address" form."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kucun.orders.models import PostcodeLocation
from tests.permissions import ALL_ROLES, assert_view_role_matrix

pytestmark = pytest.mark.django_db

URL = "/orders/postcode-locations/"


def add(country: str, postcode: str, place: str, state: str = "") -> PostcodeLocation:
    return PostcodeLocation.objects.create(
        country=country, postcode=postcode, place=place, state=state, latitude=-30, longitude=150
    )


def test_every_role_may_look(user_for_role: Any) -> None:
    assert_view_role_matrix(user_for_role, "GET", URL, allowed_roles=ALL_ROLES, allowed_status=200)


def test_the_page_is_in_the_settings_menu(viewer_client: Client) -> None:
    page = viewer_client.get("/").content.decode()

    assert f'href="{URL}"' in page


def test_the_list_searches_and_filters_by_country(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    add("AU", "2000", "Sydney", "NSW")
    add("AU", "3000", "Melbourne", "VIC")
    add("NZ", "1010", "Auckland")

    everything = viewer_client.get(URL).content.decode()
    with django_assert_max_num_queries(8):
        melbourne = viewer_client.get(URL, {"q": "melb"}).content.decode()
    new_zealand = viewer_client.get(URL, {"country": "nz"}).content.decode()

    assert all(f'data-postcode="{key}"' in everything for key in ("AU/2000", "AU/3000", "NZ/1010"))
    assert 'data-postcode="AU/3000"' in melbourne
    assert 'data-postcode="AU/2000"' not in melbourne
    assert 'data-postcode="NZ/1010"' in new_zealand
    assert 'data-postcode="AU/2000"' not in new_zealand
    assert 'data-count="1"' in new_zealand


def test_an_empty_table_says_how_destinations_are_located(viewer_client: Client) -> None:
    page = viewer_client.get(URL).content.decode()

    assert 'data-empty="postcodes"' in page
    assert "No postcode imported yet" in page


def test_staff_get_the_import_link_viewers_do_not(
    staff_client: Client, viewer_client: Client
) -> None:
    staff_page = staff_client.get(URL).content.decode()
    viewer_page = viewer_client.get(URL).content.decode()

    assert 'href="/data/imports/new/?kind=postcodes"' in staff_page
    assert 'id="postcodes-import"' not in viewer_page
    assert 'name="kind" value="postcodes"' in viewer_page  # the export button


def test_locate_an_address_shows_the_source_and_coordinates(viewer_client: Client) -> None:
    page = viewer_client.get(
        URL, {"locate-country": "AU", "locate-state": "NSW", "locate-city": "Sydney"}
    ).content.decode()

    assert 'data-source="city"' in page
    assert 'data-latitude="-33.86785"' in page
    assert 'data-longitude="151.20732"' in page
    assert "Located by its city or suburb" in page


def test_locate_prefers_the_imported_postcode(viewer_client: Client) -> None:
    add("AU", "2000", "Sydney", "NSW")

    page = viewer_client.get(
        URL, {"locate-country": "au", "locate-city": "Sydney", "locate-postcode": "2000"}
    ).content.decode()

    assert 'data-source="postcode"' in page
    assert 'data-latitude="-30.00000"' in page


def test_locate_an_unknown_country_says_so(viewer_client: Client) -> None:
    page = viewer_client.get(URL, {"locate-country": "Atlantis"}).content.decode()

    assert 'id="located" data-source=""' in page
    assert "does not know this country" in page


def test_locate_needs_a_country(viewer_client: Client) -> None:
    page = viewer_client.get(URL, {"locate-country": "", "locate-city": "Sydney"}).content.decode()

    assert 'data-error-for="locate-country"' in page
    assert 'id="located"' not in page


def test_the_page_in_chinese(viewer_client: Client, viewer: Any) -> None:
    viewer.language = "zh-hans"
    viewer.save(update_fields=["language"])

    response = viewer_client.get(URL, {"locate-country": "AU", "locate-state": "vic"})

    assert response.status_code == 200
    assert 'data-source="state"' in response.content.decode()
