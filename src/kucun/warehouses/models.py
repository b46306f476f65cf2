from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from kucun.core.models import TimeStampedModel
from kucun.warehouses.choices import DEFAULT_RECEIVING_ZONE_CODE, LocationKind, ZoneKind

# The name warehouse_create gives the receiving zone; stored in English, shown translated.
DEFAULT_RECEIVING_ZONE_NAME = "Receiving"


class Warehouse(TimeStampedModel):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    address_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="AU")
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    priority = models.IntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are preferred when routing orders.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "code"]
        constraints = [
            # Codes are stored upper-case so that lookups can ignore case.
            models.CheckConstraint(condition=Q(code=Upper("code")), name="warehouse_code_upper"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="warehouse_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="warehouse_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Zone(TimeStampedModel):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="zones")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ZoneKind.choices)

    class Meta:
        ordering = ["warehouse__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "code"], name="zone_code_unique_in_warehouse"
            ),
            models.CheckConstraint(condition=Q(code=Upper("code")), name="zone_code_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}"

    @property
    def display_name(self) -> str:
        """The name in the reader's language when it is still the one the system gave."""
        if self.code == DEFAULT_RECEIVING_ZONE_CODE and self.name == DEFAULT_RECEIVING_ZONE_NAME:
            return pgettext("the zone every warehouse is created with", "Receiving")
        return self.name


class Location(TimeStampedModel):
    """A place stock can be: a bin in a zone, or a virtual supplier/customer/adjustment/transit."""

    kind = models.CharField(_("kind"), max_length=16, choices=LocationKind.choices)
    warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="locations"
    )
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.PROTECT, related_name="bins"
    )
    code = models.CharField(_("code"), max_length=64)
    sellable = models.BooleanField(
        _("sellable"), default=True, help_text=_("Stock in a sellable bin counts as available.")
    )
    active = models.BooleanField(_("active"), default=True)
    is_default_receiving = models.BooleanField(_("default receiving bin"), default=False)

    class Meta:
        # Local columns only: ordering through the nullable warehouse would add an outer join,
        # which PostgreSQL refuses under SELECT ... FOR UPDATE.
        ordering = ["warehouse_id", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(code=Upper("code")), name="location_code_upper"),
            models.UniqueConstraint(
                fields=["warehouse", "code"],
                condition=Q(kind=LocationKind.INTERNAL),
                name="bin_code_unique_in_warehouse",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=~Q(kind=LocationKind.INTERNAL),
                name="one_virtual_location_per_kind",
            ),
            models.UniqueConstraint(
                fields=["warehouse"],
                condition=Q(is_default_receiving=True),
                name="one_default_receiving_bin_per_warehouse",
            ),
            models.CheckConstraint(
                condition=~Q(kind=LocationKind.INTERNAL)
                | (Q(warehouse__isnull=False) & Q(zone__isnull=False)),
                name="bin_has_warehouse_and_zone",
            ),
        ]
        indexes = [models.Index(fields=["kind", "warehouse"])]

    def __str__(self) -> str:
        if self.kind == LocationKind.INTERNAL and self.warehouse is not None:
            return f"{self.warehouse.code}:{self.code}"
        return self.code

    @property
    def display_name(self) -> str:
        """A bin's warehouse:code; a virtual location (made by the system, one per kind) by its
        kind, in the reader's language."""
        if self.kind == LocationKind.INTERNAL:
            return str(self)
        return str(self.get_kind_display())

    @property
    def is_bin(self) -> bool:
        return self.kind == LocationKind.INTERNAL
