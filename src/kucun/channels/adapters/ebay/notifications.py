"""eBay Notification API deliveries (integrations/ebay.md §7.1): the endpoint challenge and the
ECDSA signature of each delivery.

The challenge is a GET that eBay sends when a destination is created; it is answered outside
``parse_webhook`` (which receives POSTed deliveries) with :func:`challenge_body`.

A delivery carries ``X-EBAY-SIGNATURE``: base64 of ``{"alg":"ecdsa","kid":…,"signature":<base64
DER>,"digest":"SHA1"}``. The key named by ``kid`` comes from ``getPublicKey`` and is kept for an
hour; the signature is checked over the raw body before anything reads it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

SIGNATURE_HEADER = "x-ebay-signature"
DERIVED_TOKEN_CONTEXT = b"kucun ebay notification destination verification token"
PUBLIC_KEY_LIFETIME_SECONDS = 3600.0  # §7.1: "cache it (~1 h)"

_DIGESTS: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "SHA1": hashes.SHA1,
    "SHA256": hashes.SHA256,
}


def challenge_response(challenge_code: str, verification_token: str, endpoint_url: str) -> str:
    """hex(SHA-256(challengeCode + verificationToken + endpoint)), as eBay expects it."""
    digest = hashlib.sha256()
    digest.update(challenge_code.encode())
    digest.update(verification_token.encode())
    digest.update(endpoint_url.encode())
    return digest.hexdigest()


def challenge_body(challenge_code: str, verification_token: str, endpoint_url: str) -> bytes:
    """The JSON body to answer the challenge GET with (status 200, application/json)."""
    answer = challenge_response(challenge_code, verification_token, endpoint_url)
    return json.dumps({"challengeResponse": answer}).encode()


def derived_verification_token(client_secret: str) -> str:
    """A destination's verification token (§7.1: 32–80 of ``[A-Za-z0-9_-]``) made from the
    client secret, for a store that set none: stable, and telling nothing of the secret."""
    digest = hmac.new(client_secret.encode(), DERIVED_TOKEN_CONTEXT, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class SignatureInvalid(ValueError):
    """The delivery's signature is missing, malformed or does not verify."""


@dataclass(frozen=True)
class SignatureHeader:
    alg: str
    kid: str
    signature: bytes
    digest: str


def header_value(headers: Mapping[str, str], name: str) -> str:
    """A header by name whatever its case (a plain dict or Django's request.headers)."""
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def parse_signature_header(value: str) -> SignatureHeader:
    if not value.strip():
        raise SignatureInvalid("the delivery has no X-EBAY-SIGNATURE header")
    try:
        decoded = json.loads(base64.b64decode(value.strip(), validate=True))
    except (binascii.Error, ValueError):
        raise SignatureInvalid("X-EBAY-SIGNATURE is not base64 of a JSON object") from None
    if not isinstance(decoded, dict):
        raise SignatureInvalid("X-EBAY-SIGNATURE is not base64 of a JSON object")
    alg = str(decoded.get("alg") or "")
    kid = str(decoded.get("kid") or "")
    digest = str(decoded.get("digest") or "").upper()
    if alg.lower() != "ecdsa":
        raise SignatureInvalid(f"unsupported signature algorithm {alg[:20]!r}")
    if digest not in _DIGESTS:
        raise SignatureInvalid(f"unsupported signature digest {digest[:20]!r}")
    if not kid or not re.fullmatch(r"[A-Za-z0-9._~-]{1,200}", kid):
        raise SignatureInvalid("X-EBAY-SIGNATURE names no usable key id")
    try:
        signature = base64.b64decode(str(decoded.get("signature") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("the signature is not base64") from None
    if not signature:
        raise SignatureInvalid("the signature is empty")
    return SignatureHeader(alg=alg, kid=kid, signature=signature, digest=digest)


def normalized_pem(key: str) -> bytes:
    """eBay's ``key`` may come on one line (``-----BEGIN PUBLIC KEY-----MFkw…-----END…``);
    rebuild it as a PEM the parser accepts."""
    body = re.sub(r"-----(BEGIN|END) PUBLIC KEY-----", "", key)
    body = "".join(body.split())
    lines = [body[start : start + 64] for start in range(0, len(body), 64)]
    return (
        "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"
    ).encode()


@dataclass(frozen=True)
class PublicKey:
    """A ``getPublicKey`` answer: ``{algorithm:"ECDSA", digest:"SHA1", key:"-----BEGIN…"}``."""

    key: ec.EllipticCurvePublicKey
    algorithm: str
    digest: str


def public_key_from(document: object) -> PublicKey:
    if not isinstance(document, dict) or not isinstance(document.get("key"), str):
        raise SignatureInvalid("eBay's public key answer holds no key")
    try:
        key = load_pem_public_key(normalized_pem(document["key"]))
    except ValueError:
        raise SignatureInvalid("eBay's public key is not a PEM public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise SignatureInvalid("eBay's public key is not an elliptic-curve key")
    return PublicKey(
        key=key,
        algorithm=str(document.get("algorithm") or "ECDSA").upper(),
        digest=str(document.get("digest") or "").upper(),
    )


def verify(header: SignatureHeader, public_key: PublicKey, raw_body: bytes) -> None:
    """Raise SignatureInvalid unless the signature is the key's ECDSA over the raw body."""
    if public_key.algorithm != "ECDSA":
        raise SignatureInvalid("eBay's key is not an ECDSA key")
    if public_key.digest and public_key.digest != header.digest:
        raise SignatureInvalid("the signature's digest is not the key's digest")
    try:
        public_key.key.verify(header.signature, raw_body, ec.ECDSA(_DIGESTS[header.digest]()))
    except InvalidSignature:
        raise SignatureInvalid("the signature does not match the body") from None


class PublicKeyCache:
    """Public keys by (API root, key id), for an hour, shared by every adapter of the process:
    eBay signs with a few keys and each lookup costs a call."""

    def __init__(
        self,
        lifetime: float = PUBLIC_KEY_LIFETIME_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lifetime = lifetime
        self._clock = clock
        self._keys: dict[tuple[str, str], tuple[PublicKey, float]] = {}
        self._lock = threading.Lock()

    def get(self, root: str, kid: str, fetch: Callable[[], PublicKey]) -> PublicKey:
        with self._lock:
            found = self._keys.get((root, kid))
            if found is not None and found[1] > self._clock():
                return found[0]
        key = fetch()
        with self._lock:
            self._keys[(root, kid)] = (key, self._clock() + self.lifetime)
        return key


public_keys = PublicKeyCache()
