"""Reads for the console's channel pages: stores with their health, the home page's sync
health, an item's listings, stores whose sync is off."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kucun.channels.choices import ListingStatus, PushStatus, SyncRunStatus
from kucun.channels.models import StockSyncRecord, Store
from kucun.channels.selectors import listings_of_item, stores_query


def store_overview() -> QuerySet[Store]:
    """The stores of ``stores_query`` (last pull, warehouses) with their linked / total
    listings and the pushes that failed in the last 24 hours."""
    since = timezone.now() - timedelta(hours=24)
    return stores_query().annotate(
        listings_total=Count("listings", distinct=True),
        listings_linked=Count(
            "listings", filter=Q(listings__status=ListingStatus.LINKED), distinct=True
        ),
        failed_pushes=Count(
            "sync_records",
            filter=Q(sync_records__status=PushStatus.FAILED, sync_records__created_at__gte=since),
            distinct=True,
        ),
    )


def channel_health(now: datetime | None = None) -> dict[str, Any]:
    """For the home page: failed pushes in the last 24 hours, and stores whose last pull or
    push failed."""
    now = now or timezone.now()
    since = now - timedelta(hours=24)
    failed = StockSyncRecord.objects.filter(status=PushStatus.FAILED, created_at__gte=since)
    unhealthy = [
        store
        for store in store_overview()
        # Annotations of store_overview().
        if getattr(store, "last_pull_status", "") == SyncRunStatus.FAILED
        or getattr(store, "failed_pushes", 0)
    ]
    return {"failed_pushes": failed.count(), "since": since, "unhealthy_stores": unhealthy}


def item_listings(item: Any) -> dict[str, Any]:
    """The item page's section: the item's listings in every store with their quantities."""
    return {"listings": listings_of_item(item)}


def stores_with_sync_off() -> list[str]:
    """Names of active stores whose inventory sync is off (their stock is not pushed)."""
    return list(
        Store.objects.filter(active=True, inventory_sync=False)
        .order_by("name")
        .values_list("name", flat=True)
    )
