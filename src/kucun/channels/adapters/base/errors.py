"""Errors a channel adapter raises: the vendor errors every adapter shares, and the refusal of a
webhook delivery."""

from __future__ import annotations

from kucun.core.vendor.errors import (
    AuthenticationFailed,
    OutcomeUnknown,
    Throttled,
    Unavailable,
)
from kucun.core.vendor.errors import VendorError as ChannelError

__all__ = [
    "AuthenticationFailed",
    "ChannelError",
    "OutcomeUnknown",
    "Throttled",
    "Unavailable",
    "WebhookRejected",
]


class WebhookRejected(Exception):
    """A delivery whose signature does not verify on the raw body (or that is malformed)."""
