"""Reads that must see the database at one moment, without stopping writers.

A report built from several queries (the stock check reads the ledger, the bins, the levels
and the allocations one after the other) would otherwise see a posting that committed between
two of them in some queries and not in others, and report a difference that never existed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def read_snapshot() -> Iterator[None]:
    """Run the enclosed queries in one read-only snapshot.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction. SQLite (WAL): a deferred
    transaction, whose first read fixes the snapshot; writers carry on meanwhile (an
    IMMEDIATE one, Kucun's default for writes, would hold them off). Inside a transaction
    already begun, the queries run in it as they are.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("COMMIT")
