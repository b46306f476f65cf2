"""HTTP to the 4PX Open Platform gateway (integrations/fourpx.md §1–§3): one POST URL, the
operation in the ``method`` query parameter, the public parameters in the query string and the
body signed with MD5 over the exact bytes sent. Throttling (``000017`` inside a 200) is waited
out by HttpClient; authentication codes become AuthenticationFailed; any other envelope is the
adapter's to read."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from kucun.core.vendor.http import HttpClient, Sleep, limiter_for, vendor_message
from kucun.shipping.carriers.base import (
    AuthenticationFailed,
    CarrierConfig,
    CarrierError,
    OutcomeUnknown,
    Unavailable,
)
from kucun.shipping.carriers.fourpx.mappers import (
    AUTHENTICATION_CODES,
    GATEWAY_TIMEOUT,
    GATEWAY_UNAVAILABLE_CODES,
    Envelope,
    envelope_from_json,
    epoch_milliseconds,
    throttle_codes_in,
)

# Not published (fourpx.md §3): ≤ 5 requests a second per app is the suggested client default.
LIMITER_CAPACITY = 5.0
LIMITER_RATE_PER_SECOND = 5.0
THROTTLE_WAIT_SECONDS = 60.0  # "try again in one minute"
UNSIGNED_PARAMETERS = frozenset({"sign", "access_token", "language"})


def compact_json(body: Any) -> bytes:
    """The body exactly as sent and signed: compact, keys in our order, UTF-8 (not escaped)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(params: Mapping[str, str], body: bytes, app_secret: str) -> str:
    """fourpx.md §1.2: the public parameters but sign/access_token/language, sorted by name,
    each written as name + value, then the body, then the secret; lowercase hex MD5."""
    signed = "".join(
        f"{name}{params[name]}" for name in sorted(params) if name not in UNSIGNED_PARAMETERS
    )
    text = signed.encode("utf-8") + body + app_secret.encode("utf-8")
    return hashlib.md5(text, usedforsecurity=False).hexdigest()


def fourpx_throttle(response: httpx.Response) -> float | None:
    """4PX's throttle signal, an error ``000017`` (or ``DS000006``) in an HTTP 200."""
    if response.status_code != 200:
        return None
    try:
        payload = response.json()
    except ValueError:
        return None
    return THROTTLE_WAIT_SECONDS if throttle_codes_in(payload) else None


class FourPxClient:
    def __init__(
        self,
        config: CarrierConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.app_key = config.credentials.get("app_key", "")
        self._app_secret = config.credentials.get("app_secret", "")
        self.language = config.options.get("language", "en")
        self.clock = clock
        self.http = HttpClient(
            config,
            limiter=limiter_for(
                f"fourpx:{config.account_key or self.app_key}",
                LIMITER_CAPACITY,
                LIMITER_RATE_PER_SECOND,
            ),
            throttle_signal=fourpx_throttle,
            sleep=sleep,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def public_params(self, method: str, version: str, body: bytes) -> dict[str, str]:
        params = {
            "method": method,
            "app_key": self.app_key,
            "v": version,
            "timestamp": epoch_milliseconds(self.clock()),
            "format": "json",
        }
        params["sign"] = signature(params, body, self._app_secret)
        params["language"] = self.language
        return params

    def call(self, method: str, version: str, body: Any, *, idempotent: bool) -> Envelope:
        """POST one operation; the envelope as 4PX answered it (``result`` may be "0").
        ``idempotent`` reads and retried-safe writes may be repeated on 5xx and timeouts; a
        create never is (a timeout after sending is OutcomeUnknown)."""
        content = compact_json(body)
        response = self.http.request(
            "POST",
            self.config.base_url,
            idempotent=idempotent,
            params=self.public_params(method, version, content),
            content=content,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        envelope = read_envelope(response, method)
        raise_for_gateway(envelope, method, idempotent=idempotent)
        return envelope

    def download(self, url: str) -> bytes:
        """A label file 4PX hosts (a plain GET, repeatable)."""
        response = self.http.request("GET", url, idempotent=True, authorized=False)
        if response.status_code >= 400:
            raise CarrierError(
                f"4PX label download answered {response.status_code}", status=response.status_code
            )
        return response.content


def read_envelope(response: httpx.Response, method: str) -> Envelope:
    if response.status_code >= 400:
        raise CarrierError(
            f"4PX {method} answered {response.status_code}: "
            f"{vendor_message(response) or 'no message'}",
            status=response.status_code,
        )
    try:
        return envelope_from_json(response.json())
    except ValueError:
        # A proxy's page or a cut answer: the operation may have run; asking later may help.
        raise CarrierError(
            f"4PX {method} answered {response.status_code} with a body that is not its envelope",
            status=response.status_code,
            retryable=True,
        ) from None


def raise_for_gateway(envelope: Envelope, method: str, *, idempotent: bool) -> None:
    """The gateway's own refusals (fourpx.md §3); business errors are left to the adapter."""
    if envelope.has(*AUTHENTICATION_CODES):
        raise AuthenticationFailed(f"4PX refused the app's credentials: {envelope.words()}")
    if envelope.has(GATEWAY_TIMEOUT) and not idempotent:
        # "Request timeout or exception": a create may or may not have been applied.
        raise OutcomeUnknown(f"4PX {method}: {envelope.words()}")
    if envelope.has(*GATEWAY_UNAVAILABLE_CODES):
        raise Unavailable(f"4PX {method}: {envelope.words()}")
