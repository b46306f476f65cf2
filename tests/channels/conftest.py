"""The in-memory platform registered for a test, and a store bound to it; and for the stock
sync's service tests, stores on their own memory accounts, warehouses with stock, and linked
listings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from kucun.accounts.choices import Role
from kucun.catalog.models import Item
from kucun.channels.choices import ListingStatus, PushTrigger
from kucun.channels.models import Listing, Store, StoreWarehouse
from kucun.channels.platforms import register_platform, unregister_platform
from kucun.channels.receivers import drain_flag_clear
from kucun.channels.services.listings import listing_link, listing_unlink
from kucun.channels.services.stores import listings_changes_queue, store_create, store_update
from kucun.core.secrets import encrypt_mapping
from kucun.warehouses.models import Warehouse
from tests.channels import memory_channel
from tests.channels.memory_channel import CODE, PLATFORMS, SPEC, MemoryPlatform
from tests.factories import UserFactory, WarehouseFactory
from tests.inventory.conftest import Site, build_site

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


# --- the stock sync's stores and listings -------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_drain_queued() -> Iterator[None]:
    """Each test starts with no drain marked queued in the (in-memory) queue."""
    drain_flag_clear()
    yield
    drain_flag_clear()


@pytest.fixture
def drain_on_commit(settings: Any) -> None:
    """A committed change queues a drain, which the inline queue runs at once."""
    settings.STOCK_SYNC_DRAIN_ON_COMMIT = True


@pytest.fixture
def memory_platforms() -> Iterator[dict[str, MemoryPlatform]]:
    """The memory platform, registered; its accounts by name (empty at the start)."""
    memory_channel.PLATFORMS.clear()
    register_platform(memory_channel.SPEC)
    yield memory_channel.PLATFORMS
    unregister_platform(memory_channel.CODE)
    memory_channel.PLATFORMS.clear()


@pytest.fixture
def site(db: None) -> Site:
    return build_site("MEL")


@pytest.fixture
def site_two(db: None) -> Site:
    return build_site("SYD", priority=200)


def make_store(
    name: str,
    warehouses: list[Warehouse],
    *,
    buffer: int = 0,
    inventory_sync: bool = True,
    platform: str = memory_channel.CODE,
) -> Store:
    # The memory platform is not one of the four choices; the column holds its code.
    store = Store.objects.create(
        name=name,
        platform=platform,
        credentials_encrypted=encrypt_mapping({"account": name, "api_key": "x"}),
        buffer=buffer,
        inventory_sync=inventory_sync,
    )
    for position, warehouse in enumerate(warehouses):
        StoreWarehouse.objects.create(store=store, warehouse=warehouse, position=position)
    return store


@pytest.fixture
def store_factory(memory_platforms: dict[str, MemoryPlatform]) -> Callable[..., Store]:
    return make_store


def platform_of(store: Store) -> MemoryPlatform:
    return memory_channel.PLATFORMS.setdefault(store.name, MemoryPlatform())


def add_listing(store: Store, item: Item | None, *, sku: str = "", quantity: int = 0) -> Listing:
    """A variant on the store's platform (holding ``quantity``) and its listing, linked to
    ``item`` (None: unlinked) as quick match would leave it, with no change recorded."""
    platform = platform_of(store)
    sku = sku or (item.sku if item is not None else "UNLINKED")
    ref = platform.add(sku, quantity=quantity)
    return Listing.objects.create(
        store=store,
        inventory_ref=ref,
        product_ref=f"p-{ref}",
        variant_ref=f"v-{ref}",
        sku=sku,
        item=item,
        status=ListingStatus.LINKED if item is not None else ListingStatus.UNLINKED,
        platform_quantity=quantity,
    )


def link(listing: Listing, item: Item) -> None:
    """Link by hand (the listing's page): the stock sync gets its change in the same unit."""
    listing_link(listing=listing, item=item)
    listing.refresh_from_db()


def unlink(listing: Listing) -> None:
    listing_unlink(listing=listing)
    listing.refresh_from_db()


def owner_user() -> Any:
    return UserFactory(username="store-owner", role=Role.OWNER)


def set_buffer(store: Store, buffer: int) -> None:
    store_update(actor=owner_user(), store=store, buffer=buffer)
    store.refresh_from_db()


def push_now(listing: Listing) -> None:
    """A manual push of one listing through the outbox (the listing page's button)."""
    listings_changes_queue(
        store_ids=[listing.store_id], listing_ids=[listing.pk], trigger=PushTrigger.MANUAL
    )


@dataclass
class Shop:
    """A store selling from the site's warehouse, on its own memory platform account."""

    store: Store
    platform: MemoryPlatform


@pytest.fixture
def shop(site: Site, memory_platforms: dict[str, MemoryPlatform]) -> Shop:
    store = make_store("Memory shop", [site.warehouse])
    return Shop(store=store, platform=platform_of(store))
