"""What every myFastway API call shares (fastway.md §2, §3, §9): the api-version media type,
Bearer tokens, the envelopes, 404/405, per-client throttling and registered faults."""

from __future__ import annotations

import pytest

from tests.sandbox.fastway.conftest import Fastway, consignment

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_request_without_a_version_is_refused(fastway: Fastway) -> None:
    response = fastway.api(accept="application/json").get("consignment-services")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "code": "ApiVersionUnspecified",
                "message": "An API version is required, but was not specified.",
                "suggestedValues": ["1.0"],
            }
        ]
    }


def test_another_version_is_unsupported(fastway: Fastway) -> None:
    response = fastway.api(accept="application/json; api-version=2.0").get("consignment-services")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["code"] == "UnsupportedApiVersion"
    assert "'2.0'" in error["message"]
    assert error["suggestedValues"] == ["1.0"]


def test_the_version_may_come_in_the_query_string_or_be_optional(fastway: Fastway) -> None:
    api = fastway.api(accept="application/json")
    assert api.get("consignment-services", params={"api-version": "1.0"}).status_code == 200
    fastway.emu("settings", {"require_api_version": False})
    assert api.get("consignment-services").status_code == 200


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_missing_or_unknown_tokens_are_401(fastway: Fastway, token: str | None) -> None:
    response = fastway.api(token).get("consignment-services")
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_refused_write_changes_nothing(fastway: Fastway) -> None:
    assert fastway.api(None).post("consignments", json=consignment()).status_code == 401
    assert fastway.state()["shipments"] == []


def test_a_path_the_api_lacks_is_404_and_a_method_405(fastway: Fastway) -> None:
    api = fastway.api()
    assert api.get("no-such-thing").status_code == 404
    response = api.delete("consignment-services")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"


def test_each_client_has_its_own_bucket(fastway: Fastway) -> None:
    fastway.emu("seed", {"accounts": [{"client_id": "second", "client_secret": "second-secret"}]})
    fastway.emu("clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    fastway.sandbox.emu("fastway", "rate-limit", {"capacity": 2, "refill_per_second": 0.5})
    first, second = fastway.api(), fastway.api(fastway.token("second", "second-secret"))
    statuses = [first.get("consignment-services").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = first.get("consignment-services")
    assert throttled.headers["Retry-After"] == "2"
    assert throttled.json()["errors"][0]["code"] == "TooManyRequests"
    assert second.get("consignment-services").status_code == 200
    fastway.advance(2)
    assert first.get("consignment-services").status_code == 200


def test_a_fault_before_answers_instead_and_writes_nothing(fastway: Fastway) -> None:
    api = fastway.api()
    fastway.emu(
        "faults",
        {"match": {"op": "consignment_create"}, "response": {"status": 500, "body": {"x": 1}}},
    )
    assert api.post("consignments", json=consignment()).status_code == 500
    assert fastway.state()["shipments"] == []
    assert api.post("consignments", json=consignment()).status_code == 201


def test_a_fault_after_apply_loses_the_answer_of_a_kept_write(fastway: Fastway) -> None:
    api = fastway.api()
    fastway.emu(
        "faults",
        {
            "match": {"method": "POST", "path_regex": "/api/consignments$"},
            "response": {"status": 502, "body": ""},
            "after_apply": True,
        },
    )
    assert api.post("consignments", json=consignment("ORD-LOST")).status_code == 502
    [kept] = fastway.state()["shipments"]
    assert kept["reference"] == "ORD-LOST"
    again = api.post("consignments", json=consignment("ORD-LOST"))
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "externalRef1"


def test_the_access_log_names_the_client_and_operation(fastway: Fastway) -> None:
    api = fastway.api()
    api.get("consignment-services")
    counted = fastway.sandbox.control.get(
        fastway.sandbox.url("fastway", "__emu/requests"),
        params={"account": "sandbox-fastway-client"},
    ).json()
    assert counted["count"] == 2  # the token and the call
