from django.db import models
from django.utils.translation import gettext_lazy as _


class ZoneKind(models.TextChoices):
    PICKING = "picking", _("Picking (拣货区)")
    STORAGE = "storage", _("Storage (存货区)")


class LocationKind(models.TextChoices):
    INTERNAL = "internal", _("Bin")
    SUPPLIER = "supplier", _("Supplier")
    CUSTOMER = "customer", _("Customer")
    ADJUSTMENT = "adjustment", _("Adjustment")
    TRANSIT = "transit", _("Transit")


VIRTUAL_LOCATION_KINDS = (
    LocationKind.SUPPLIER,
    LocationKind.CUSTOMER,
    LocationKind.ADJUSTMENT,
    LocationKind.TRANSIT,
)

DEFAULT_RECEIVING_ZONE_CODE = "RECEIVING"
DEFAULT_RECEIVING_BIN_CODE = "RECEIVING"
