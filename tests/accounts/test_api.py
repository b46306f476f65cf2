from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kucun.accounts.choices import Role
from kucun.accounts.models import ApiToken, User
from kucun.accounts.services import api_token_create
from kucun.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_me_describes_the_caller(staff: User, staff_api: Any) -> None:
    staff.language = "zh-hans"
    staff.save()
    assert staff_api.get("/api/v1/me").json() == {
        "id": staff.pk,
        "username": "sam",
        "email": "sam@example.com",
        "role": "staff",
        "language": "zh-hans",
    }


# ---------------------------------------------------------------- tokens


def test_token_list_shows_only_the_callers_tokens(
    owner: User, staff: User, owner_api: Any, django_assert_max_num_queries: Any
) -> None:
    api_token_create(user=staff, name="staff's")
    for index in range(3):
        api_token_create(user=owner, name=f"owner {index}")
    with django_assert_max_num_queries(4):
        body = owner_api.get("/api/v1/tokens").json()
    assert body["count"] == 4  # three plus the one the client uses
    assert {item["username"] for item in body["items"]} == {"olivia"}
    assert {"owner 0", "owner 1", "owner 2", "tests"} == {item["name"] for item in body["items"]}
    item = body["items"][0]
    assert set(item) == {
        "id",
        "name",
        "prefix",
        "username",
        "created_at",
        "last_used_at",
        "revoked_at",
        "active",
    }


def test_token_list_paginates_and_filters(staff: User, staff_api: Any) -> None:
    for index in range(60):
        api_token_create(user=staff, name=f"device {index}")
    revoked, _plain = api_token_create(user=staff, name="old")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at="2026-01-01T00:00:00Z")
    first = staff_api.get("/api/v1/tokens").json()
    assert (first["count"], len(first["items"])) == (62, 50)
    second = staff_api.get("/api/v1/tokens", {"page": 2}).json()
    assert len(second["items"]) == 12
    only_revoked = staff_api.get("/api/v1/tokens", {"active": "false"}).json()
    assert [item["name"] for item in only_revoked["items"]] == ["old"]
    assert only_revoked["items"][0]["active"] is False


@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/tokens"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": 10**17}, "page"),
        ({"page": 10**30}, "page"),
        ({"page": 0}, "page"),
        ({"page_size": 501}, "page_size"),
    ],
)
def test_out_of_bounds_pages_are_422_naming_the_parameter(
    owner_api: Any, path: str, query: dict[str, int], field: str
) -> None:
    response = owner_api.get(path, query)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_the_last_allowed_page_is_an_empty_page(owner_api: Any) -> None:
    for path in ("/api/v1/users", "/api/v1/tokens"):
        body = owner_api.get(path, {"page": 10_000_000, "page_size": 500}).json()
        assert body == {"items": [], "count": 1}


def test_creating_a_token_returns_it_once(staff: User, staff_api: Any) -> None:
    response = staff_api.post("/api/v1/tokens", {"name": "scanner"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "scanner"
    assert body["token"].startswith(body["prefix"])
    assert body["active"] is True
    listed = staff_api.get("/api/v1/tokens").json()["items"]
    assert all("token" not in item for item in listed)
    fresh = Client(headers={"Authorization": f"Bearer {body['token']}"})
    assert fresh.get("/api/v1/me").json()["username"] == "sam"


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "name"), ({"name": "n" * 101}, "name"), ({"name": 5}, "name")],
)
def test_creating_a_token_with_a_bad_name_is_422(
    staff_api: Any, payload: dict[str, Any], field: str
) -> None:
    before = ApiToken.objects.count()
    response = staff_api.post("/api/v1/tokens", payload)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert ApiToken.objects.count() == before


def test_revoking_own_token_then_it_is_refused(staff: User, api_client_for: Any) -> None:
    token, plain = api_token_create(user=staff, name="doomed")
    doomed_client = Client(headers={"Authorization": f"Bearer {plain}"})
    response = api_client_for(staff).delete(f"/api/v1/tokens/{token.pk}")
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["revoked_at"] is not None
    assert doomed_client.get("/api/v1/me").status_code == 401


def test_a_token_can_revoke_itself(staff: User) -> None:
    token, plain = api_token_create(user=staff, name="self")
    client = Client(headers={"Authorization": f"Bearer {plain}"})
    assert client.delete(f"/api/v1/tokens/{token.pk}").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_revoking_an_unknown_token_is_404(staff_api: Any) -> None:
    response = staff_api.delete("/api/v1/tokens/987654")
    assert response.status_code == 404
    assert response.json() == {"detail": "No API token with id 987654.", "errors": []}


def test_a_non_numeric_token_id_is_422_not_500(staff_api: Any) -> None:
    response = staff_api.delete("/api/v1/tokens/abc")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "token_id"


# ---------------------------------------------------------------- users


def test_owner_lists_and_filters_users(owner_api: Any, django_assert_max_num_queries: Any) -> None:
    UserFactory(username="picker", role=Role.STAFF)
    UserFactory(username="gone", role=Role.STAFF, is_active=False)
    with django_assert_max_num_queries(4):
        body = owner_api.get("/api/v1/users").json()
    assert [user["username"] for user in body["items"]] == ["gone", "olivia", "picker"]
    assert body["count"] == 3
    staff = owner_api.get("/api/v1/users", {"role": "staff", "active": "true"}).json()
    assert [user["username"] for user in staff["items"]] == ["picker"]
    searched = owner_api.get("/api/v1/users", {"q": "OLI"}).json()
    assert [user["username"] for user in searched["items"]] == ["olivia"]
    bad_role = owner_api.get("/api/v1/users", {"role": "boss"})
    assert bad_role.status_code == 422
    assert bad_role.json()["errors"][0]["field"] == "role"


def test_owner_creates_a_user(owner: User, owner_api: Any) -> None:
    response = owner_api.post(
        "/api/v1/users",
        {
            "username": "nina",
            "email": "nina@example.com",
            "role": "staff",
            "password": "a-long-passphrase",
            "language": "zh-hans",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["username"], body["role"], body["language"], body["is_active"]) == (
        "nina",
        "staff",
        "zh-hans",
        True,
    )
    assert "password" not in body
    nina = User.objects.get(username="nina")
    assert nina.check_password("a-long-passphrase")
    assert AuditEntry.objects.get(action="user.create").actor == owner


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"username": "nina", "password": "short"}, 422, "password"),
        ({"username": "nina", "password": "a-long-passphrase", "role": "boss"}, 422, "role"),
        ({"username": "nina", "password": "a-long-passphrase", "email": "nope"}, 422, "email"),
        ({"username": "bad name", "password": "a-long-passphrase"}, 422, "username"),
        ({"username": "OLIVIA", "password": "a-long-passphrase"}, 409, "username"),
        ({"password": "a-long-passphrase"}, 422, "username"),
        ({"username": "nina", "password": "a-long-passphrase", "language": "fr"}, 422, "language"),
    ],
)
def test_creating_a_user_with_bad_input_names_the_field(
    owner_api: Any, payload: dict[str, Any], status: int, field: str
) -> None:
    response = owner_api.post("/api/v1/users", payload)
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == field
    assert User.objects.count() == 1


def test_owner_patches_role_active_email_and_password(owner_api: Any, staff: User) -> None:
    response = owner_api.patch(
        f"/api/v1/users/{staff.pk}",
        {"role": "viewer", "email": "sam@example.org", "password": "another-passphrase"},
    )
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["email"]) == ("viewer", "sam@example.org")
    staff.refresh_from_db()
    assert staff.check_password("another-passphrase")
    owner_api.patch(f"/api/v1/users/{staff.pk}", {"is_active": False})
    staff.refresh_from_db()
    assert staff.is_active is False


def test_a_refused_password_in_a_patch_leaves_the_other_fields(owner_api: Any, staff: User) -> None:
    response = owner_api.patch(f"/api/v1/users/{staff.pk}", {"role": "owner", "password": "sam"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"
    staff.refresh_from_db()
    assert staff.role == Role.STAFF
    assert not AuditEntry.objects.filter(action="user.update").exists()


def test_the_last_owner_cannot_be_demoted_through_the_api(owner: User, owner_api: Any) -> None:
    response = owner_api.patch(f"/api/v1/users/{owner.pk}", {"role": "staff"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "olivia is the last active owner. Make another user an owner first.",
        "errors": [
            {"field": "role", "message": "The last active owner cannot be demoted or deactivated."}
        ],
    }
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_patching_a_missing_user_is_404(owner_api: Any) -> None:
    response = owner_api.patch("/api/v1/users/99999", {"role": "staff"})
    assert response.status_code == 404
    assert response.json()["detail"] == "No user with id 99999."


def test_errors_follow_the_callers_language(owner: User, owner_api: Any) -> None:
    owner.language = "zh-hans"
    owner.save()
    response = owner_api.patch(f"/api/v1/users/{owner.pk}", {"is_active": False})
    assert response.status_code == 409
    assert response.json()["detail"] == "olivia 是最后一位启用的所有者。请先将其他用户设为所有者。"
