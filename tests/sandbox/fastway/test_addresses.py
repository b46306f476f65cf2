"""Address validation and its helpers (fastway.md §4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.sandbox.fastway.conftest import Fastway

pytestmark = pytest.mark.django_db(transaction=True)

REQUEST = json.loads(
    (Path(__file__).parent / "fixtures" / "address_validate_request.json").read_text()
)


def test_the_docs_address_is_normalised_with_coordinates_and_ids(fastway: Fastway) -> None:
    response = fastway.api().post("addresses/validate", json=REQUEST)
    assert response.status_code == 200
    address = response.json()["data"]
    assert {name: address[name] for name in REQUEST} == REQUEST
    assert (address["lat"], address["lng"]) == (-33.715, 150.311)
    assert isinstance(address["addressId"], int)
    assert isinstance(address["localityId"], int)


def test_suburb_case_and_field_case_do_not_matter(fastway: Fastway) -> None:
    shouting = {"StreetAddress": "1 George St", "LOCALITY": "sydney", "stateOrProvince": "nsw"}
    response = fastway.api().post(
        "addresses/validate", json={**shouting, "postalCode": "2000", "country": "au"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["locality"] == "Sydney"
    assert response.json()["data"]["stateOrProvince"] == "NSW"


@pytest.mark.parametrize(
    ("changes", "code", "suggested"),
    [
        ({"stateOrProvince": "VIC"}, "stateOrProvince", ["KATOOMBA NSW 2780"]),
        ({"postalCode": "2782"}, "postalCode", ["KATOOMBA NSW 2780"]),
        ({"locality": "Katumba"}, "locality", ["KATOOMBA NSW 2780", "LEURA NSW 2780"]),
        (
            {"locality": "Richmond", "postalCode": "3000", "stateOrProvince": "VIC"},
            "postalCode",
            ["RICHMOND VIC 3121", "RICHMOND NSW 2753"],
        ),
        ({"locality": "Nowhere", "postalCode": "9999"}, "locality", []),
    ],
)
def test_disagreeing_fields_are_400_with_suggestions(
    fastway: Fastway, changes: dict[str, str], code: str, suggested: list[str]
) -> None:
    response = fastway.api().post("addresses/validate", json={**REQUEST, **changes})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["code"] == code
    assert error["message"]
    assert error["suggestedValues"] == suggested


def test_missing_fields_and_other_countries_are_named(fastway: Fastway) -> None:
    response = fastway.api().post(
        "addresses/validate", json={**REQUEST, "postalCode": "", "country": "NZ"}
    )
    assert response.status_code == 400
    assert [(error["code"], error["suggestedValues"]) for error in response.json()["errors"]] == [
        ("postalCode", []),
        ("country", ["AU"]),
    ]


def test_localities_search_and_serviced_by(fastway: Fastway) -> None:
    api = fastway.api()
    found = api.get("addresses/localities", params={"term": "kat"}).json()["data"]
    assert [(row["locality"], row["postalCode"]) for row in found] == [("Katoomba", "2780")]
    serviced = api.get(
        "addresses/serviced-by", params={"locality": "Katoomba", "postalCode": "2780"}
    ).json()["data"]
    assert (serviced["rf"], serviced["franchiseName"]) == ("BMT", "Blue Mountains")


def test_seeded_localities_validate(fastway: Fastway) -> None:
    fastway.emu(
        "seed",
        {"localities": [{"locality": "Ballarat", "state": "VIC", "postcode": "3350"}]},
    )
    response = fastway.api().post(
        "addresses/validate",
        json={**REQUEST, "locality": "BALLARAT", "stateOrProvince": "VIC", "postalCode": "3350"},
    )
    assert response.status_code == 200
    assert response.json()["data"]["locality"] == "Ballarat"
