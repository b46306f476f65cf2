from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrderStatus(models.TextChoices):
    """An order's state in Kucun (the console's tabs). The channel's own state is kept apart
    in ``Order.channel_status``."""

    TO_CONFIRM = "to_confirm", _("to confirm")
    AWAITING_STOCK = "awaiting_stock", _("awaiting stock")
    NEEDS_ATTENTION = "needs_attention", _("needs attention")
    CONFIRMING = "confirming", _("confirming")
    CONFIRMED = "confirmed", _("confirmed")
    SHIPPED = "shipped", pgettext_lazy("order status", "shipped")
    CANCELLED = "cancelled", _("cancelled")


# Orders whose stock is held for them (allocated) and that can still change.
OPEN_STATUSES = (OrderStatus.TO_CONFIRM, OrderStatus.CONFIRMING, OrderStatus.CONFIRMED)


class ConfirmStep(models.TextChoices):
    """The steps of confirming an order, in the order they run. An order that stopped keeps
    the step it stopped at; "retry" continues from there."""

    RULE = "rule", _("choose the carrier")
    SHIPMENT = "shipment", _("create the shipment")
    LABEL = "label", _("get the label")
    ISSUE = "issue", _("post the stock issue")
    FULFILMENT = "fulfilment", _("send the tracking number to the store")
    DONE = "done", _("done")


class DownloadTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("schedule")
    MANUAL = "manual", _("by hand")
    WEBHOOK = "webhook", _("webhook")
    BEFORE_PUSH = "before_push", _("before a stock push")


class DownloadStatus(models.TextChoices):
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class FulfilmentStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class EventKind(models.TextChoices):
    """Timeline entries of an order."""

    DOWNLOADED = "downloaded", _("downloaded")
    UPDATED = "updated", _("updated on the channel")
    ALLOCATED = "allocated", _("allocated")
    AWAITING_STOCK = "awaiting_stock", _("awaiting stock")
    NEEDS_ATTENTION = "needs_attention", _("needs attention")
    RELEASED = "released", _("allocation released")
    CONFIRMED = "confirmed", _("confirmed")
    SHIPMENT_CREATED = "shipment_created", _("shipment created")
    LABEL_READY = "label_ready", _("label ready")
    SHIPPED = "shipped", pgettext_lazy("order status", "shipped")
    PUSHED_BACK = "pushed_back", _("sent to the store")
    STEP_FAILED = "step_failed", _("step failed")
    CANCELLED = "cancelled", _("cancelled")
    FLAGGED = "flagged", _("flagged for a person")
    RESHIPPED = "reshipped", _("reshipped")
    RETURNED = "returned", _("returned")
    NOTE = "note", _("note")
