"""What callers hand to the stock services: one line of a document or a count."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentLineInput:
    sku: str
    qty: int
    bin: str | None = None
    # Issues of kind order shipment: the line ships stock allocated under this reference.
    allocation_reference: str = ""


@dataclass(frozen=True)
class TransferLineInput:
    sku: str
    qty: int
    from_bin: str
    to_bin: str


@dataclass(frozen=True)
class StocktakeCountInput:
    bin: str
    sku: str
    counted: int
