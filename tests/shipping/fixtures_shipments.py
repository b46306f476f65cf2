"""Fixtures of the shipment tests: the memory carrier registered, a warehouse to ship from and
carrier accounts on it (one whose carrier has manifests and cancels, one whose has neither).

Test modules import the fixtures they use from here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kucun.core.secrets import encrypt_mapping
from kucun.shipping.carrier_registry import register_carrier, unregister_carrier
from kucun.shipping.models import CarrierAccount
from kucun.warehouses.models import Warehouse
from tests.factories import WarehouseFactory
from tests.shipping import memory_carrier
from tests.shipping.memory_carrier import MemoryCarrierSide

ACCOUNT = "mem-1"
LITE_ACCOUNT = "lite-1"
RECEIVER: dict[str, Any] = {
    "name": "Ann Lee",
    "line1": "1 George Street",
    "line2": "Level 2",
    "suburb": "Sydney",
    "state": "NSW",
    "postcode": "2000",
    "country": "AU",
    "phone": "0412 345 678",
    "email": "ann@example.com",
}
PARCEL: dict[str, Any] = {
    "weight_kg": "1.250",
    "length_cm": 30,
    "width_cm": 20,
    "height_cm": 10,
    "description": "Tongs",
    "value": "24.00",
}


@pytest.fixture
def carrier_side() -> Iterator[MemoryCarrierSide]:
    """The memory carriers, registered; the side of account ``mem-1``."""
    memory_carrier.SIDES.clear()
    register_carrier(memory_carrier.SPEC)
    register_carrier(memory_carrier.NO_MANIFEST_SPEC)
    yield memory_carrier.side_of(ACCOUNT)
    unregister_carrier(memory_carrier.CODE)
    unregister_carrier(memory_carrier.NO_MANIFEST_CODE)
    memory_carrier.SIDES.clear()


@pytest.fixture
def dock(db: None) -> Warehouse:
    return WarehouseFactory(
        code="MEL",
        name="Melbourne dock",
        address_line1="12 Dock Road",
        city="Port Melbourne",
        state="VIC",
        postcode="3207",
        phone="0390001111",
        email="dock@example.com",
    )


def account_on(
    code: str, name: str, account: str, warehouse: Warehouse, **more: Any
) -> CarrierAccount:
    # The memory carriers are not among the three choices; the column holds their code.
    return CarrierAccount.objects.create(
        name=name,
        carrier=code,
        credentials_encrypted=encrypt_mapping({"account": account, "api_key": "mem-secret-key"}),
        sender_warehouse=warehouse,
        default_service="STD",
        **more,
    )


@pytest.fixture
def carrier_account(carrier_side: MemoryCarrierSide, dock: Warehouse) -> CarrierAccount:
    return account_on(memory_carrier.CODE, "Memory post", ACCOUNT, dock)


@pytest.fixture
def lite_account(carrier_side: MemoryCarrierSide, dock: Warehouse) -> CarrierAccount:
    return account_on(memory_carrier.NO_MANIFEST_CODE, "Memory lite", LITE_ACCOUNT, dock)
