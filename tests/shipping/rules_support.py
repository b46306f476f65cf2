"""Objects the shipping rules' tests share (imported by each: the fixtures of this part only)."""

from __future__ import annotations

import pytest

from kucun.channels.models import Store
from kucun.shipping.models import CarrierAccount
from kucun.warehouses.models import Warehouse
from tests.factories import WarehouseFactory


@pytest.fixture
def warehouse(db: None) -> Warehouse:
    return WarehouseFactory(code="MEL", name="Melbourne")


@pytest.fixture
def shop(db: None) -> Store:
    return Store.objects.create(name="Tea shop", platform="shopify")


@pytest.fixture
def auspost(warehouse: Warehouse) -> CarrierAccount:
    return CarrierAccount.objects.create(
        name="AusPost MEL",
        carrier="auspost",
        sender_warehouse=warehouse,
        default_service="T28",
    )
