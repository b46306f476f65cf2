"""What every channel adapter shares: the canonical types, the interface, errors and HTTP."""

from kucun.channels.adapters.base.errors import (
    AuthenticationFailed,
    ChannelError,
    OutcomeUnknown,
    Throttled,
    Unavailable,
    WebhookRejected,
)
from kucun.channels.adapters.base.interface import (
    WATERMARK_OVERLAP,
    Channel,
    ChannelCapabilities,
    FieldSpec,
    PlatformSpec,
    SupportsConsent,
)
from kucun.channels.adapters.base.types import (
    ChannelConfig,
    ChannelEvent,
    ChannelLocation,
    ConnectionInfo,
    EventKind,
    ListingRef,
    PushResult,
    PushStatus,
    StockLevel,
)

__all__ = [
    "WATERMARK_OVERLAP",
    "AuthenticationFailed",
    "Channel",
    "ChannelCapabilities",
    "ChannelConfig",
    "ChannelError",
    "ChannelEvent",
    "ChannelLocation",
    "ConnectionInfo",
    "EventKind",
    "FieldSpec",
    "ListingRef",
    "OutcomeUnknown",
    "PlatformSpec",
    "PushResult",
    "PushStatus",
    "StockLevel",
    "SupportsConsent",
    "Throttled",
    "Unavailable",
    "WebhookRejected",
]
