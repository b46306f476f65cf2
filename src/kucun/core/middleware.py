"""Requests carrying a NUL character, refused or cleaned before any view sees them.

PostgreSQL cannot store or compare a string holding NUL (``\\x00``): one reaching a query
fails with a server error. No person types one, so the API refuses it with a 422 naming the
field, and the console drops it from what was typed (a search for ``a\\x00b`` is a search for
``ab``) and from plain form fields. Uploads (multipart forms) are left to their views, which
choose how the body is read; the files' readers check their own content.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.translation import gettext as _

from kucun.core.api_errors import error_body

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

NUL = "\x00"
API_PREFIX = "/api/"


def nul_fields(value: Any, path: str) -> Iterator[str]:
    """The dotted names of the strings in ``value`` (parsed JSON) that hold a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                yield name.replace(NUL, "")
            else:
                yield from nul_fields(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_fields(item, f"{path}.{index}" if path else str(index))


def query_nul_fields(query: QueryDict) -> Iterator[str]:
    for key, values in query.lists():
        if NUL in key or any(NUL in value for value in values):
            yield key.replace(NUL, "")


def without_nul(query: QueryDict) -> _ImmutableQueryDict:
    cleaned = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in query.lists():
        cleaned.setlist(key.replace(NUL, ""), [value.replace(NUL, "") for value in values])
    cleaned._mutable = False
    return cast("_ImmutableQueryDict", cleaned)


def is_json(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    return content_type == "application/json" or content_type.endswith("+json")


def api_nul_fields(request: HttpRequest) -> list[str]:
    fields = []
    if NUL in request.path:
        fields.append("path")
    fields.extend(query_nul_fields(request.GET))
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        if is_json(request):
            try:
                body = json.loads(request.body)
            except ValueError:
                body = None  # not JSON: the API says so itself
            fields.extend(nul_fields(body, ""))
        else:
            fields.extend(query_nul_fields(request.POST))
    return list(dict.fromkeys(fields))


class RefuseNulMiddleware:
    """The API answers 422 for a NUL anywhere in the path, query or body (JSON or form); the
    console drops NUL from query and form values, and a path holding one is not found."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            fields = api_nul_fields(request)
            if fields:
                return refusal(fields)
            return self.get_response(request)
        if NUL in request.path:
            raise Http404
        if any(query_nul_fields(request.GET)):
            request.GET = without_nul(request.GET)
            # Links the page builds from the full path (language switch, next=) agree.
            request.META["QUERY_STRING"] = request.GET.urlencode()
        if (
            request.method == "POST"
            and request.content_type == "application/x-www-form-urlencoded"
            and any(query_nul_fields(request.POST))
        ):
            # Only plain forms: reading a multipart body here would process its files before
            # the upload view chooses its upload handlers (the size limit).
            request.POST = without_nul(request.POST)
        return self.get_response(request)


def refusal(fields: list[str]) -> JsonResponse:
    message = _("Contains a NUL character (\\x00), which cannot be stored; remove it.")
    errors = [{"field": field, "message": message} for field in fields]
    summary = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
    return JsonResponse(error_body(summary, errors), status=422)
