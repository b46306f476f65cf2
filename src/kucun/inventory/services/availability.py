"""Record which (item, warehouse) pairs changed their available quantity, and announce them.

Called by the ledger's writer only (``ledger.write_levels``), in the transaction of the change:
the rows are written with one multi-row INSERT, and ``availability_changed`` is sent once
after the transaction commits (never when it rolls back).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from kucun.inventory.models import AvailabilityChange
from kucun.inventory.services.bulk import (
    columns_of,
    insert_rows,
    rows_per_statement,
    table_name,
    values_clause,
)
from kucun.inventory.signals import availability_changed

Pair = tuple[int, int]


def available_changed(
    sellable_delta: Mapping[Pair, int], allocated_delta: Mapping[Pair, int]
) -> set[Pair]:
    """The pairs whose available quantity (sellable on hand − allocated) these deltas change."""
    return {
        pair
        for pair in set(sellable_delta) | set(allocated_delta)
        if sellable_delta.get(pair, 0) != allocated_delta.get(pair, 0)
    }


@dataclass
class Announcement:
    """The pairs to announce after commit; one per transaction and savepoint level."""

    pairs: set[Pair] = field(default_factory=set)

    def __call__(self) -> None:
        availability_changed.send(sender=AvailabilityChange, pairs=sorted(self.pairs))


def pending_announcement() -> Announcement:
    """An announcement these changes can join, or a new one.

    Django drops the callbacks registered inside a savepoint that rolls back. A callback
    registered under savepoints that include every savepoint open now is dropped exactly
    when these changes are (the others it names were released and can no longer roll back),
    so it may carry them. A service run in a savepoint of its own therefore announces its
    changes in a signal of its own, after the whole transaction commits.
    """
    current = set(connection.savepoint_ids)
    for entry in connection.run_on_commit:  # (savepoint ids, callback, robust)
        savepoint_ids, callback = entry[0], entry[1]
        if isinstance(callback, Announcement) and current <= set(savepoint_ids):
            return callback
    announcement = Announcement()
    transaction.on_commit(announcement)
    return announcement


COLUMNS = ["item", "warehouse", "created_at"]


def availability_rows(pairs: Iterable[Pair]) -> list[tuple[int, int, Any]]:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    return [(item, warehouse, now) for item, warehouse in sorted(set(pairs))]


def availability_statement(pairs: Iterable[Pair]) -> tuple[str, list[Any]] | None:
    """The INSERT of these pairs as one statement, to run as part of another (PostgreSQL's
    data-modifying ``WITH``); None when they are too many for one statement."""
    rows = availability_rows(pairs)
    if not rows or len(rows) > rows_per_statement(len(COLUMNS)):
        return None
    sql = (
        f"INSERT INTO {table_name(AvailabilityChange)} "  # noqa: S608
        f"({', '.join(columns_of(AvailabilityChange, COLUMNS))}) "
        f"VALUES {values_clause(rows, len(COLUMNS))}"
    )
    return sql, [value for row in rows for value in row]


def availability_record(pairs: Iterable[Pair], *, written: bool = False) -> None:
    """Write one row per pair (one statement; ``written``: already, with the move) and queue
    the announcement."""
    wanted = sorted(set(pairs))
    if not wanted:
        return
    if not written:
        insert_rows(AvailabilityChange, COLUMNS, availability_rows(wanted))
    if connection.in_atomic_block:
        pending_announcement().pairs.update(wanted)
    else:  # pragma: no cover - every stock service runs in a transaction
        Announcement(set(wanted))()


# Consumers catch up within minutes; a week covers a worker that was down over a weekend.
KEEP_DAYS = 7


def availability_changes_prune(*, keep_days: int = KEEP_DAYS) -> int:
    """Delete the availability changes older than ``keep_days``; returns how many."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _by_model = AvailabilityChange.objects.filter(created_at__lt=cutoff).delete()
    return deleted
