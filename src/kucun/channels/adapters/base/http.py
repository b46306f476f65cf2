"""The shared vendor HTTP client, as channel adapters use it."""

from kucun.core.vendor.http import (
    RETRYABLE_STATUSES,
    HttpClient,
    RateLimiter,
    Sleep,
    TokenCache,
    limiter_for,
    raise_for_status,
    retry_after_seconds,
    token_cache,
    vendor_message,
)

__all__ = [
    "RETRYABLE_STATUSES",
    "HttpClient",
    "RateLimiter",
    "Sleep",
    "TokenCache",
    "limiter_for",
    "raise_for_status",
    "retry_after_seconds",
    "token_cache",
    "vendor_message",
]
