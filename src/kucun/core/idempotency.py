"""Services that run once per idempotency key: ``@idempotent`` on a keyword-only service.

The service's keyword arguments, except ``user`` and ``idempotency_key``, are the payload. The
same key from the same user with the same payload returns the first result; with another
payload (or for another operation) it is refused with a Conflict. Keys belong to the user who
sent them (``scope_of``): two users choosing the same key never see each other's result. The
record is written in the same transaction as the change, so a refused or failed write leaves no
record behind.

Called outside a transaction, the service is one durable unit, retried whole on a deadlock or
serialization failure. Called inside another transaction, it runs in a savepoint and is not
retried: a deadlock there has already spoiled the outer transaction, so the error goes up to
whoever opened it, whose own durable unit retries the whole thing.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from typing import Any, ParamSpec, TypeVar

from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from kucun.core.errors import Conflict, FieldError, ValidationFailed
from kucun.core.locks import run_with_retry
from kucun.core.models import IDEMPOTENCY_KEY_MAX_LENGTH, IdempotencyRecord

P = ParamSpec("P")
T = TypeVar("T")
M = TypeVar("M", bound=models.Model)
# Arguments that say who asks and under which key, not what is asked.
NOT_PAYLOAD = frozenset({"user", "idempotency_key"})
INTERNAL_SCOPE = "internal"

# What a result is recorded as, and how a replay rebuilds it from the record and the call's
# arguments.
Recorder = Callable[[Any], tuple[str, int | None]]
Replayer = Callable[[IdempotencyRecord, dict[str, Any]], Any]


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


def scope_of(user: Any) -> str:
    """Whose keys these are: each user has their own, and calls without a user share one."""
    if getattr(user, "is_authenticated", False) and getattr(user, "pk", None) is not None:
        return f"user:{user.pk}"
    return INTERNAL_SCOPE


def conflict(key: str) -> Conflict:
    message = _(
        "The idempotency key %(key)s was already used for a different request; "
        "use a new key for a new request."
    ) % {"key": key}
    return Conflict(detail=message, errors=[FieldError("idempotency_key", message)])


def model_result(model: type[models.Model]) -> tuple[Recorder, Replayer]:
    """A result that is one saved object of ``model``: recorded by pk, replayed by loading it."""
    return (
        lambda obj: (model._meta.label_lower, obj.pk),
        lambda record, _arguments: model._default_manager.get(pk=record.result_id or 0),
    )


def count_result() -> tuple[Recorder, Replayer]:
    """A result that is a whole number (such as units released)."""
    return (lambda value: ("count", int(value)), lambda record, _a: int(record.result_id or 0))


def no_result() -> tuple[Recorder, Replayer]:
    return (lambda _value: ("", None), lambda _record, _arguments: None)


class Found:
    """A replayed result (which may be None)."""

    def __init__(self, value: Any) -> None:
        self.value = value


def replay_of(
    scope: str, key: str, operation: str, print_: str, replay: Callable[[IdempotencyRecord], Any]
) -> Found | None:
    record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if record is None:
        return None
    if record.operation != operation or record.fingerprint != print_:
        raise conflict(key)
    return Found(replay(record))


def run_once(
    *,
    user: Any,
    operation: str,
    payload: dict[str, Any],
    key: str | None,
    unit: Callable[[], T],
    record: Recorder,
    replay: Callable[[IdempotencyRecord], T],
) -> T:
    """Run ``unit`` at most once per ``key`` of ``user``, in one transaction (see the module)."""
    scope = scope_of(user)
    print_ = fingerprint(operation, payload) if key else ""

    def attempt() -> T:
        if key:
            earlier = replay_of(scope, key, operation, print_, replay)
            if earlier is not None:
                return earlier.value
        result = unit()
        if key:
            result_type, result_id = record(result)
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
            # Nested in the caller's transaction: a savepoint, so the caller's transaction
            # survives a refusal; no retry here (see the module's docstring).
            with transaction.atomic():
                return attempt()
        return run_with_retry(attempt)
    except IntegrityError:
        # Another transaction committed the same key first: answer with its result.
        if key:
            earlier = replay_of(scope, key, operation, print_, replay)
            if earlier is not None:
                return earlier.value
        raise


def idempotent(
    *,
    operation: str,
    result: type[models.Model] | type[int] | None = None,
    record: Recorder | None = None,
    replay: Replayer | None = None,
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Make a keyword-only service (with ``user`` and ``idempotency_key`` arguments) run at
    most once per key. The service receives the key cleaned (to stamp what it writes).

    ``result`` says what the service returns: a model (one saved object), ``int`` or None
    (nothing to replay); or give ``record`` and ``replay`` for anything else.
    """
    if record is None or replay is None:
        if result is None:
            record, replay = no_result()
        elif result is int:
            record, replay = count_result()
        else:
            record, replay = model_result(result)  # type: ignore[arg-type]
    recorder, replayer = record, replay

    def decorate(service: Callable[P, T]) -> Callable[P, T]:
        signature = inspect.signature(service)

        @functools.wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            key = clean_key(arguments.get("idempotency_key"))
            arguments["idempotency_key"] = key
            payload = {name: value for name, value in arguments.items() if name not in NOT_PAYLOAD}
            return run_once(
                user=arguments.get("user"),
                operation=operation,
                payload=payload,
                key=key,
                unit=lambda: service(**arguments),  # type: ignore[call-arg]
                record=recorder,
                replay=lambda stored: replayer(stored, arguments),
            )

        return run

    return decorate


def model_once(
    *,
    user: Any,
    key: str | None,
    operation: str,
    payload: dict[str, Any],
    unit: Callable[[], M],
    model: type[M],
) -> M:
    """``run_once`` for a unit that returns one saved object of ``model``: an API endpoint's
    write taken once per Idempotency-Key (the payload as the request sent it)."""
    record, replay = model_result(model)
    found: M = run_once(
        user=user,
        operation=operation,
        payload=payload,
        key=clean_key(key),
        unit=unit,
        record=record,
        replay=lambda stored: replay(stored, payload),
    )
    return found
