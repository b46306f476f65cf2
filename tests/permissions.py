"""Reusable role checks for API endpoints and console views.

Every app's tests can pin who may call an endpoint in one line::

    from tests.permissions import assert_role_matrix

    def test_warehouse_create_roles(api_client_for, user_for_role):
        assert_role_matrix(
            api_client_for, user_for_role,
            "POST", "/api/v1/warehouses",
            data=lambda role: {"code": f"W-{role}", "name": "Warehouse"},
            allowed_roles={"owner"},
        )

and the console twin::

    assert_view_role_matrix(user_for_role, "GET", "/warehouses/", allowed_roles=ALL_ROLES)

The request is made once per role: anonymous (None), viewer, staff and owner, each with a fresh
user of that role. Refused roles go first, so a refusal is checked against untouched data.

- anonymous: the API answers 401 with a JSON "detail"; the console redirects to the login page.
- a role not in `allowed_roles`: 403 (API: JSON with "detail"; console: the refusal page).
- an allowed role: `allowed_status` when given (an int, or a set of ints), otherwise any status
  that is neither 401, 403 nor 5xx, and for the console not a redirect to the login page.

`path` and `data` may be callables taking the role (a `Role` value, or None for anonymous), so
that writes by several allowed roles do not collide (e.g. unique codes) and deletes can target
one object per role. The responses are returned by role for further assertions.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from django.test import Client

from kucun.accounts.choices import Role

ALL_ROLES: frozenset[str] = frozenset({Role.VIEWER, Role.STAFF, Role.OWNER})
STAFF_AND_OWNER: frozenset[str] = frozenset({Role.STAFF, Role.OWNER})
OWNER_ONLY: frozenset[str] = frozenset({Role.OWNER})
ROLES_IN_ORDER: tuple[str | None, ...] = (None, Role.VIEWER, Role.STAFF, Role.OWNER)
LOGIN_PATH = "/accounts/login/"

Value = Any | Callable[[str | None], Any]


def resolve(value: Value, role: str | None) -> Any:
    return value(role) if callable(value) else value


def checked_order(allowed_roles: Collection[str]) -> list[str | None]:
    unknown = set(allowed_roles) - set(ALL_ROLES)
    assert not unknown, f"unknown roles in allowed_roles: {sorted(unknown)}"
    refused = [role for role in ROLES_IN_ORDER if role not in allowed_roles]
    allowed = [role for role in ROLES_IN_ORDER if role in allowed_roles]
    return refused + allowed


def status_matches(status: int, expected: int | Iterable[int] | None) -> bool:
    if expected is None:
        return status not in {401, 403} and status < 500
    if isinstance(expected, int):
        return status == expected
    return status in set(expected)


def assert_role_matrix(
    api_client_for: Callable[[Any], Any],
    user_for_role: Callable[[str | None], Any],
    method: str,
    path: Value,
    data: Value = None,
    allowed_roles: Collection[str] = ALL_ROLES,
    *,
    allowed_status: int | Iterable[int] | None = None,
) -> dict[str | None, Any]:
    """Call an API endpoint as anonymous, viewer, staff and owner; assert who gets through."""
    responses: dict[str | None, Any] = {}
    for role in checked_order(allowed_roles):
        client = api_client_for(user_for_role(role))
        url = resolve(path, role)
        response = client.request(method, url, resolve(data, role))
        responses[role] = response
        where = f"{method} {url} as {role or 'anonymous'}"
        if role is None:
            assert response.status_code == 401, f"{where}: {response.status_code}"
            assert response.json()["detail"], where
        elif role not in allowed_roles:
            assert response.status_code == 403, f"{where}: {response.status_code}"
            assert response.json()["detail"], where
        else:
            assert status_matches(response.status_code, allowed_status), (
                f"{where}: {response.status_code} {response.content[:300]!r}"
            )
    return responses


def assert_view_role_matrix(
    user_for_role: Callable[[str | None], Any],
    method: str,
    path: Value,
    data: Value = None,
    allowed_roles: Collection[str] = ALL_ROLES,
    *,
    allowed_status: int | Iterable[int] | None = None,
) -> dict[str | None, Any]:
    """Call a console view as anonymous, viewer, staff and owner; assert who gets through."""
    responses: dict[str | None, Any] = {}
    for role in checked_order(allowed_roles):
        client = Client()
        user = user_for_role(role)
        if user is not None:
            client.force_login(user)
        url = resolve(path, role)
        call = getattr(client, method.lower())
        response = call(url, resolve(data, role) or {})
        responses[role] = response
        where = f"{method} {url} as {role or 'anonymous'}"
        if role is None:
            assert response.status_code == 302, f"{where}: {response.status_code}"
            assert response["Location"].startswith(LOGIN_PATH), where
        elif role not in allowed_roles:
            assert response.status_code == 403, f"{where}: {response.status_code}"
        else:
            redirected_to_login = response.status_code == 302 and response["Location"].startswith(
                LOGIN_PATH
            )
            assert not redirected_to_login, where
            assert status_matches(response.status_code, allowed_status), (
                f"{where}: {response.status_code}"
            )
    return responses
