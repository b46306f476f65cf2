"""Sending a shipment when the carrier fails: lost answers, timeouts, 429, 5xx, labels not
ready, a sender that died mid-call. Whatever fails, the carrier ends up with one shipment."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from kucun.core.errors import Conflict
from kucun.shipping.choices import ShipmentStatus
from kucun.shipping.models import CarrierAccount, Shipment
from kucun.shipping.services.labels import shipments_labels_retry_due
from kucun.shipping.services.shipments import (
    shipment_cancel,
    shipment_create,
    shipment_submit,
    shipments_retry_due,
)
from tests.shipping import fixtures_shipments as fixtures
from tests.shipping.fixtures_shipments import PARCEL, RECEIVER
from tests.shipping.memory_carrier import MemoryCarrierSide

pytestmark = pytest.mark.django_db
carrier_side = fixtures.carrier_side
dock = fixtures.dock
carrier_account = fixtures.carrier_account


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def create(account: CarrierAccount) -> Shipment:
    return shipment_create(actor=None, carrier_account=account, receiver=RECEIVER, parcels=[PARCEL])


def later(minutes: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


@pytest.mark.parametrize("kind", ["lost", "timeout"])
def test_created_at_the_carrier_but_the_answer_lost_makes_exactly_one_shipment(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide, kind: str
) -> None:
    carrier_side.arm("create", kind)

    shipment = create(carrier_account)

    assert shipment.status == ShipmentStatus.DRAFT
    assert shipment.details["outcome_unknown"] is True
    assert shipment.details["attempts"] == 1
    assert [error["kind"] for error in shipment.details["attempt_errors"]] == [
        "Unavailable" if kind == "lost" else "OutcomeUnknown"
    ]
    assert shipment.last_error
    assert "retry_at" in shipment.details
    assert len(carrier_side.with_reference(shipment.reference)) == 1

    assert shipments_retry_due(now=later(2)) == 1

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_READY
    assert carrier_side.calls == ["create", "find", "label"]
    assert len(carrier_side.with_reference(shipment.reference)) == 1
    assert shipment.parcels.get().tracking_number == "ME0000101"
    assert shipment.last_error == ""
    assert "outcome_unknown" not in shipment.details
    # The history of the attempt stays.
    assert len(shipment.details["attempt_errors"]) == 1


@pytest.mark.parametrize("kind", ["unavailable", "throttle"])
def test_a_refused_request_that_applied_nothing_is_sent_again_later(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide, kind: str
) -> None:
    carrier_side.arm("create", kind)
    shipment = create(carrier_account)
    assert shipment.status == ShipmentStatus.DRAFT
    assert carrier_side.with_reference(shipment.reference) == []

    # Not before its backoff is over.
    assert shipments_retry_due(now=later(0.5)) == 0
    assert shipments_retry_due(now=later(2)) == 1

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_READY
    assert carrier_side.calls == ["create", "find", "create", "label"]
    assert len(carrier_side.with_reference(shipment.reference)) == 1


def test_retries_back_off_and_stop_after_the_last_attempt(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide, settings: Any
) -> None:
    settings.SHIPMENT_SUBMIT_MAX_ATTEMPTS = 3
    carrier_side.arm("create", "unavailable")
    carrier_side.arm("find", "unavailable", "unavailable")
    shipment = create(carrier_account)
    first_retry = datetime.datetime.fromisoformat(shipment.details["retry_at"])

    shipments_retry_due(now=later(2))
    shipment.refresh_from_db()
    second_retry = datetime.datetime.fromisoformat(shipment.details["retry_at"])
    assert second_retry - timezone.now() > first_retry - timezone.now()

    shipments_retry_due(now=later(10))
    shipment.refresh_from_db()
    assert shipment.details["attempts"] == 3
    assert shipment.details["gave_up"] is True
    assert "retry_at" not in shipment.details
    assert len(shipment.details["attempt_errors"]) == 3
    assert shipments_retry_due(now=later(600)) == 0
    assert carrier_side.creates() == 1


def test_an_attempt_in_flight_is_not_sent_twice(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    shipment = shipment_create(
        actor=None,
        carrier_account=carrier_account,
        receiver=RECEIVER,
        parcels=[PARCEL],
        submit=False,
    )
    shipment.details = {
        "attempts": 1,
        "submitting_since": timezone.now().isoformat(),
        "outcome_unknown": True,
    }
    shipment.save()

    with pytest.raises(Conflict):
        shipment_submit(shipment)
    with pytest.raises(Conflict):
        shipment_cancel(shipment, actor=None)
    assert shipments_retry_due(now=later(1)) == 0
    assert carrier_side.calls == []


def test_a_sender_that_died_mid_call_is_looked_up_after_its_lease(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    # The carrier created it, but the process that asked stopped before recording the answer.
    carrier_side.arm("create", "timeout")
    shipment = shipment_create(
        actor=None,
        carrier_account=carrier_account,
        receiver=RECEIVER,
        parcels=[PARCEL],
        submit=False,
    )
    from kucun.shipping.carrier_data import request_of
    from kucun.shipping.connect import account_carrier

    with pytest.raises(Exception):  # noqa: B017, PT011  (the answer never came)
        account_carrier(carrier_account).create_shipment(request_of(shipment))
    shipment.details = {
        "attempts": 1,
        "submitting_since": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        "outcome_unknown": True,
    }
    shipment.save()

    assert shipments_retry_due() == 1

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_READY
    assert carrier_side.creates() == 1
    assert len(carrier_side.with_reference(shipment.reference)) == 1


def test_a_draft_whose_outcome_is_unknown_is_cancelled_at_the_carrier_too(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    carrier_side.arm("create", "lost")
    shipment = create(carrier_account)
    cancelled = shipment_cancel(shipment, actor=None)
    assert cancelled.status == ShipmentStatus.CANCELLED
    assert carrier_side.with_reference(shipment.reference)[0].status == "cancelled"
    # The worker never sends a cancelled draft.
    assert shipments_retry_due(now=later(5)) == 0


def test_a_refusal_on_a_retry_is_kept_on_the_draft_and_not_retried(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    carrier_side.arm("create", "unavailable", "refuse")
    shipment = create(carrier_account)
    shipments_retry_due(now=later(2))
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DRAFT
    assert shipment.last_error == "Validation failed"
    assert shipment.details["refused"] is True
    assert shipment.details["problems"][0]["field"] == "shipments[0].to.postcode"
    assert shipments_retry_due(now=later(600)) == 0


def test_a_label_not_ready_is_fetched_again_by_the_worker(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide
) -> None:
    carrier_side.label_not_ready_polls = 2
    shipment = create(carrier_account)
    assert shipment.status == ShipmentStatus.CREATED
    assert shipment.details["label_attempts"] == 1
    assert shipment.label_file == ""

    assert shipments_labels_retry_due(now=later(0.1)) == 0
    assert shipments_labels_retry_due(now=later(1)) == 1
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CREATED
    assert shipment.details["label_attempts"] == 2

    assert shipments_labels_retry_due(now=later(5)) == 1
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_READY
    assert shipment.label_file
    assert "label_retry_at" not in shipment.details
    assert shipments_labels_retry_due(now=later(60)) == 0
    assert carrier_side.creates() == 1


def test_a_label_fetch_gives_up_after_its_attempts(
    carrier_account: CarrierAccount, carrier_side: MemoryCarrierSide, settings: Any
) -> None:
    settings.SHIPMENT_LABEL_MAX_ATTEMPTS = 2
    carrier_side.label_not_ready_polls = 10
    shipment = create(carrier_account)
    shipments_labels_retry_due(now=later(5))
    shipment.refresh_from_db()
    assert shipment.details["label_attempts"] == 2
    assert "label_retry_at" not in shipment.details
    assert shipments_labels_retry_due(now=later(600)) == 0
