from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    EBAY = "ebay", "eBay"
    KOGAN = "kogan", "Kogan"
    PISELL = "pisell", "Pisell"


class ListingStatus(models.TextChoices):
    LINKED = "linked", _("linked")
    UNLINKED = "unlinked", _("unlinked")
    CONFLICT = "conflict", _("conflict")
    GONE = "gone", _("gone")


class SyncRunKind(models.TextChoices):
    PULL_INCREMENTAL = "pull_incremental", _("incremental pull")
    PULL_FULL = "pull_full", _("full pull")
    MATCH = "match", _("quick match")
    PUSH = "push", _("push")
    RECONCILE = "reconcile", _("reconcile")


class SyncRunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class PushTrigger(models.TextChoices):
    AUTOMATIC = "automatic", _("automatic")
    MANUAL = "manual", _("manual")
    RECONCILE = "reconcile", _("reconcile")


class PushStatus(models.TextChoices):
    QUEUED = "queued", _("queued")  # waiting to be sent (a retry waits until next_attempt_at)
    SENDING = "sending", _("sending")  # claimed by a worker until next_attempt_at (its lease)
    PENDING = "pending", _("pending")  # accepted by an asynchronous platform, not yet confirmed
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    SUPERSEDED = "superseded", _("superseded")
    SKIPPED = "skipped", _("skipped")  # automatic push: the platform already held the quantity


class LinkMethod(models.TextChoices):
    """How a linked listing found its item (the Listings screen's "match" column)."""

    SKU = "sku", _("auto: SKU")
    BARCODE = "barcode", _("auto: barcode")
    MANUAL = "manual", _("manual")


class WebhookStatus(models.TextChoices):
    PULL_QUEUED = "pull_queued", _("pull queued")
    PULL_PENDING = "pull_pending", _("a queued pull covers it")
    RECORDED = "recorded", _("recorded")
