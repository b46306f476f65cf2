"""Errors a carrier adapter raises: the vendor errors every adapter shares, and the carrier's
refusal of a shipment with the fields it named."""

from __future__ import annotations

from dataclasses import dataclass

from kucun.core.vendor.errors import (
    AuthenticationFailed,
    OutcomeUnknown,
    Throttled,
    Unavailable,
)
from kucun.core.vendor.errors import VendorError as CarrierError

__all__ = [
    "AuthenticationFailed",
    "CarrierError",
    "FieldProblem",
    "LabelNotReady",
    "OutcomeUnknown",
    "ShipmentRefused",
    "Throttled",
    "Unavailable",
]


@dataclass(frozen=True)
class FieldProblem:
    """One problem the carrier named: its field path as the carrier wrote it, and its words."""

    field: str
    message: str
    code: str = ""


class ShipmentRefused(CarrierError):
    """The carrier refused the request (validation, a duplicate reference, a shipment that can
    no longer be cancelled); ``problems`` as the carrier listed them. Not retryable."""

    def __init__(
        self, message: str, *, problems: tuple[FieldProblem, ...] = (), status: int | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.problems = problems


class LabelNotReady(CarrierError):
    """The label was still being produced when the bounded polling gave up; ask again later."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)
