"""One mapping of errors to JSON: {"detail": "...", "errors": [{"field", "message"}]}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kucun.core.errors import DomainError


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


def ninja_field_name(location: Any) -> str:
    parts = [
        str(part) for part in location if part not in {"body", "query", "path", "form", "payload"}
    ]
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        errors = [{"field": e.field, "message": e.message} for e in exc.errors]
        return api.create_response(request, error_body(exc.detail, errors), status=exc.status_code)

    @api.exception_handler(NinjaValidationError)
    def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"field": ninja_field_name(e.get("loc", ())), "message": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or _("Invalid input.")
        return api.create_response(request, error_body(summary, errors), status=422)

    @api.exception_handler(DjangoValidationError)
    def on_django_validation_error(
        request: HttpRequest, exc: DjangoValidationError
    ) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": name, "message": str(message)}
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            errors = [{"field": "body", "message": str(message)} for message in exc.messages]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return api.create_response(request, error_body(summary, errors), status=422)

    @api.exception_handler(AuthenticationError)
    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request,
            error_body(
                _("Authentication required: log in or send 'Authorization: Bearer <token>'.")
            ),
            status=401,
        )

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body(str(exc) or _("Not found.")), status=404)

    @api.exception_handler(ObjectDoesNotExist)
    def on_missing_object(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return api.create_response(request, error_body(_("Not found.")), status=404)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(request, error_body(str(exc)), status=exc.status_code)
