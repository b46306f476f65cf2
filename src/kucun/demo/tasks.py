"""The demo's first sync, run by the worker once the web server (and so the emulators) is up."""

from __future__ import annotations

import time

import httpx
from django.conf import settings
from huey.contrib.djhuey import db_task

from kucun.demo.channels import demo_first_sync
from kucun.demo.orders import demo_orders

SERVER_WAIT_SECONDS = 120


def wait_for_server(base_url: str, seconds: float = SERVER_WAIT_SECONDS) -> None:
    """Return once the server answers its health check; raise after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base_url.rstrip('/')}/health", timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server at {base_url} did not answer for {seconds:.0f} s")
        time.sleep(0.5)


@db_task(retries=3, retry_delay=10)
def demo_first_sync_task(store_ids: list[int]) -> None:
    wait_for_server(settings.SANDBOX_SERVER_URL)
    demo_first_sync(store_ids)
    demo_orders(store_ids)
