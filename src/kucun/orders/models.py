"""Orders downloaded from the stores, their lines, their timeline, the downloads that brought
them, the fulfilments sent back, and the places orders go to (for routing).

Writes go through ``orders.services`` only. An order is unique on (store, external id); its
lines hold stock through allocations keyed ``order:{store}:{external}:{line}``
(``OrderLine.allocation_reference``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kucun.catalog.models import Item
from kucun.channels.models import Listing, Store
from kucun.orders.choices import (
    ConfirmStep,
    DownloadStatus,
    DownloadTrigger,
    EventKind,
    FulfilmentStatus,
    OrderStatus,
)
from kucun.shipping.models import CarrierAccount, Shipment
from kucun.warehouses.models import Warehouse


class Order(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(_("channel order id"), max_length=200)
    number = models.CharField(_("order number"), max_length=100, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.TO_CONFIRM
    )
    channel_status = models.CharField(_("status on the channel"), max_length=40, blank=True)
    channel_status_detail = models.CharField(max_length=100, blank=True)
    placed_at = models.DateTimeField(_("placed"), db_index=True)
    channel_updated_at = models.DateTimeField(_("updated on the channel"))
    downloaded_at = models.DateTimeField(_("downloaded"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, null=True, blank=True)
    shipping_total = models.DecimalField(
        _("shipping"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    customer_name = models.CharField(_("customer"), max_length=200, blank=True)
    customer_email = models.CharField(_("email"), max_length=254, blank=True)
    customer_phone = models.CharField(_("phone"), max_length=50, blank=True)
    ship_name = models.CharField(_("name"), max_length=200, blank=True)
    ship_company = models.CharField(_("company"), max_length=200, blank=True)
    ship_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    ship_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    ship_city = models.CharField(_("city or suburb"), max_length=100, blank=True)
    ship_state = models.CharField(_("state"), max_length=100, blank=True)
    ship_postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    ship_country = models.CharField(_("country"), max_length=2, blank=True)
    ship_phone = models.CharField(_("phone"), max_length=50, blank=True)
    ship_email = models.CharField(_("email"), max_length=254, blank=True)
    shipping_method = models.CharField(_("shipping method"), max_length=200, blank=True)
    # Routing: where the stock is held, and why that warehouse.
    warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    routing_note = models.TextField(_("why this warehouse"), blank=True)
    destination_latitude = models.FloatField(null=True, blank=True)
    destination_longitude = models.FloatField(null=True, blank=True)
    destination_source = models.CharField(_("located by"), max_length=40, blank=True)
    # Chosen before confirming (blank: the shipping rules choose).
    carrier_account = models.ForeignKey(
        CarrierAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_code = models.CharField(_("service"), max_length=50, blank=True)
    # Confirming: the step reached, and what stopped it.
    confirm_step = models.CharField(
        _("step"), max_length=16, choices=ConfirmStep.choices, blank=True
    )
    confirm_error = models.TextField(_("what stopped it"), blank=True)
    confirm_attempts = models.PositiveSmallIntegerField(default=0)
    confirm_lease_until = models.DateTimeField(null=True, blank=True)
    confirm_details = models.JSONField(default=dict, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shipped_at = models.DateTimeField(null=True, blank=True)
    attention = models.TextField(_("needs a person because"), blank=True)
    # First-come first-served when stock arrives: the moment it started waiting.
    awaiting_since = models.DateTimeField(null=True, blank=True, db_index=True)
    raw = models.JSONField(_("payload"), default=dict, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "external_id"], name="order_store_external"),
        ]
        indexes = [
            models.Index(fields=["status", "-placed_at"]),
            models.Index(fields=["store", "-placed_at"]),
        ]

    def __str__(self) -> str:
        return self.number or self.external_id

    @property
    def reference_prefix(self) -> str:
        return f"order:{self.store_id}:{self.external_id}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_ref = models.CharField(_("channel line id"), max_length=200)
    position = models.PositiveIntegerField(default=0)
    sku = models.CharField(_("SKU"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    inventory_ref = models.CharField(max_length=200, blank=True)
    variant_ref = models.CharField(max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    quantity_shipped = models.PositiveIntegerField(_("shipped"), default=0)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    allocation_reference = models.CharField(max_length=255, blank=True)
    allocated = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_ref"], name="order_line_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"


class OrderEvent(models.Model):
    """One entry of an order's timeline."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class StoreOrderFeed(models.Model):
    """Where a store's order download stands: the watermark the next pull starts from."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="order_feed")
    watermark = models.DateTimeField(null=True, blank=True)
    last_download_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"orders of store {self.store_id}"


class OrderDownload(models.Model):
    """One download run of a store's orders: by schedule, by hand, by webhook or before a push."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="order_downloads")
    trigger = models.CharField(_("trigger"), max_length=16, choices=DownloadTrigger.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DownloadStatus.choices, default=DownloadStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    since = models.DateTimeField(null=True, blank=True)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error = models.TextField(_("error"), blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["store", "-started_at"])]

    def __str__(self) -> str:
        return f"download {self.pk} of store {self.store_id}"


class OrderShipment(models.Model):
    """A shipment made for an order (its first dispatch, or a reshipment), with the stock
    issue it posted and the fulfilment sent to the store."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    shipment = models.OneToOneField(
        Shipment, null=True, blank=True, on_delete=models.PROTECT, related_name="order_link"
    )
    key = models.CharField(max_length=255, unique=True)
    reship = models.BooleanField(default=False)
    method = models.CharField(max_length=20, blank=True)  # carrier, local_delivery, pickup
    issue_numbers = models.JSONField(default=list, blank=True)
    lines = models.JSONField(default=list, blank=True)  # [{"line": id, "quantity": n}]
    fulfilment_status = models.CharField(
        max_length=16, choices=FulfilmentStatus.choices, default=FulfilmentStatus.PENDING
    )
    fulfilment_ref = models.CharField(max_length=200, blank=True)
    fulfilment_attempts = models.PositiveSmallIntegerField(default=0)
    fulfilment_error = models.TextField(blank=True)
    fulfilment_next_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.key


class PostcodeLocation(models.Model):
    """A postcode's coordinates, imported by the merchant for postcode-precise routing."""

    country = models.CharField(_("country"), max_length=2)
    postcode = models.CharField(_("postcode"), max_length=20)
    place = models.CharField(_("place"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=100, blank=True)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        ordering = ["country", "postcode"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "postcode"], name="postcode_location_unique"
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="postcode_location_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.postcode}"
