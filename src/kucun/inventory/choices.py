from django.db import models
from django.utils.translation import gettext_lazy as _


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue")
    TRANSFER = "transfer", _("Transfer")
    TRANSFER_SHIP = "transfer_ship", _("Transfer shipped")
    TRANSFER_RECEIVE = "transfer_receive", _("Transfer received")
    STOCKTAKE = "stocktake", _("Stocktake")
    REVERSAL = "reversal", _("Reversal")


class ReceiptKind(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    SALES_RETURN = "sales_return", _("Sales return")
    OTHER = "other", _("Other")


class IssueKind(models.TextChoices):
    PURCHASE_RETURN = "purchase_return", _("Purchase return")
    ORDER_RESHIPMENT = "order_reshipment", _("Order reshipment")
    ORDER_SHIPMENT = "order_shipment", _("Order shipment")
    OTHER = "other", _("Other")


class DocumentStatus(models.TextChoices):
    """Status of receipts and issues."""

    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    REVERSED = "reversed", _("Reversed")


class TransferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SHIPPED = "shipped", _("In transit")
    POSTED = "posted", _("Posted")
    REVERSED = "reversed", _("Reversed")


class StocktakeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COUNTING = "counting", _("Counting")
    POSTED = "posted", _("Posted")
    REVERSED = "reversed", _("Reversed")


class DocumentType(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue")
    TRANSFER = "transfer", _("Transfer")
    STOCKTAKE = "stocktake", _("Stocktake")


DOCUMENT_NUMBER_PREFIXES = {
    DocumentType.RECEIPT: "RC",
    DocumentType.ISSUE: "IS",
    DocumentType.TRANSFER: "TR",
    DocumentType.STOCKTAKE: "ST",
}
