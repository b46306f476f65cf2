"""List helpers: sorting, 50 rows a page and querystrings for the console's lists, and the one
page-number pagination every API list uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

PAGE_SIZE = 50
# Bounded so that no page number can overflow the database's OFFSET (at most 5 * 10^9 rows in).
PAGE_MAX = 10_000_000
PAGE_SIZE_MAX = 500


class PageParams(Schema):
    """The page of an API list that filters its rows itself (its filter schema extends this)."""

    page: int = Field(1, ge=1, le=PAGE_MAX)
    page_size: int = Field(PAGE_SIZE, ge=1, le=PAGE_SIZE_MAX)


def page_slice(rows: Any, page: int, page_size: int) -> tuple[int, list[Any]]:
    """(count of all rows, the rows of this page): the one way every API list pages."""
    offset = (page - 1) * page_size
    return rows.count(), list(rows[offset : offset + page_size])


class FiftyPerPage(PageNumberPagination):
    """An API list's pages: 50 rows unless ``page_size`` asks for up to 500; the response is
    {"items": [...], "count": total matches}. A page or size out of bounds is a 422."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=PAGE_MAX)
        page_size: int | None = Field(None, ge=1, le=PAGE_SIZE_MAX)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=PAGE_SIZE, max_page_size=PAGE_SIZE_MAX, **kwargs)

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        # Any sliceable, countable rows: a queryset, or a lazy wrapper that shapes each row.
        count, items = page_slice(
            queryset, pagination.page, self._get_page_size(pagination.page_size)
        )
        return {"items": items, "count": count}


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
