"""``@idempotent``: one run per key and user, retried whole only as the outermost unit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from kucun.core.errors import Conflict
from kucun.core.idempotency import idempotent, scope_of
from kucun.core.locks import run_with_retry
from kucun.core.models import IdempotencyRecord
from tests.factories import UserFactory

ATTEMPTS: list[str | None] = []


@idempotent(operation="test_count", result=int)
def count_service(
    *, user: Any = None, value: int, failures: int = 0, idempotency_key: str | None = None
) -> int:
    """Fails with a retryable error on its first ``failures`` attempts."""
    ATTEMPTS.append(idempotency_key)
    if len(ATTEMPTS) <= failures:
        raise OperationalError("database is locked")
    return value


@pytest.fixture(autouse=True)
def _fresh_attempts() -> Iterator[None]:
    ATTEMPTS.clear()
    yield
    ATTEMPTS.clear()


@pytest.mark.django_db(transaction=True)
def test_the_outermost_call_is_retried_whole_and_then_replayed() -> None:
    assert count_service(value=7, failures=2, idempotency_key=" k-1 ") == 7
    assert ATTEMPTS == ["k-1", "k-1", "k-1"]  # the service sees the key cleaned
    record = IdempotencyRecord.objects.get()
    assert (record.scope, record.key, record.operation, record.result_id) == (
        "internal",
        "k-1",
        "test_count",
        7,
    )
    assert count_service(value=7, failures=2, idempotency_key="k-1") == 7
    assert len(ATTEMPTS) == 3


@pytest.mark.django_db(transaction=True)
def test_a_nested_call_is_not_retried_and_leaves_the_error_to_the_outer_unit() -> None:
    with pytest.raises(OperationalError), transaction.atomic():
        count_service(value=1, failures=1, idempotency_key="k-2")
    assert ATTEMPTS == ["k-2"]
    assert not IdempotencyRecord.objects.exists()
    # The outer unit, retried whole by its owner, then succeeds.
    assert run_with_retry(lambda: count_service(value=1, failures=1, idempotency_key="k-2")) == 1


@pytest.mark.django_db(transaction=True)
def test_the_retried_unit_is_durable() -> None:
    with transaction.atomic(), pytest.raises(RuntimeError):
        run_with_retry(lambda: 1)


@pytest.mark.django_db
def test_the_payload_is_every_argument_but_user_and_key() -> None:
    someone = UserFactory()
    assert count_service(value=1, idempotency_key="k-3") == 1
    with pytest.raises(Conflict) as refused:
        count_service(value=2, idempotency_key="k-3")
    assert [error.field for error in refused.value.errors] == ["idempotency_key"]
    assert count_service(user=someone, value=2, idempotency_key="k-3") == 2
    assert sorted(IdempotencyRecord.objects.values_list("scope", "result_id")) == [
        ("internal", 1),
        (scope_of(someone), 2),
    ]
    assert count_service(value=5) == count_service(value=5) == 5  # no key: runs every time
    assert len(ATTEMPTS) == 4


@pytest.mark.django_db(transaction=True)
def test_moving_the_records_into_core_keeps_them() -> None:
    before = [
        ("inventory", "0006_idempotency_keys_per_user"),
        ("core", "0005_import_and_export_kinds_are_registered"),
    ]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        old_model = old_apps.get_model("inventory", "IdempotencyRecord")
        old_model.objects.create(
            scope="user:1",
            key="k-4",
            operation="receipt_create",
            fingerprint="f" * 64,
            result_type="inventory.receipt",
            result_id=42,
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    record = IdempotencyRecord.objects.get()
    assert (record.scope, record.key, record.operation, record.result_id) == (
        "user:1",
        "k-4",
        "receipt_create",
        42,
    )
    tables = connection.introspection.table_names()
    assert "core_idempotencyrecord" in tables
    assert "inventory_idempotencyrecord" not in tables
