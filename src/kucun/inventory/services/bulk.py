"""Set-based writes for large postings: one prepared statement executed for many rows.

A 10,000-line receipt must post in well under a second, which the ORM's per-object
bulk_create / bulk_update machinery cannot do. These helpers keep the same semantics:
counters change relative to the stored value (``SET x = x + delta``, what ``F()`` does), so
they never overwrite a concurrent change, and CHECK constraints still guard every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

# Rows per executemany call; keeps memory flat for very large postings.
BATCH = 5000


def column_name(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    column = getattr(field, "column", None)
    assert isinstance(column, str), f"{model.__name__}.{name} has no column"
    return connection.ops.quote_name(column)


def columns_of(model: type[models.Model], names: Sequence[str]) -> list[str]:
    return [column_name(model, name) for name in names]


def insert_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(columns_of(model, names))
    values = ", ".join(["%s"] * len(names))
    if ignore_conflicts and connection.vendor == "sqlite":
        sql = f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({values})"  # noqa: S608
    else:
        sql = f"INSERT INTO {table} ({columns}) VALUES ({values})"  # noqa: S608
        if ignore_conflicts:
            sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, list(rows[start : start + BATCH]))


def increment_rows(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[int]]
) -> None:
    """Each row is (pk, delta for each name): ``SET name = name + delta WHERE pk = pk``."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{column} = {column} + %s" for column in columns_of(model, names))
    pk_column = column_name(model, "id")
    sql = f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [(*row[1:], row[0]) for row in rows[start : start + BATCH]])


def fetch_in(
    model: type[models.Model],
    names: Sequence[str],
    key: str,
    values: Sequence[Any],
    *,
    where_in: dict[str, Sequence[Any]] | None = None,
    lock: bool = False,
    chunk: int = 2000,
) -> list[tuple[Any, ...]]:
    """Rows whose ``key`` is one of ``values`` (and each ``where_in`` column in its list).

    Built directly: Django prepares an ``__in`` lookup value by value, which costs more than
    the query itself for thousands of keys. With ``lock`` the rows are locked FOR UPDATE in
    primary-key order (PostgreSQL; SQLite's IMMEDIATE transaction already excludes writers).
    """
    if not values:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(columns_of(model, names))
    key_column = columns_of(model, [key])[0]
    pk_column = column_name(model, "id")
    extra_sql = ""
    extra_params: list[Any] = []
    for name, allowed in (where_in or {}).items():
        allowed = list(allowed)
        if not allowed:
            return []
        extra_sql += f" AND {columns_of(model, [name])[0]} IN ({', '.join(['%s'] * len(allowed))})"
        extra_params.extend(allowed)
    suffix = f" ORDER BY {pk_column}" if lock else ""
    if lock and connection.vendor == "postgresql":
        suffix += " FOR UPDATE"
    ordered = sorted(values) if lock else list(values)
    result: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), chunk):
            part = ordered[start : start + chunk]
            placeholders = ", ".join(["%s"] * len(part))
            sql = (
                f"SELECT {columns} FROM {table} WHERE {key_column} IN ({placeholders})"  # noqa: S608
                f"{extra_sql}{suffix}"
            )
            cursor.execute(sql, [*part, *extra_params])
            result.extend(cursor.fetchall())
    return result
