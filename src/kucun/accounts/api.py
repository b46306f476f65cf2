"""API for the signed-in user, their tokens, and (for owners) users and roles."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kucun.accounts import selectors, services
from kucun.accounts.choices import Role
from kucun.accounts.models import ApiToken, User
from kucun.accounts.permissions import role_required
from kucun.core.pagination import FiftyPerPage

router = Router(tags=["accounts"])


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = []


class MeOut(Schema):
    id: int
    username: str
    email: str
    role: Role
    language: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    username: str = Field(..., alias="user.username")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool = Field(..., alias="is_active")


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The token itself. Shown only in this response.")


class TokenIn(Schema):
    name: str = Field(..., max_length=100, description="What the token is for.")


class TokenFilter(Schema):
    active: bool | None = None


class UserOut(Schema):
    id: int
    username: str
    email: str
    role: Role
    is_active: bool
    language: str
    last_login: datetime | None
    date_joined: datetime


class UserIn(Schema):
    username: str = Field(..., max_length=150)
    email: str = ""
    role: Role = Role.VIEWER
    password: str
    language: str | None = None


class UserPatch(Schema):
    email: str | None = None
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(None, description="A new password (validated).")


class UserFilter(Schema):
    q: str = ""
    role: Role | None = None
    active: bool | None = None


def token_out(token: ApiToken, plain: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "user.username": token.user.username,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "is_active": token.is_active,
    }
    if plain is not None:
        data["token"] = plain
    return data


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get("/tokens", response=list[TokenOut], summary="Your API tokens")
@paginate(FiftyPerPage)
def token_list(request: HttpRequest, filters: Query[TokenFilter]) -> QuerySet[ApiToken]:
    return selectors.api_token_list(user=request.user, active=filters.active, own_only=True)


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, 422: ErrorOut},
    summary="Create an API token (the token is in this response only)",
)
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, plain = services.api_token_create(user=request.user, name=payload.name)
    return Status(201, token_out(token, plain))


@router.delete(
    "/tokens/{token_id}",
    response={200: TokenOut, 404: ErrorOut},
    summary="Revoke an API token (owners: anyone's; others: their own)",
)
def token_revoke(request: HttpRequest, token_id: int) -> dict[str, Any]:
    return token_out(services.api_token_revoke(user=request.user, token_id=token_id))


@router.get("/users", response={200: list[UserOut], 403: ErrorOut}, summary="Users (owners only)")
@role_required(Role.OWNER)
@paginate(FiftyPerPage)
def user_list(request: HttpRequest, filters: Query[UserFilter]) -> QuerySet[User]:
    return selectors.user_list(
        text=filters.q, role=filters.role or "", active=filters.active
    ).order_by("username", "pk")


@router.post(
    "/users",
    response={201: UserOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Create a user (owners only)",
)
@role_required(Role.OWNER)
def user_create(request: HttpRequest, payload: UserIn) -> Status[User]:
    created = services.user_create(
        user=request.user,
        username=payload.username,
        email=payload.email,
        role=payload.role,
        password=payload.password,
        language=payload.language,
    )
    return Status(201, created)


@router.patch(
    "/users/{user_id}",
    response={200: UserOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Change a user's email, role, active flag or password (owners only)",
)
@role_required(Role.OWNER)
def user_update(request: HttpRequest, user_id: int, payload: UserPatch) -> User:
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    password = changes.pop("password", None)
    with transaction.atomic():  # a refused password leaves the other changes unmade too
        target = services.user_update(user=request.user, user_id=user_id, **changes)
        if password is not None:
            target = services.user_set_password(
                user=request.user, user_id=user_id, password=password
            )
    return target
