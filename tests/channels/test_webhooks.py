"""Webhook deliveries: verified, recorded once per event id, acted on; forgeries change nothing."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

import pytest
from django.test import Client

from kucun.channels.adapters.base import (
    ChannelConfig,
    ChannelEvent,
    EventKind,
    WebhookRejected,
)
from kucun.channels.choices import SyncRunKind, WebhookStatus
from kucun.channels.models import Listing, Store, SyncRun, WebhookDelivery
from kucun.channels.platforms import register_platform
from kucun.core.models import Job
from tests.channels.conftest import SECRET
from tests.channels.memory_channel import SPEC, MemoryChannel, MemoryPlatform

pytestmark = pytest.mark.django_db


class SignedChannel(MemoryChannel):
    """The memory platform signing its deliveries with the store's API key (HMAC-SHA256,
    base64, over the raw body) and validating its endpoint with a challenge, as eBay does."""

    def __init__(self, config: ChannelConfig) -> None:
        super().__init__(config)
        self.secret = config.credentials.get("api_key", "")

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[ChannelEvent]:
        query = headers.get("X-Kucun-Query", "")
        if headers.get("X-Kucun-Method") == "GET" and query.startswith("challenge_code="):
            code = query.split("=", 1)[1]
            endpoint = headers["X-Kucun-Endpoint"]
            digest = hashlib.sha256(f"{code}{self.secret}{endpoint}".encode()).hexdigest()
            body = json.dumps({"challengeResponse": digest}).encode()
            return [ChannelEvent(kind=EventKind.CHALLENGE, event_id="", response_body=body)]
        if not hmac.compare_digest(headers.get("x-memory-hmac", ""), sign(self.secret, raw_body)):
            raise WebhookRejected("the HMAC does not match the body")
        payload = json.loads(raw_body)
        return [
            ChannelEvent(
                kind=EventKind(payload["kind"]),
                event_id=payload["id"],
                topic=payload["topic"],
                refs=tuple(payload.get("refs", ())),
            )
        ]


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def signed(memory: MemoryPlatform) -> MemoryPlatform:
    register_platform(dataclasses.replace(SPEC, build=SignedChannel))
    memory.add("HOOK-1", quantity=4)
    return memory


def delivery(event_id: str, kind: str = "product_updated", topic: str = "products/update") -> bytes:
    return json.dumps({"id": event_id, "kind": kind, "topic": topic, "refs": ["mem-1"]}).encode()


def post(store: Store, body: bytes, signature: str, **headers: str) -> Any:
    client = Client(enforce_csrf_checks=True)
    return client.post(
        f"/hooks/memory/{store.pk}",
        body,
        content_type="application/json",
        headers={"X-Memory-Hmac": signature, **headers},
    )


def state() -> tuple[int, int, int, int]:
    return (
        WebhookDelivery.objects.count(),
        Job.objects.count(),
        SyncRun.objects.count(),
        Listing.objects.count(),
    )


def test_a_genuine_product_update_queues_an_incremental_pull(
    store: Store, signed: MemoryPlatform, django_capture_on_commit_callbacks: Any
) -> None:
    body = delivery("evt-1")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(store, body, sign(SECRET, body))

    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0}
    recorded = WebhookDelivery.objects.get()
    assert (recorded.store, recorded.event_id, recorded.topic, recorded.kind, recorded.status) == (
        store,
        "evt-1",
        "products/update",
        "product_updated",
        WebhookStatus.PULL_QUEUED,
    )
    run = SyncRun.objects.get()
    assert (run.kind, run.trigger, run.new_count) == (SyncRunKind.PULL_INCREMENTAL, "automatic", 1)
    assert list(Listing.objects.values_list("sku", "platform_quantity")) == [("HOOK-1", 4)]


def test_a_replayed_event_id_changes_nothing(
    store: Store, signed: MemoryPlatform, django_capture_on_commit_callbacks: Any
) -> None:
    body = delivery("evt-1")
    with django_capture_on_commit_callbacks(execute=True):
        post(store, body, sign(SECRET, body))
    before = state()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(store, body, sign(SECRET, body))

    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "duplicates": 1}
    assert callbacks == []
    assert state() == before == (1, 1, 1, 1)


def test_a_forged_delivery_is_refused_logged_without_its_body_and_changes_nothing(
    store: Store,
    signed: MemoryPlatform,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    body = delivery("evt-forged-marker")
    caplog.set_level(logging.WARNING, logger="kucun.channels")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        wrong_key = post(store, body, sign("not-the-key", body))
        unsigned = post(store, body, "")

    assert (wrong_key.status_code, unsigned.status_code) == (401, 401)
    assert wrong_key.json() == {"detail": "signature does not verify"}
    assert callbacks == []
    assert state() == (0, 0, 0, 0)
    assert f"webhook for store {store.pk} refused" in caplog.text
    assert "evt-forged-marker" not in caplog.text


def test_a_genuine_delivery_to_another_store_is_refused(
    store: Store, signed: MemoryPlatform
) -> None:
    body = delivery("evt-1")
    response = post(store, body, sign("another-stores-key", body))
    assert response.status_code == 401
    assert state()[0] == 0


def test_an_unknown_store_or_a_platform_mismatch_is_404(
    store: Store, signed: MemoryPlatform
) -> None:
    body = delivery("evt-1")
    client = Client()
    headers = {"X-Memory-Hmac": sign(SECRET, body)}
    assert client.post(f"/hooks/memory/{store.pk + 1}", body, "application/json").status_code == 404
    assert (
        client.post(f"/hooks/shopify/{store.pk}", body, "application/json", headers=headers)
    ).status_code == 404
    assert client.post(f"/hooks/nothing/{store.pk}", body, "application/json").status_code == 404
    assert state()[0] == 0


def test_order_events_are_recorded_and_nothing_else(
    store: Store, signed: MemoryPlatform, django_capture_on_commit_callbacks: Any
) -> None:
    body = delivery("order-9", kind="order_created", topic="orders/create")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(store, body, sign(SECRET, body))

    assert response.status_code == 200
    assert list(WebhookDelivery.objects.values_list("event_id", "status")) == [
        ("order-9", WebhookStatus.RECORDED)
    ]
    assert (Job.objects.count(), SyncRun.objects.count()) == (0, 0)


def test_a_burst_of_events_shares_one_queued_pull(store: Store, signed: MemoryPlatform) -> None:
    first, second = delivery("evt-1"), delivery("evt-2", kind="inventory_updated")
    post(store, first, sign(SECRET, first))  # its pull stays queued: nothing commits here
    post(store, second, sign(SECRET, second))

    assert list(WebhookDelivery.objects.order_by("id").values_list("event_id", "status")) == [
        ("evt-1", WebhookStatus.PULL_QUEUED),
        ("evt-2", WebhookStatus.PULL_PENDING),
    ]
    assert Job.objects.count() == 1


def test_a_challenge_is_answered_from_the_adapter_and_recorded_nowhere(
    store: Store, signed: MemoryPlatform
) -> None:
    response = Client().get(
        f"/hooks/memory/{store.pk}?challenge_code=abc123",
        headers={"X-Kucun-Endpoint": "https://forged.example/"},
    )

    endpoint = f"http://testserver/hooks/memory/{store.pk}"
    expected = hashlib.sha256(f"abc123{SECRET}{endpoint}".encode()).hexdigest()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"challengeResponse": expected}
    assert state()[0] == 0
