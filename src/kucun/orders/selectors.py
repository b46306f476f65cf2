"""Reads of order ingest: which stores are due a download, which failed their last one, and
the download runs of a store."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from kucun.channels.models import Store
from kucun.orders.models import OrderDownload, StoreOrderFeed


def stores_due_for_download(now: datetime | None = None) -> list[Store]:
    """Active stores with order download on whose interval has passed since their last
    download began (never downloaded: due now)."""
    now = now or timezone.now()
    stores = list(Store.objects.filter(active=True, order_download=True).order_by("pk"))
    last = dict(
        StoreOrderFeed.objects.filter(store__in=stores).values_list("store_id", "last_download_at")
    )
    due = []
    for store in stores:
        last_at = last.get(store.pk)
        if last_at is None or last_at + timedelta(minutes=store.order_interval_minutes) <= now:
            due.append(store)
    return due


def stores_with_failed_download() -> QuerySet[Store]:
    """Active stores with order download on whose last download failed; each carries
    ``order_feed`` (its ``last_error`` and ``last_download_at``)."""
    return (
        Store.objects.filter(active=True, order_download=True)
        .exclude(order_feed__last_error="")
        .filter(order_feed__isnull=False)
        .select_related("order_feed")
        .order_by("name")
    )


def order_downloads_of_store(store: Store | int) -> QuerySet[OrderDownload]:
    store_id = store if isinstance(store, int) else store.pk
    return OrderDownload.objects.filter(store_id=store_id).order_by("-started_at", "-id")


def last_order_download(store: Store | int) -> OrderDownload | None:
    return order_downloads_of_store(store).first()
