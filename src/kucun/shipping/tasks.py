"""Background work of shipments: the tracking refresh of due shipments (every 15 minutes,
batched per carrier account), and the retries of drafts whose sending failed or was lost and of
labels not ready yet (every minute, each with its own backoff and bounded attempts).

Each task may run twice or overlap a command run by hand: sending looks the shipment up before
creating it again, a label kept is not fetched again, and a tracking event is stored once.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from kucun.core.errors import DomainError
from kucun.shipping.models import Shipment
from kucun.shipping.services.labels import shipments_labels_retry_due
from kucun.shipping.services.shipments import shipment_submit, shipments_retry_due
from kucun.shipping.services.tracking import shipments_track_due

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))
@lock_task("shipments-track")
def shipments_track_periodic() -> int:
    """Refresh the due shipments; a run still going when the next is due makes that one skip."""
    summary = shipments_track_due()
    if summary.failed:
        logger.warning("shipment tracking: %d shipments could not be refreshed", summary.failed)
    return summary.shipments


@db_periodic_task(crontab(minute="*"))
@lock_task("shipments-retry")
def shipments_retry_periodic() -> int:
    """Drafts whose backoff is over (or whose sender stopped mid-call), then labels not ready."""
    return shipments_retry_due() + shipments_labels_retry_due()


@db_task()
def shipment_submit_task(shipment_id: int) -> str:
    """Send one draft in the background (the console's "send again")."""
    shipment = Shipment.objects.filter(pk=shipment_id).first()
    if shipment is None:
        return ""
    try:
        return str(shipment_submit(shipment).status)
    except DomainError as error:  # refused by the carrier, or being sent by another worker
        return error.detail
