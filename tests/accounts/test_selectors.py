from __future__ import annotations

from collections.abc import Iterable

import pytest

from kucun.accounts import selectors
from kucun.accounts.choices import Role
from kucun.accounts.models import User
from kucun.accounts.services import api_token_create
from kucun.core.errors import NotFound
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def names(users: Iterable[User]) -> list[str]:
    return sorted(user.username for user in users)


def test_user_list_searches_and_filters(owner: User, staff: User, viewer: User) -> None:
    UserFactory(username="retired", role=Role.STAFF, is_active=False, first_name="Rita")
    assert names(selectors.user_list()) == ["olivia", "retired", "sam", "vic"]
    assert names(selectors.user_list(text="RITA")) == ["retired"]
    assert names(selectors.user_list(text="sam@example")) == ["sam"]
    assert names(selectors.user_list(role="staff")) == ["retired", "sam"]
    assert names(selectors.user_list(role="staff", active=True)) == ["sam"]
    assert names(selectors.user_list(active=False)) == ["retired"]
    # An unknown role is no filter rather than an empty list.
    assert len(selectors.user_list(role="boss")) == 4


def test_user_by_username_ignores_case(staff: User) -> None:
    assert selectors.user_by_username(" SAM ") == staff
    with pytest.raises(NotFound) as caught:
        selectors.user_by_username("ghost")
    assert caught.value.detail == "No user named ghost."


def test_tokens_visible_to_each_role(owner: User, staff: User, viewer: User) -> None:
    staff_token, _plain = api_token_create(user=staff, name="s")
    viewer_token, _plain = api_token_create(user=viewer, name="v")
    assert list(selectors.api_tokens_visible_to(staff)) == [staff_token]
    assert set(selectors.api_tokens_visible_to(owner)) == {staff_token, viewer_token}
    assert list(selectors.api_token_list(user=owner, own_only=True)) == []
    assert list(selectors.api_tokens_visible_to(None)) == []
    with pytest.raises(NotFound):
        selectors.api_token_visible(user=staff, token_id=viewer_token.pk)
    assert selectors.api_token_visible(user=owner, token_id=viewer_token.pk) == viewer_token
