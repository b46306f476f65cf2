"""Shared fixtures: users of each role, API clients with bearer tokens."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from kucun.accounts.choices import Role
from kucun.accounts.models import User
from kucun.accounts.services import api_token_create
from tests.factories import UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _allow_test_hosts(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]


@pytest.fixture(autouse=True)
def _english_between_tests() -> Iterator[None]:
    """Each test starts and ends in the default language, whatever a request activated."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def owner(db: None) -> User:
    return UserFactory(username="olivia", role=Role.OWNER)


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(username="sam", role=Role.STAFF)


@pytest.fixture
def viewer(db: None) -> User:
    return UserFactory(username="vic", role=Role.VIEWER)


@pytest.fixture
def user_for_role(db: None) -> Callable[[str | None], User | None]:
    def make(role: str | None) -> User | None:
        if role is None:
            return None
        return UserFactory(role=role)

    return make


class ApiClient:
    """A Django test client that sends a bearer token and JSON bodies."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, data: Any = None, **headers: str) -> Any:
        call = getattr(self.client, method.lower())
        if method.upper() in {"GET", "DELETE"}:
            return call(path, data or {}, headers={**self.headers, **headers})
        return call(
            path, data, content_type="application/json", headers={**self.headers, **headers}
        )

    def get(self, path: str, data: Any = None, **headers: str) -> Any:
        return self.request("GET", path, data, **headers)

    def post(self, path: str, data: Any = None, **headers: str) -> Any:
        return self.request("POST", path, data, **headers)

    def put(self, path: str, data: Any = None, **headers: str) -> Any:
        return self.request("PUT", path, data, **headers)

    def patch(self, path: str, data: Any = None, **headers: str) -> Any:
        return self.request("PATCH", path, data, **headers)

    def delete(self, path: str, data: Any = None, **headers: str) -> Any:
        return self.request("DELETE", path, data, **headers)


@pytest.fixture
def api_client_for() -> Callable[[User | None], ApiClient]:
    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient(None)
        _token, plain = api_token_create(user=user, name="tests")
        return ApiClient(plain)

    return make


@pytest.fixture
def owner_api(owner: User, api_client_for: Callable[[User | None], ApiClient]) -> ApiClient:
    return api_client_for(owner)


@pytest.fixture
def staff_api(staff: User, api_client_for: Callable[[User | None], ApiClient]) -> ApiClient:
    return api_client_for(staff)


@pytest.fixture
def viewer_api(viewer: User, api_client_for: Callable[[User | None], ApiClient]) -> ApiClient:
    return api_client_for(viewer)


@pytest.fixture
def owner_client(owner: User) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def staff_client(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def viewer_client(viewer: User) -> Client:
    client = Client()
    client.force_login(viewer)
    return client
