"""Shopify's search syntax in a connection's ``query`` argument, for the fields the emulated
connections filter on: ``updated_at``/``created_at`` with ``:>``, ``:>=``, ``:<``, ``:<=`` or
``:`` and an ISO date-time or date; ``sku:``, ``barcode:``, ``product_id:``, ``id:``.

Terms are joined by spaces or ``AND``. Times compare at whole seconds, as Shopify shows them,
so ``updated_at:>='T'`` includes a change stamped within second T and ``updated_at:>'T'``
does not. Unknown fields are ignored with a warning, as Shopify does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q

TERM = re.compile(
    r"""(?P<field>[a-z_]+):(?P<op>>=|<=|>|<|)(?P<value>'[^']*'|"[^"]*"|\S+)""", re.IGNORECASE
)
TIME_FIELDS = {"updated_at": "updated_at", "created_at": "created_at"}
ONE_SECOND = timedelta(seconds=1)


@dataclass
class SearchFilter:
    condition: Q = field(default_factory=Q)
    warnings: list[dict[str, str]] = field(default_factory=list)


def parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def time_condition(column: str, operator: str, moment: datetime) -> Q:
    whole = moment.replace(microsecond=0)
    if operator == ">=":
        return Q(**{f"{column}__gte": whole})
    if operator == ">":
        return Q(**{f"{column}__gte": whole + ONE_SECOND})
    if operator == "<":
        return Q(**{f"{column}__lt": whole})
    if operator == "<=":
        return Q(**{f"{column}__lt": whole + ONE_SECOND})
    return Q(**{f"{column}__gte": whole, f"{column}__lt": whole + ONE_SECOND})


def search_filter(query: str | None, fields: dict[str, Any]) -> SearchFilter:
    """``fields`` maps the searchable plain fields to a function(value) → Q."""
    found = SearchFilter()
    if not query:
        return found
    text = re.sub(r"\bAND\b", " ", query)
    for match in TERM.finditer(text):
        name = match["field"].lower()
        operator, value = match["op"], match["value"].strip("'\"")
        if name in TIME_FIELDS:
            moment = parse_time(value)
            if moment is None:
                found.warnings.append(
                    {"field": name, "message": f"Invalid date-time value: {value}"}
                )
                continue
            found.condition &= time_condition(TIME_FIELDS[name], operator, moment)
        elif name in fields and not operator:
            found.condition &= fields[name](value)
        else:
            found.warnings.append(
                {"field": name, "message": "Invalid search field for this query."}
            )
    return found
