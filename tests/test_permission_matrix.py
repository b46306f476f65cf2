"""Who may reach what: every API operation and every console page, generically, plus the role
matrix of the accounts endpoints.

The generic tests enumerate the OpenAPI schema and the URL configuration, so an endpoint or a
page added later is covered without touching this file. An operation that is deliberately
public (no auth) must be listed in PUBLIC_API_OPERATIONS; a public page in PUBLIC_CONSOLE_PATHS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from kucun.accounts.choices import Role
from kucun.accounts.models import ApiToken, User
from kucun.accounts.services import api_token_create
from kucun.api import api
from kucun.orders.choices import OrderStatus
from tests.factories import UserFactory
from tests.orders.console_support import make_order, make_store
from tests.permissions import (
    ALL_ROLES,
    OWNER_ONLY,
    STAFF_AND_OWNER,
    assert_role_matrix,
    assert_view_role_matrix,
)

pytestmark = pytest.mark.django_db

API_PREFIX = "/api/v1/"
# (method, path template) of operations meant to be called without credentials.
PUBLIC_API_OPERATIONS: frozenset[tuple[str, str]] = frozenset()
PUBLIC_CONSOLE_PATHS = frozenset({"/accounts/login/", "/health", "/favicon.ico"})
# The emulated vendors answer with their own authentication (a token, a key, a signature), their
# pages for people need a Kucun login, and their control planes a staff session or token. Only
# what the vendor itself shows to anyone is open: eBay's consent page and its answer.
SANDBOX_PREFIX = "/sandbox/"
SANDBOX_PUBLIC_PAGES = frozenset(
    {"/sandbox/ebay/oauth2/authorize", "/sandbox/ebay/oauth2/accepted"}
)
# 4PX's gateway refuses inside HTTP 200, as 4PX does: its envelope says result "0" and names
# the missing authentication (integrations/fourpx.md §3).
SANDBOX_REFUSING_IN_200 = frozenset({"/sandbox/fourpx/router/api/service"})
# Webhook receivers answer platforms, not people: no session, a signature on every delivery
# (tests/channels/test_webhooks.py). An unsigned request never gets through.
SIGNED_PREFIXES = ("/hooks/",)
LOGIN_PATH = "/accounts/login/"


# ---------------------------------------------------------------- enumeration


def path_parameter_value(parameter: dict[str, Any]) -> str:
    schema = parameter.get("schema", {})
    return "1" if schema.get("type") == "integer" else "X"


def api_operations() -> list[tuple[str, str, str, bool]]:
    """(method, template, concrete path, has security) for every operation in the schema."""
    schema = api.get_openapi_schema()
    found = []
    for template, operations in schema["paths"].items():
        for method, operation in operations.items():
            path = template
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path":
                    path = path.replace(
                        "{" + parameter["name"] + "}", path_parameter_value(parameter)
                    )
            assert "{" not in path, f"unfilled path parameter in {template}"
            found.append((method.upper(), template, path, bool(operation.get("security"))))
    return sorted(found)


def guarded_api_operations() -> list[tuple[str, str, str, bool]]:
    """At collection time; a schema that cannot be built fails test_openapi_schema_builds."""
    try:
        operations = api_operations()
    except Exception:
        return []
    return [op for op in operations if (op[0], op[1]) not in PUBLIC_API_OPERATIONS]


CONVERTER_VALUES = {
    "IntConverter": "1",
    "SlugConverter": "x",
    "StringConverter": "x",
    "PathConverter": "x",
    "UUIDConverter": "00000000-0000-0000-0000-000000000001",
    "ShopDomainConverter": "x.myshopify.com",  # the Shopify emulator's shop in its paths
}
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def fill_route(route: str, converters: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        converter = converters[match["name"]]
        name = type(converter).__name__
        assert name in CONVERTER_VALUES, f"no sample value for converter {name} in {route}"
        return CONVERTER_VALUES[name]

    return ROUTE_PARAMETER.sub(value, route)


def walk_console(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(concrete path, view name) of every console URL; the API's own URLs are left out."""
    for entry in patterns:
        pattern = entry.pattern
        assert isinstance(pattern, RoutePattern), f"use path(), not re_path(): {pattern}"
        route = prefix + fill_route(str(pattern), pattern.converters)
        if isinstance(entry, URLResolver):
            if ("/" + route).startswith(API_PREFIX):
                continue
            yield from walk_console(entry.url_patterns, route)
        else:
            assert isinstance(entry, URLPattern)
            yield "/" + route, entry.lookup_str


def console_paths() -> list[tuple[str, str]]:
    return sorted(set(walk_console(get_resolver("kucun.urls").url_patterns)))


# ---------------------------------------------------------------- generic: API


def test_openapi_schema_builds() -> None:
    assert api.get_openapi_schema()["paths"]


def test_enumeration_sees_the_accounts_operations() -> None:
    operations = {(method, template) for method, template, _path, _sec in api_operations()}
    assert {
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/tokens"),
        ("POST", "/api/v1/tokens"),
        ("DELETE", "/api/v1/tokens/{token_id}"),
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/users"),
        ("PATCH", "/api/v1/users/{user_id}"),
    } <= operations


@pytest.mark.parametrize(("method", "template", "path", "secured"), guarded_api_operations())
def test_every_api_operation_refuses_anonymous_with_401_json(
    method: str, template: str, path: str, secured: bool
) -> None:
    assert secured, f"{method} {template} has no auth; list it in PUBLIC_API_OPERATIONS if meant"
    # A real browser without a session: CSRF is enforced, and must not turn 401 into 403.
    client = Client(enforce_csrf_checks=True)
    call = getattr(client, method.lower())
    kwargs = {} if method in {"GET", "DELETE"} else {"data": {}, "content_type": "application/json"}
    response = call(path, **kwargs)
    assert response.status_code == 401, f"{method} {path}: {response.status_code}"
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith("Authentication required")


@pytest.mark.parametrize(("method", "template", "path", "secured"), guarded_api_operations())
def test_every_api_operation_refuses_a_revoked_token_with_401(
    method: str, template: str, path: str, secured: bool, staff: User
) -> None:
    token, plain = api_token_create(user=staff, name="old")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-01T00:00:00Z")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {plain}"})
    call = getattr(client, method.lower())
    kwargs = {} if method in {"GET", "DELETE"} else {"data": {}, "content_type": "application/json"}
    response = call(path, **kwargs)
    assert response.status_code == 401, f"{method} {path}: {response.status_code}"
    assert response.json()["detail"]


def test_schema_and_docs_are_public() -> None:
    client = Client()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Kucun API"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200


# ---------------------------------------------------------------- generic: console


def test_enumeration_sees_the_console_pages() -> None:
    paths = {path for path, _view in console_paths()}
    assert {"/", "/accounts/users/", "/accounts/users/1/", "/accounts/tokens/"} <= paths
    assert not any(path.startswith(API_PREFIX) for path in paths)


@pytest.mark.parametrize(("path", "view"), console_paths())
def test_every_console_page_sends_anonymous_to_login(path: str, view: str) -> None:
    if path in PUBLIC_CONSOLE_PATHS:
        response = Client().get(path)
        assert response.status_code == 200, f"{path} ({view}) should be public"
        return
    if path in SANDBOX_REFUSING_IN_200:
        assert Client().get(path).status_code == 405, path  # the gateway takes POST only
        answer = Client().post(path)
        assert answer.status_code == 200, f"POST {path} ({view})"
        assert answer.json()["result"] == "0", path
        assert answer.json()["errors"], path
        return
    if path.startswith(SANDBOX_PREFIX) and path not in SANDBOX_PUBLIC_PAGES:
        for method in ("get", "post"):
            response = getattr(Client(), method)(path)
            assert not 200 <= response.status_code < 300, f"{method.upper()} {path} ({view})"
            if response.status_code == 302:
                assert response["Location"].startswith(f"{LOGIN_PATH}?next="), path
        return
    if path in SANDBOX_PUBLIC_PAGES:
        return
    if path.startswith(SIGNED_PREFIXES):
        for method in ("get", "post"):
            response = getattr(Client(), method)(path)
            assert response.status_code in {401, 404}, f"{method.upper()} {path} ({view})"
        return
    for method in ("get", "post"):
        response = getattr(Client(), method)(path)
        assert response.status_code == 302, f"{method.upper()} {path} ({view})"
        assert response["Location"].startswith(f"{LOGIN_PATH}?next="), path


# ---------------------------------------------------------------- accounts: role × endpoint


Factory = Callable[[str | None], Any]


def test_me_is_open_to_every_role(api_client_for: Factory, user_for_role: Factory) -> None:
    responses = assert_role_matrix(
        api_client_for, user_for_role, "GET", "/api/v1/me", allowed_roles=ALL_ROLES
    )
    assert responses[Role.VIEWER].json()["role"] == "viewer"


def test_own_tokens_are_open_to_every_role(api_client_for: Factory, user_for_role: Factory) -> None:
    assert_role_matrix(api_client_for, user_for_role, "GET", "/api/v1/tokens", allowed_status=200)
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        "/api/v1/tokens",
        data={"name": "scanner"},
        allowed_status=201,
    )


def test_users_api_is_owner_only(api_client_for: Factory, user_for_role: Factory) -> None:
    users_before = User.objects.count()
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "GET",
        "/api/v1/users",
        allowed_roles=OWNER_ONLY,
        allowed_status=200,
    )
    target = UserFactory(username="target", role=Role.VIEWER)
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "PATCH",
        f"/api/v1/users/{target.pk}",
        data={"role": "staff"},
        allowed_roles=OWNER_ONLY,
        allowed_status=200,
    )
    responses = assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        "/api/v1/users",
        data={"username": "newcomer", "password": "a-long-passphrase", "role": "viewer"},
        allowed_roles=OWNER_ONLY,
        allowed_status=201,
    )
    assert responses[Role.OWNER].json()["username"] == "newcomer"
    # Three matrices of viewer, staff and owner, the target, and the one user the owner created.
    assert User.objects.count() == users_before + 3 * 3 + 1 + 1
    assert User.objects.filter(username="newcomer").count() == 1


def test_revoking_someone_elses_token_is_owner_only(
    api_client_for: Factory, user_for_role: Factory
) -> None:
    victim = UserFactory(username="victim", role=Role.STAFF)
    tokens = {}

    def path(role: str | None) -> str:
        tokens[role], _plain = api_token_create(user=victim, name=f"for {role}")
        return f"/api/v1/tokens/{tokens[role].pk}"

    for role in (Role.VIEWER, Role.STAFF):
        response = api_client_for(user_for_role(role)).delete(path(role))
        assert response.status_code == 404
        assert response.json()["detail"] == f"No API token with id {tokens[role].pk}."
        tokens[role].refresh_from_db()
        assert tokens[role].revoked_at is None
    assert api_client_for(None).delete(path(None)).status_code == 401
    response = api_client_for(user_for_role(Role.OWNER)).delete(path(Role.OWNER))
    assert response.status_code == 200
    tokens[Role.OWNER].refresh_from_db()
    assert tokens[Role.OWNER].revoked_at is not None


def test_users_console_is_owner_only(user_for_role: Factory) -> None:
    target = UserFactory(username="target", role=Role.VIEWER)
    for path in (
        "/accounts/users/",
        "/accounts/users/new/",
        f"/accounts/users/{target.pk}/",
        f"/accounts/users/{target.pk}/password/",
    ):
        assert_view_role_matrix(
            user_for_role, "GET", path, allowed_roles=OWNER_ONLY, allowed_status=200
        )
    assert_view_role_matrix(
        user_for_role,
        "POST",
        f"/accounts/users/{target.pk}/deactivate/",
        allowed_roles=OWNER_ONLY,
        allowed_status=302,
    )
    target.refresh_from_db()
    assert target.is_active is False


def test_refused_console_writes_change_nothing(user_for_role: Factory) -> None:
    target = UserFactory(username="target", role=Role.VIEWER)
    for role in (Role.VIEWER, Role.STAFF):
        client = Client()
        client.force_login(user_for_role(role))
        edit = client.post(
            f"/accounts/users/{target.pk}/",
            {"email": "x@example.com", "role": "owner", "is_active": "on"},
        )
        create = client.post(
            "/accounts/users/new/",
            {"username": "intruder", "role": "owner", "password": "x", "password_again": "x"},
        )
        assert (edit.status_code, create.status_code) == (403, 403)
        assert b"Ask an owner for the Owner role." in edit.content
    target.refresh_from_db()
    assert (target.role, target.email) == (Role.VIEWER, "target@example.com")
    assert not User.objects.filter(username="intruder").exists()


def test_tokens_console_is_open_to_every_role(user_for_role: Factory) -> None:
    for path in ("/accounts/tokens/", "/accounts/tokens/new/"):
        assert_view_role_matrix(user_for_role, "GET", path, allowed_status=200)
    responses = assert_view_role_matrix(
        user_for_role, "POST", "/accounts/tokens/new/", data={"name": "ci"}, allowed_status=200
    )
    assert b"kc_" in responses[Role.VIEWER].content


# ---------------------------------------------------------------- orders: role × page / endpoint


def test_orders_are_read_by_every_role_and_worked_by_staff(user_for_role: Factory) -> None:
    order = make_order(make_store(), "1001")
    for path in ("/orders/", "/orders/downloads/", f"/orders/{order.pk}/"):
        assert_view_role_matrix(user_for_role, "GET", path, allowed_status=200)
    for path in (f"/orders/{order.pk}/reship/", f"/orders/{order.pk}/return/"):
        assert_view_role_matrix(
            user_for_role, "GET", path, allowed_roles=STAFF_AND_OWNER, allowed_status=200
        )
    for path in ("/orders/confirm/", "/orders/download/", f"/orders/{order.pk}/carrier/"):
        assert_view_role_matrix(
            user_for_role, "POST", path, allowed_roles=STAFF_AND_OWNER, allowed_status=302
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.TO_CONFIRM
    assert_view_role_matrix(
        user_for_role,
        "POST",
        f"/orders/{order.pk}/cancel/",
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=302,
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_orders_api_reads_for_every_role_and_writes_for_staff(
    api_client_for: Factory, user_for_role: Factory
) -> None:
    order = make_order(make_store(), "1001")
    for path in ("/api/v1/orders", f"/api/v1/orders/{order.pk}", "/api/v1/order-downloads"):
        assert_role_matrix(api_client_for, user_for_role, "GET", path, allowed_status=200)
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "PATCH",
        f"/api/v1/orders/{order.pk}",
        data={"carrier_account": None},
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=200,
    )
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        "/api/v1/orders/confirm",
        data={"ids": [order.pk]},
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=202,
    )
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        f"/api/v1/stores/{order.store_id}/order-downloads",
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=202,
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.TO_CONFIRM  # no warehouse holds it: left as it was
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        f"/api/v1/orders/{order.pk}/cancel",
        data={"reason": "duplicate"},
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=200,
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    viewer_view = api_client_for(user_for_role(Role.VIEWER)).get(f"/api/v1/orders/{order.pk}")
    owner_view = api_client_for(user_for_role(Role.OWNER)).get(f"/api/v1/orders/{order.pk}")
    assert viewer_view.json()["raw"] is None
    assert owner_view.json()["raw"] == {}
