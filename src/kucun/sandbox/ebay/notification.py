"""The Commerce Notification API (ebay.md §7.1): ``getPublicKey``, destinations validated by the
``challenge_code`` handshake, subscriptions, and the dispatcher that POSTs signed deliveries.

A delivery is signed with ECDSA (P-256, SHA-1) over its exact body; ``X-EBAY-SIGNATURE`` is the
base64 of ``{"alg":"ecdsa","kid":…,"signature":<base64 DER>,"digest":"SHA1"}``. Deliveries are
made at once, in the request that caused them, up to three attempts while the endpoint answers
anything but 200/201/202/204.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.http import HttpRequest, HttpResponse, JsonResponse

from kucun.sandbox.ebay.api import (
    Caller,
    api_root,
    ebay_call,
    ebay_error,
    insufficient_permissions,
)
from kucun.sandbox.ebay.state import (
    API_SCOPE,
    APPLICATION,
    EBAY,
    NOTIFICATION_SUBSCRIPTION,
    NOTIFICATION_SUBSCRIPTION_READONLY,
    record_of,
    signing_key,
    signing_key_of,
    stamp,
)
from kucun.sandbox.emulator import json_body

NOTIFICATION = "API_NOTIFICATION"
PATH = "/commerce/notification/v1"
WRITE_SCOPES = (API_SCOPE, NOTIFICATION_SUBSCRIPTION)
READ_SCOPES = (*WRITE_SCOPES, NOTIFICATION_SUBSCRIPTION_READONLY)
USER_TOPICS = (
    "ORDER_CONFIRMATION",
    "ITEM_MARKED_SHIPPED",
    "ORDER_CANCELLATION_ACTIVITY",
    "ORDER_RETURN_ACTIVITY",
    "LISTING",
    "AUTHORIZATION_REVOCATION",
)
APPLICATION_TOPICS = ("MARKETPLACE_ACCOUNT_DELETION",)
ACKNOWLEDGED = {200, 201, 202, 204}
ATTEMPTS = 3
VERIFICATION_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,80}$")
DELIVERY_TIMEOUT_SECONDS = 5.0


def notification_error(status: int, error_id: int, message: str) -> JsonResponse:
    return ebay_error(status, error_id=error_id, domain=NOTIFICATION, message=message)


# -- public key ---------------------------------------------------------------------------------


@ebay_call("getPublicKey", methods={"GET"}, scopes=(API_SCOPE,))
def public_key(request: HttpRequest, caller: Caller, public_key_id: str) -> HttpResponse:
    """``GET /commerce/notification/v1/public_key/{public_key_id}``."""
    key = signing_key_of(public_key_id)
    if key is None:
        return notification_error(404, 195001, "The public key was not found.")
    return JsonResponse({"algorithm": "ECDSA", "digest": "SHA1", "key": key.public_pem()})


# -- signing and delivery -----------------------------------------------------------------------


def signature_header(body: bytes) -> str:
    key = signing_key()
    der = key.private_key.sign(body, ec.ECDSA(hashes.SHA1()))  # noqa: S303 (eBay's digest)
    envelope = {
        "alg": "ecdsa",
        "kid": key.kid,
        "signature": base64.b64encode(der).decode(),
        "digest": "SHA1",
    }
    return base64.b64encode(json.dumps(envelope).encode()).decode()


def challenge_response(challenge_code: str, verification_token: str, endpoint: str) -> str:
    return hashlib.sha256((challenge_code + verification_token + endpoint).encode()).hexdigest()


def challenge_passes(endpoint: str, verification_token: str) -> bool:
    """eBay's validation of a destination: ``GET <endpoint>?challenge_code=…`` must answer 200,
    JSON, ``{"challengeResponse": hex(SHA-256(code + token + endpoint))}``."""
    code = secrets.token_hex(32)
    try:
        answer = httpx.get(
            endpoint, params={"challenge_code": code}, timeout=DELIVERY_TIMEOUT_SECONDS
        )
        body = answer.json()
    except (httpx.HTTPError, ValueError):
        return False
    return (
        answer.status_code == 200
        and answer.headers.get("Content-Type", "").startswith("application/json")
        and isinstance(body, dict)
        and body.get("challengeResponse") == challenge_response(code, verification_token, endpoint)
    )


@dataclass
class Notification:
    """One notification: its id, the exact body and headers sent, and what each endpoint said."""

    notification_id: str
    topic: str
    body: bytes
    headers: dict[str, str]
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "notificationId": self.notification_id,
            "topic": self.topic,
            "headers": self.headers,
            "body": self.body.decode(),
            "deliveries": self.deliveries,
        }


def notification_body(
    topic: str, data: Mapping[str, Any], *, attempt: int = 1
) -> tuple[str, bytes]:
    notification_id = str(uuid.uuid4())
    now = stamp()
    payload = {
        "metadata": {"topic": topic, "schemaVersion": "1.0", "deprecated": False},
        "notification": {
            "notificationId": notification_id,
            "eventDate": now,
            "publishDate": now,
            "publishAttemptCount": attempt,
            "data": dict(data),
        },
    }
    return notification_id, json.dumps(payload, separators=(",", ":")).encode()


def signed(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-EBAY-SIGNATURE": signature_header(body)}


def notify(
    seller: str, topic: str, data: Mapping[str, Any], *, deliver: bool = True
) -> Notification:
    """Build, sign and (if ``deliver``) send a notification to every enabled subscription of the
    seller (or the application, for application topics) to this topic; recorded on the seller."""
    notification_id, body = notification_body(topic, data)
    notification = Notification(notification_id, topic, body, signed(body))
    if deliver:
        for endpoint in subscribed_endpoints(seller, topic):
            notification.deliveries.append(deliver_to(endpoint, notification))
    EBAY.put(
        seller or APPLICATION,
        "notification",
        notification_id,
        {"topic": topic, "data": dict(data), "deliveries": notification.deliveries},
    )
    return notification


def deliver_to(endpoint: str, notification: Notification) -> dict[str, Any]:
    """POST with retries; each new attempt carries its ``publishAttemptCount`` and signature."""
    body, headers = notification.body, notification.headers
    status: int | None = None
    for attempt in range(1, ATTEMPTS + 1):
        if attempt > 1:
            payload = json.loads(body)
            payload["notification"]["publishAttemptCount"] = attempt
            body = json.dumps(payload, separators=(",", ":")).encode()
            headers = signed(body)
        try:
            status = httpx.post(
                endpoint, content=body, headers=headers, timeout=DELIVERY_TIMEOUT_SECONDS
            ).status_code
        except httpx.HTTPError:
            status = None
        if status in ACKNOWLEDGED:
            return {"endpoint": endpoint, "status": status, "attempts": attempt}
    return {"endpoint": endpoint, "status": status, "attempts": ATTEMPTS}


def subscribed_endpoints(seller: str, topic: str) -> list[str]:
    owner = "" if topic in APPLICATION_TOPICS else seller
    subscriptions = EBAY.records(APPLICATION, "subscription").filter(
        data__topicId=topic, data__status="ENABLED", data__user=owner
    )
    endpoints = []
    for subscription in subscriptions.order_by("id"):
        destination = EBAY.get(APPLICATION, "destination", subscription.data["destinationId"])
        if destination and destination["status"] == "ENABLED":
            endpoints.append(destination["deliveryConfig"]["endpoint"])
    return endpoints


# -- destinations -------------------------------------------------------------------------------


def public_destination(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "client_id"}


def destination_problem(body: Any) -> JsonResponse | None:
    if not isinstance(body, dict) or not isinstance(body.get("deliveryConfig"), dict):
        return notification_error(400, 195002, "The deliveryConfig is missing or invalid.")
    config = body["deliveryConfig"]
    endpoint = str(config.get("endpoint", ""))
    if not endpoint.startswith(("http://", "https://")):
        return notification_error(400, 195003, "The endpoint is missing or invalid.")
    if not VERIFICATION_TOKEN.match(str(config.get("verificationToken", ""))):
        return notification_error(
            400,
            195004,
            "The verificationToken must be 32 to 80 characters of A-Z, a-z, 0-9, _ and -.",
        )
    if body.get("status", "ENABLED") not in {"ENABLED", "DISABLED"}:
        return notification_error(400, 195005, "The status is invalid.")
    if not challenge_passes(endpoint, str(config["verificationToken"])):
        return notification_error(
            409, 195006, "Challenge verification failed for the requested endpoint."
        )
    return None


@ebay_call("destination", methods={"GET", "POST"}, scopes=READ_SCOPES, writes=True)
def destinations(request: HttpRequest, caller: Caller) -> HttpResponse:
    """``POST`` (createDestination: 201 with ``Location``) and ``GET`` (getDestinations)."""
    owned = EBAY.records(APPLICATION, "destination").filter(data__client_id=caller.client_id)
    if request.method == "GET":
        found = [public_destination(record.data) for record in owned.order_by("id")]
        return JsonResponse(
            {
                "href": f"{api_root(request)}{PATH}/destination",
                "total": len(found),
                "limit": 20,
                "destinations": found,
            }
        )
    if not caller.grant.scopes & set(WRITE_SCOPES):
        return insufficient_permissions()
    body = json_body(request)
    problem = destination_problem(body)
    if problem is not None:
        return problem
    destination_id = str(uuid.uuid4())
    EBAY.put(
        APPLICATION,
        "destination",
        destination_id,
        {
            "destinationId": destination_id,
            "name": str(body.get("name", "")),
            "status": str(body.get("status", "ENABLED")),
            "deliveryConfig": {
                "endpoint": str(body["deliveryConfig"]["endpoint"]),
                "verificationToken": str(body["deliveryConfig"]["verificationToken"]),
            },
            "client_id": caller.client_id,
        },
    )
    response = HttpResponse(status=201)
    response["Location"] = f"{api_root(request)}{PATH}/destination/{destination_id}"
    return response


@ebay_call("destinationItem", methods={"GET", "DELETE"}, scopes=READ_SCOPES, writes=True)
def destination(request: HttpRequest, caller: Caller, destination_id: str) -> HttpResponse:
    record = record_of(APPLICATION, "destination", destination_id)
    if record is None or record.data["client_id"] != caller.client_id:
        return notification_error(404, 195007, "The destination was not found.")
    if request.method == "DELETE":
        record.delete()
        return HttpResponse(status=204)
    return JsonResponse(public_destination(record.data))


# -- subscriptions ------------------------------------------------------------------------------


def public_subscription(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in {"client_id", "user"}}


def subscription_problem(caller: Caller, body: Any) -> JsonResponse | None:
    if not isinstance(body, dict):
        return notification_error(400, 195002, "The request body is invalid.")
    topic = body.get("topicId")
    if topic not in USER_TOPICS + APPLICATION_TOPICS:
        return notification_error(404, 195008, "The topic was not found.")
    if (topic in USER_TOPICS) == caller.is_application:
        # A user topic needs the seller's token; an application topic the application's.
        return notification_error(400, 195009, "The access token does not fit this topic.")
    found = record_of(APPLICATION, "destination", str(body.get("destinationId", "")))
    if found is None or found.data["client_id"] != caller.client_id:
        return notification_error(400, 195007, "The destination was not found.")
    return None


@ebay_call("subscription", methods={"GET", "POST"}, scopes=READ_SCOPES, writes=True)
def subscriptions(request: HttpRequest, caller: Caller) -> HttpResponse:
    """``POST`` (createSubscription: 201 with ``Location``) and ``GET`` (getSubscriptions)."""
    owned = EBAY.records(APPLICATION, "subscription").filter(
        data__client_id=caller.client_id, data__user=caller.seller
    )
    if request.method == "GET":
        found = [public_subscription(record.data) for record in owned.order_by("id")]
        return JsonResponse({"total": len(found), "limit": 20, "subscriptions": found})
    if not caller.grant.scopes & set(WRITE_SCOPES):
        return insufficient_permissions()
    body = json_body(request)
    problem = subscription_problem(caller, body)
    if problem is not None:
        return problem
    subscription_id = str(uuid.uuid4())
    payload = body.get("payload") or {}
    EBAY.put(
        APPLICATION,
        "subscription",
        subscription_id,
        {
            "subscriptionId": subscription_id,
            "topicId": body["topicId"],
            "status": str(body.get("status", "ENABLED")),
            "creationDate": stamp(),
            "destinationId": str(body["destinationId"]),
            "payload": {
                "format": str(payload.get("format", "JSON")),
                "schemaVersion": str(payload.get("schemaVersion", "1.0")),
                "deliveryProtocol": str(payload.get("deliveryProtocol", "HTTPS")),
            },
            "client_id": caller.client_id,
            "user": caller.seller,
        },
    )
    response = HttpResponse(status=201)
    response["Location"] = f"{api_root(request)}{PATH}/subscription/{subscription_id}"
    return response


@ebay_call("subscriptionItem", methods={"GET", "DELETE"}, scopes=READ_SCOPES, writes=True)
def subscription(request: HttpRequest, caller: Caller, subscription_id: str) -> HttpResponse:
    record = record_of(APPLICATION, "subscription", subscription_id)
    if (
        record is None
        or record.data["client_id"] != caller.client_id
        or record.data["user"] != caller.seller
    ):
        return notification_error(404, 195010, "The subscription was not found.")
    if request.method == "DELETE":
        record.delete()
        return HttpResponse(status=204)
    return JsonResponse(public_subscription(record.data))
