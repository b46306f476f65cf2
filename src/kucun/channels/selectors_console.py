"""Reads for the console's channel pages: stores with their health, listing counts, the
sync log's filters."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kucun.channels.choices import ListingStatus, PushStatus, SyncRunKind, SyncRunStatus
from kucun.channels.models import Listing, StockSyncRecord, Store, SyncRun

PULL_KINDS = (SyncRunKind.PULL_FULL, SyncRunKind.PULL_INCREMENTAL)


def store_overview() -> QuerySet[Store]:
    """Stores with their linked / total listings, their last pull's status and time, and the
    pushes that failed in the last 24 hours."""
    last_pull = SyncRun.objects.filter(store=OuterRef("pk"), kind__in=PULL_KINDS).order_by(
        "-started_at", "-id"
    )
    since = timezone.now() - timedelta(hours=24)
    return (
        Store.objects.annotate(
            listings_total=Count("listings", distinct=True),
            listings_linked=Count(
                "listings", filter=Q(listings__status=ListingStatus.LINKED), distinct=True
            ),
            last_pull_status=Subquery(last_pull.values("status")[:1]),
            last_pull_at=Subquery(last_pull.values("started_at")[:1]),
            failed_pushes=Count(
                "sync_records",
                filter=Q(
                    sync_records__status=PushStatus.FAILED, sync_records__created_at__gte=since
                ),
                distinct=True,
            ),
        )
        .prefetch_related("warehouses")
        .order_by("name")
    )


def listing_counts(*, store: Store) -> dict[str, int]:
    counts = dict(
        Listing.objects.filter(store=store)
        .values_list("status")
        .annotate(count=Count("id"))
        .values_list("status", "count")
    )
    return {status: counts.get(status, 0) for status in ListingStatus.values}


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
    listings = Listing.objects.filter(item=item).select_related("store").order_by("store__name")
    return {"listings": list(listings)}


def stores_with_sync_off() -> list[str]:
    """Names of active stores whose inventory sync is off (their stock is not pushed)."""
    return list(
        Store.objects.filter(active=True, inventory_sync=False)
        .order_by("name")
        .values_list("name", flat=True)
    )
