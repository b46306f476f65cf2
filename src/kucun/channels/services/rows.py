"""Many rows updated by one statement each batch: ``UPDATE ... FROM (VALUES ...)``.

The ORM's ``bulk_update`` builds a CASE branch per row for every column, which costs more to
build than to run (a minute for 10,000 renamed listings on a busy machine). This writes the
same values as plain parameters; PostgreSQL gets explicit casts (its VALUES columns would be
text), SQLite takes values as they are (a cast there would change a date's affinity).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import connection, models

ROWS_PER_STATEMENT = 200


def update_rows(
    model: type[models.Model], names: Sequence[str], objects: Sequence[models.Model]
) -> int:
    """Write these fields of these saved objects, by primary key; returns rows written."""
    if not objects:
        return 0
    fields = [cast("models.Field[Any, Any]", model._meta.get_field(name)) for name in names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk_column = quote(str(model._meta.pk.column if model._meta.pk else "id"))
    assignments = []
    for index, field in enumerate(fields, start=2):
        value = f"v.column{index}"
        if connection.vendor == "postgresql":
            value = f"CAST({value} AS {field.db_type(connection)})"
        assignments.append(f"{quote(str(field.column))} = {value}")
    written = 0
    for start in range(0, len(objects), ROWS_PER_STATEMENT):
        batch = objects[start : start + ROWS_PER_STATEMENT]
        params: list[Any] = []
        for obj in batch:
            params.append(obj.pk)
            for field in fields:
                params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
        row = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
        pk_value = "CAST(v.column1 AS bigint)" if connection.vendor == "postgresql" else "v.column1"
        sql = (
            f"UPDATE {table} SET {', '.join(assignments)} "  # noqa: S608
            f"FROM (VALUES {', '.join([row] * len(batch))}) AS v "
            f"WHERE {table}.{pk_column} = {pk_value}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written


def plan_each_statement() -> None:
    """In this transaction, have PostgreSQL plan each statement for its own values.

    Statements run often are prepared on the server (``prepare_threshold``), and a prepared
    statement soon gets a generic plan; for ``IN`` lists of hundreds of values that plan scans
    the whole table. Call inside ``transaction.atomic()`` (``SET LOCAL`` ends with it)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
