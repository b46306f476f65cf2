"""Background work of confirming orders: one job per order (queued by a bulk confirm), the
fulfilments the store could not take yet (every minute, each with its own backoff), and the
jobs whose worker stopped mid-step (every five minutes).

Each may run twice or overlap a person's "retry": an order's steps run under its lease, and
nothing a step did is done again.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from kucun.accounts.models import User
from kucun.core.errors import Conflict
from kucun.orders.models import Order
from kucun.orders.services.confirm import confirm_run, orders_confirm_resume_due
from kucun.orders.services.fulfilment import fulfilments_send_due

logger = logging.getLogger(__name__)


@db_task()
def order_confirm_task(order_id: int, user_id: int | None = None) -> str:
    """Run (or continue) one order's confirmation; answers the step it reached."""
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    if not Order.objects.filter(pk=order_id).exists():
        return ""
    try:
        order = confirm_run(order_id=order_id, user=user)
    except Conflict as busy:  # another worker holds the order: it finishes the job
        return busy.detail
    if order.confirm_error:
        logger.warning("order %s stopped at %s", order_id, order.confirm_step)
    return str(order.confirm_step)


@db_periodic_task(crontab(minute="*"))
@lock_task("orders-fulfilments")
def orders_fulfilments_periodic() -> int:
    """Fulfilments whose backoff is over, sent to their stores again."""
    return fulfilments_send_due()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("orders-confirm-resume")
def orders_confirm_resume_periodic() -> int:
    """Jobs whose worker stopped, and jobs waiting for a carrier that has answered since."""
    return orders_confirm_resume_due()
