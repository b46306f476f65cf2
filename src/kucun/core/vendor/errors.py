"""Errors a vendor adapter (a sales channel, a carrier) raises. The vendor's own message is kept
(never a secret) so that the merchant sees what the vendor said."""

from __future__ import annotations


class VendorError(Exception):
    """A call to the vendor failed. ``retryable`` when trying again later may succeed
    (throttling, 5xx, a timeout); ``status`` is the HTTP status when there was one."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class AuthenticationFailed(VendorError):
    """The vendor refused the credentials (after one refresh, where there is one)."""


class Throttled(VendorError):
    """The vendor's rate limit was reached and retries were used up."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message, status=status, retryable=True, retry_after=retry_after)


class Unavailable(VendorError):
    """5xx, a timeout or a broken connection, after the retries that were allowed."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message, status=status, retryable=True)


class OutcomeUnknown(Unavailable):
    """A write whose answer was lost (timeout after sending): it may or may not have applied.
    The caller re-reads before deciding; it never repeats a non-idempotent write blindly."""
