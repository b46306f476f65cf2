"""List-page helpers shared by every console list: sorting, 50 rows a page, querystrings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict

PAGE_SIZE = 50


@dataclass(frozen=True)
class SortState:
    key: str
    descending: bool

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def apply_sort(
    queryset: QuerySet[Any], request: HttpRequest, allowed: dict[str, str], default: str
) -> tuple[QuerySet[Any], SortState]:
    """Order by ?sort=key or ?sort=-key, only among the allowed keys; pk breaks ties."""
    requested = request.GET.get("sort", default)
    descending = requested.startswith("-")
    key = requested.lstrip("-")
    if key not in allowed:
        descending = default.startswith("-")
        key = default.lstrip("-")
    field = allowed[key]
    ordering = f"-{field}" if descending else field
    return queryset.order_by(ordering, "-pk" if descending else "pk"), SortState(key, descending)


def paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> Page[Any]:
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def querystring_without(query: QueryDict, *names: str) -> str:
    """The current filters as a querystring, minus the named parameters (for links)."""
    copy = query.copy()
    for name in names:
        copy.pop(name, None)
    return copy.urlencode()
