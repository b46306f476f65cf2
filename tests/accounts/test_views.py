from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.signals import user_login_failed
from django.test import Client

from kucun.accounts.choices import Role
from kucun.accounts.models import ApiToken, FailedLogin, User
from kucun.accounts.services import api_token_create
from kucun.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def login(client: Client, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def text_of(response: Any) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- login and throttling


def test_login_with_the_right_password_goes_home(staff: User) -> None:
    client = Client()
    response = login(client, "sam", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_recorded(staff: User) -> None:
    response = login(Client(), "sam", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in text_of(response)
    assert list(FailedLogin.objects.values_list("username", "address")) == [("sam", "10.0.0.1")]


def test_too_many_failures_for_a_user_refuse_even_the_right_password(
    settings: Any, staff: User
) -> None:
    settings.LOGIN_FAILURES_PER_USER = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    for index in range(3):
        login(Client(), "sam", "wrong", address=f"10.0.0.{index + 1}")
    checked: list[str] = []

    def on_failure(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
        checked.append(credentials["username"])

    user_login_failed.connect(on_failure)
    try:
        wrong = login(Client(), "sam", "still-wrong", address="10.9.9.9")
        client = Client()
        right = login(client, "sam", PASSWORD, address="10.9.9.9")
    finally:
        user_login_failed.disconnect(on_failure)
    for response in (wrong, right):
        assert response.status_code == 200
        assert "Too many failed logins. Wait 15 minutes and try again" in text_of(response)
    # The password was not even checked, and the refusals are not counted again.
    assert checked == []
    assert FailedLogin.objects.count() == 3
    assert client.get("/").status_code == 302
    staff.refresh_from_db()
    assert staff.last_login is None


def test_too_many_failures_from_an_address_refuse_every_user_there(
    settings: Any, staff: User, viewer: User
) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for name in ("a", "b", "c"):
        login(Client(), name, "guess", address="10.0.0.66")
    refused = login(Client(), "vic", PASSWORD, address="10.0.0.66")
    assert "Too many failed logins" in text_of(refused)
    elsewhere = login(Client(), "vic", PASSWORD, address="10.0.0.67")
    assert elsewhere.status_code == 302


def test_the_wait_is_said_in_minutes_singular_or_plural(settings: Any, staff: User) -> None:
    settings.LOGIN_FAILURES_PER_USER = 1
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 60
    login(Client(), "sam", "wrong")
    assert "Wait 1 minute and try again" in text_of(login(Client(), "sam", PASSWORD))
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 1800
    assert "Wait 30 minutes and try again" in text_of(login(Client(), "sam", PASSWORD))


def test_a_password_reset_by_an_owner_ends_the_users_sessions(
    owner_client: Client, staff: User, staff_client: Client
) -> None:
    assert staff_client.get("/").status_code == 200
    owner_client.post(
        f"/accounts/users/{staff.pk}/password/",
        {"password": "brand-new-passphrase", "password_again": "brand-new-passphrase"},
    )
    response = staff_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_successful_login_does_not_reset_anyones_count(
    settings: Any, staff: User, viewer: User
) -> None:
    settings.LOGIN_FAILURES_PER_USER = 3
    for _ in range(2):
        login(Client(), "sam", "wrong")
    assert login(Client(), "vic", PASSWORD).status_code == 302
    assert login(Client(), "sam", PASSWORD).status_code == 302
    assert FailedLogin.objects.filter(username="sam").count() == 2
    login(Client(), "sam", "wrong")
    assert "Too many failed logins" in text_of(login(Client(), "sam", PASSWORD))


# ---------------------------------------------------------------- language


def test_language_is_stored_on_the_user_and_remembered_across_logins(staff: User) -> None:
    client = Client()
    login(client, "sam", PASSWORD)
    response = client.post("/accounts/language/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.language == "zh-hans"
    client.post("/accounts/logout/")

    fresh = Client()  # a new browser: no language cookie, only the stored preference
    assert login(fresh, "sam", PASSWORD).status_code == 302
    page = text_of(fresh.get("/"))
    assert '<html lang="zh-hans">' in page
    assert "退出登录" in page  # "Log out"
    assert "设置" in page  # the "Settings" menu

    fresh.post("/accounts/language/", {"language": "en", "next": "/"})
    page = text_of(fresh.get("/"))
    assert '<html lang="en">' in page
    assert "Log out" in page


def test_accounts_pages_are_translated(owner: User) -> None:
    owner.language = "zh-hans"
    owner.save()
    client = Client()
    client.force_login(owner)
    assert "用户与角色" in text_of(client.get("/accounts/users/"))
    assert "API 令牌" in text_of(client.get("/accounts/tokens/"))


def test_an_unknown_language_falls_back_to_english(staff: User, staff_client: Client) -> None:
    staff_client.post("/accounts/language/", {"language": "xx"})
    staff.refresh_from_db()
    assert staff.language == "en"


def test_the_language_switch_does_not_redirect_off_site(staff_client: Client) -> None:
    response = staff_client.post(
        "/accounts/language/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


# ---------------------------------------------------------------- users & roles


def test_user_list_searches_filters_sorts_and_counts(
    owner_client: Client, django_assert_max_num_queries: Any
) -> None:
    for index in range(55):
        UserFactory(username=f"picker{index:02d}", role=Role.STAFF)
    UserFactory(username="auditor", role=Role.VIEWER, is_active=False)
    with django_assert_max_num_queries(8):
        response = owner_client.get("/accounts/users/", {"q": "picker", "sort": "-username"})
    page = text_of(response)
    assert 'data-count="55"' in page
    assert page.index('data-user="picker54"') < page.index('data-user="picker05"')
    assert 'data-user="picker04"' not in page  # on page 2 (50 a page)
    assert "Page 1 of 2" in page
    page2 = text_of(owner_client.get("/accounts/users/", {"q": "picker", "page": 2}))
    assert page2.count('data-user="picker') == 5

    inactive = text_of(owner_client.get("/accounts/users/", {"active": "no"}))
    assert 'data-count="1"' in inactive
    assert 'data-user="auditor"' in inactive
    owners = text_of(owner_client.get("/accounts/users/", {"role": "owner"}))
    assert 'data-count="1"' in owners
    assert 'data-user="olivia"' in owners
    empty = text_of(owner_client.get("/accounts/users/", {"q": "nobody"}))
    assert 'data-empty="users"' in empty
    assert "No user matches these filters." in empty


def test_owner_creates_a_user(owner_client: Client) -> None:
    response = owner_client.post(
        "/accounts/users/new/",
        {
            "username": "nina",
            "email": "nina@example.com",
            "role": "staff",
            "password": "a-long-passphrase",
            "password_again": "a-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/users/"
    nina = User.objects.get(username="nina")
    assert (nina.role, nina.email, nina.check_password("a-long-passphrase")) == (
        "staff",
        "nina@example.com",
        True,
    )
    assert AuditEntry.objects.filter(action="user.create", object_id=str(nina.pk)).exists()


def test_user_form_errors_name_the_field(owner_client: Client) -> None:
    mismatch = owner_client.post(
        "/accounts/users/new/",
        {
            "username": "nina",
            "role": "staff",
            "password": "a-long-passphrase",
            "password_again": "another-passphrase",
        },
    )
    assert mismatch.status_code == 200
    assert re.search(r'data-error-for="password_again">The two passwords differ', text_of(mismatch))
    weak = owner_client.post(
        "/accounts/users/new/",
        {"username": "nina", "role": "staff", "password": "12345678", "password_again": "12345678"},
    )
    assert 'data-error-for="password">This password is too common.' in text_of(weak)
    taken = owner_client.post(
        "/accounts/users/new/",
        {
            "username": "Olivia",
            "role": "staff",
            "password": "x-long-pass",
            "password_again": "x-long-pass",
        },
    )
    assert 'data-error-for="username">A user named Olivia already exists.' in text_of(taken)
    assert not User.objects.filter(username="nina").exists()


def test_owner_edits_role_and_email(owner_client: Client, viewer: User) -> None:
    response = owner_client.post(
        f"/accounts/users/{viewer.pk}/",
        {"email": "vic@example.org", "role": "staff", "is_active": "on"},
    )
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert (viewer.role, viewer.email, viewer.is_active) == ("staff", "vic@example.org", True)


def test_the_last_owner_cannot_remove_themselves(owner: User, owner_client: Client) -> None:
    response = owner_client.post(
        f"/accounts/users/{owner.pk}/", {"email": owner.email, "role": "viewer", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "The last active owner cannot be demoted or deactivated." in text_of(response)
    deactivate = owner_client.post(f"/accounts/users/{owner.pk}/deactivate/", follow=True)
    assert "olivia is the last active owner. Make another user an owner first." in text_of(
        deactivate
    )
    owner.refresh_from_db()
    assert (owner.role, owner.is_active) == ("owner", True)


def test_owner_deactivates_a_user_who_then_cannot_log_in(owner_client: Client, staff: User) -> None:
    edit_page = text_of(owner_client.get(f"/accounts/users/{staff.pk}/"))
    assert 'data-confirm="Deactivate sam?' in edit_page
    response = owner_client.post(f"/accounts/users/{staff.pk}/deactivate/")
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.is_active is False
    assert login(Client(), "sam", PASSWORD).status_code == 200


def test_bulk_activate_and_deactivate(owner_client: Client, staff: User, viewer: User) -> None:
    response = owner_client.post(
        "/accounts/users/bulk/",
        {"action": "deactivate", "ids": [staff.pk, viewer.pk]},
        follow=True,
    )
    assert "2 users changed." in text_of(response)
    assert User.objects.filter(is_active=False).count() == 2
    owner_client.post("/accounts/users/bulk/", {"action": "activate", "ids": [viewer.pk]})
    viewer.refresh_from_db()
    assert viewer.is_active is True


def test_owner_resets_a_password(owner_client: Client, staff: User) -> None:
    response = owner_client.post(
        f"/accounts/users/{staff.pk}/password/",
        {"password": "brand-new-passphrase", "password_again": "brand-new-passphrase"},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("brand-new-passphrase")
    short = owner_client.post(
        f"/accounts/users/{staff.pk}/password/", {"password": "abc", "password_again": "abc"}
    )
    assert 'data-error-for="password">This password is too short.' in text_of(short)


def test_owner_resetting_their_own_password_stays_logged_in(
    owner: User, owner_client: Client
) -> None:
    owner_client.post(
        f"/accounts/users/{owner.pk}/password/",
        {"password": "brand-new-passphrase", "password_again": "brand-new-passphrase"},
    )
    assert owner_client.get("/accounts/users/").status_code == 200


def test_a_missing_user_is_404(owner_client: Client) -> None:
    response = owner_client.get("/accounts/users/9999/")
    assert response.status_code == 404
    assert "No user with id 9999." in text_of(response)


# ---------------------------------------------------------------- API tokens


def test_creating_a_token_shows_it_once(staff: User, staff_client: Client) -> None:
    response = staff_client.post("/accounts/tokens/new/", {"name": "scanner"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = text_of(response)
    plain = re.search(r'id="new-token" value="(kc_[^"]+)"', page)
    assert plain is not None
    assert "it will not be shown again" in page
    assert 'id="copy-token"' in page
    assert (
        Client(headers={"Authorization": f"Bearer {plain[1]}"}).get("/api/v1/me").json()["username"]
        == "sam"
    )
    listing = text_of(staff_client.get("/accounts/tokens/"))
    assert "scanner" in listing
    assert plain[1] not in listing
    assert plain[1][:10] in listing


def test_token_list_shows_only_own_tokens_except_to_owners(
    owner_client: Client, staff_client: Client, staff: User, viewer: User
) -> None:
    api_token_create(user=staff, name="staff-token")
    api_token_create(user=viewer, name="viewer-token")
    mine = text_of(staff_client.get("/accounts/tokens/"))
    assert "staff-token" in mine
    assert "viewer-token" not in mine
    assert ">User<" not in mine
    everyone = text_of(owner_client.get("/accounts/tokens/"))
    assert "staff-token" in everyone
    assert "viewer-token" in everyone
    assert "vic" in everyone


def test_token_list_filters_and_query_count(
    staff: User, staff_client: Client, django_assert_max_num_queries: Any
) -> None:
    for index in range(60):
        api_token_create(user=staff, name=f"device {index}")
    revoked, _plain = api_token_create(user=staff, name="old laptop")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at="2026-01-01T00:00:00Z")
    with django_assert_max_num_queries(8):
        page = text_of(staff_client.get("/accounts/tokens/"))
    assert 'data-count="61"' in page
    assert page.count("data-token=") == 50
    revoked_page = text_of(staff_client.get("/accounts/tokens/", {"active": "no"}))
    assert 'data-count="1"' in revoked_page
    assert "old laptop" in revoked_page
    search = text_of(staff_client.get("/accounts/tokens/", {"q": "device 5", "sort": "name"}))
    assert 'data-count="11"' in search  # device 5, device 50..59


def test_revoking_a_token_asks_once_and_takes_effect(staff: User, staff_client: Client) -> None:
    token, plain = api_token_create(user=staff, name="scanner")
    page = text_of(staff_client.get("/accounts/tokens/"))
    assert 'data-confirm="Revoke the token scanner?' in page
    response = staff_client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(headers={"Authorization": f"Bearer {plain}"}).get("/api/v1/me").status_code == 401


def test_revoking_someone_elses_token_in_the_console_is_404(
    staff_client: Client, viewer: User
) -> None:
    token, _plain = api_token_create(user=viewer, name="theirs")
    assert staff_client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_bulk_revoke(staff: User, staff_client: Client) -> None:
    first, _plain = api_token_create(user=staff, name="one")
    second, _plain = api_token_create(user=staff, name="two")
    response = staff_client.post(
        "/accounts/tokens/revoke/", {"ids": [first.pk, second.pk]}, follow=True
    )
    assert "2 tokens revoked." in text_of(response)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0


def test_a_too_long_token_name_is_named(staff_client: Client) -> None:
    response = staff_client.post("/accounts/tokens/new/", {"name": "n" * 101})
    assert response.status_code == 200
    assert 'data-error-for="name"' in text_of(response)
    assert not ApiToken.objects.exists()


def test_an_owner_who_steps_down_lands_on_the_home_page(owner: User, owner_client: Client) -> None:
    UserFactory(username="otto", role=Role.OWNER)
    response = owner_client.post(
        f"/accounts/users/{owner.pk}/", {"email": owner.email, "role": "staff", "is_active": "on"}
    )
    assert response["Location"] == "/"
    owner.refresh_from_db()
    assert owner.role == Role.STAFF
    assert owner_client.get("/accounts/users/").status_code == 403


def test_bulk_revoke_names_a_token_of_someone_else_and_revokes_the_rest(
    staff: User, staff_client: Client
) -> None:
    mine, _plain = api_token_create(user=staff, name="mine")
    other = UserFactory(username="someone", role=Role.STAFF)
    theirs, _plain = api_token_create(user=other, name="theirs")
    audit_before = AuditEntry.objects.filter(action="api_token.revoke").count()

    response = staff_client.post(
        "/accounts/tokens/revoke/", {"ids": [mine.pk, theirs.pk]}, follow=True
    )

    page = text_of(response)
    assert "1 token revoked." in page
    assert f"1 not done: #{theirs.pk}: No API token with id {theirs.pk}." in page
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None
    assert theirs.revoked_at is None
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == audit_before + 1


def test_token_list_uses_the_shared_selection(staff: User, staff_client: Client) -> None:
    token, _plain = api_token_create(user=staff, name="ci")

    page = text_of(staff_client.get("/accounts/tokens/"))

    assert 'data-select-all="ids"' in page
    assert f'name="ids" value="{token.pk}" form="token-bulk" aria-label="ci"' in page
    assert 'data-confirm="Revoke the selected tokens?' in page
