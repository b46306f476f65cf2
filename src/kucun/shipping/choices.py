from django.db import models
from django.utils.translation import gettext_lazy as _


class CarrierCode(models.TextChoices):
    AUSPOST = "auspost", _("Australia Post")
    FOURPX = "fourpx", _("4PX")
    FASTWAY = "fastway", _("Fastway (Aramex)")


class Environment(models.TextChoices):
    TEST = "test", _("test")
    PRODUCTION = "production", _("production")


class RuleAction(models.TextChoices):
    CARRIER = "carrier", _("ship with a carrier")
    LOCAL_DELIVERY = "local_delivery", _("local delivery")
    PICKUP = "pickup", _("customer pickup")
    HOLD = "hold", _("hold for a person to decide")


class ShipmentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    CREATED = "created", _("created")
    LABEL_READY = "label_ready", _("label ready")
    MANIFESTED = "manifested", _("manifested")
    IN_TRANSIT = "in_transit", _("in transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("out for delivery")
    DELIVERED = "delivered", _("delivered")
    EXCEPTION = "exception", _("exception")
    RETURNED = "returned", _("returned")
    CANCELLED = "cancelled", _("cancelled")


# Shipments whose tracking the worker still refreshes.
ACTIVE_SHIPMENT_STATUSES = (
    ShipmentStatus.CREATED,
    ShipmentStatus.LABEL_READY,
    ShipmentStatus.MANIFESTED,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.EXCEPTION,
)


class TrackingStatus(models.TextChoices):
    """The canonical tracking statuses (carriers.base.TrackingStatus), for storage."""

    INFO_RECEIVED = "info_received", _("information received")
    IN_TRANSIT = "in_transit", _("in transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("out for delivery")
    DELIVERED = "delivered", _("delivered")
    EXCEPTION = "exception", _("exception")
    RETURNED = "returned", _("returned")
    UNKNOWN = "unknown", _("unknown")


class ShipmentSource(models.TextChoices):
    MANUAL = "manual", _("entered by hand")
    ORDER = "order", _("for an order")
