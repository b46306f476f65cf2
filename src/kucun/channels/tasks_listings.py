"""Background work of the listings: a queued pull (the stock sync's tasks are in tasks.py)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from kucun.channels.services.listings import listings_pull_run_job


@db_task()
def listings_pull_task(store_id: int, mode: str, trigger: str, job_id: int) -> None:
    listings_pull_run_job(store_id=store_id, mode=mode, trigger=trigger, job_id=job_id)
