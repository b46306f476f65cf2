"""The one place that builds row locks.

Every stock mutation locks the rows it touches with ``select_for_update()``, ordered by
primary key so that two transactions never wait on each other in opposite order.
On SQLite the IMMEDIATE transaction already serialises writers; the same code runs there.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import DatabaseError, OperationalError, models, transaction
from django.db.models import QuerySet

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")


def lock_rows(queryset: QuerySet[M], pks: Iterable[int]) -> dict[int, M]:
    """Lock the rows with these primary keys, in ascending pk order; return them by pk."""
    wanted = sorted(set(pks))
    if not wanted:
        return {}
    rows = queryset.select_for_update().filter(pk__in=wanted).order_by("pk")
    return {row.pk: row for row in rows}


def is_retryable_database_error(error: DatabaseError) -> bool:
    """PostgreSQL serialization failures and deadlocks; SQLite 'database is locked'."""
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate in {"40001", "40P01"}:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error)


def run_with_retry(unit: Callable[[], T], *, attempts: int = 5, base_delay: float = 0.02) -> T:
    """Run one atomic unit, retrying it whole on a retryable database error (with jitter).

    The unit is durable: called inside an open transaction it raises RuntimeError instead of
    retrying a savepoint, which could not start afresh (the outer transaction has seen the
    error and holds its locks).
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic(durable=True):
                return unit()
        except DatabaseError as error:
            if attempt == attempts or not is_retryable_database_error(error):
                raise
            time.sleep(base_delay * (2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover
