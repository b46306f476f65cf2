"""The export side: each kind's exporter yields plain rows for the table writers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from django.utils.translation import gettext as _

from kucun.core.errors import FieldError, ValidationFailed


class Exporter:
    """Subclasses set ``kind`` and ``header`` and implement ``queryset``-like count and rows."""

    kind: ClassVar[str] = ""
    header: ClassVar[tuple[str, ...]] = ()
    # The GET parameters this exporter understands (the list page's filters).
    filter_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, filters: Mapping[str, Any]) -> None:
        self.raw_filters = filters
        self.filters = self.clean_filters(filters)

    def clean_filters(self, filters: Mapping[str, Any]) -> dict[str, str]:
        """Keep only known, non-blank filters (as text), so history shows what was asked."""
        kept: dict[str, str] = {}
        for name in self.filter_names:
            value = filters.get(name)
            if value is None:
                continue
            text = str(value).strip()
            if text:
                kept[name] = text
        return kept

    def count(self) -> int:
        raise NotImplementedError

    def rows(self) -> Iterator[Sequence[Any]]:
        raise NotImplementedError


def flag_filter(filters: Mapping[str, str], name: str) -> bool | None:
    """yes/no style filter values; anything else is refused naming the filter."""
    value = filters.get(name, "").strip().casefold()
    if not value or value == "all":
        return None
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    message = _("Filter %(name)s must be yes or no, not “%(value)s”.") % {
        "name": name,
        "value": value,
    }
    raise ValidationFailed(detail=message, errors=[FieldError(name, message)])
