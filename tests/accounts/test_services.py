from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.utils import timezone

from kucun.accounts import services
from kucun.accounts.auth import token_digest
from kucun.accounts.choices import Role
from kucun.accounts.models import ApiToken, FailedLogin, User
from kucun.core.errors import Conflict, NotFound, ValidationFailed
from kucun.core.locks import run_with_retry
from kucun.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fields_of(error: Any) -> list[str]:
    return [e.field for e in error.errors]


# ---------------------------------------------------------------- user_create


def test_user_create_hashes_the_password_and_audits_without_it(owner: User) -> None:
    created = services.user_create(
        user=owner,
        username="  nina ",
        role=Role.STAFF,
        password="a-long-passphrase",
        email="nina@example.com",
    )
    assert (created.username, created.role, created.email) == ("nina", "staff", "nina@example.com")
    assert created.is_active is True
    assert created.password != "a-long-passphrase"
    assert check_password("a-long-passphrase", created.password)
    entry = AuditEntry.objects.get(action="user.create")
    assert (entry.actor, entry.object_id) == (owner, str(created.pk))
    assert entry.data == {"username": "nina", "role": "staff", "email": "nina@example.com"}
    assert "a-long-passphrase" not in str(entry.data) + entry.summary


def test_user_create_refuses_a_taken_name_ignoring_case(owner: User) -> None:
    with pytest.raises(Conflict) as caught:
        services.user_create(user=owner, username="OLIVIA", role="viewer", password="x" * 12)
    assert caught.value.detail == "A user named OLIVIA already exists."
    assert fields_of(caught.value) == ["username"]
    assert User.objects.count() == 1
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("", "Enter a password."),
    ],
)
def test_user_create_applies_the_password_validators(
    owner: User, password: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.user_create(user=owner, username="nina", role="viewer", password=password)
    assert caught.value.errors[0].field == "password"
    assert caught.value.errors[0].message == message
    assert not User.objects.filter(username="nina").exists()


def test_user_create_names_every_bad_field(owner: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.user_create(
            user=owner, username="bad name!", role="boss", password="x" * 12, email="nope"
        )
    assert fields_of(caught.value) == ["username", "email", "role"]
    assert caught.value.errors[2].message == "Choose a role: viewer, staff, owner."
    assert User.objects.count() == 1


# ---------------------------------------------------------------- user_update


def test_user_update_changes_role_and_email_with_an_audit_row(owner: User, viewer: User) -> None:
    services.user_update(user=owner, user_id=viewer.pk, role=Role.STAFF, email="v@example.org")
    viewer.refresh_from_db()
    assert (viewer.role, viewer.email) == ("staff", "v@example.org")
    entry = AuditEntry.objects.get(action="user.update")
    assert entry.data == {
        "before": {"email": "vic@example.com", "role": "viewer"},
        "after": {"email": "v@example.org", "role": "staff"},
    }


def test_user_update_without_changes_writes_nothing(owner: User, viewer: User) -> None:
    services.user_update(user=owner, user_id=viewer.pk, role=Role.VIEWER)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("change", [{"role": Role.STAFF}, {"is_active": False}])
def test_the_last_active_owner_cannot_be_demoted_or_deactivated(
    owner: User, change: dict[str, Any]
) -> None:
    UserFactory(username="old-owner", role=Role.OWNER, is_active=False)
    with pytest.raises(Conflict) as caught:
        services.user_update(user=owner, user_id=owner.pk, **change)
    assert caught.value.detail == (
        "olivia is the last active owner. Make another user an owner first."
    )
    assert fields_of(caught.value) == [next(iter(change))]
    owner.refresh_from_db()
    assert (owner.role, owner.is_active) == (Role.OWNER, True)
    assert not AuditEntry.objects.exists()


def test_an_owner_can_step_down_when_another_owner_remains(owner: User) -> None:
    other = UserFactory(username="otto", role=Role.OWNER)
    services.user_update(user=owner, user_id=owner.pk, role=Role.STAFF)
    owner.refresh_from_db()
    assert owner.role == Role.STAFF
    with pytest.raises(Conflict):
        services.user_update(user=other, user_id=other.pk, is_active=False)


def test_user_update_of_a_missing_user_is_not_found(owner: User) -> None:
    with pytest.raises(NotFound) as caught:
        services.user_update(user=owner, user_id=999, role=Role.STAFF)
    assert caught.value.detail == "No user with id 999."


def test_users_set_active_is_all_or_nothing(owner: User, staff: User, viewer: User) -> None:
    with pytest.raises(Conflict):
        services.users_set_active(
            user=owner, user_ids=[staff.pk, viewer.pk, owner.pk], active=False
        )
    assert User.objects.filter(is_active=True).count() == 3
    assert services.users_set_active(user=owner, user_ids=[staff.pk, viewer.pk], active=False) == 2
    assert set(User.objects.filter(is_active=False).values_list("username", flat=True)) == {
        "sam",
        "vic",
    }


# ---------------------------------------------------------------- user_set_password


def test_user_set_password_validates_and_audits(owner: User, staff: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.user_set_password(user=owner, user_id=staff.pk, password="sam")
    assert fields_of(caught.value) == ["password"]
    staff.refresh_from_db()
    assert staff.check_password("correct-horse-battery")
    services.user_set_password(user=owner, user_id=staff.pk, password="new-long-passphrase")
    staff.refresh_from_db()
    assert staff.check_password("new-long-passphrase")
    assert AuditEntry.objects.get(action="user.set_password").object_id == str(staff.pk)


# ---------------------------------------------------------------- API tokens


def test_api_token_create_stores_only_the_digest(staff: User) -> None:
    token, plain = services.api_token_create(user=staff, name="  scanner ")
    assert plain.startswith("kc_")
    assert len(plain) > 40
    token.refresh_from_db()
    assert (token.name, token.prefix, token.user) == ("scanner", plain[:10], staff)
    assert token.token_hash == token_digest(plain)
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert plain not in str(stored)
    assert AuditEntry.objects.get(action="api_token.create").actor == staff


def test_api_token_create_refuses_long_names_and_inactive_users(staff: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.api_token_create(user=staff, name="n" * 101)
    assert fields_of(caught.value) == ["name"]
    staff.is_active = False
    staff.save()
    with pytest.raises(ValidationFailed):
        services.api_token_create(user=staff, name="ok")
    assert not ApiToken.objects.exists()


def test_api_token_revoke_own_and_by_owner(owner: User, staff: User, viewer: User) -> None:
    own, _plain = services.api_token_create(user=staff, name="mine")
    revoked = services.api_token_revoke(user=staff, token_id=own.pk)
    assert revoked.revoked_at is not None
    first_revocation = revoked.revoked_at
    # Revoking again changes nothing.
    again = services.api_token_revoke(user=staff, token_id=own.pk)
    assert again.revoked_at == first_revocation
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1

    other, _plain = services.api_token_create(user=viewer, name="viewer's")
    with pytest.raises(NotFound):
        services.api_token_revoke(user=staff, token_id=other.pk)
    other.refresh_from_db()
    assert other.revoked_at is None
    services.api_token_revoke(user=owner, token_id=other.pk)
    other.refresh_from_db()
    assert other.revoked_at is not None


def test_api_tokens_revoke_is_all_or_nothing(staff: User, viewer: User) -> None:
    mine, _plain = services.api_token_create(user=staff, name="mine")
    theirs, _plain = services.api_token_create(user=viewer, name="theirs")
    with pytest.raises(NotFound):
        services.api_tokens_revoke(user=staff, token_ids=[mine.pk, theirs.pk])
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 0
    assert services.api_tokens_revoke(user=staff, token_ids=[mine.pk]) == 1


# ---------------------------------------------------------------- login throttling


def test_throttle_counts_failures_per_user_name_within_the_window(settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_USER = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    for _ in range(2):
        services.login_failure_record(username="Sam", address="10.0.0.1")
    assert services.login_throttle_wait_seconds(username="sam", address="10.0.0.9") == 0
    services.login_failure_record(username="sam", address="10.0.0.2")
    wait = services.login_throttle_wait_seconds(username="SAM", address="10.0.0.9")
    assert 590 <= wait <= 601
    assert services.login_throttle_wait_seconds(username="vic", address="10.0.0.9") == 0


def test_throttle_counts_failures_per_address(settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for name in ("a", "b", "c"):
        services.login_failure_record(username=name, address="10.0.0.1")
    assert services.login_throttle_wait_seconds(username="d", address="10.0.0.1") > 0
    assert services.login_throttle_wait_seconds(username="d", address="10.0.0.2") == 0


def test_throttle_forgets_failures_older_than_the_window(settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_USER = 2
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    for _ in range(2):
        services.login_failure_record(username="sam", address=None)
    FailedLogin.objects.update(created_at=timezone.now() - timedelta(seconds=601))
    assert services.login_throttle_wait_seconds(username="sam", address=None) == 0


# ---------------------------------------------------------------- language


def test_user_set_language_keeps_only_known_languages(viewer: User) -> None:
    services.user_set_language(user=viewer, language="zh-hans")
    viewer.refresh_from_db()
    assert viewer.language == "zh-hans"
    services.user_set_language(user=viewer, language="klingon")
    viewer.refresh_from_db()
    assert viewer.language == "en"


# ---------------------------------------------------------------- races


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner() -> None:
    first = UserFactory(username="ann", role=Role.OWNER)
    second = UserFactory(username="ben", role=Role.OWNER)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def demote(actor: User, target: User) -> None:
        barrier.wait()
        try:
            run_with_retry(
                lambda: services.user_update(user=actor, user_id=target.pk, role=Role.STAFF)
            )
            outcomes[actor.username] = "done"
        except Conflict:
            outcomes[actor.username] = "refused"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["done", "refused"]
    assert User.objects.filter(role=Role.OWNER, is_active=True).count() == 1
    assert AuditEntry.objects.filter(action="user.update").count() == 1


def test_failed_logins_prune_keeps_those_still_counting(settings: Any) -> None:
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    for name in ("old", "recent"):
        services.login_failure_record(username=name, address=None)
    FailedLogin.objects.filter(username="old").update(
        created_at=timezone.now() - timedelta(seconds=601)
    )
    assert services.failed_logins_prune() == 1
    assert list(FailedLogin.objects.values_list("username", flat=True)) == ["recent"]
