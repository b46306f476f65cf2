"""Who is asking, for the parts of core and the sandbox that cannot import accounts.

``accounts`` registers how a bearer token becomes a user and how a user's role is checked;
code below it asks through these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

BearerAuthenticator = Callable[[str], Any]
_bearer_authenticators: list[BearerAuthenticator] = []


def register_bearer_authenticator(authenticate: BearerAuthenticator) -> None:
    if authenticate not in _bearer_authenticators:
        _bearer_authenticators.append(authenticate)


def request_user(request: HttpRequest) -> Any:
    """The session's user, else the user of an ``Authorization: Bearer`` token, else None."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    for authenticate in _bearer_authenticators:
        found = authenticate(token.strip())
        if found is not None:
            return found
    return None


def user_holds_role(user: Any, role: str) -> bool:
    """True when the user holds this role (by name) or a higher one."""
    has_role = getattr(user, "has_role", None)
    return bool(user is not None and user.is_authenticated and has_role and has_role(role))
