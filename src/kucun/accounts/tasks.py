"""Periodic account housekeeping."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kucun.accounts import services


@db_periodic_task(crontab(minute="17"))
def failed_logins_prune() -> int:
    """Hourly: drop refused-login rows that no longer count towards throttling."""
    return services.failed_logins_prune()
