"""Account writes: users, roles, API tokens, login failures, preferences."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.accounts.auth import token_digest
from kucun.accounts.choices import Role
from kucun.accounts.models import ApiToken, FailedLogin, User
from kucun.accounts.selectors import api_token_visible
from kucun.core.audit import audit_record
from kucun.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kucun.core.locks import lock_rows

TOKEN_PREFIX = "kc_"  # noqa: S105 - a visible marker, not a secret
TOKEN_NAME_MAX_LENGTH = 100

# Marks an argument the caller did not pass (None is a meaningful value for some fields).
UNSET: Any = object()


def normalised_language(language: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def user_set_language(*, user: Any, language: str) -> None:
    if not user.is_authenticated:
        return
    user.language = normalised_language(language)
    user.save(update_fields=["language"])


# ---------------------------------------------------------------- login throttling


def login_failure_record(*, username: str, address: str | None) -> None:
    FailedLogin.objects.create(username=username[:150], address=address)


def login_throttle_wait_seconds(*, username: str, address: str | None) -> int:
    """Seconds until another try is allowed for this user name or address (0 = allowed now)."""
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    since = timezone.now() - window
    recent = FailedLogin.objects.filter(created_at__gte=since)
    checks: list[tuple[Q, int]] = []
    if username:
        checks.append((Q(username__iexact=username), settings.LOGIN_FAILURES_PER_USER))
    if address:
        checks.append((Q(address=address), settings.LOGIN_FAILURES_PER_ADDRESS))
    wait = 0
    for condition, limit in checks:
        failures = list(
            recent.filter(condition)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:limit]
        )
        if len(failures) >= limit:
            oldest_counted = failures[-1]
            wait = max(wait, int((oldest_counted + window - timezone.now()).total_seconds()) + 1)
    return wait


# ---------------------------------------------------------------- users


def clean_role(value: Any, field: str = "role") -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(Role.values)
        raise ValidationFailed.for_field(
            field, _("Choose a role: %(choices)s.") % {"choices": choices}
        ) from None


def clean_email(value: str) -> str:
    email = (value or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationFailed.for_field(
                "email", _("Enter a valid email address, or leave it empty.")
            ) from None
    return email


def clean_username(value: str) -> str:
    username = (value or "").strip()
    if not username:
        raise ValidationFailed.for_field("username", _("Enter a user name."))
    if len(username) > 150:
        raise ValidationFailed.for_field(
            "username", _("Use at most 150 characters for the user name.")
        )
    try:
        UnicodeUsernameValidator()(username)
    except DjangoValidationError:
        raise ValidationFailed.for_field(
            "username", _("Use only letters, digits and @ . + - _ in the user name.")
        ) from None
    return username


def password_check(*, password: str, user: User) -> None:
    """Django's password validators, as a field error on "password"."""
    if not password:
        raise ValidationFailed.for_field("password", _("Enter a password."))
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        raise ValidationFailed.for_field("password", " ".join(error.messages)) from None


def user_lock_with_owners(user_ids: set[int]) -> dict[int, User]:
    """Lock these users and every active owner, in pk order (so concurrent changes cannot
    deadlock, and two owners demoting each other cannot both pass the last-owner check)."""
    owner_ids = set(
        User.objects.filter(role=Role.OWNER, is_active=True).values_list("pk", flat=True)
    )
    return lock_rows(User.objects.all(), owner_ids | user_ids)


def user_get_locked(user_id: int) -> User:
    target = lock_rows(User.objects.all(), [user_id]).get(user_id)
    if target is None:
        raise NotFound(detail=_("No user with id %(id)s.") % {"id": user_id})
    return target


def other_active_owners(locked: dict[int, User], user_id: int) -> list[User]:
    return [
        candidate
        for pk, candidate in locked.items()
        if pk != user_id and candidate.is_active and candidate.role == Role.OWNER
    ]


@transaction.atomic
def user_create(
    *,
    user: Any,
    username: str,
    role: Role | str,
    password: str,
    email: str = "",
    language: str | None = None,
) -> User:
    """Create an active user with a validated password; the audit row never holds the password."""
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    for name, clean, value in (
        ("username", clean_username, username),
        ("email", clean_email, email),
        ("role", clean_role, role),
    ):
        try:
            cleaned[name] = clean(value)
        except ValidationFailed as error:
            errors.extend(error.errors)
    codes = [code for code, _name in settings.LANGUAGES]
    if language and language not in codes:
        errors.append(
            FieldError(
                "language", _("Choose a language: %(choices)s.") % {"choices": ", ".join(codes)}
            )
        )
    if errors:
        raise ValidationFailed(detail="; ".join(e.message for e in errors), errors=errors)
    if User.objects.filter(username__iexact=cleaned["username"]).exists():
        message = _("A user named %(username)s already exists.") % {"username": cleaned["username"]}
        raise Conflict(detail=message, errors=[FieldError("username", message)])
    new_user = User(
        username=cleaned["username"],
        email=cleaned["email"],
        role=cleaned["role"],
        language=language or settings.LANGUAGE_CODE,
        is_active=True,
    )
    password_check(password=password, user=new_user)
    new_user.set_password(password)
    new_user.save()
    audit_record(
        actor=user,
        action="user.create",
        obj=new_user,
        summary=f"Created user {new_user.username} ({new_user.role})",
        data={"username": new_user.username, "role": new_user.role, "email": new_user.email},
    )
    return new_user


@transaction.atomic
def user_update(
    *,
    user: Any,
    user_id: int,
    role: Role | str = UNSET,
    is_active: bool = UNSET,
    email: str = UNSET,
) -> User:
    """Change a user's role, active flag or email; the last active owner always stays one."""
    locked = user_lock_with_owners({user_id})
    target = locked.get(user_id)
    if target is None:
        raise NotFound(detail=_("No user with id %(id)s.") % {"id": user_id})
    changes: dict[str, Any] = {}
    if role is not UNSET:
        changes["role"] = clean_role(role)
    if is_active is not UNSET:
        changes["is_active"] = bool(is_active)
    if email is not UNSET:
        changes["email"] = clean_email(email)
    changes = {name: value for name, value in changes.items() if getattr(target, name) != value}
    if not changes:
        return target
    was_active_owner = target.is_active and target.role == Role.OWNER
    stays_active_owner = changes.get("is_active", target.is_active) and (
        changes.get("role", target.role) == Role.OWNER
    )
    if was_active_owner and not stays_active_owner and not other_active_owners(locked, target.pk):
        field = "role" if "role" in changes else "is_active"
        raise Conflict(
            detail=_("%(username)s is the last active owner. Make another user an owner first.")
            % {"username": target.username},
            errors=[
                FieldError(field, _("The last active owner cannot be demoted or deactivated."))
            ],
        )
    before = {name: getattr(target, name) for name in changes}
    for name, value in changes.items():
        setattr(target, name, value)
    target.save(update_fields=list(changes))
    audit_record(
        actor=user,
        action="user.update",
        obj=target,
        summary=f"Changed {', '.join(sorted(changes))} of {target.username}",
        data={
            "before": {k: str(v) for k, v in before.items()},
            "after": {k: str(v) for k, v in changes.items()},
        },
    )
    return target


@transaction.atomic
def users_set_active(*, user: Any, user_ids: list[int], active: bool) -> int:
    """(De)activate several users at once, all or nothing; returns how many changed."""
    changed = 0
    user_lock_with_owners(set(user_ids))
    for user_id in sorted(set(user_ids)):
        target = User.objects.filter(pk=user_id).only("is_active").first()
        if target is None:
            raise NotFound(detail=_("No user with id %(id)s.") % {"id": user_id})
        if target.is_active != active:
            user_update(user=user, user_id=user_id, is_active=active)
            changed += 1
    return changed


@transaction.atomic
def user_set_password(*, user: Any, user_id: int, password: str) -> User:
    """Set a new password (validated); the user's sessions on other devices end."""
    target = user_get_locked(user_id)
    password_check(password=password, user=target)
    target.set_password(password)
    target.save(update_fields=["password"])
    audit_record(
        actor=user,
        action="user.set_password",
        obj=target,
        summary=f"Set a new password for {target.username}",
    )
    return target


# ---------------------------------------------------------------- API tokens


def clean_token_name(name: str) -> str:
    cleaned = (name or "").strip() or "token"
    if len(cleaned) > TOKEN_NAME_MAX_LENGTH:
        raise ValidationFailed.for_field(
            "name",
            _("Use at most %(max)d characters for the token name.")
            % {"max": TOKEN_NAME_MAX_LENGTH},
        )
    return cleaned


@transaction.atomic
def api_token_create(*, user: Any, name: str, owner: Any = None) -> tuple[ApiToken, str]:
    """Create a token for `owner` (default: the acting user); the plain token is returned once."""
    holder = owner if owner is not None else user
    if holder is None or not holder.is_active:
        raise ValidationFailed.for_field(
            "user", _("Tokens can only be created for an active user.")
        )
    cleaned_name = clean_token_name(name)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=holder, name=cleaned_name, prefix=plain[:10], token_hash=token_digest(plain)
    )
    audit_record(
        actor=user,
        action="api_token.create",
        obj=token,
        summary=f"Created API token {token.name} for {holder.username}",
        data={"prefix": token.prefix, "user": holder.username},
    )
    return token, plain


@transaction.atomic
def api_token_revoke(*, user: Any, token_id: int) -> ApiToken:
    """Revoke a token at once; revoking a revoked token changes nothing."""
    token = api_token_visible(user=user, token_id=token_id)
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=user,
        action="api_token.revoke",
        obj=token,
        summary=f"Revoked API token {token.name} of {token.user.username}",
        data={"prefix": token.prefix, "user": token.user.username},
    )
    return token


@transaction.atomic
def api_tokens_revoke(*, user: Any, token_ids: list[int]) -> int:
    """Revoke several tokens, all or nothing; returns how many were still active."""
    revoked = 0
    for token_id in sorted(set(token_ids)):
        was_active = api_token_visible(user=user, token_id=token_id).revoked_at is None
        api_token_revoke(user=user, token_id=token_id)
        revoked += int(was_active)
    return revoked


def failed_logins_prune() -> int:
    """Forget refused logins older than the throttling window; they no longer count."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    deleted, _by_model = FailedLogin.objects.filter(created_at__lt=since).delete()
    return deleted
