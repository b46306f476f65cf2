"""The stock ledger, the balances it keeps, allocations and the documents that post moves.

Only ``kucun.inventory.services`` writes these rows. Ledger rows (StockMove, StockMoveLine)
are never updated or deleted: a correction is a reversing move. The CHECK constraints are the
backstop for the invariants the services already enforce under row locks.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kucun.catalog.models import Item
from kucun.core.models import IDEMPOTENCY_KEY_MAX_LENGTH
from kucun.inventory.choices import (
    DOCUMENT_NUMBER_PREFIXES,
    DocumentStatus,
    DocumentType,
    IssueKind,
    MoveKind,
    ReceiptKind,
    StocktakeStatus,
    TransferStatus,
)
from kucun.warehouses.models import Location, Warehouse


class StockMove(models.Model):
    """One posting to the ledger: its lines move quantities from one location to another."""

    kind = models.CharField(_("kind"), max_length=32, choices=MoveKind.choices)
    reference = models.CharField(_("reference"), max_length=255, blank=True, db_index=True)
    document_type = models.CharField(
        _("document type"), max_length=16, choices=DocumentType.choices, blank=True
    )
    document_id = models.BigIntegerField(_("document id"), null=True, blank=True)
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        null=True,
        blank=True,
    )
    reversal_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("reversal of"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["document_type", "document_id"]),
            models.Index(fields=["kind", "created_at"]),
        ]
        constraints = [
            # Keys belong to whoever sent them (see core.models.IdempotencyRecord.scope).
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="stock_move_key_unique_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def document_number(self) -> str:
        if not self.document_type or self.document_id is None:
            return ""
        return document_number(self.document_type, self.document_id)


class StockMoveLine(models.Model):
    move = models.ForeignKey(StockMove, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="move_lines")
    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="move_lines_out"
    )
    to_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="move_lines_in"
    )
    # 64-bit: a stocktake's adjustment moves the difference between a count and a balance.
    qty = models.PositiveBigIntegerField(_("quantity"))

    class Meta:
        ordering = ["move_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="move_line_qty_positive"),
            models.CheckConstraint(
                condition=~Q(from_location=F("to_location")), name="move_line_locations_differ"
            ),
        ]
        indexes = [models.Index(fields=["item", "move"])]

    def __str__(self) -> str:
        return f"{self.qty} × {self.item_id}: {self.from_location_id} → {self.to_location_id}"


class BinStock(models.Model):
    """On hand of one item in one bin (internal locations only)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="bin_stocks")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="bin_stocks")
    on_hand = models.BigIntegerField(_("on hand"), default=0)

    class Meta:
        ordering = ["location_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "location"], name="bin_stock_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="bin_stock_not_negative"),
        ]
        indexes = [models.Index(fields=["location", "on_hand"])]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.location_id}: {self.on_hand}"


class StockLevel(models.Model):
    """Totals of one item in one warehouse; the row locked by every change to that stock.

    ``available`` (sellable on hand − allocated) is derived, never stored.
    """

    # No single-column indexes: (item, warehouse) is unique, (warehouse, item) indexed, and
    # (item, sellable on hand, allocated) answers available per item from the index alone.
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="stock_levels", db_index=False
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="stock_levels", db_index=False
    )
    # 64-bit: a balance is the sum of many lines, each up to MAX_LINE_QTY units.
    on_hand = models.BigIntegerField(_("on hand"), default=0)
    sellable_on_hand = models.BigIntegerField(_("sellable on hand"), default=0)
    allocated = models.BigIntegerField(_("allocated"), default=0)

    class Meta:
        ordering = ["item_id", "warehouse_id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "warehouse"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_level_on_hand"),
            models.CheckConstraint(
                condition=Q(sellable_on_hand__gte=0) & Q(sellable_on_hand__lte=F("on_hand")),
                name="stock_level_sellable_within_on_hand",
            ),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=F("sellable_on_hand")),
                name="stock_level_allocated_within_sellable",
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "item"]),
            models.Index(
                fields=["item", "sellable_on_hand", "allocated"], name="stock_level_available"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.warehouse_id}: {self.on_hand}/{self.allocated}"

    @property
    def available(self) -> int:
        return self.sellable_on_hand - self.allocated


class Allocation(models.Model):
    """Stock promised to a reference (an order line) before it ships."""

    reference = models.CharField(_("reference"), max_length=255)
    stock_level = models.ForeignKey(
        StockLevel, on_delete=models.PROTECT, related_name="allocations"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="allocations")
    qty = models.PositiveIntegerField(_("quantity"))
    # The SKU the line asked for (a bundle, or the item itself) and how many units of ``item``
    # one unit of it holds: releasing or shipping N of the line takes N × ``line_units``.
    line_item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    line_units = models.PositiveIntegerField(_("units per line unit"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["reference", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "stock_level"], name="allocation_unique_per_level"
            ),
            models.CheckConstraint(condition=Q(qty__gt=0), name="allocation_qty_positive"),
            models.CheckConstraint(
                condition=Q(line_units__gt=0), name="allocation_line_units_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.qty} × {self.item_id}"


def document_number(document_type: str, pk: int) -> str:
    return f"{DOCUMENT_NUMBER_PREFIXES[DocumentType(document_type)]}-{pk:06d}"


def document_pk_from_number(document_type: str, text: str) -> int | None:
    """'RC-000012', 'rc-12' or '12' → 12; None when the text is not such a number."""
    value = text.strip().upper()
    prefix = DOCUMENT_NUMBER_PREFIXES[DocumentType(document_type)] + "-"
    value = value.removeprefix(prefix)
    return int(value) if value.isdigit() and len(value) <= 18 else None


class Document(models.Model):
    """Fields shared by every stock document. The number is derived from the primary key."""

    DOCUMENT_TYPE: str = ""

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    reference = models.CharField(_("reference"), max_length=255, blank=True, db_index=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("posted by"),
    )
    move = models.OneToOneField(
        StockMove, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_move = models.OneToOneField(
        StockMove, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reversed by"),
    )

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return document_number(self.DOCUMENT_TYPE, self.pk) if self.pk else ""


class WrittenLine(NamedTuple):
    """A document line as the call that wrote it knows it: its item (with ``sku``), quantity
    and bin. Plain values, since building a model instance per line of a large document costs
    more than writing the line."""

    item: Any
    qty: int
    bin: Any


class Receipt(Document):
    DOCUMENT_TYPE = DocumentType.RECEIPT
    # The lines as written by the call that created this receipt (with their items' SKUs and
    # their bins), so that answering with it needs no read; None when read from the database.
    written_lines: list[WrittenLine] | None = None

    kind = models.CharField(_("kind"), max_length=32, choices=ReceiptKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )

    class Meta(Document.Meta):
        indexes = [models.Index(fields=["status", "created_at"])]


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField(_("quantity"))
    bin = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["receipt_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="receipt_line_qty_positive")
        ]

    def __str__(self) -> str:
        return f"{self.qty} × {self.item_id}"


class Issue(Document):
    DOCUMENT_TYPE = DocumentType.ISSUE

    kind = models.CharField(_("kind"), max_length=32, choices=IssueKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    allocation_reference = models.CharField(
        _("allocation reference"),
        max_length=255,
        blank=True,
        help_text=_("Allocations under this reference are consumed when the issue is posted."),
    )

    class Meta(Document.Meta):
        indexes = [models.Index(fields=["status", "created_at"])]


class IssueLine(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField(_("quantity"))
    bin = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: bins are chosen when the issue is posted."),
    )
    allocation_reference = models.CharField(
        _("allocation reference"),
        max_length=255,
        blank=True,
        help_text=_("This line ships stock allocated under this reference."),
    )

    class Meta:
        ordering = ["issue_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="issue_line_qty_positive")
        ]

    def __str__(self) -> str:
        return f"{self.qty} × {self.item_id}"


class IssueLinePick(models.Model):
    """Where the goods of an issue line were taken from, recorded when it is posted.

    A bundle line picks its components, so the item may differ from the line's item.
    """

    issue_line = models.ForeignKey(IssueLine, on_delete=models.CASCADE, related_name="picks")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["issue_line_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="issue_pick_qty_positive")
        ]

    def __str__(self) -> str:
        return f"{self.qty} × {self.item_id} from {self.bin_id}"


class Transfer(Document):
    """Bin to bin within ``warehouse``, or through transit to ``to_warehouse``."""

    DOCUMENT_TYPE = DocumentType.TRANSFER

    to_warehouse = models.ForeignKey(
        Warehouse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to warehouse"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.DRAFT
    )
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    receive_move = models.OneToOneField(
        StockMove, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("received by"),
    )

    class Meta(Document.Meta):
        indexes = [models.Index(fields=["status", "created_at"])]

    @property
    def between_warehouses(self) -> bool:
        return self.to_warehouse_id is not None and self.to_warehouse_id != self.warehouse_id


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField(_("quantity"))
    from_bin = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    to_bin = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["transfer_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="transfer_line_qty_positive")
        ]

    def __str__(self) -> str:
        return f"{self.qty} × {self.item_id}: {self.from_bin_id} → {self.to_bin_id}"


class Stocktake(Document):
    DOCUMENT_TYPE = DocumentType.STOCKTAKE

    status = models.CharField(
        _("status"),
        max_length=16,
        choices=StocktakeStatus.choices,
        default=StocktakeStatus.DRAFT,
    )

    class Meta(Document.Meta):
        indexes = [models.Index(fields=["status", "created_at"])]


class StocktakeLine(models.Model):
    """One bin × item to count. Posting books counted − expected_at_count, not counted − now,
    so goods that moved between the count and the posting are not overwritten."""

    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="lines")
    bin = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    expected_at_count = models.BigIntegerField(_("expected when counted"), default=0)
    counted = models.PositiveIntegerField(_("counted"), null=True, blank=True)
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)

    class Meta:
        ordering = ["stocktake_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stocktake", "bin", "item"], name="stocktake_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(counted__isnull=True) | Q(counted__gte=0),
                name="stocktake_counted_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.bin_id}: {self.counted}"

    @property
    def difference(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected_at_count


class StockCheck(models.Model):
    """One run of the stock check: every balance recomputed from the ledger and the
    allocations and compared with the stored one. A disagreement is recorded for a person to
    investigate, never corrected on the spot."""

    created_at = models.DateTimeField(_("checked"), auto_now_add=True, db_index=True)
    seconds = models.FloatField(_("seconds"), default=0)
    drift_count = models.PositiveIntegerField(_("disagreements"), default=0)
    # The first disagreements, labelled: {"what", "sku", "place", "stored", "expected"}.
    drifts = models.JSONField(_("disagreements found"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock check")
        verbose_name_plural = _("stock checks")

    def __str__(self) -> str:
        return f"stock check {self.pk}: {self.drift_count} disagreements"

    @property
    def is_clean(self) -> bool:
        return self.drift_count == 0


class AvailabilityChange(models.Model):
    """An (item, warehouse) whose available quantity changed, written by the ledger's writer
    in the same transaction as the change.

    The table is an outbox with one consumer, the channels' stock sync: it claims rows and
    deletes them in the transaction that queues their pushes (an id watermark would skip rows
    of transactions that commit out of id order), then looks the figures up again. Rows left
    behind (no store syncs) are pruned nightly after a few days. Bundles are not recorded:
    ``catalog.selectors.bundles_affected_by`` names them.
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("changed"), db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("availability change")
        verbose_name_plural = _("availability changes")

    def __str__(self) -> str:
        return f"{self.item_id}@{self.warehouse_id} #{self.pk}"
