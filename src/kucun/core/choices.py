from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class ImportKind(models.TextChoices):
    ITEMS = "items", _("Items")
    BUNDLES = "bundles", _("Bundles")
    RECEIPT = "receipt", _("Receipt")
    STOCKTAKE = "stocktake", _("Stocktake counts")


class ExportKind(models.TextChoices):
    ITEMS = "items", _("Items")
    BUNDLES = "bundles", _("Bundles")
    STOCK = "stock", _("Stock per item and warehouse")
    STOCK_BY_BIN = "stock_bins", _("Stock per bin")
    MOVES = "moves", _("Movements")
    DOCUMENTS = "documents", _("Stock documents")
    ZONES = "zones", _("Zones")


class TableFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
