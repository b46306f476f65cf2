"""Demo data for trying Kucun: a small sausage-and-beer shop with two warehouses.

Everything goes through the same services the console and API use, so the demo data obeys
every rule real data does (audit rows, ledger moves, balances). Each step first checks
whether its result is already there, so running the loader again creates nothing new and
completes a run that was interrupted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kucun.accounts.choices import Role
from kucun.accounts.models import User
from kucun.accounts.services import user_create
from kucun.catalog.models import Item
from kucun.catalog.services import bundle_create, item_create
from kucun.inventory.choices import TransferStatus
from kucun.inventory.models import Receipt, StockCheck, Transfer
from kucun.inventory.services import (
    DocumentLineInput,
    TransferLineInput,
    receipt_create,
    transfer_create,
    transfer_receive,
)
from kucun.inventory.services.checks import stock_check_run
from kucun.warehouses.choices import LocationKind, ZoneKind
from kucun.warehouses.models import Location, Warehouse, Zone
from kucun.warehouses.services import (
    bin_create,
    bin_pattern_codes,
    bins_create_by_pattern,
    warehouse_create,
    zone_create,
)

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "kucun-demo"  # noqa: S105 - the published demo login


def ean13(body: str) -> str:
    """A 12-digit body with its EAN-13 check digit, so scanners and validators accept it."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)


WAREHOUSES: list[dict[str, Any]] = [
    {
        "code": "SYD",
        "name": "Sydney",
        "address_line1": "14 Euston Road",
        "city": "Alexandria",
        "state": "NSW",
        "postcode": "2015",
        "country": "AU",
        "email": "sydney@sausage-and-beer.example",
        "phone": "+61 2 9000 1400",
        "latitude": Decimal("-33.905600"),
        "longitude": Decimal("151.193900"),
        "priority": 10,
    },
    {
        "code": "MEL",
        "name": "Melbourne",
        "address_line1": "220 Somerville Road",
        "city": "West Footscray",
        "state": "VIC",
        "postcode": "3012",
        "country": "AU",
        "email": "melbourne@sausage-and-beer.example",
        "phone": "+61 3 9000 2200",
        "latitude": Decimal("-37.807300"),
        "longitude": Decimal("144.871500"),
        "priority": 20,
    },
]

# (warehouse, zone code, zone name, kind, bin pattern)
ZONES: list[tuple[str, str, str, str, dict[str, str]]] = [
    (
        "SYD",
        "PICK",
        "Pick face",
        ZoneKind.PICKING,
        {"prefix": "P", "aisles": "A-B", "racks": "01-10", "levels": "1-3"},
    ),
    (
        "SYD",
        "BULK",
        "Bulk storage",
        ZoneKind.STORAGE,
        {"prefix": "S", "aisles": "A", "racks": "01-05", "levels": "1-2"},
    ),
    (
        "MEL",
        "PICK",
        "Pick face",
        ZoneKind.PICKING,
        {"prefix": "P", "aisles": "A", "racks": "01-08", "levels": "1-3"},
    ),
    (
        "MEL",
        "BULK",
        "Bulk storage",
        ZoneKind.STORAGE,
        {"prefix": "S", "aisles": "A", "racks": "01-03", "levels": "1-2"},
    ),
]

# sku, name, barcode body (12 digits), unit, weight_g, (l, w, h) mm, cost, reorder point
ITEMS: list[tuple[str, str, str, str, int, tuple[int, int, int], str, int]] = [
    (
        "SAU-ORIG-500",
        "Original sausage pack",
        "930000100001",
        "pack",
        520,
        (220, 150, 40),
        "6.50",
        40,
    ),
    (
        "SAU-CHIL-500",
        "Chilli sausage pack",
        "930000100002",
        "pack",
        520,
        (220, 150, 40),
        "6.90",
        30,
    ),
    (
        "SAU-LAMB-500",
        "Lamb and rosemary sausage pack",
        "930000100003",
        "pack",
        520,
        (220, 150, 40),
        "7.80",
        20,
    ),
    (
        "SAU-CHKN-500",
        "Chicken and herb sausage pack",
        "930000100004",
        "pack",
        520,
        (220, 150, 40),
        "6.20",
        20,
    ),
    (
        "SAU-VEG-400",
        "Vegetarian sausage pack",
        "930000100005",
        "pack",
        420,
        (220, 150, 40),
        "5.90",
        15,
    ),
    ("SAU-CHOR-400", "Chorizo pack", "930000100006", "pack", 420, (200, 140, 40), "8.40", 10),
    ("SAU-BRAT-500", "Bratwurst pack", "930000100007", "pack", 520, (240, 150, 40), "7.20", 10),
    ("SAU-KRAN-450", "Kransky pack", "930000100008", "pack", 470, (240, 150, 40), "7.50", 10),
    ("SAU-SNAG-1KG", "BBQ snags 1 kg", "930000100009", "pack", 1030, (300, 200, 50), "9.90", 25),
    ("BEER-LAG-12", "Beer dozen", "930000200001", "carton", 4400, (400, 270, 125), "28.00", 30),
    ("BEER-PAL-12", "Pale ale dozen", "930000200002", "carton", 4400, (400, 270, 125), "32.00", 20),
    ("BEER-STO-06", "Stout six-pack", "930000200003", "pack", 2300, (270, 180, 125), "19.50", 10),
    (
        "BEER-GIN-06",
        "Ginger beer six-pack",
        "930000200004",
        "pack",
        2300,
        (270, 180, 125),
        "12.00",
        10,
    ),
    (
        "SAUCE-TOM-500",
        "Tomato sauce 500 ml",
        "930000300001",
        "bottle",
        560,
        (70, 70, 200),
        "2.80",
        20,
    ),
    (
        "SAUCE-BBQ-500",
        "Smoky barbecue sauce 500 ml",
        "930000300002",
        "bottle",
        560,
        (70, 70, 200),
        "3.20",
        20,
    ),
    (
        "MUST-WHL-250",
        "Wholegrain mustard 250 g",
        "930000300003",
        "jar",
        330,
        (70, 70, 90),
        "3.60",
        10,
    ),
    ("ONION-FRY-400", "Fried onions 400 g", "930000300004", "tin", 450, (75, 75, 110), "2.40", 10),
    ("BREAD-ROLL-6", "Hot dog rolls, six", "930000300005", "pack", 360, (300, 160, 60), "3.10", 15),
    ("BBQ-TONGS", "Barbecue tongs", "930000400001", "each", 210, (420, 60, 30), "7.00", 5),
    ("BBQ-APRON", "Sausage sizzle apron", "930000400002", "each", 180, (300, 250, 20), "9.00", 5),
]

# sku, name, barcode body, weight_g, components
BUNDLES: list[tuple[str, str, str, int, list[tuple[str, int]]]] = [
    ("BEER-CASE-48", "Beer case", "930000500001", 17800, [("BEER-LAG-12", 4)]),
    ("SAU-BOX-10", "Sausage box", "930000500002", 5300, [("SAU-ORIG-500", 10)]),
    (
        "SIZZLE-KIT",
        "Sausage sizzle kit",
        "930000500003",
        3100,
        [("SAU-SNAG-1KG", 2), ("BREAD-ROLL-6", 2), ("SAUCE-TOM-500", 1), ("ONION-FRY-400", 1)],
    ),
]

# Opening stock: warehouse → (sku, qty, bin)
OPENING_STOCK: dict[str, list[tuple[str, int, str]]] = {
    "SYD": [
        ("SAU-ORIG-500", 240, "S-A-01-1"),
        ("SAU-ORIG-500", 60, "P-A-01-1"),
        ("SAU-CHIL-500", 120, "P-A-01-2"),
        ("SAU-LAMB-500", 80, "P-A-01-3"),
        ("SAU-CHKN-500", 90, "P-A-02-1"),
        ("SAU-VEG-400", 45, "P-A-02-2"),
        ("SAU-CHOR-400", 8, "P-A-02-3"),
        ("SAU-BRAT-500", 36, "P-A-03-1"),
        ("SAU-KRAN-450", 30, "P-A-03-2"),
        ("SAU-SNAG-1KG", 150, "S-A-02-1"),
        ("BEER-LAG-12", 200, "S-A-03-1"),
        ("BEER-LAG-12", 24, "P-B-01-1"),
        ("BEER-PAL-12", 60, "P-B-01-2"),
        ("BEER-STO-06", 40, "P-B-01-3"),
        ("BEER-GIN-06", 6, "P-B-02-1"),
        ("SAUCE-TOM-500", 120, "P-B-03-1"),
        ("SAUCE-BBQ-500", 100, "P-B-03-2"),
        ("MUST-WHL-250", 48, "P-B-03-3"),
        ("ONION-FRY-400", 60, "P-B-04-1"),
        ("BREAD-ROLL-6", 80, "P-B-04-2"),
        ("BBQ-TONGS", 25, "P-B-05-1"),
        ("BBQ-APRON", 3, "P-B-05-2"),
    ],
    "MEL": [
        ("SAU-ORIG-500", 150, "P-A-01-1"),
        ("SAU-CHIL-500", 60, "P-A-01-2"),
        ("SAU-LAMB-500", 12, "P-A-01-3"),
        ("SAU-SNAG-1KG", 70, "P-A-02-1"),
        ("BEER-LAG-12", 120, "S-A-01-1"),
        ("BEER-PAL-12", 36, "P-A-03-1"),
        ("SAUCE-TOM-500", 60, "P-A-04-1"),
        ("BREAD-ROLL-6", 40, "P-A-04-2"),
        ("ONION-FRY-400", 24, "P-A-04-3"),
    ],
}

OPENING_REFERENCE = "DEMO-OPENING-{code}"
REPLENISH_REFERENCE = "DEMO-REPLENISH-SYD"
INTERSTATE_REFERENCE = "DEMO-SYD-TO-MEL"


@dataclass
class DemoSummary:
    created: Counter[str] = field(default_factory=Counter)

    def add(self, what: str, count: int = 1) -> None:
        self.created[what] += count

    @property
    def anything_created(self) -> bool:
        return any(self.created.values())


def demo_user(summary: DemoSummary) -> User:
    existing = User.objects.filter(username__iexact=DEMO_USERNAME).first()
    if existing is not None:
        return existing
    summary.add("users")
    return user_create(user=None, username=DEMO_USERNAME, role=Role.OWNER, password=DEMO_PASSWORD)


def demo_warehouses(user: User, summary: DemoSummary) -> None:
    for spec in WAREHOUSES:
        if not Warehouse.objects.filter(code=spec["code"]).exists():
            warehouse_create(user=user, **spec)
            summary.add("warehouses")


def demo_zones_and_bins(user: User, summary: DemoSummary) -> None:
    for warehouse_code, zone_code, name, kind, pattern in ZONES:
        warehouse = Warehouse.objects.get(code=warehouse_code)
        zone = Zone.objects.filter(warehouse=warehouse, code=zone_code).first()
        if zone is None:
            zone = zone_create(
                user=user, warehouse_id=warehouse.pk, code=zone_code, name=name, kind=kind
            )
            summary.add("zones")
        codes = bin_pattern_codes(**pattern)
        existing = set(
            Location.objects.filter(
                kind=LocationKind.INTERNAL, warehouse=warehouse, code__in=codes
            ).values_list("code", flat=True)
        )
        missing = [code for code in codes if code not in existing]
        if len(missing) == len(codes):
            created = bins_create_by_pattern(
                user=user,
                zone_id=zone.pk,
                prefix=pattern["prefix"],
                aisles=pattern["aisles"],
                racks=pattern["racks"],
                levels=pattern["levels"],
            )
            summary.add("bins", len(created))
        else:
            for code in missing:
                bin_create(user=user, zone_id=zone.pk, code=code)
                summary.add("bins")


def demo_items(user: User, summary: DemoSummary) -> None:
    for sku, name, barcode, unit, weight, (length, width, height), cost, reorder in ITEMS:
        if Item.objects.filter(sku__iexact=sku).exists():
            continue
        item_create(
            user=user,
            sku=sku,
            name=name,
            barcode=ean13(barcode),
            unit=unit,
            weight_g=weight,
            length_mm=length,
            width_mm=width,
            height_mm=height,
            cost_price=Decimal(cost),
            safety_stock=reorder // 2,
            reorder_point=reorder,
        )
        summary.add("items")
    for sku, name, barcode, weight, components in BUNDLES:
        if Item.objects.filter(sku__iexact=sku).exists():
            continue
        bundle_create(
            user=user,
            components=components,
            sku=sku,
            name=name,
            barcode=ean13(barcode),
            unit="each",
            weight_g=weight,
        )
        summary.add("bundles")


def demo_stock(user: User, summary: DemoSummary) -> None:
    for warehouse_code, lines in OPENING_STOCK.items():
        reference = OPENING_REFERENCE.format(code=warehouse_code)
        if Receipt.objects.filter(reference=reference).exists():
            continue
        receipt_create(
            user=user,
            warehouse=warehouse_code,
            kind="purchase",
            lines=[
                DocumentLineInput(sku=sku, qty=qty, bin=bin_code) for sku, qty, bin_code in lines
            ],
            reference=reference,
            note="Opening stock",
            post=True,
            idempotency_key=f"demo-{reference.lower()}",
        )
        summary.add("receipts")
    if not Transfer.objects.filter(reference=REPLENISH_REFERENCE).exists():
        # Refill the Sydney pick face from bulk storage.
        transfer_create(
            user=user,
            warehouse="SYD",
            lines=[
                TransferLineInput(
                    sku="SAU-ORIG-500", qty=60, from_bin="S-A-01-1", to_bin="P-A-01-1"
                ),
                TransferLineInput(
                    sku="BEER-LAG-12", qty=24, from_bin="S-A-03-1", to_bin="P-B-01-1"
                ),
            ],
            reference=REPLENISH_REFERENCE,
            note="Pick face replenishment",
            post=True,
            idempotency_key="demo-replenish-syd",
        )
        summary.add("transfers")
    transfer = Transfer.objects.filter(reference=INTERSTATE_REFERENCE).first()
    if transfer is None:
        # Send sausages and beer interstate, then receive them in Melbourne.
        transfer = transfer_create(
            user=user,
            warehouse="SYD",
            to_warehouse="MEL",
            lines=[
                TransferLineInput(
                    sku="SAU-SNAG-1KG", qty=30, from_bin="S-A-02-1", to_bin="P-A-02-1"
                ),
                TransferLineInput(
                    sku="BEER-LAG-12", qty=40, from_bin="S-A-03-1", to_bin="S-A-01-1"
                ),
            ],
            reference=INTERSTATE_REFERENCE,
            note="Interstate restock",
            post=True,
            idempotency_key="demo-syd-to-mel",
        )
        summary.add("transfers")
    if transfer.status == TransferStatus.SHIPPED:
        transfer_receive(user=user, transfer_id=transfer.pk)


def demo_load() -> DemoSummary:
    """Load whatever part of the demo data is missing; return what was created."""
    summary = DemoSummary()
    user = demo_user(summary)
    demo_warehouses(user, summary)
    demo_zones_and_bins(user, summary)
    demo_items(user, summary)
    demo_stock(user, summary)
    demo_stock_check(summary)
    return summary


def demo_stock_check(summary: DemoSummary) -> None:
    """A first stock check, so the home page shows its result rather than "not run yet"."""
    if not StockCheck.objects.exists():
        stock_check_run()
        summary.add("stock checks")
