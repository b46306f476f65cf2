"""Account reads: user lists, the tokens a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kucun.accounts.choices import Role
from kucun.accounts.models import ApiToken, User
from kucun.core.errors import NotFound


def user_list(*, text: str = "", role: str = "", active: bool | None = None) -> QuerySet[User]:
    """Users matching a search over user name, email and names, a role and an active flag."""
    users = User.objects.all()
    text = text.strip()
    if text:
        users = users.filter(
            Q(username__icontains=text)
            | Q(email__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
        )
    if role in Role.values:
        users = users.filter(role=role)
    if active is not None:
        users = users.filter(is_active=active)
    return users


def user_by_username(username: str) -> User:
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise NotFound(detail=_("No user named %(username)s.") % {"username": username})
    return user


def user_by_id(user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(detail=_("No user with id %(id)s.") % {"id": user_id})
    return user


def api_tokens_visible_to(user: Any) -> QuerySet[ApiToken]:
    """An owner sees every token; everyone else only their own."""
    tokens = ApiToken.objects.select_related("user")
    if user is None or not user.is_authenticated:
        return tokens.none()
    if user.has_role(Role.OWNER):
        return tokens
    return tokens.filter(user=user)


def api_token_list(
    *, user: Any, text: str = "", active: bool | None = None, own_only: bool = False
) -> QuerySet[ApiToken]:
    tokens = api_tokens_visible_to(user)
    if own_only:
        tokens = tokens.filter(user=user)
    text = text.strip()
    if text:
        tokens = tokens.filter(
            Q(name__icontains=text) | Q(prefix__icontains=text) | Q(user__username__icontains=text)
        )
    if active is not None:
        tokens = tokens.filter(revoked_at__isnull=active)
    return tokens


def api_token_visible(*, user: Any, token_id: int) -> ApiToken:
    """A token the user may manage: an owner any, everyone else only their own (else 404)."""
    token = api_tokens_visible_to(user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(detail=_("No API token with id %(id)s.") % {"id": token_id})
    return token
