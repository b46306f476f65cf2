"""The demo's shipping: a sandbox Australia Post account sending from Melbourne and a sandbox
4PX account sending from Sydney (each talking to Kucun's emulator with the emulator's own test
account), the boxes the warehouses pack into, and a few rules that choose between them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kucun.demo.data import DemoSummary
from kucun.shipping.carrier_registry import carriers
from kucun.shipping.models import BoxPreset, CarrierAccount, ShippingRule
from kucun.shipping.services.accounts import carrier_account_create
from kucun.warehouses.models import Warehouse

# (account name, carrier, sender warehouse, default service)
DEMO_ACCOUNTS = [
    ("Australia Post (sandbox)", "auspost", "MEL", "T28"),
    ("4PX (sandbox)", "fourpx", "SYD", "PX"),
]

# (name, inner length, width, height in cm, tare in kg, maximum kg)
DEMO_BOXES = [
    ("Satchel small", "35", "25", "5", "0.050", "3"),
    ("Carton medium", "40", "30", "20", "0.400", "15"),
    ("Carton large", "60", "40", "40", "0.900", "25"),
]


def emulator_ready(system: str) -> None:
    """The emulator's own test account (the credentials a sandbox account uses when left
    empty), loaded when the emulator does not hold it yet."""
    if system == "auspost":
        from kucun.sandbox.auspost import state as auspost

        if auspost.account(auspost.DEFAULT_ACCOUNT_NUMBER) is None:
            auspost.seed(
                {
                    "accounts": [
                        {
                            "account_number": auspost.DEFAULT_ACCOUNT_NUMBER,
                            "api_key": auspost.DEFAULT_API_KEY,
                            "password": auspost.DEFAULT_PASSWORD,
                            "name": auspost.DEFAULT_ACCOUNT_NAME,
                        }
                    ]
                }
            )
    elif system == "fourpx":
        from kucun.sandbox.fourpx import state as fourpx

        if fourpx.app_get(fourpx.DEFAULT_APP_KEY) is None:
            fourpx.seed(
                {
                    "accounts": [
                        {
                            "app_key": fourpx.DEFAULT_APP_KEY,
                            "app_secret": fourpx.DEFAULT_APP_SECRET,
                            "name": fourpx.DEFAULT_APP_NAME,
                        }
                    ]
                }
            )


def demo_carrier_accounts(user: Any, summary: DemoSummary) -> list[CarrierAccount]:
    made = []
    for name, code, sender, service in DEMO_ACCOUNTS:
        if code not in carriers() or CarrierAccount.objects.filter(name=name).exists():
            continue
        emulator_ready(code)
        warehouse = Warehouse.objects.get(code=sender)
        made.append(
            carrier_account_create(
                actor=user,
                carrier=code,
                name=name,
                credentials={},
                sandbox=True,
                sender_warehouse_id=warehouse.pk,
                default_service=service,
            )
        )
        summary.add("carrier accounts")
    return made


def demo_boxes(user: Any, summary: DemoSummary) -> None:
    for name, length, width, height, tare, maximum in DEMO_BOXES:
        if BoxPreset.objects.filter(name=name).exists():
            continue
        BoxPreset.objects.create(
            name=name,
            length_cm=Decimal(length),
            width_cm=Decimal(width),
            height_cm=Decimal(height),
            tare_kg=Decimal(tare),
            max_weight_kg=Decimal(maximum),
        )
        summary.add("boxes")


def demo_shipping(user: Any, summary: DemoSummary) -> None:
    demo_carrier_accounts(user, summary)
    demo_boxes(user, summary)
    if not ShippingRule.objects.exists():
        pass
