"""API authentication: the console session (with CSRF) or a bearer token."""

from __future__ import annotations

import datetime
import functools
import hashlib
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone, translation
from ninja.security import HttpBearer, SessionAuth

from kucun.accounts.models import ApiToken, User


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


Converters = list[tuple[int, list[Any], Any]]


@functools.cache
def token_user_statement(vendor: str) -> tuple[str, list[str], Converters]:
    """The statement that finds a live token's id, last use and user (every column of the
    user, as the ORM would load it), the user's attribute names, and the converters by
    position. Built once: every API request runs it, and building the ORM query for it cost
    more than running it."""
    del vendor  # part of the cache key: quoting and converters belong to the database in use
    quote = connection.ops.quote_name
    token_fields = [ApiToken._meta.get_field("id"), ApiToken._meta.get_field("last_used_at")]
    user_fields = list(User._meta.concrete_fields)
    select = [f"t.{quote(str(field.column))}" for field in token_fields]
    select += [f"u.{quote(str(field.column))}" for field in user_fields]
    converters: Converters = []
    for index, (field, table) in enumerate(
        [(field, ApiToken._meta.db_table) for field in token_fields]
        + [(field, User._meta.db_table) for field in user_fields]
    ):
        expression = field.get_col(table)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if found:
            converters.append((index, found, expression))
    sql = (
        f"SELECT {', '.join(select)} FROM {quote(ApiToken._meta.db_table)} t "  # noqa: S608
        f"JOIN {quote(User._meta.db_table)} u ON u.{quote('id')} = t.{quote('user_id')} "
        f"WHERE t.{quote('token_hash')} = %s AND t.{quote('revoked_at')} IS NULL"
    )
    return sql, [field.attname for field in user_fields], converters


def token_user(token: str) -> tuple[int, datetime.datetime | None, User] | None:
    """(token id, its last use, its user) of a token that is not revoked, in one statement."""
    sql, attnames, converters = token_user_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_digest(token)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, found, expression in converters:
        for converter in found:
            values[index] = converter(values[index], expression, connection)
    return values[0], values[1], User.from_db(connection.alias, attnames, values[2:])


def active_token_user(token: str) -> User | None:
    """The active user of a live token, for callers below accounts (core.access)."""
    found = token_user(token)
    if found is None or not found[2].is_active:
        return None
    return found[2]


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_user(token)
        if found is None:
            return None
        token_id, last_used_at, user = found
        if not user.is_active:
            return None
        now = timezone.now()
        if last_used_at is None or (now - last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        request.user = user
        # Messages follow the token's user's language, as the console does for its session.
        translation.activate(user.language or settings.LANGUAGE_CODE)
        return user


class ActiveSessionAuth(SessionAuth):
    """The console session; CSRF is checked for unsafe methods.

    Without a logged-in session there is nothing to protect, so the request is simply not
    authenticated (401) instead of failing the CSRF check (403): a client sending a revoked or
    wrong bearer token learns that it is not authenticated.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        key: str | None = super()._get_key(request)
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or not user.is_active:
            return None
        return user


api_auth = [BearerTokenAuth(), ActiveSessionAuth()]
