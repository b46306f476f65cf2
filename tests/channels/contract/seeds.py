"""What the contract suite asks an emulator to hold before it talks to it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class VariantSeed:
    sku: str
    quantity: int
    barcode: str = ""
    title: str = ""
    weight_kg: Decimal | None = None


def numbered_variants(count: int, *, prefix: str = "CT") -> list[VariantSeed]:
    """``count`` variants with distinct SKUs and barcodes, quantities 0 to 9."""
    return [
        VariantSeed(
            sku=f"{prefix}-{number:05d}",
            quantity=number % 10,
            barcode=f"93{number:011d}",
            title=f"Contract product {number}",
            weight_kg=Decimal("0.250"),
        )
        for number in range(1, count + 1)
    ]
