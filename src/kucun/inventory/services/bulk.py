"""Set-based writes for large postings: many rows a statement.

A 10,000-line receipt must post in well under a second, which the ORM's per-object
bulk_create / bulk_update machinery cannot do. These helpers keep the same semantics:
counters change relative to the stored value (``SET x = x + delta``, what ``F()`` does), so
they never overwrite a concurrent change, and CHECK constraints still guard every row.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


@functools.cache
def quoted_column(vendor: str, model: type[models.Model], name: str) -> str:
    del vendor  # part of the cache key: quoting belongs to the database in use
    field = model._meta.get_field(name)
    column = getattr(field, "column", None)
    assert isinstance(column, str), f"{model.__name__}.{name} has no column"
    return connection.ops.quote_name(column)


@functools.cache
def quoted_table(vendor: str, model: type[models.Model]) -> str:
    del vendor
    return connection.ops.quote_name(model._meta.db_table)


def column_name(model: type[models.Model], name: str) -> str:
    return quoted_column(connection.vendor, model, name)


def table_name(model: type[models.Model]) -> str:
    return quoted_table(connection.vendor, model)


def columns_of(model: type[models.Model], names: Sequence[str]) -> list[str]:
    vendor = connection.vendor
    return [quoted_column(vendor, model, name) for name in names]


# Field types whose values go to the database as they are (text, whole numbers, flags, keys to
# integer primary keys): preparing them through the field changes nothing and costs more than
# the statement on the posting path.
PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


@functools.cache
def needs_preparing(model: type[models.Model], name: str) -> bool:
    field = model._meta.get_field(name)
    if field.is_relation:
        target = getattr(field, "target_field", None)
        return target is None or target.get_internal_type() not in PLAIN_TYPES
    return field.get_internal_type() not in PLAIN_TYPES


def prepared(model: type[models.Model], values: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """Columns and values as each field prepares them for this database (dates, keys...)."""
    vendor = connection.vendor
    columns, params = [], []
    for name, value in values.items():
        columns.append(quoted_column(vendor, model, name))
        if value is not None and needs_preparing(model, name):
            field = model._meta.get_field(name)
            value = field.get_db_prep_save(value, connection)  # type: ignore[union-attr]
        params.append(value)
    return columns, params


@functools.cache
def row_reader(
    vendor: str, model: type[models.Model]
) -> tuple[str, list[str], list[tuple[int, list[Any], Any]]]:
    """(select list, attribute names, converters by position) to build a model from a row
    the way a queryset does (SQLite returns dates as text, for instance)."""
    del vendor  # part of the cache key: converters belong to the database in use
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    converters = []
    for index, field in enumerate(fields):
        expression = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if found:
            converters.append((index, found, expression))
    return columns, [field.attname for field in fields], converters


def fetch_one_row(model: type[M], pk: int, *, lock: bool = False) -> M | None:
    """The row with this pk as a model instance, in one plain statement (``FOR UPDATE`` on
    PostgreSQL with ``lock``; SQLite's IMMEDIATE transaction already excludes writers)."""
    suffix = " FOR UPDATE" if lock and connection.vendor == "postgresql" else ""
    return fetch_first_row(model, f"{column_name(model, 'id')} = %s{suffix}", [pk])


def fetch_first_row(model: type[M], where: str, params: Sequence[Any]) -> M | None:
    """The first row (lowest pk) matching ``where`` (plain SQL over the model's quoted
    columns) as a model instance, in one plain statement: for the lookups every request
    makes, whose ORM query costs more to build than to run. ``where`` may end with a locking
    clause, which comes after ``ORDER BY`` and ``LIMIT``."""
    columns, attnames, converters = row_reader(connection.vendor, model)
    lock = ""
    for clause in (" FOR UPDATE", " FOR SHARE"):
        if where.endswith(clause):
            where, lock = where.removesuffix(clause), clause
    sql = (
        f"SELECT {columns} FROM {table_name(model)} WHERE {where} "  # noqa: S608
        f"ORDER BY {column_name(model, 'id')} LIMIT 1{lock}"
    )
    rows = model_rows(model, sql, params, attnames, converters)
    return rows[0] if rows else None


def model_rows(
    model: type[M],
    sql: str,
    params: Sequence[Any],
    attnames: list[str],
    converters: list[tuple[int, list[Any], Any]],
) -> list[M]:
    """Model instances from a plain statement selecting the columns of ``row_reader``."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    instances = []
    for row in rows:
        values = list(row)
        for index, found, expression in converters:
            for converter in found:
                values[index] = converter(values[index], expression, connection)
        instances.append(model.from_db(connection.alias, attnames, values))
    return instances


def new_row_values(instance: models.Model) -> dict[str, Any]:
    """The values an ORM ``save()`` of this new instance would insert (defaults and
    ``auto_now_add`` applied), by field name, for ``insert_one``."""
    return {
        field.name: field.pre_save(instance, True)
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }


def insert_one(model: type[models.Model], values: dict[str, Any]) -> int:
    """Insert one row and return its primary key (``RETURNING``: SQLite 3.35+, PostgreSQL)."""
    table = table_name(model)
    columns, params = prepared(model, values)
    placeholders = ", ".join(["%s"] * len(params))
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608
        f"RETURNING {column_name(model, 'id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


# (model, pk, field values, the foreign key to point at the row just inserted)
ParentUpdate = tuple[type[models.Model], int, dict[str, Any], str]


def insert_one_with_rows(
    model: type[models.Model],
    values: dict[str, Any],
    child: type[models.Model],
    parent_key: str,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    also_update: ParentUpdate | None = None,
    also_run: Sequence[tuple[str, list[Any]]] = (),
) -> int:
    """Insert one row and its child rows in one statement; return the row's pk.

    PostgreSQL only (a data-modifying ``WITH``): ``WITH parent AS (INSERT ... RETURNING id)
    INSERT INTO child SELECT parent.id, v.* FROM parent, (VALUES ...) v``. With
    ``also_update``, the same statement updates one more row (already locked by the caller),
    pointing its ``link`` field at the new row: ``..., linked AS (UPDATE other SET ...,
    link = (SELECT id FROM parent) WHERE id = pk)``. ``also_run`` are further data-modifying
    statements (sql, params) that do not depend on the new row, run as parts of the same
    ``WITH``: each must touch rows no other part touches (their order is undefined).
    """
    assert rows, "at least one child row"
    table = table_name(model)
    columns, params = prepared(model, values)
    pk_column = column_name(model, "id")
    child_columns = ", ".join(columns_of(child, [parent_key, *names]))
    linked = ""
    linked_params: list[Any] = []
    if also_update is not None:
        other, other_pk, other_values, link = also_update
        other_columns, linked_params = prepared(other, other_values)
        assignments = [f"{column} = %s" for column in other_columns]
        assignments.append(f"{column_name(other, link)} = (SELECT {pk_column} FROM parent)")  # noqa: S608
        linked = (
            f", linked AS (UPDATE {table_name(other)} SET {', '.join(assignments)} "  # noqa: S608
            f"WHERE {column_name(other, 'id')} = %s)"
        )
        linked_params = [*linked_params, other_pk]
    for index, (part_sql, part_params) in enumerate(also_run):
        linked += f", also{index} AS ({part_sql})"
        linked_params.extend(part_params)
    sql = (
        f"WITH parent AS (INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(params))}) RETURNING {pk_column}){linked} "
        f"INSERT INTO {table_name(child)} ({child_columns}) "
        f"SELECT parent.{pk_column}, v.* FROM parent, "
        f"(VALUES {values_clause(rows, len(names))}) AS v "
        f"RETURNING {column_name(child, parent_key)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *linked_params, *(value for row in rows for value in row)])
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def update_one(model: type[models.Model], pk: int, values: dict[str, Any]) -> None:
    table = table_name(model)
    columns, params = prepared(model, values)
    assignments = ", ".join(f"{column} = %s" for column in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE {column_name(model, 'id')} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk])


def rows_per_statement(width: int) -> int:
    # Well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
    return max(1, min(1000, 30000 // max(width, 1)))


def values_clause(rows: Sequence[Sequence[Any]], width: int) -> str:
    one = "(" + ", ".join(["%s"] * width) + ")"
    return ", ".join([one] * len(rows))


def insert_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Multi-row INSERTs (a thousand rows a statement)."""
    if not rows:
        return
    table = table_name(model)
    columns = ", ".join(columns_of(model, names))
    verb = (
        "INSERT OR IGNORE INTO"
        if ignore_conflicts and connection.vendor == "sqlite"
        else ("INSERT INTO")
    )
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts and connection.vendor != "sqlite" else ""
    step = rows_per_statement(len(names))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            sql = f"{verb} {table} ({columns}) VALUES {values_clause(part, len(names))}{suffix}"
            cursor.execute(sql, [value for row in part for value in row])


def add_rows(
    model: type[models.Model],
    keys: Sequence[str],
    counter: str,
    rows: Sequence[Sequence[Any]],
) -> None:
    """Each row is (key values..., amount > 0): insert it, or add the amount to the row with
    those keys (``INSERT ... ON CONFLICT (keys) DO UPDATE SET counter = counter + amount``)."""
    if not rows:
        return
    step = rows_per_statement(len(keys) + 1)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), step):
            cursor.execute(*add_rows_statement(model, keys, counter, rows[start : start + step]))


def add_rows_statement(
    model: type[models.Model],
    keys: Sequence[str],
    counter: str,
    rows: Sequence[Sequence[Any]],
) -> tuple[str, list[Any]]:
    """The statement of ``add_rows`` for these rows (all in one statement) and its params."""
    table = table_name(model)
    names = [*keys, counter]
    columns = ", ".join(columns_of(model, names))
    conflict = ", ".join(columns_of(model, keys))
    counter_column = column_name(model, counter)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {values_clause(rows, len(names))} "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {counter_column} = "
        f"{table}.{counter_column} + excluded.{counter_column}"
    )
    return sql, [value for row in rows for value in row]


def upsert_returning(
    model: type[models.Model],
    keys: dict[str, Any],
    counters: dict[str, int],
    returning: Sequence[str],
) -> tuple[Any, ...]:
    """Insert one row, or add ``counters`` to the row with those ``keys``, in one statement,
    returning ``returning`` as stored afterwards (``INSERT ... ON CONFLICT (keys) DO UPDATE SET
    counter = counter + amount ... RETURNING``: SQLite 3.35+, PostgreSQL). The row is locked
    by the statement itself; CHECK constraints apply to the insert and to the update."""
    table = table_name(model)
    names = [*keys, *counters]
    columns = ", ".join(columns_of(model, names))
    conflict = ", ".join(columns_of(model, list(keys)))
    assignments = ", ".join(
        f"{column} = {table}.{column} + excluded.{column}"
        for column, amount in zip(columns_of(model, list(counters)), counters.values(), strict=True)
        if amount
    )
    placeholders = ", ".join(["%s"] * len(names))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments} "
        f"RETURNING {', '.join(columns_of(model, returning))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*keys.values(), *counters.values()])
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


def increment_rows(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[int]]
) -> None:
    """Each row is (pk, delta for each name): ``SET name = name + delta WHERE pk = pk``,
    many rows a statement through ``UPDATE ... FROM (VALUES ...)``."""
    if not rows:
        return
    table = table_name(model)
    pk_column = column_name(model, "id")
    assignments = ", ".join(
        f"{column} = {table}.{column} + changes.column{index + 2}"
        for index, column in enumerate(columns_of(model, names))
    )
    width = len(names) + 1
    step = rows_per_statement(width)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            sql = (
                f"UPDATE {table} SET {assignments} "  # noqa: S608
                f"FROM (VALUES {values_clause(part, width)}) AS changes "
                f"WHERE {table}.{pk_column} = changes.column1"
            )
            cursor.execute(sql, [value for row in part for value in row])


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
    table = table_name(model)
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
