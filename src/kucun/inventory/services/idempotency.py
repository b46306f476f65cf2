"""Run a write once per idempotency key, in its own transaction, retried on deadlock.

The same key with the same payload returns the first result; the same key with another payload
(or for another operation) is refused with a Conflict. The record is written in the same
transaction as the change, so a refused or failed write leaves no record behind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from kucun.core.errors import Conflict, FieldError, ValidationFailed
from kucun.core.locks import run_with_retry
from kucun.inventory.models import IDEMPOTENCY_KEY_MAX_LENGTH, IdempotencyRecord

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


def canonical(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return canonical(asdict(value))
    if isinstance(value, dict):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def fingerprint(operation: str, payload: dict[str, Any]) -> str:
    text = json.dumps(
        {"operation": operation, "payload": canonical(payload)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def clean_key(key: str | None) -> str | None:
    if key is None:
        return None
    value = str(key).strip()
    if not value:
        return None
    if len(value) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationFailed.for_field(
            "idempotency_key",
            _("An idempotency key is at most %(limit)d characters.")
            % {"limit": IDEMPOTENCY_KEY_MAX_LENGTH},
        )
    return value


def conflict(key: str) -> Conflict:
    message = _(
        "The idempotency key %(key)s was already used for a different request; "
        "use a new key for a new request."
    ) % {"key": key}
    return Conflict(detail=message, errors=[FieldError("idempotency_key", message)])


def replay_object(model: type[M]) -> Callable[[IdempotencyRecord], M]:
    """Replay by loading the object the first call returned."""

    def replay(record: IdempotencyRecord) -> M:
        return model._default_manager.get(pk=record.result_id or 0)

    return replay


def scope_of(user: Any) -> str:
    """Whose keys these are: each user has their own, and calls without a user share one."""
    if getattr(user, "is_authenticated", False) and getattr(user, "pk", None) is not None:
        return f"user:{user.pk}"
    return "internal"


def replay_of(
    scope: str, key: str, operation: str, print_: str, replay: Callable[[IdempotencyRecord], T]
) -> T | None:
    record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if record is None:
        return None
    if record.operation != operation or record.fingerprint != print_:
        raise conflict(key)
    return replay(record)


def run_idempotent(
    *,
    user: Any,
    operation: str,
    payload: dict[str, Any],
    idempotency_key: str | None,
    unit: Callable[[str | None], T],
    result_ref: Callable[[T], tuple[str, int | None]],
    replay: Callable[[IdempotencyRecord], T],
) -> T:
    """Run ``unit(key)`` in one transaction, at most once per key of ``user`` (see ``scope_of``).

    ``unit`` receives the cleaned key (to stamp the move it writes). Outside a transaction the
    whole unit is retried on a deadlock or serialization failure; inside one it runs in a
    savepoint so the caller's transaction survives a refusal.
    """
    key = clean_key(idempotency_key)
    scope = scope_of(user)
    print_ = fingerprint(operation, payload) if key else ""

    def attempt() -> T:
        if key:
            earlier = replay_of(scope, key, operation, print_, replay)
            if earlier is not None:
                return earlier
        result = unit(key)
        if key:
            result_type, result_id = result_ref(result)
            IdempotencyRecord.objects.create(
                scope=scope,
                key=key,
                operation=operation,
                fingerprint=print_,
                result_type=result_type,
                result_id=result_id,
            )
        return result

    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                return attempt()
        return run_with_retry(attempt)
    except IntegrityError:
        # Another transaction committed the same key first: answer with its result.
        if key:
            earlier = replay_of(scope, key, operation, print_, replay)
            if earlier is not None:
                return earlier
        raise


def run_idempotent_for(
    model: type[M],
    *,
    user: Any,
    operation: str,
    payload: dict[str, Any],
    idempotency_key: str | None,
    unit: Callable[[str | None], M],
) -> M:
    """``run_idempotent`` for a unit that returns one saved object of ``model``: the key
    records that object, and a replay loads it again."""
    return run_idempotent(
        user=user,
        operation=operation,
        payload=payload,
        idempotency_key=idempotency_key,
        unit=unit,
        result_ref=lambda obj: (model._meta.label_lower, obj.pk),
        replay=replay_object(model),
    )
