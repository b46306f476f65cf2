"""The export side: each kind's exporter yields plain rows for the table writers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kucun.core.errors import FieldError, ValidationFailed


class Exporter:
    """Subclasses set ``kind`` and ``header`` and implement ``queryset``-like count and rows."""

    kind: ClassVar[str] = ""
    kind_label: ClassVar[str | Promise] = ""
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


MAX_SELECTED_IDS = 10_000


def ids_filter(filters: Mapping[str, str], name: str = "ids") -> list[int] | None:
    """The rows ticked on a list ("export selected"): ids separated by commas, or None when
    the filter is absent; anything but positive whole numbers is refused naming the filter."""
    text = filters.get(name, "").strip()
    if not text:
        return None
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) > MAX_SELECTED_IDS or not all(
        part.isdigit() and 0 < int(part) < 2**63 for part in parts
    ):
        message = _(
            "Filter %(name)s must list at most %(max)d row ids separated by commas, "
            "such as 12,15,40."
        ) % {"name": name, "max": MAX_SELECTED_IDS}
        raise ValidationFailed(detail=message, errors=[FieldError(name, message)])
    return sorted({int(part) for part in parts})
