"""The in-memory platform registered for a test, and a store bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kucun.channels.models import Store
from kucun.channels.platforms import register_platform, unregister_platform
from kucun.channels.services.stores import store_create
from kucun.warehouses.models import Warehouse
from tests.channels.memory_channel import CODE, PLATFORMS, SPEC, MemoryPlatform
from tests.factories import WarehouseFactory

SECRET = "mem-very-secret-key-7f3a9c"
ACCOUNT = "acct-1"


@pytest.fixture
def memory() -> Iterator[MemoryPlatform]:
    """The memory platform, registered; its account ``acct-1`` is what the store reaches."""
    register_platform(SPEC)
    PLATFORMS.clear()
    PLATFORMS[ACCOUNT] = MemoryPlatform()
    yield PLATFORMS[ACCOUNT]
    PLATFORMS.clear()
    unregister_platform(CODE)


@pytest.fixture
def warehouse(db: None) -> Warehouse:
    return WarehouseFactory(code="SYD", name="Sydney")


@pytest.fixture
def store(memory: MemoryPlatform, warehouse: Warehouse) -> Store:
    return store_create(
        actor=None,
        platform=CODE,
        name="Memory shop",
        credentials={"account": ACCOUNT, "api_key": SECRET},
        options={},
        warehouse_ids=[warehouse.pk],
    )
