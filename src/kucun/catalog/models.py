from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from kucun.core.models import TimeStampedModel

SKU_MAX_LENGTH = 64


class Item(TimeStampedModel):
    """A stock-keeping unit. A bundle is an item made of other items; it holds no stock."""

    sku = models.CharField(_("SKU"), max_length=SKU_MAX_LENGTH)
    name = models.CharField(_("name"), max_length=255)
    barcode = models.CharField(_("barcode"), max_length=64, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=16, default="each")
    weight_g = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    length_mm = models.PositiveIntegerField(_("length (mm)"), null=True, blank=True)
    width_mm = models.PositiveIntegerField(_("width (mm)"), null=True, blank=True)
    height_mm = models.PositiveIntegerField(_("height (mm)"), null=True, blank=True)
    cost_price = models.DecimalField(
        _("cost price"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    safety_stock = models.PositiveIntegerField(
        _("safety stock"),
        default=0,
        help_text=_("Units kept back from the stores: not offered for sale online."),
    )
    reorder_point = models.PositiveIntegerField(
        _("reorder point"),
        default=0,
        help_text=_("The item is flagged as low stock when available falls to this or below."),
    )
    is_bundle = models.BooleanField(_("bundle"), default=False)
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["sku"], name="item_sku_unique"),
            models.UniqueConstraint(Lower("sku"), name="item_sku_unique_ignoring_case"),
            models.UniqueConstraint(
                fields=["barcode"], condition=Q(barcode__isnull=False), name="item_barcode_unique"
            ),
            models.CheckConstraint(condition=Q(cost_price__gte=0), name="item_cost_not_negative"),
            models.CheckConstraint(condition=~Q(sku=""), name="item_sku_not_empty"),
        ]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["is_bundle", "active"])]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class BundleComponent(models.Model):
    bundle = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="components")
    component = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="used_in")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["bundle_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "component"], name="bundle_component_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="bundle_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(bundle=models.F("component")), name="bundle_not_its_own_component"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.component_id}"
