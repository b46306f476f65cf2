"""Stores, their listings, and the record of every pull and push."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kucun.catalog.models import Item
from kucun.channels.choices import (
    LinkMethod,
    ListingStatus,
    Platform,
    PushStatus,
    PushTrigger,
    SyncRunKind,
    SyncRunStatus,
    WebhookStatus,
)
from kucun.core.models import Job, TimeStampedModel
from kucun.warehouses.models import Warehouse

DEFAULT_ORDER_INTERVAL_MINUTES = 15
DEFAULT_ORDER_BACKFILL_DAYS = 30


class Store(TimeStampedModel):
    """One of the merchant's online stores. Secrets live only in ``credentials_encrypted``
    (core.secrets); ``credential_masks`` keeps their masked form for display."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    sandbox = models.BooleanField(
        _("sandbox"), default=False, help_text=_("Talks to Kucun's built-in emulator.")
    )
    account_ref = models.CharField(
        _("account"),
        max_length=200,
        blank=True,
        help_text=_("The store's identity on the platform: shop domain, seller id."),
    )
    base_url = models.CharField(
        _("API address"),
        max_length=300,
        blank=True,
        help_text=_("Left empty: the platform's own address (or the sandbox's)."),
    )
    credentials_encrypted = models.TextField(blank=True, editable=False)
    credential_masks = models.JSONField(default=dict, blank=True, editable=False)
    options = models.JSONField(
        default=dict, blank=True, help_text="Platform settings that are not secret."
    )
    location_ref = models.CharField(_("platform location"), max_length=200, blank=True)
    location_name = models.CharField(_("platform location name"), max_length=200, blank=True)
    warehouses = models.ManyToManyField(
        Warehouse, through="StoreWarehouse", related_name="stores", verbose_name=_("warehouses")
    )
    buffer = models.PositiveIntegerField(
        _("buffer"), default=0, help_text=_("Units held back from the store.")
    )
    inventory_sync = models.BooleanField(_("inventory sync"), default=True)
    order_download = models.BooleanField(_("order download"), default=True)
    order_interval_minutes = models.PositiveSmallIntegerField(
        _("order download interval (minutes)"), default=DEFAULT_ORDER_INTERVAL_MINUTES
    )
    order_backfill_days = models.PositiveSmallIntegerField(
        _("first order download reaches back (days)"), default=DEFAULT_ORDER_BACKFILL_DAYS
    )
    products_watermark = models.DateTimeField(null=True, blank=True, editable=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(order_interval_minutes__gte=1, order_interval_minutes__lte=60),
                name="store_order_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(order_backfill_days__gte=0, order_backfill_days__lte=365),
                name="store_order_backfill_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StoreWarehouse(models.Model):
    """A warehouse whose stock the store sells."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="store_warehouses")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["store", "position", "warehouse__code"]
        constraints = [
            models.UniqueConstraint(fields=["store", "warehouse"], name="store_warehouse_unique")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} ← {self.warehouse_id}"


class Listing(TimeStampedModel):
    """A store's sellable variant, linked to an item (or bundle) of ours or not."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="listings")
    inventory_ref = models.CharField(max_length=200)
    product_ref = models.CharField(max_length=200, blank=True)
    variant_ref = models.CharField(max_length=200, blank=True)
    sku = models.CharField(_("SKU"), max_length=200, blank=True)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    variant_title = models.CharField(_("variant"), max_length=255, blank=True)
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="listings"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ListingStatus.choices, default=ListingStatus.UNLINKED
    )
    conflict_reason = models.CharField(max_length=300, blank=True)
    link_method = models.CharField(
        _("match"), max_length=16, choices=LinkMethod.choices, blank=True
    )
    platform_quantity = models.IntegerField(_("platform quantity"), null=True, blank=True)
    platform_quantity_at = models.DateTimeField(null=True, blank=True)
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    active_on_platform = models.BooleanField(default=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    last_pushed_quantity = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["store", "sku", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "inventory_ref"], name="listing_ref_unique_in_store"
            ),
            models.CheckConstraint(
                condition=Q(status=ListingStatus.LINKED, item__isnull=False)
                | (~Q(status=ListingStatus.LINKED) & Q(item__isnull=True)),
                name="listing_linked_has_item",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "status"]),
            models.Index(fields=["store", "sku"]),
        ]

    def __str__(self) -> str:
        return f"{self.store.name}: {self.sku or self.inventory_ref}"


class SyncRun(models.Model):
    """One pull, match, push batch or reconcile of one store."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=20, choices=SyncRunKind.choices)
    trigger = models.CharField(max_length=16, choices=PushTrigger.choices)
    status = models.CharField(
        max_length=16, choices=SyncRunStatus.choices, default=SyncRunStatus.RUNNING
    )
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    new_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    gone_count = models.PositiveIntegerField(default=0)
    linked_count = models.PositiveIntegerField(default=0)
    conflict_count = models.PositiveIntegerField(default=0)
    difference_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["store", "kind", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"


class StockSyncRecord(models.Model):
    """One push of one listing: the sync log. A record is queued, sending (claimed by a worker
    until ``next_attempt_at``), then succeeded, failed, pending (an asynchronous platform's
    accepted write), superseded by a newer change, or skipped (an automatic push that found the
    platform already holding the quantity). A retryable failure goes back to queued with its
    error and a later ``next_attempt_at``; ``details`` notes what happened on the way (a stale
    compare-and-set, orders downloaded before overwriting, the quantity recomputed)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="sync_records")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="sync_records")
    sku = models.CharField(_("SKU"), max_length=200, blank=True)
    quantity = models.IntegerField(_("quantity sent"))
    previous_quantity = models.IntegerField(_("platform's previous quantity"), null=True)
    trigger = models.CharField(_("trigger"), max_length=16, choices=PushTrigger.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=PushStatus.choices, default=PushStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    task_ref = models.CharField(max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True)
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "status", "-created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["listing", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.sku} → {self.quantity} ({self.status})"


class ListingChange(models.Model):
    """A listing whose quantity must be pushed for a reason that channels owns (linked or
    unlinked, its store's warehouses or buffer changed, sync turned back on, a manual push).
    Written in the same transaction as the change; the drain claims and deletes these rows as
    it does inventory's availability changes, so a crash loses nothing."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=16, choices=PushTrigger.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"listing {self.listing_id} ({self.trigger})"


class WebhookDelivery(models.Model):
    """One verified webhook event of a store, kept so that a redelivery (the platform's retry,
    or a replay) is recognised by its event id and changes nothing."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_deliveries")
    event_id = models.CharField(max_length=200)
    topic = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=WebhookStatus.choices)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "event_id"], name="webhook_event_unique_in_store"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic or self.kind} {self.event_id}"
