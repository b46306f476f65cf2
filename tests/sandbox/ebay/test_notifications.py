"""The Notification API (ebay.md §7.1): the public key, the challenge handshake, and signed
deliveries verifiable with that key."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from tests.sandbox.ebay.conftest import (
    NOTIFICATION,
    SELLER,
    Ebay,
    Receiver,
    assert_golden,
    golden,
)

pytestmark = pytest.mark.django_db(transaction=True)


def verified(ebay: Ebay, headers: dict[str, str], body: bytes) -> bool:
    """Verify a delivery as an integrator does: decode X-EBAY-SIGNATURE, fetch the key named by
    its kid with an application token, check the ECDSA signature over the raw body."""
    header = {name.lower(): value for name, value in headers.items()}["x-ebay-signature"]
    signature = json.loads(base64.b64decode(header))
    assert_golden(signature, golden("notification.signature"))
    answer = ebay.call(
        "GET", f"{NOTIFICATION}/public_key/{signature['kid']}", ebay.application_token()
    )
    assert answer.status_code == 200
    key = load_pem_public_key(answer.json()["key"].encode())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    try:
        key.verify(base64.b64decode(signature["signature"]), body, ec.ECDSA(hashes.SHA1()))  # noqa: S303
    except InvalidSignature:
        return False
    return True


def test_public_key_answers_the_documented_fields(ebay: Ebay) -> None:
    fired = ebay.emu("webhooks/fire", {"topic": "LISTING", "sku": "EB-MUG-01", "deliver": False})
    kid = json.loads(base64.b64decode(fired["headers"]["X-EBAY-SIGNATURE"]))["kid"]
    answer = ebay.call("GET", f"{NOTIFICATION}/public_key/{kid}", ebay.application_token())
    assert_golden(answer.json(), golden("getPublicKey.response"))
    assert answer.json()["key"].rstrip().endswith("-----END PUBLIC KEY-----")
    missing = ebay.call("GET", f"{NOTIFICATION}/public_key/nope", ebay.application_token())
    assert missing.status_code == 404
    assert ebay.http.get(ebay.url(f"{NOTIFICATION}/public_key/{kid}")).status_code == 401


def test_a_fired_notification_is_signed_over_its_exact_body(ebay: Ebay) -> None:
    fired = ebay.emu("webhooks/fire", {"topic": "LISTING", "sku": "EB-TEA-02", "deliver": False})
    body = fired["body"].encode()
    payload = json.loads(body)
    sample = golden("notification.delivery")
    sample["notification"]["data"] = payload["notification"]["data"]  # the notes leave it open
    assert_golden(payload, sample)
    data = payload["notification"]["data"]
    assert (data["sku"], data["action"], data["availableQuantity"]) == ("EB-TEA-02", "UPDATED", 30)
    assert data["offerId"]
    assert data["listingId"]
    assert verified(ebay, fired["headers"], body)
    assert not verified(ebay, fired["headers"], body.replace(b"EB-TEA-02", b"EB-MUG-01"))


def create_destination(ebay: Ebay, receiver: Receiver, token: str) -> Any:
    request = golden("createDestination.request")
    request["deliveryConfig"] = {
        "endpoint": receiver.endpoint,
        "verificationToken": receiver.verification_token,
    }
    return ebay.call("POST", f"{NOTIFICATION}/destination", token, json=request)


def test_a_destination_is_validated_by_the_challenge_handshake(
    ebay: Ebay, receiver: Receiver
) -> None:
    token = ebay.user_token()
    answer = create_destination(ebay, receiver, token)
    assert answer.status_code == 201
    assert len(receiver.challenges) == 1
    location = answer.headers["Location"]
    assert "/sandbox/ebay/commerce/notification/v1/destination/" in location
    read = ebay.http.get(location, headers={"Authorization": f"Bearer {token}"}).json()
    assert read["deliveryConfig"]["endpoint"] == receiver.endpoint
    assert read["status"] == "ENABLED"


def test_a_wrong_challenge_response_refuses_the_destination(ebay: Ebay, receiver: Receiver) -> None:
    receiver.answer_challenge = False
    token = ebay.user_token()
    answer = create_destination(ebay, receiver, token)
    assert answer.status_code == 409
    assert answer.json()["errors"][0]["domain"] == "API_NOTIFICATION"
    listed = ebay.call("GET", f"{NOTIFICATION}/destination", token).json()
    assert listed["destinations"] == []


def test_a_short_verification_token_is_refused(ebay: Ebay, receiver: Receiver) -> None:
    receiver.verification_token = "too-short"
    answer = create_destination(ebay, receiver, ebay.user_token())
    assert answer.status_code == 400
    assert receiver.challenges == []


def subscribe(ebay: Ebay, receiver: Receiver, topic: str, token: str) -> Any:
    destination = create_destination(ebay, receiver, token).headers["Location"].rsplit("/", 1)[1]
    request = golden("createSubscription.request") | {
        "topicId": topic,
        "destinationId": destination,
    }
    return ebay.call("POST", f"{NOTIFICATION}/subscription", token, json=request)


def test_a_sale_delivers_a_signed_listing_notification_to_subscribers(
    ebay: Ebay, receiver: Receiver
) -> None:
    token = ebay.user_token()
    assert subscribe(ebay, receiver, "LISTING", token).status_code == 201
    sale = ebay.emu("orders", {"sku": "EB-MUG-01", "quantity": 2})
    assert (sale["quantity"], sale["listing_quantity"]) == (10, 10)
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert headers["Content-Type"] == "application/json"
    assert verified(ebay, headers, body)
    notification = json.loads(body)
    assert notification["metadata"]["topic"] == "LISTING"
    assert notification["notification"]["data"]["sku"] == "EB-MUG-01"
    assert notification["notification"]["data"]["availableQuantity"] == 10
    state = ebay.state()
    assert state["quantities"]["EB-MUG-01"] == 10
    offer = next(offer for offer in state["offers"].values() if offer["sku"] == "EB-MUG-01")
    assert (offer["availableQuantity"], offer["listing"]["soldQuantity"]) == (10, 2)
    delivered = [n for n in state["notifications"] if n["deliveries"]]
    assert [(n["topic"], n["deliveries"][0]["status"]) for n in delivered] == [("LISTING", 204)]


def test_a_delivery_is_retried_until_acknowledged(ebay: Ebay, receiver: Receiver) -> None:
    token = ebay.user_token()
    subscribe(ebay, receiver, "LISTING", token)
    receiver.statuses = [500, 503]
    fired = ebay.emu("webhooks/fire", {"topic": "LISTING", "sku": "EB-BRD-05"})
    assert fired["deliveries"] == [{"endpoint": receiver.endpoint, "status": 204, "attempts": 3}]
    counts = [
        json.loads(body)["notification"]["publishAttemptCount"] for _h, body in receiver.received
    ]
    assert counts == [1, 2, 3]
    assert all(verified(ebay, headers, body) for headers, body in receiver.received)


def test_a_sale_of_more_than_is_available_is_refused(ebay: Ebay) -> None:
    answer = ebay.sandbox.control.post(
        ebay.url("__emu/orders"), json={"sku": "EB-PAN-03", "quantity": 5}
    )
    assert answer.status_code == 409
    assert ebay.state()["quantities"]["EB-PAN-03"] == 4


def test_the_account_deletion_topic_needs_an_application_token(
    ebay: Ebay, receiver: Receiver
) -> None:
    refused = subscribe(ebay, receiver, "MARKETPLACE_ACCOUNT_DELETION", ebay.user_token())
    assert refused.status_code == 400
    accepted = subscribe(ebay, receiver, "MARKETPLACE_ACCOUNT_DELETION", ebay.application_token())
    assert accepted.status_code == 201
    data = {"username": SELLER, "userId": "u-1", "eiasToken": "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6w"}
    ebay.emu("webhooks/fire", {"topic": "MARKETPLACE_ACCOUNT_DELETION", "data": data})
    assert len(receiver.received) == 1
    assert json.loads(receiver.received[0][1])["notification"]["data"] == data


def test_destinations_and_subscriptions_are_listed_read_and_deleted(
    ebay: Ebay, receiver: Receiver
) -> None:
    token = ebay.user_token()
    created = subscribe(ebay, receiver, "LISTING", token)
    subscription_url = created.headers["Location"]
    auth = {"Authorization": f"Bearer {token}"}
    listed = ebay.call("GET", f"{NOTIFICATION}/subscription", token).json()
    assert listed["total"] == 1
    subscription = listed["subscriptions"][0]
    assert_golden(
        {key: subscription[key] for key in golden("createSubscription.request")},
        golden("createSubscription.request") | {"destinationId": subscription["destinationId"]},
    )
    assert ebay.http.get(subscription_url, headers=auth).json() == subscription
    # Another seller sees none of it.
    ebay.emu("seed", {"sellers": [{"username": "other_seller", "refresh_token": "v^1.1#other"}]})
    other = ebay.user_token(refresh_token="v^1.1#other")
    assert ebay.call("GET", f"{NOTIFICATION}/subscription", other).json()["subscriptions"] == []
    assert (
        ebay.http.get(subscription_url, headers={"Authorization": f"Bearer {other}"}).status_code
        == 404
    )

    assert ebay.http.delete(subscription_url, headers=auth).status_code == 204
    ebay.emu("orders", {"sku": "EB-MUG-01", "quantity": 1})
    assert receiver.received == []
    destination_id = subscription["destinationId"]
    destination_url = ebay.url(f"{NOTIFICATION}/destination/{destination_id}")
    assert ebay.http.delete(destination_url, headers=auth).status_code == 204
    assert ebay.http.get(destination_url, headers=auth).status_code == 404


def test_a_subscription_to_an_unknown_topic_is_refused(ebay: Ebay, receiver: Receiver) -> None:
    answer = subscribe(ebay, receiver, "ITEM_SOLD", ebay.user_token())
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["domain"] == "API_NOTIFICATION"
