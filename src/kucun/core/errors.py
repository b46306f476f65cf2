"""Typed domain errors, mapped once to HTTP statuses (API) and form errors (console).

A service raises one of these; nothing it started is left written, because every
service owns its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    """Base of every error a person can act on."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    status_code: int = 400

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def __str__(self) -> str:
        return self.detail

    @classmethod
    def for_field(cls, field_name: str, message: str) -> DomainError:
        return cls(detail=message, errors=[FieldError(field_name, message)])


@dataclass
class ValidationFailed(DomainError):
    status_code: int = 422


@dataclass
class NotFound(DomainError):
    status_code: int = 404


@dataclass
class Conflict(DomainError):
    status_code: int = 409


@dataclass
class PermissionDenied(DomainError):
    status_code: int = 403


def field_errors(errors: dict[str, str]) -> ValidationFailed:
    """One ValidationFailed naming several fields; the first message is the summary."""
    items = [FieldError(name, message) for name, message in errors.items()]
    summary = "; ".join(f"{item.field}: {item.message}" for item in items)
    return ValidationFailed(detail=summary, errors=items)
