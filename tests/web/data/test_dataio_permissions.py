"""Who may do what on the Data screens and API: everyone reads and exports; staff and owners
import."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.permissions import ALL_ROLES, assert_role_matrix, assert_view_role_matrix

pytestmark = pytest.mark.django_db

IMPORTERS = {"staff", "owner"}


@pytest.mark.parametrize(
    "path",
    [
        "/data/imports/",
        "/data/exports/",
        "/data/exports/new/?kind=items",
        "/data/exports/new/?kind=items&format=csv",
        "/data/imports/templates/items.xlsx",
    ],
)
def test_console_reads_and_exports_for_every_role(
    user_for_role: Callable[[str | None], Any], path: str
) -> None:
    assert_view_role_matrix(user_for_role, "GET", path, allowed_roles=ALL_ROLES)


def test_console_import_form_for_staff_and_owner(
    user_for_role: Callable[[str | None], Any],
) -> None:
    assert_view_role_matrix(
        user_for_role, "GET", "/data/imports/new/", allowed_roles=IMPORTERS, allowed_status=200
    )


def test_api_exports_for_every_role(
    api_client_for: Callable[..., Any], user_for_role: Callable[[str | None], Any]
) -> None:
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        "/api/v1/exports",
        data={"kind": "bundles", "format": "csv"},
        allowed_roles=ALL_ROLES,
        allowed_status=201,
    )
    assert_role_matrix(
        api_client_for, user_for_role, "GET", "/api/v1/imports", allowed_roles=ALL_ROLES
    )
