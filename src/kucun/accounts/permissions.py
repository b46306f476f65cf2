"""Role checks used by views and API endpoints alike."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils.translation import gettext as _

from kucun.accounts.choices import Role
from kucun.core.errors import PermissionDenied

F = TypeVar("F", bound=Callable[..., Any])


def user_has_role(user: Any, role: Role | str) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role(role))


def require_role(request: HttpRequest, role: Role | str) -> None:
    """Raise PermissionDenied unless the request's user holds this role or a higher one."""
    if not user_has_role(getattr(request, "user", None), role):
        raise PermissionDenied(
            detail=_("Your role does not allow this. Ask an owner for the %(role)s role.")
            % {"role": Role(role).label}
        )


def role_required(role: Role | str) -> Callable[[F], F]:
    """Decorator for console views and API operations taking the request first."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            require_role(request, role)
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
