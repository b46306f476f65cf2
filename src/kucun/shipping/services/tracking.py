"""Tracking: the carrier's events stored once each, and the shipment's status moved along.

Each event has a fingerprint (tracking number, time, description); the database keeps one row
per shipment and fingerprint, so asking again stores nothing twice. A shipment's status follows
its parcels: exception when any parcel has one, delivered when all are, returned when all are
back or delivered and one came back, otherwise the least advanced parcel's.

The scheduled refresh (``shipments_track_due``) asks each carrier account for its due
shipments' numbers in batches of ``capabilities.track_batch``, at most
``track_requests_per_minute`` requests a minute (pausing between minutes, and stopping at the
run's deadline: what is left stays due). ``next_track_at`` is sooner for a parcel out for
delivery, and none once a shipment is delivered, returned or cancelled.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kucun.shipping.carriers.base import (
    Carrier,
    CarrierError,
    Throttled,
    TrackingResult,
)
from kucun.shipping.carriers.base import TrackingStatus as CarrierTrackingStatus
from kucun.shipping.choices import ACTIVE_SHIPMENT_STATUSES, ShipmentStatus, TrackingStatus
from kucun.shipping.connect import account_carrier
from kucun.shipping.models import CarrierAccount, Shipment, ShipmentParcel, TrackingEvent

# Minutes until the next refresh, by the shipment's tracking status.
TRACK_INTERVAL_MINUTES = {
    TrackingStatus.OUT_FOR_DELIVERY: 30,
    TrackingStatus.IN_TRANSIT: 120,
    TrackingStatus.EXCEPTION: 120,
    TrackingStatus.INFO_RECEIVED: 240,
    TrackingStatus.UNKNOWN: 240,
}
TRACK_RETRY_MINUTES = 15
RUN_DEADLINE_SECONDS = 600
DESCRIPTION_MAX = 300
LOCATION_MAX = 200
PROGRESS = {
    TrackingStatus.INFO_RECEIVED: 0,
    TrackingStatus.IN_TRANSIT: 1,
    TrackingStatus.OUT_FOR_DELIVERY: 2,
    TrackingStatus.DELIVERED: 3,
}
# Where the shipment's status goes for its parcels' aggregate tracking status; info_received
# leaves it where it is (created, label ready, manifested).
STATUS_FOR_TRACKING = {
    TrackingStatus.IN_TRANSIT: ShipmentStatus.IN_TRANSIT,
    TrackingStatus.OUT_FOR_DELIVERY: ShipmentStatus.OUT_FOR_DELIVERY,
    TrackingStatus.DELIVERED: ShipmentStatus.DELIVERED,
    TrackingStatus.EXCEPTION: ShipmentStatus.EXCEPTION,
    TrackingStatus.RETURNED: ShipmentStatus.RETURNED,
}
FINISHED = (ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED, ShipmentStatus.CANCELLED)


def fingerprint_of(tracking_number: str, at: datetime.datetime, description: str) -> str:
    text = f"{tracking_number}|{at.astimezone(datetime.UTC).isoformat()}|{description}"
    return hashlib.sha256(text.encode()).hexdigest()


def stored_status(status: CarrierTrackingStatus | str) -> str:
    value = str(status)
    return value if value in TrackingStatus.values else TrackingStatus.UNKNOWN


def aggregate_status(statuses: Sequence[str]) -> str:
    """The shipment's tracking status from its parcels' (see the module)."""
    known = [status for status in statuses if status and status != TrackingStatus.UNKNOWN]
    if not known:
        return TrackingStatus.UNKNOWN if statuses else ""
    if TrackingStatus.EXCEPTION in known:
        return TrackingStatus.EXCEPTION
    if len(known) == len(statuses):
        if all(status == TrackingStatus.DELIVERED for status in known):
            return TrackingStatus.DELIVERED
        finished = {TrackingStatus.DELIVERED, TrackingStatus.RETURNED}
        if all(status in finished for status in known):
            return TrackingStatus.RETURNED
    moving = [status for status in known if status in PROGRESS]
    if not moving:
        return TrackingStatus.RETURNED
    return min(moving, key=lambda status: PROGRESS[TrackingStatus(status)])


def interval_minutes(tracking_status: str) -> float:
    overrides = getattr(settings, "SHIPMENT_TRACK_INTERVAL_MINUTES", None) or {}
    default = TRACK_INTERVAL_MINUTES.get(TrackingStatus(tracking_status or TrackingStatus.UNKNOWN))
    return float(overrides.get(tracking_status, default or 240))


def next_track_time(
    status: str, tracking_status: str, now: datetime.datetime
) -> datetime.datetime | None:
    if status in FINISHED:
        return None
    return now + datetime.timedelta(minutes=interval_minutes(tracking_status))


def shipment_status_for(shipment: Shipment, tracking_status: str) -> str:
    if shipment.status in FINISHED or shipment.status == ShipmentStatus.DRAFT:
        return shipment.status
    return (
        STATUS_FOR_TRACKING.get(TrackingStatus(tracking_status), shipment.status)
        if tracking_status
        else shipment.status
    )


def new_events(shipment: Shipment, results: Sequence[TrackingResult]) -> list[TrackingEvent]:
    known = set(
        TrackingEvent.objects.filter(shipment=shipment).values_list("fingerprint", flat=True)
    )
    rows: list[TrackingEvent] = []
    for result in results:
        for event in result.events:
            description = event.description[:DESCRIPTION_MAX]
            print_ = fingerprint_of(result.tracking_number, event.at, description)
            if print_ in known:
                continue
            known.add(print_)
            rows.append(
                TrackingEvent(
                    shipment=shipment,
                    tracking_number=result.tracking_number[:100],
                    occurred_at=event.at,
                    status=stored_status(event.status),
                    description=description,
                    location=event.location[:LOCATION_MAX],
                    raw_code=event.raw_code[:100],
                    fingerprint=print_,
                )
            )
    return rows


def tracking_apply(
    shipment_id: int, results: Sequence[TrackingResult], *, now: datetime.datetime
) -> int:
    """Store the new events of one shipment's results and move its status; answers how many
    events were new. One transaction, with the shipment locked, so two refreshes at once
    store each event once."""
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        parcels = list(ShipmentParcel.objects.filter(shipment=shipment).order_by("index"))
        by_number = {result.tracking_number: result for result in results}
        rows = new_events(shipment, results)
        TrackingEvent.objects.bulk_create(rows, ignore_conflicts=True)
        for parcel in parcels:
            result = by_number.get(parcel.tracking_number)
            if result is None or result.error:
                continue
            status = stored_status(result.status)
            if parcel.tracking_status != status:
                parcel.tracking_status = status
                parcel.save(update_fields=["tracking_status"])
        aggregate = aggregate_status([parcel.tracking_status for parcel in parcels])
        shipment.tracking_status = aggregate
        shipment.status = shipment_status_for(shipment, aggregate)
        shipment.last_tracked_at = now
        shipment.next_track_at = next_track_time(shipment.status, aggregate, now)
        details = dict(shipment.details or {})
        errors = [result.error for result in results if result.error]
        if errors:
            details["tracking_error"] = errors[0][:500]
        else:
            details.pop("tracking_error", None)
        shipment.details = details
        shipment.save(
            update_fields=[
                "tracking_status",
                "status",
                "last_tracked_at",
                "next_track_at",
                "details",
                "updated_at",
            ]
        )
        return len(rows)


def tracking_failed(
    shipment_ids: Sequence[int], error: CarrierError, *, now: datetime.datetime
) -> None:
    """The carrier did not answer for these shipments: ask again soon."""
    retry = now + datetime.timedelta(minutes=TRACK_RETRY_MINUTES)
    with transaction.atomic():
        for shipment in Shipment.objects.select_for_update().filter(pk__in=shipment_ids):
            details = dict(shipment.details or {})
            details["tracking_error"] = error.message[:500]
            shipment.details = details
            shipment.next_track_at = retry
            shipment.save(update_fields=["details", "next_track_at", "updated_at"])


def tracking_numbers_of(shipment_id: int) -> list[str]:
    return [
        number
        for number in ShipmentParcel.objects.filter(shipment_id=shipment_id)
        .order_by("index")
        .values_list("tracking_number", flat=True)
        if number
    ]


def shipment_track(shipment: Shipment) -> int:
    """Ask the carrier for this shipment's parcels now; answers how many events were new.
    Raises the carrier's error when it does not answer (the shipment is asked again soon)."""
    current = Shipment.objects.select_related("carrier_account").get(pk=shipment.pk)
    numbers = tracking_numbers_of(current.pk)
    if not numbers or current.status in (ShipmentStatus.DRAFT, ShipmentStatus.CANCELLED):
        return 0
    carrier = account_carrier(current.carrier_account)
    now = timezone.now()
    try:
        results = carrier.track(numbers)
    except CarrierError as error:
        tracking_failed([current.pk], error, now=now)
        raise
    finally:
        carrier.close()
    return tracking_apply(current.pk, results, now=now)


# --- the scheduled refresh -----------------------------------------------------------------------


@dataclass
class TrackRunSummary:
    shipments: int = 0
    new_events: int = 0
    requests: int = 0
    failed: int = 0
    left_due: int = 0
    accounts: dict[int, int] = field(default_factory=dict)  # account → shipments refreshed


@dataclass(frozen=True)
class Batch:
    shipment_ids: tuple[int, ...]
    numbers: tuple[str, ...]


def batches_of(due: Sequence[tuple[int, list[str]]], size: int) -> Iterator[Batch]:
    """Shipments grouped so that each batch's numbers fit one request (a shipment with more
    parcels than a request takes is a batch of its own)."""
    ids: list[int] = []
    numbers: list[str] = []
    for shipment_id, own in due:
        if numbers and len(numbers) + len(own) > size:
            yield Batch(tuple(ids), tuple(numbers))
            ids, numbers = [], []
        ids.append(shipment_id)
        numbers.extend(own)
    if ids:
        yield Batch(tuple(ids), tuple(numbers))


class Pace:
    """At most ``per_minute`` requests in any minute of one run; waits for the next minute when
    the budget is spent, unless that would pass the deadline."""

    def __init__(
        self,
        per_minute: int,
        deadline: float | None,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self.per_minute = max(per_minute, 1)
        self.deadline = deadline
        self.clock = clock
        self.sleep = sleep
        self.window_start = clock()
        self.sent = 0

    def take(self, cost: int = 1) -> bool:
        """Room for a request of ``cost`` requests now (after waiting if need be)?"""
        if self.sent + cost > self.per_minute and self.sent:
            wait = self.window_start + 60 - self.clock()
            if wait > 0:
                if self.deadline is not None and self.clock() + wait > self.deadline:
                    return False
                self.sleep(wait)
            self.window_start = self.clock()
            self.sent = 0
        self.sent += cost
        return True


def due_shipments(
    *, all_active: bool, now: datetime.datetime
) -> dict[int, list[tuple[int, list[str]]]]:
    """Account → [(shipment, its tracking numbers)], the longest-waiting first."""
    rows = Shipment.objects.filter(status__in=ACTIVE_SHIPMENT_STATUSES)
    if not all_active:
        rows = rows.filter(next_track_at__lte=now)
    ids = list(rows.order_by("next_track_at", "pk").values_list("pk", "carrier_account_id"))
    numbers: dict[int, list[str]] = {}
    parcels = ShipmentParcel.objects.filter(shipment_id__in=[pk for pk, _ in ids]).exclude(
        tracking_number=""
    )
    for shipment_id, number in parcels.order_by("shipment_id", "index").values_list(
        "shipment_id", "tracking_number"
    ):
        numbers.setdefault(shipment_id, []).append(number)
    by_account: dict[int, list[tuple[int, list[str]]]] = {}
    for shipment_id, account_id in ids:
        if numbers.get(shipment_id):
            by_account.setdefault(account_id, []).append((shipment_id, numbers[shipment_id]))
    return by_account


def requests_per_minute(carrier: Carrier) -> int:
    override = getattr(settings, "SHIPMENT_TRACK_REQUESTS_PER_MINUTE", None)
    return int(override or carrier.capabilities.track_requests_per_minute)


def account_track_run(
    account: CarrierAccount,
    due: Sequence[tuple[int, list[str]]],
    summary: TrackRunSummary,
    *,
    now: datetime.datetime,
    deadline: float | None,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> None:
    carrier = account_carrier(account)
    try:
        size = max(carrier.capabilities.track_batch, 1)
        pace = Pace(requests_per_minute(carrier), deadline, clock, sleep)
        batches = list(batches_of(due, size))
        for position, batch in enumerate(batches):
            cost = -(-len(batch.numbers) // size)
            if not pace.take(cost):
                summary.left_due += sum(len(b.shipment_ids) for b in batches[position:])
                return
            summary.requests += cost
            try:
                results = carrier.track(list(batch.numbers))
            except CarrierError as error:
                tracking_failed(batch.shipment_ids, error, now=now)
                summary.failed += len(batch.shipment_ids)
                if isinstance(error, Throttled):
                    summary.left_due += sum(len(b.shipment_ids) for b in batches[position + 1 :])
                    return
                continue
            by_number = {result.tracking_number: result for result in results}
            numbers_of = dict(due)
            for shipment_id in batch.shipment_ids:
                own = [by_number[n] for n in numbers_of[shipment_id] if n in by_number]
                summary.new_events += tracking_apply(shipment_id, own, now=now)
                summary.shipments += 1
                summary.accounts[account.pk] = summary.accounts.get(account.pk, 0) + 1
    finally:
        carrier.close()


def shipments_track_due(
    *,
    all_active: bool = False,
    now: datetime.datetime | None = None,
    deadline_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> TrackRunSummary:
    """Refresh the tracking of every due shipment (every active one with ``all_active``),
    batched per carrier account within its limits (see the module)."""
    moment = now or timezone.now()
    seconds = (
        deadline_seconds
        if deadline_seconds is not None
        else None
        if all_active
        else float(getattr(settings, "SHIPMENT_TRACK_RUN_SECONDS", RUN_DEADLINE_SECONDS))
    )
    deadline = None if seconds is None else clock() + seconds
    summary = TrackRunSummary()
    by_account = due_shipments(all_active=all_active, now=moment)
    accounts = CarrierAccount.objects.in_bulk(list(by_account))
    for account_id, due in by_account.items():
        account = accounts[account_id]
        account_track_run(
            account, due, summary, now=moment, deadline=deadline, clock=clock, sleep=sleep
        )
    return summary
