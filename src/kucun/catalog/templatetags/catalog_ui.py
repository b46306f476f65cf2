"""Template helpers for the catalogue screens."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def column_value(row: Any, key: str) -> Any:
    """The value an added list column put on the row (see kucun.catalog.extensions)."""
    return getattr(row, key, None)
