"""Notification deliveries: the challenge answer, and ECDSA signatures checked on the raw body
with a key pair made here and served as eBay's ``getPublicKey`` would serve it.

Unit tests over httpx.MockTransport, not integration tests (see test_client.py)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kucun.channels.adapters.base import ChannelConfig, EventKind, WebhookRejected
from kucun.channels.adapters.ebay.adapter import challenge_body, challenge_response
from kucun.channels.adapters.ebay.notifications import (
    PublicKeyCache,
    derived_verification_token,
    normalized_pem,
)
from tests.channels.adapters.ebay.fakes import (
    CLIENT_SECRET,
    TOKEN_PATH,
    FakeEbay,
    ebay_json,
    fixture_bytes,
    form,
    make_channel,
    make_config,
)

KID = "99345bb6-b8d4-4d6f-8d4c-8b5f7a6b0e2c"
KEY_PATH = f"/commerce/notification/v1/public_key/{KID}"


@pytest.fixture(scope="module")
def private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _signature_header(
    key: ec.EllipticCurvePrivateKey, body: bytes, *, kid: str = KID, digest: str = "SHA1"
) -> str:
    # eBay signs with SHA1 (ebay.md §7.1); SHA256 makes a digest the key does not use.
    algorithm = hashes.SHA1() if digest == "SHA1" else hashes.SHA256()  # noqa: S303
    signature = key.sign(body, ec.ECDSA(algorithm))
    document = {
        "alg": "ecdsa",
        "kid": kid,
        "signature": base64.b64encode(signature).decode(),
        "digest": digest,
    }
    return base64.b64encode(json.dumps(document).encode()).decode()


def _fake_with_key(key: ec.EllipticCurvePrivateKey, *, one_line: bool = False) -> FakeEbay:
    pem = _pem(key)
    if one_line:  # as eBay sends it: the markers and the base64 on one line
        pem = pem.replace("\n", "")
    return FakeEbay().on(
        "GET", KEY_PATH, ebay_json(200, {"algorithm": "ECDSA", "digest": "SHA1", "key": pem})
    )


def test_the_challenge_response_is_sha256_of_code_token_and_endpoint() -> None:
    assert challenge_response(
        "a8628072-3d33-45ee-9004-bee86830a22d",
        "71745723-d031-455c-bfa5-f90d11b4f20a",
        "https://kucun.example.com/webhooks/ebay/7",
    ) == ("61b5ef94da5a6299161184e298c645941874c5ee8336239b28fa1dfa1647f65d")
    assert json.loads(
        challenge_body(
            "a8628072-3d33-45ee-9004-bee86830a22d",
            "71745723-d031-455c-bfa5-f90d11b4f20a",
            "https://kucun.example.com/webhooks/ebay/7",
        )
    ) == {"challengeResponse": "61b5ef94da5a6299161184e298c645941874c5ee8336239b28fa1dfa1647f65d"}


def test_a_genuine_delivery_is_accepted_with_the_key_fetched_by_an_application_token(
    private_key: ec.EllipticCurvePrivateKey,
) -> None:
    body = fixture_bytes("notification.LISTING.json")
    fake = _fake_with_key(private_key, one_line=True)

    events = make_channel(fake).parse_webhook(
        {"X-EBAY-SIGNATURE": _signature_header(private_key, body)}, body
    )

    assert [(e.kind, e.event_id, e.refs) for e in events] == [
        (EventKind.PRODUCT_UPDATED, "5b8e0f8a-6a0e-4c4e-8f55-2f2d6b1c9a01", ("MUG-BLUE-350",))
    ]
    (token_request,) = fake.calls("POST", TOKEN_PATH)
    assert form(token_request) == {
        "grant_type": "client_credentials",
        "scope": "https://api.ebay.com/oauth/api_scope",
    }
    (key_request,) = fake.calls("GET", KEY_PATH)
    assert key_request.headers["Authorization"] == "Bearer v^1.1#app-token-1"


def test_the_key_is_kept_for_later_deliveries(private_key: ec.EllipticCurvePrivateKey) -> None:
    fake = _fake_with_key(private_key)
    keys = PublicKeyCache()
    first = fixture_bytes("notification.LISTING.json")
    second = fixture_bytes("notification.ORDER_CONFIRMATION.json")

    make_channel(fake, keys=keys).parse_webhook(
        {"x-ebay-signature": _signature_header(private_key, first)}, first
    )
    events = make_channel(fake, keys=keys).parse_webhook(
        {"x-ebay-signature": _signature_header(private_key, second)}, second
    )

    assert [(e.kind, e.refs) for e in events] == [(EventKind.ORDER_CREATED, ("12-12345-67890",))]
    assert len(fake.calls("GET", KEY_PATH)) == 1


def test_a_tampered_body_is_rejected(private_key: ec.EllipticCurvePrivateKey) -> None:
    body = fixture_bytes("notification.LISTING.json")
    header = _signature_header(private_key, body)
    tampered = body.replace(b"MUG-BLUE-350", b"MUG-BLUE-351")

    with pytest.raises(WebhookRejected, match="the signature does not match the body"):
        make_channel(_fake_with_key(private_key)).parse_webhook(
            {"X-EBAY-SIGNATURE": header}, tampered
        )


def test_a_signature_by_another_key_is_rejected(private_key: ec.EllipticCurvePrivateKey) -> None:
    body = fixture_bytes("notification.LISTING.json")
    impostor = ec.generate_private_key(ec.SECP256R1())

    with pytest.raises(WebhookRejected, match="the signature does not match the body"):
        make_channel(_fake_with_key(private_key)).parse_webhook(
            {"X-EBAY-SIGNATURE": _signature_header(impostor, body)}, body
        )


def test_a_digest_other_than_the_keys_is_rejected(private_key: ec.EllipticCurvePrivateKey) -> None:
    body = fixture_bytes("notification.LISTING.json")

    with pytest.raises(WebhookRejected, match="not the key's digest"):
        make_channel(_fake_with_key(private_key)).parse_webhook(
            {"X-EBAY-SIGNATURE": _signature_header(private_key, body, digest="SHA256")}, body
        )


def test_a_delivery_without_a_signature_is_rejected_before_any_call() -> None:
    fake = FakeEbay()

    with pytest.raises(WebhookRejected, match="no X-EBAY-SIGNATURE header"):
        make_channel(fake).parse_webhook({}, fixture_bytes("notification.LISTING.json"))
    assert fake.requests == []


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("not base64!", "not base64 of a JSON object"),
        (base64.b64encode(b"[1, 2]").decode(), "not base64 of a JSON object"),
        (
            base64.b64encode(
                json.dumps(
                    {"alg": "rsa", "kid": KID, "signature": "AA==", "digest": "SHA1"}
                ).encode()
            ).decode(),
            "unsupported signature algorithm",
        ),
        (
            base64.b64encode(
                json.dumps(
                    {"alg": "ecdsa", "kid": "../x", "signature": "AA==", "digest": "SHA1"}
                ).encode()
            ).decode(),
            "no usable key id",
        ),
        (
            base64.b64encode(
                json.dumps({"alg": "ecdsa", "kid": KID, "signature": "", "digest": "SHA1"}).encode()
            ).decode(),
            "the signature is empty",
        ),
    ],
)
def test_a_malformed_signature_header_is_rejected(header: str, reason: str) -> None:
    fake = FakeEbay()

    with pytest.raises(WebhookRejected, match=reason):
        make_channel(fake).parse_webhook({"X-EBAY-SIGNATURE": header}, b"{}")
    assert fake.requests == []


def test_an_unknown_key_id_is_rejected(private_key: ec.EllipticCurvePrivateKey) -> None:
    body = fixture_bytes("notification.LISTING.json")
    fake = FakeEbay()  # answers 404 for every key

    with pytest.raises(WebhookRejected, match="eBay's public key could not be read"):
        make_channel(fake).parse_webhook(
            {"X-EBAY-SIGNATURE": _signature_header(private_key, body)}, body
        )


def test_a_signed_body_that_is_no_notification_is_rejected(
    private_key: ec.EllipticCurvePrivateKey,
) -> None:
    body = b'{"hello": "world"}'

    with pytest.raises(WebhookRejected, match="no metadata or notification object"):
        make_channel(_fake_with_key(private_key)).parse_webhook(
            {"X-EBAY-SIGNATURE": _signature_header(private_key, body)}, body
        )


def test_a_one_line_pem_is_rebuilt(private_key: ec.EllipticCurvePrivateKey) -> None:
    pem = _pem(private_key)

    assert normalized_pem(pem.replace("\n", "")).decode() == pem


CHALLENGE_CODE = "a8628072-3d33-45ee-9004-bee86830a22d"
VERIFICATION_TOKEN = "71745723-d031-455c-bfa5-f90d11b4f20a"
ENDPOINT = "https://kucun.example.com/webhooks/ebay/7"


def _challenge_headers(query: str) -> dict[str, str]:
    """The endpoint check as Kucun's webhook view passes it on."""
    return {"X-Kucun-Method": "GET", "X-Kucun-Query": query, "X-Kucun-Endpoint": ENDPOINT}


def test_the_endpoint_check_is_answered_with_the_stores_verification_token() -> None:
    config = make_config()
    config = ChannelConfig(
        platform="ebay",
        base_url=config.base_url,
        credentials={**config.credentials, "verification_token": VERIFICATION_TOKEN},
    )
    fake = FakeEbay()

    events = make_channel(fake, config=config).parse_webhook(
        _challenge_headers(f"challenge_code={CHALLENGE_CODE}"), b""
    )

    assert [(e.kind, e.event_id) for e in events] == [(EventKind.CHALLENGE, "")]
    assert json.loads(events[0].response_body) == {
        "challengeResponse": "61b5ef94da5a6299161184e298c645941874c5ee8336239b28fa1dfa1647f65d"
    }
    assert fake.requests == []


def test_without_a_token_of_its_own_the_store_answers_with_one_made_from_its_secret() -> None:
    events = make_channel(FakeEbay()).parse_webhook(
        _challenge_headers(f"challenge_code={CHALLENGE_CODE}"), b""
    )

    token = derived_verification_token(CLIENT_SECRET)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,80}", token)
    assert CLIENT_SECRET not in token
    assert json.loads(events[0].response_body) == {
        "challengeResponse": challenge_response(CHALLENGE_CODE, token, ENDPOINT)
    }
    assert derived_verification_token("another secret") != token


@pytest.mark.parametrize("query", ["", "challenge_code=", "other=1"])
def test_a_get_without_a_challenge_code_is_rejected(query: str) -> None:
    with pytest.raises(WebhookRejected, match="not eBay's endpoint check"):
        make_channel(FakeEbay()).parse_webhook(_challenge_headers(query), b"")
