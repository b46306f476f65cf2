"""The demo's shipping: a sandbox Australia Post account sending from Melbourne and a sandbox
4PX account sending from Sydney (each talking to Kucun's emulator with the emulator's own test
account), the boxes the warehouses pack into, and a few rules that choose between them."""

from __future__ import annotations

from typing import Any

from kucun.demo.data import DemoSummary
from kucun.shipping.carrier_registry import carriers
from kucun.shipping.models import BoxPreset, CarrierAccount, ShippingRule
from kucun.shipping.services.accounts import carrier_account_create
from kucun.shipping.services.packaging import box_preset_create
from kucun.shipping.services.rules import rule_create, rule_update, rules_ensure_default
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
        box_preset_create(
            actor=user,
            name=name,
            length_cm=length,
            width_cm=width,
            height_cm=height,
            tare_kg=tare,
            max_weight_kg=maximum,
        )
        summary.add("boxes")


def demo_rules(user: Any, summary: DemoSummary) -> None:
    """Pickup and local delivery by the shipping method and the postcode, heavy parcels and
    overseas orders by 4PX, Express Post when the customer paid for it, Parcel Post otherwise."""
    auspost = CarrierAccount.objects.filter(name=DEMO_ACCOUNTS[0][0]).first()
    fourpx = CarrierAccount.objects.filter(name=DEMO_ACCOUNTS[1][0]).first()
    sydney = Warehouse.objects.get(code="SYD")
    satchel = BoxPreset.objects.filter(name=DEMO_BOXES[0][0]).first()
    rules: list[dict[str, Any]] = [
        {
            "name": "Click and collect",
            "action": "pickup",
            "conditions": {"shipping_method_contains": "pickup"},
        },
        {
            "name": "Sydney inner suburbs: our van",
            "action": "local_delivery",
            "conditions": {"postcodes": "2000-2020", "warehouses": [sydney.pk]},
        },
    ]
    if fourpx is not None:
        rules.append(
            {
                "name": "Overseas by 4PX",
                "action": "carrier",
                "carrier_account": fourpx.pk,
                "service_code": "PX",
                "conditions": {"countries": ["NZ", "US", "GB", "CN", "SG"]},
            }
        )
    if auspost is not None:
        rules.append(
            {
                "name": "Express Post when paid for",
                "action": "carrier",
                "carrier_account": auspost.pk,
                "service_code": "E34",
                "conditions": {"shipping_method_contains": "express", "countries": ["AU"]},
            }
        )
        rules.append(
            {
                "name": "Light parcels in a satchel",
                "action": "carrier",
                "carrier_account": auspost.pk,
                "service_code": "T28",
                "box_preset": satchel.pk if satchel is not None else None,
                "conditions": {"weight_max_kg": "2.5", "countries": ["AU"]},
            }
        )
    rules.append(
        {
            "name": "Too heavy to post: a person decides",
            "action": "hold",
            "conditions": {"weight_min_kg": "22"},
        }
    )
    for rule in rules:
        rule_create(user=user, **rule)
        summary.add("shipping rules")
    default = rules_ensure_default()
    if auspost is not None:
        rule_update(
            user=user,
            rule_id=default.pk,
            changes={"action": "carrier", "carrier_account": auspost.pk, "service_code": "T28"},
        )


def demo_shipping(user: Any, summary: DemoSummary) -> None:
    demo_carrier_accounts(user, summary)
    demo_boxes(user, summary)
    if not ShippingRule.objects.filter(is_default=False).exists():
        demo_rules(user, summary)
