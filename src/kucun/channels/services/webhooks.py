"""Webhook deliveries: verified by the platform's adapter, recorded once per event id, acted on.

A product or inventory event queues an incremental pull of the store (one queued pull covers a
burst of events); an order event is recorded and announced after commit to whoever registered
with ``hooks.register_order_events`` (the orders app). A delivery whose
signature does not verify changes nothing; an event id seen before changes nothing either.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from kucun.channels.adapters.base import ChannelEvent, EventKind
from kucun.channels.choices import PushTrigger, WebhookStatus
from kucun.channels.connect import store_channel
from kucun.channels.hooks import ORDER_EVENT_KINDS, announce_order_event
from kucun.channels.models import Store, WebhookDelivery
from kucun.channels.services.listings import listings_pull_enqueue, pull_queued

logger = logging.getLogger(__name__)

PULL_EVENTS = frozenset(
    {EventKind.PRODUCT_UPDATED, EventKind.PRODUCT_DELETED, EventKind.INVENTORY_UPDATED}
)


@dataclass(frozen=True)
class WebhookAnswer:
    """What to answer the platform: a challenge's body, or an empty acknowledgement."""

    body: bytes = b""
    accepted: int = 0
    duplicates: int = 0


def event_key(event: ChannelEvent, raw_body: bytes) -> str:
    """The event's id; a platform that gives none is known by the digest of the body."""
    if event.event_id:
        return event.event_id[:200]
    return "sha256:" + hashlib.sha256(raw_body).hexdigest()


def webhook_receive(*, store: Store, headers: Mapping[str, str], raw_body: bytes) -> WebhookAnswer:
    """Verify and act on one delivery. Raises WebhookRejected (from the adapter) when the
    signature does not verify, before anything is written."""
    channel = store_channel(store)
    try:
        events = channel.parse_webhook(headers, raw_body)
    finally:
        channel.close()
    body = b""
    accepted = duplicates = 0
    for event in events:
        if event.kind == EventKind.CHALLENGE:
            body = event.response_body
            continue
        if webhook_event_record(store, event, raw_body):
            accepted += 1
        else:
            duplicates += 1
    return WebhookAnswer(body=body, accepted=accepted, duplicates=duplicates)


def webhook_event_record(store: Store, event: ChannelEvent, raw_body: bytes) -> bool:
    """Record the event and act on it, once; False when its id was seen before."""
    wants_pull = event.kind in PULL_EVENTS
    try:
        with transaction.atomic():
            if not wants_pull:
                status = WebhookStatus.RECORDED
            elif pull_queued(store):
                status = WebhookStatus.PULL_PENDING
            else:
                status = WebhookStatus.PULL_QUEUED
            WebhookDelivery.objects.create(
                store=store,
                event_id=event_key(event, raw_body),
                topic=event.topic[:100],
                kind=str(event.kind)[:32],
                status=status,
            )
            if status == WebhookStatus.PULL_QUEUED:
                listings_pull_enqueue(
                    store=store, mode="incremental", trigger=PushTrigger.AUTOMATIC
                )
            if str(event.kind) in ORDER_EVENT_KINDS:
                transaction.on_commit(lambda: announce_order_event(store, event))
    except IntegrityError:
        logger.info("webhook event %s of store %s seen before", event.event_id, store.pk)
        return False
    return True
