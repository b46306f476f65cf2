"""Carrier accounts, shipping rules, box presets, shipments with their parcels and tracking
events, and manifests.

Writes go through ``shipping.services`` only. Secrets live only in
``CarrierAccount.credentials_encrypted`` (core.secrets); ``credential_masks`` keeps their masked
form for display.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kucun.core.models import TimeStampedModel
from kucun.shipping.choices import (
    CarrierCode,
    Environment,
    RuleAction,
    ShipmentSource,
    ShipmentStatus,
    TrackingStatus,
)
from kucun.warehouses.models import Warehouse


class CarrierAccount(TimeStampedModel):
    """The merchant's account with one carrier, shipping from one warehouse."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    carrier = models.CharField(_("carrier"), max_length=16, choices=CarrierCode.choices)
    environment = models.CharField(
        _("environment"), max_length=16, choices=Environment.choices, default=Environment.TEST
    )
    sandbox = models.BooleanField(
        _("sandbox"), default=False, help_text=_("Talks to Kucun's built-in emulator.")
    )
    base_url = models.CharField(
        _("API address"),
        max_length=300,
        blank=True,
        help_text=_("Left empty: the carrier's address for the environment (or the sandbox's)."),
    )
    credentials_encrypted = models.TextField(blank=True, editable=False)
    credential_masks = models.JSONField(default=dict, blank=True, editable=False)
    options = models.JSONField(
        default=dict, blank=True, help_text="Carrier settings that are not secret."
    )
    sender_warehouse = models.ForeignKey(
        Warehouse,
        on_delete=models.PROTECT,
        related_name="carrier_accounts",
        verbose_name=_("sender warehouse"),
    )
    default_service = models.CharField(_("default service"), max_length=32, blank=True)
    label_format = models.CharField(_("label format"), max_length=8, default="PDF")
    label_size = models.CharField(_("label size"), max_length=32, blank=True)
    active = models.BooleanField(_("active"), default=True)
    last_tested_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_ok = models.BooleanField(null=True, editable=False)
    last_test_message = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BoxPreset(TimeStampedModel):
    """A box the warehouse packs into (Settings → Packaging): inner size and tare weight."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    length_cm = models.DecimalField(_("inner length (cm)"), max_digits=7, decimal_places=1)
    width_cm = models.DecimalField(_("inner width (cm)"), max_digits=7, decimal_places=1)
    height_cm = models.DecimalField(_("inner height (cm)"), max_digits=7, decimal_places=1)
    tare_kg = models.DecimalField(_("tare weight (kg)"), max_digits=9, decimal_places=3, default=0)
    max_weight_kg = models.DecimalField(
        _("maximum weight (kg)"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(length_cm__gt=0, width_cm__gt=0, height_cm__gt=0, tare_kg__gte=0),
                name="box_preset_positive_size",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ShippingRule(TimeStampedModel):
    """One rule of the ordered list (订单规则): every condition must hold; the first rule that
    matches chooses the action. ``conditions`` holds only the conditions that are set (see
    ``shipping.rules`` for their names and meaning); the default rule has none and is last."""

    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    enabled = models.BooleanField(_("enabled"), default=True)
    is_default = models.BooleanField(_("default rule"), default=False)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=RuleAction.choices)
    carrier_account = models.ForeignKey(
        CarrierAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rules",
        verbose_name=_("carrier account"),
    )
    service_code = models.CharField(_("service"), max_length=32, blank=True)
    box_preset = models.ForeignKey(
        BoxPreset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rules",
        verbose_name=_("box"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["position"], name="shipping_rule_position_unique"),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="shipping_rule_one_default",
            ),
            models.CheckConstraint(
                condition=~Q(action="carrier") | Q(carrier_account__isnull=False),
                name="shipping_rule_carrier_needs_account",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Manifest(TimeStampedModel):
    """A day's lodgement with a carrier (Australia Post "order"): its PDF kept as a file."""

    carrier_account = models.ForeignKey(
        CarrierAccount, on_delete=models.PROTECT, related_name="manifests"
    )
    reference = models.CharField(_("reference"), max_length=50)
    carrier_manifest_id = models.CharField(_("carrier's id"), max_length=100, blank=True)
    pdf_file = models.CharField(max_length=255, blank=True)  # relative to MEDIA_ROOT
    shipment_count = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier_account", "reference"], name="manifest_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return self.reference


class Shipment(TimeStampedModel):
    """One shipment from a warehouse to one address with one carrier account and service.

    ``reference`` is ours and unique: the carrier is asked for it after a lost answer, so one
    parcel is one shipment whatever fails. ``details`` keeps what went wrong on each attempt
    (``attempt_errors``) and the carrier's extra answers."""

    reference = models.CharField(_("reference"), max_length=50, unique=True)
    source = models.CharField(
        _("source"), max_length=16, choices=ShipmentSource.choices, default=ShipmentSource.MANUAL
    )
    source_reference = models.CharField(_("for"), max_length=200, blank=True, db_index=True)
    carrier_account = models.ForeignKey(
        CarrierAccount,
        on_delete=models.PROTECT,
        related_name="shipments",
        verbose_name=_("carrier account"),
    )
    service_code = models.CharField(_("service"), max_length=32)
    sender_warehouse = models.ForeignKey(
        Warehouse,
        on_delete=models.PROTECT,
        related_name="shipments",
        verbose_name=_("sender warehouse"),
    )
    receiver_name = models.CharField(_("name"), max_length=100)
    receiver_company = models.CharField(_("company"), max_length=100, blank=True)
    receiver_line1 = models.CharField(_("address line 1"), max_length=100)
    receiver_line2 = models.CharField(_("address line 2"), max_length=100, blank=True)
    receiver_line3 = models.CharField(_("address line 3"), max_length=100, blank=True)
    receiver_suburb = models.CharField(_("suburb"), max_length=100)
    receiver_state = models.CharField(_("state"), max_length=100, blank=True)
    receiver_postcode = models.CharField(_("postcode"), max_length=20)
    receiver_country = models.CharField(_("country"), max_length=2, default="AU")
    receiver_phone = models.CharField(_("phone"), max_length=40, blank=True)
    receiver_email = models.CharField(_("email"), max_length=254, blank=True)
    options = models.JSONField(default=dict, blank=True)  # ShipmentOptions' fields
    status = models.CharField(
        _("status"), max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.DRAFT
    )
    carrier_shipment_id = models.CharField(_("carrier's id"), max_length=100, blank=True)
    consignment_number = models.CharField(_("consignment"), max_length=100, blank=True)
    label_ref = models.CharField(max_length=200, blank=True)
    label_file = models.CharField(max_length=255, blank=True)  # relative to MEDIA_ROOT
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="AUD")
    last_mile_carrier = models.CharField(max_length=100, blank=True)
    manifest = models.ForeignKey(
        Manifest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipments",
        verbose_name=_("manifest"),
    )
    tracking_status = models.CharField(
        _("tracking"), max_length=20, choices=TrackingStatus.choices, blank=True
    )
    last_tracked_at = models.DateTimeField(null=True, blank=True)
    next_track_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_track_at"])]

    def __str__(self) -> str:
        return self.reference


class ShipmentParcel(models.Model):
    """One box of a shipment: its weight and size, what is in it, and its tracking number."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="parcels")
    index = models.PositiveSmallIntegerField()  # 1, 2, … within the shipment
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=9, decimal_places=3)
    length_cm = models.DecimalField(
        _("length (cm)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    width_cm = models.DecimalField(
        _("width (cm)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    height_cm = models.DecimalField(
        _("height (cm)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    box_preset = models.ForeignKey(
        BoxPreset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, default=0)
    # [{"sku": …, "item_id": …, "quantity": …, "unit_value": "…", "description": …}]
    contents = models.JSONField(default=list, blank=True)
    carrier_parcel_id = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    tracking_status = models.CharField(
        _("tracking"), max_length=20, choices=TrackingStatus.choices, blank=True
    )

    class Meta:
        ordering = ["shipment", "index"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "index"], name="shipment_parcel_index"),
            models.CheckConstraint(condition=Q(weight_kg__gt=0), name="parcel_weight_positive"),
        ]
        indexes = [models.Index(fields=["tracking_number"])]

    def __str__(self) -> str:
        return f"{self.shipment.reference}-{self.index}"


class TrackingEvent(models.Model):
    """One event the carrier reported for a tracking number, stored once."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events")
    tracking_number = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=TrackingStatus.choices)
    description = models.CharField(max_length=300)
    location = models.CharField(max_length=200, blank=True)
    raw_code = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64)  # sha256 of number, time, description
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "fingerprint"], name="tracking_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.occurred_at:%Y-%m-%d %H:%M} {self.description}"
