"""Labels: the carrier's PDF kept as a file (``files.py``) and the shipment ``label_ready``.

A label still being produced (LabelNotReady) or a carrier that did not answer is recorded in
``details`` (``label_attempts``, ``label_retry_at``, ``label_errors``) and fetched again by the
worker with backoff, a bounded number of times. Fetching again once a label is kept changes
nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kucun.core.audit import audit_record
from kucun.shipping import files
from kucun.shipping.carrier_data import created_of
from kucun.shipping.carriers.base import CarrierError
from kucun.shipping.choices import ShipmentStatus
from kucun.shipping.connect import account_carrier
from kucun.shipping.models import Shipment

LABEL_MAX_ATTEMPTS = 10
LABEL_RETRY_FIRST_SECONDS = 30
LABEL_RETRY_CAP_SECONDS = 1800
# Statuses whose label may still be fetched (a shipment lodged before its label was kept too).
LABEL_STATUSES = (ShipmentStatus.CREATED, ShipmentStatus.LABEL_READY, ShipmentStatus.MANIFESTED)
FIRST_TRACK_HOURS = 4
ERRORS_KEPT = 20
NEVER_TRIED_AFTER_SECONDS = 300


def next_track_after_creation(now: datetime.datetime) -> datetime.datetime:
    hours = float(getattr(settings, "SHIPMENT_FIRST_TRACK_HOURS", FIRST_TRACK_HOURS))
    return now + datetime.timedelta(hours=hours)


def label_max_attempts() -> int:
    return int(getattr(settings, "SHIPMENT_LABEL_MAX_ATTEMPTS", LABEL_MAX_ATTEMPTS))


def label_retry_delay(attempts: int) -> datetime.timedelta:
    first = int(getattr(settings, "SHIPMENT_LABEL_RETRY_FIRST_SECONDS", LABEL_RETRY_FIRST_SECONDS))
    return datetime.timedelta(
        seconds=min(first * 2 ** max(attempts - 1, 0), LABEL_RETRY_CAP_SECONDS)
    )


def label_failed(shipment_id: int, error: CarrierError, *, now: datetime.datetime) -> Shipment:
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        details = dict(shipment.details or {})
        attempts = int(details.get("label_attempts") or 0) + 1
        details["label_attempts"] = attempts
        errors = list(details.get("label_errors") or [])
        errors.append(
            {"at": now.isoformat(), "kind": type(error).__name__, "message": error.message[:500]}
        )
        details["label_errors"] = errors[-ERRORS_KEPT:]
        if error.retryable and attempts < label_max_attempts():
            details["label_retry_at"] = (now + label_retry_delay(attempts)).isoformat()
        else:
            details.pop("label_retry_at", None)
        shipment.details = details
        shipment.last_error = error.message[:2000]
        shipment.save(update_fields=["details", "last_error", "updated_at"])
        return shipment


def label_kept(shipment_id: int, relative: str, *, actor: Any) -> Shipment:
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        if shipment.label_file or shipment.status not in LABEL_STATUSES:
            files.file_delete(relative)  # another fetch kept one first, or it was cancelled
            return shipment
        details = dict(shipment.details or {})
        details.pop("label_retry_at", None)
        shipment.details = details
        shipment.label_file = relative
        shipment.last_error = ""
        if shipment.status == ShipmentStatus.CREATED:
            shipment.status = ShipmentStatus.LABEL_READY
        shipment.save(update_fields=["details", "label_file", "last_error", "status", "updated_at"])
        audit_record(
            actor=actor,
            action="shipment.label",
            obj=shipment,
            summary=f"{shipment.reference} label",
        )
        return shipment


def shipment_fetch_label(shipment: Shipment, *, actor: Any = None) -> Shipment:
    """Fetch and keep the label of a created shipment; answers the shipment afterwards."""
    current = Shipment.objects.select_related("carrier_account").get(pk=shipment.pk)
    if current.status not in LABEL_STATUSES or current.label_file:
        return current
    carrier = account_carrier(current.carrier_account)
    try:
        pdf = carrier.label(created_of(current))
    except CarrierError as error:
        return label_failed(current.pk, error, now=timezone.now())
    finally:
        carrier.close()
    relative = files.label_save(pdf)
    try:
        return label_kept(current.pk, relative, actor=actor)
    except BaseException:
        files.file_delete(relative)
        raise


def shipments_labels_retry_due(*, now: datetime.datetime | None = None, limit: int = 100) -> int:
    """The worker's retry of labels not ready: created shipments without a label whose backoff
    is over. Answers how many were tried."""
    moment = now or timezone.now()
    rows = Shipment.objects.filter(status__in=LABEL_STATUSES, label_file="").order_by("pk")
    due = []
    never_tried_before = moment - datetime.timedelta(seconds=NEVER_TRIED_AFTER_SECONDS)
    for shipment_id, details, updated_at in rows.values_list("pk", "details", "updated_at"):
        details = details or {}
        retry_at = details.get("label_retry_at")
        if retry_at and datetime.datetime.fromisoformat(retry_at) <= moment:
            due.append(shipment_id)
        elif not details.get("label_attempts") and updated_at <= never_tried_before:
            # Created, but the process that was to fetch its label stopped first.
            due.append(shipment_id)
        if len(due) >= limit:
            break
    for shipment_id in due:
        shipment_fetch_label(Shipment.objects.get(pk=shipment_id))
    return len(due)
