"""Reads of stores and listings, shared by the API, the command line and the console."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from kucun.catalog.models import Item
from kucun.channels.choices import ListingStatus, SyncRunKind
from kucun.channels.models import Listing, Store, StoreWarehouse, SyncRun
from kucun.core.errors import NotFound, ValidationFailed

ID_MAX = 2**63 - 1
PULL_KINDS = (SyncRunKind.PULL_INCREMENTAL, SyncRunKind.PULL_FULL)


def searchable(text: str | None) -> str:
    return (text or "").replace("\x00", "").strip()


def stores_query() -> QuerySet[Store]:
    """Stores with their warehouses, and the status and time of their last pull."""
    last_pull = SyncRun.objects.filter(store=OuterRef("pk"), kind__in=PULL_KINDS).order_by(
        "-started_at", "-id"
    )
    return (
        Store.objects.annotate(
            last_pull_status=Subquery(last_pull.values("status")[:1]),
            last_pull_at=Subquery(last_pull.values("started_at")[:1]),
            last_pull_error=Subquery(last_pull.values("error")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "store_warehouses",
                queryset=StoreWarehouse.objects.select_related("warehouse").order_by(
                    "position", "pk"
                ),
            )
        )
        .order_by("name", "pk")
    )


def store_by_id(store_id: int) -> Store:
    store = stores_query().filter(pk=store_id).first() if 0 < store_id <= ID_MAX else None
    if store is None:
        raise NotFound(detail=_("No store has id %(id)s.") % {"id": store_id})
    return store


def store_by_name_or_id(value: str) -> Store:
    """A store named on the command line: its id, or its name ignoring case."""
    text = searchable(value)
    if text.isdigit():
        return store_by_id(int(text))
    store = stores_query().filter(name__iexact=text).first()
    if store is None:
        raise NotFound(detail=_("No store is named '%(name)s'.") % {"name": text})
    return store


def listings_query(
    *,
    store: int | Store | None = None,
    status: str | None = None,
    sku: str | None = None,
    search: str | None = None,
    item: int | Item | None = None,
) -> QuerySet[Listing]:
    """Listings filtered as the API and the console filter them (store, SKU, id order).
    ``sku`` is one SKU ignoring case; ``search`` is text in the SKU, title or barcode."""
    queryset = Listing.objects.select_related("store", "item")
    if store is not None:
        queryset = queryset.filter(store=store)
    if status:
        if status not in ListingStatus.values:
            raise ValidationFailed.for_field(
                "status",
                _("Status is one of: %(values)s.") % {"values": ", ".join(ListingStatus.values)},
            )
        queryset = queryset.filter(status=status)
    sku = searchable(sku)
    if sku:
        queryset = queryset.filter(sku__iexact=sku)
    text = searchable(search)
    if text:
        queryset = queryset.filter(
            Q(sku__icontains=text) | Q(title__icontains=text) | Q(barcode__icontains=text)
        )
    if item is not None:
        queryset = queryset.filter(item=item)
    return queryset.order_by("store__name", "sku", "pk")


def listing_by_id(listing_id: int) -> Listing:
    listing = listings_query().filter(pk=listing_id).first() if 0 < listing_id <= ID_MAX else None
    if listing is None:
        raise NotFound(detail=_("No listing has id %(id)s.") % {"id": listing_id})
    return listing


def listings_of_item(item: Item | int) -> list[Listing]:
    """The item's listing in each store (the item page)."""
    return list(listings_query(item=item).filter(status=ListingStatus.LINKED))


def sync_runs_of_store(store: Store | int, *, kinds: tuple[str, ...] = ()) -> QuerySet[SyncRun]:
    runs = SyncRun.objects.filter(store=store)
    if kinds:
        runs = runs.filter(kind__in=kinds)
    return runs.order_by("-started_at", "-id")


def last_pull(store: Store | int) -> SyncRun | None:
    return sync_runs_of_store(store, kinds=PULL_KINDS).first()


def store_summary(store: Store) -> dict[str, Any]:
    """Counts of the store's listings by status."""
    counts = dict.fromkeys(ListingStatus.values, 0)
    rows = Listing.objects.filter(store=store).values("status").annotate(n=Count("pk")).order_by()
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts
