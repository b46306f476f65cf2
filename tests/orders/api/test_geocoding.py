"""API: POST /geocoding/postcodes (multipart import, all or nothing) and GET (the table)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kucun.core.models import ImportRun
from kucun.orders.models import PostcodeLocation
from tests.permissions import ALL_ROLES, assert_role_matrix

pytestmark = pytest.mark.django_db

HEADER = "country,postcode,place,state,latitude,longitude\n"


def post_file(api: Any, text: str, name: str = "postcodes.csv") -> Any:
    return api.client.post(
        "/api/v1/geocoding/postcodes",
        {"file": SimpleUploadedFile(name, text.encode())},
        headers=api.headers,
    )


def add(country: str, postcode: str, place: str, state: str = "") -> PostcodeLocation:
    return PostcodeLocation.objects.create(
        country=country, postcode=postcode, place=place, state=state, latitude=-30, longitude=150
    )


def test_staff_import_a_postcode_file(
    staff_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(
            staff_api,
            HEADER + "AU,2000,Sydney,NSW,-33.8688,151.2093\nAU,3000,Melbourne,VIC,-37.81,144.96\n",
        )

    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["file"], body["status_url"]) == (
        "postcodes",
        "postcodes.csv",
        f"/api/v1/imports/{body['id']}",
    )
    outcome = staff_api.get(body["status_url"]).json()
    assert (outcome["status"], outcome["created"], outcome["updated"]) == ("succeeded", 2, 0)
    assert list(
        PostcodeLocation.objects.order_by("postcode").values_list("postcode", "latitude")
    ) == [("2000", -33.8688), ("3000", -37.81)]


def test_a_file_with_a_bad_row_writes_nothing_and_names_the_cell(
    owner_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(
            owner_api, HEADER + "AU,2000,Sydney,NSW,-33.8688,151.2093\nAU,3000,Melbourne,VIC,x,1\n"
        )

    outcome = owner_api.get(response.json()["status_url"]).json()
    assert outcome["status"] == "failed"
    assert [(error["row"], error["column"]) for error in outcome["errors"]] == [(3, "latitude")]
    assert PostcodeLocation.objects.count() == 0


def test_a_file_that_is_no_table_is_refused_before_anything_is_stored(staff_api: Any) -> None:
    response = post_file(staff_api, "\x00\x01\x02 not a table \x00", name="postcodes.bin")

    assert response.status_code == 422
    assert response.json()["detail"]
    assert ImportRun.objects.count() == 0


def test_viewers_and_strangers_may_not_import(viewer_api: Any, api_client_for: Any) -> None:
    refused = post_file(viewer_api, HEADER + "AU,2000,Sydney,NSW,-33.8,151.2\n")
    anonymous = post_file(api_client_for(None), HEADER + "AU,2000,Sydney,NSW,-33.8,151.2\n")

    assert (refused.status_code, anonymous.status_code) == (403, 401)
    assert PostcodeLocation.objects.count() == 0


def test_everyone_signed_in_reads_the_table(api_client_for: Any, user_for_role: Any) -> None:
    add("AU", "2000", "Sydney", "NSW")

    assert_role_matrix(
        api_client_for,
        user_for_role,
        "GET",
        "/api/v1/geocoding/postcodes",
        allowed_roles=ALL_ROLES,
        allowed_status=200,
    )


def test_the_list_pages_searches_and_filters(
    viewer_api: Any, django_assert_num_queries: Any
) -> None:
    add("AU", "2000", "Sydney", "NSW")
    add("AU", "3000", "Melbourne", "VIC")
    add("NZ", "1010", "Auckland")

    everything = viewer_api.get("/api/v1/geocoding/postcodes", {"page_size": 2}).json()
    # The token and its user, the count, the page.
    with django_assert_num_queries(3):
        by_state = viewer_api.get("/api/v1/geocoding/postcodes", {"q": "vic"}).json()
    by_country = viewer_api.get("/api/v1/geocoding/postcodes", {"country": "nz"}).json()

    assert everything["count"] == 3
    assert [row["postcode"] for row in everything["items"]] == ["2000", "3000"]
    assert by_state["items"] == [
        {
            "id": by_state["items"][0]["id"],
            "country": "AU",
            "postcode": "3000",
            "place": "Melbourne",
            "state": "VIC",
            "latitude": -30.0,
            "longitude": 150.0,
        }
    ]
    assert [row["place"] for row in by_country["items"]] == ["Auckland"]
