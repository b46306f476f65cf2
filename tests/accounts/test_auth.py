from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.test import Client

import kucun.settings
from kucun.accounts.models import ApiToken, User
from kucun.accounts.services import api_token_create, api_token_revoke, user_update

pytestmark = pytest.mark.django_db


def bearer(plain: str) -> Client:
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {plain}"})


def test_production_settings_hash_passwords_with_argon2() -> None:
    assert kucun.settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    # The tests hash with MD5 only for speed.
    assert make_password("a-long-passphrase").startswith("md5$")


def test_argon2_hasher_is_usable() -> None:
    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("a-long-passphrase", hasher.salt())
    assert encoded.startswith("argon2$argon2id$")
    assert hasher.verify("a-long-passphrase", encoded)
    assert not hasher.verify("wrong", encoded)


def test_a_bearer_token_authenticates_and_records_its_use(staff: User) -> None:
    token, plain = api_token_create(user=staff, name="scanner")
    response = bearer(plain).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "sam"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused_at_once(staff: User) -> None:
    token, plain = api_token_create(user=staff, name="scanner")
    client = bearer(plain)
    assert client.get("/api/v1/me").status_code == 200
    api_token_revoke(user=staff, token_id=token.pk)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication required: log in or send 'Authorization: Bearer <token>'.",
        "errors": [],
    }
    # Writes too: a revoked token gets 401, never a CSRF 403.
    assert client.post("/api/v1/tokens", {"name": "x"}, "application/json").status_code == 401
    assert ApiToken.objects.filter(user=staff).count() == 1


def test_a_deactivated_users_tokens_stop_working(owner: User, staff: User) -> None:
    _token, plain = api_token_create(user=staff, name="scanner")
    user_update(user=owner, user_id=staff.pk, is_active=False)
    assert bearer(plain).get("/api/v1/me").status_code == 401


def test_an_unknown_or_malformed_token_is_refused(staff: User) -> None:
    assert bearer("kc_not-a-token").get("/api/v1/me").status_code == 401
    client = Client(headers={"Authorization": "Basic c2FtOnB3"})
    assert client.get("/api/v1/me").status_code == 401


def test_the_console_session_works_for_the_api_with_csrf(staff: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.get("/api/v1/me").json()["username"] == "sam"
    refused = client.post("/api/v1/tokens", {"name": "x"}, "application/json")
    assert refused.status_code == 403
    assert not ApiToken.objects.exists()
    client.get("/accounts/tokens/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    created = client.post(
        "/api/v1/tokens", {"name": "x"}, "application/json", headers={"X-CSRFToken": csrf}
    )
    assert created.status_code == 201
    assert ApiToken.objects.filter(user=staff).count() == 1


def test_an_inactive_users_session_is_not_accepted(staff: User) -> None:
    client = Client()
    client.force_login(staff)
    User.objects.filter(pk=staff.pk).update(is_active=False)
    assert client.get("/api/v1/me").status_code == 401
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
