"""What the order ingest tests build: warehouses at known places, stores on the in-memory
platform selling from them, listings linked to items with stock, and orders placed on the
platform. Import the fixtures into a test module to use them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pytest
from huey.contrib.djhuey import HUEY

from kucun.catalog.models import Item
from kucun.channels.adapters.base import ChannelOrder, OrderAddress
from kucun.channels.models import Listing, Store
from kucun.channels.platforms import register_platform, unregister_platform
from kucun.channels.receivers import drain_flag_clear
from kucun.inventory.models import Allocation, StockLevel
from kucun.orders.choices import DownloadTrigger
from kucun.orders.models import Order, OrderDownload, PostcodeLocation
from kucun.orders.services.ingest import orders_download
from tests.channels import memory_channel
from tests.channels.conftest import add_listing, make_store, platform_of
from tests.channels.memory_channel import MemoryPlatform
from tests.inventory.conftest import Site, build_item, build_site, receive

# Places the tests ship to and from (latitude, longitude).
SYDNEY = (-33.8688, 151.2093)
MELBOURNE = (-37.8136, 144.9631)
BRISBANE = (-27.4698, 153.0251)


@pytest.fixture
def memory_platforms() -> Iterator[dict[str, MemoryPlatform]]:
    """The memory platform registered, with no accounts; no flag of the inline queue (a
    download queued or running, a drain queued) left between tests."""
    memory_channel.PLATFORMS.clear()
    register_platform(memory_channel.SPEC)
    queue_flags_clear()
    yield memory_channel.PLATFORMS
    queue_flags_clear()
    unregister_platform(memory_channel.CODE)
    memory_channel.PLATFORMS.clear()


def queue_flags_clear() -> None:
    if HUEY.immediate:  # the inline queue's in-memory store, never a real queue
        HUEY.storage.flush_results()
    else:
        drain_flag_clear()


def located_site(code: str, place: tuple[float, float] | None, *, priority: int = 100) -> Site:
    site = build_site(code, priority=priority)
    if place is not None:
        site.warehouse.latitude = Decimal(str(place[0]))
        site.warehouse.longitude = Decimal(str(place[1]))
        site.warehouse.save(update_fields=["latitude", "longitude"])
    return site


def postcode_at(postcode: str, place: tuple[float, float], country: str = "AU") -> None:
    PostcodeLocation.objects.create(
        country=country, postcode=postcode, latitude=place[0], longitude=place[1]
    )


@dataclass
class Shop:
    """A store on its own memory account, and its listings by SKU."""

    store: Store
    platform: MemoryPlatform
    listings: dict[str, Listing] = field(default_factory=dict)

    def ref(self, sku: str) -> str:
        return self.listings[sku].inventory_ref

    def place(
        self,
        lines: Sequence[tuple[str, int]],
        *,
        postcode: str = "2000",
        city: str = "Sydney",
        state: str = "NSW",
        country: str = "AU",
        created_at: datetime | None = None,
    ) -> ChannelOrder:
        """An order on the platform for (SKU, quantity) lines, to ``postcode`` (in Sydney
        unless told)."""
        return self.platform.place_order(
            [(self.ref(sku), quantity) for sku, quantity in lines],
            ship_to=OrderAddress(
                name="Ada Buyer",
                line1="1 George St",
                city=city,
                state=state,
                postcode=postcode,
                country_code=country,
            ),
            created_at=created_at,
        )


def open_shop(
    name: str, sites: Sequence[Site], items: Sequence[Item], *, platform_quantity: int = 0
) -> Shop:
    """A store selling from ``sites`` (in this order), one linked listing per item."""
    store = make_store(name, [site.warehouse for site in sites])
    shop = Shop(store=store, platform=platform_of(store))
    for item in items:
        shop.listings[item.sku] = add_listing(store, item, quantity=platform_quantity)
    return shop


def stocked_item(sku: str, stock: Sequence[tuple[Site, int]] = ()) -> Item:
    item = build_item(sku)
    for site, quantity in stock:
        receive(site, sku, quantity)
    return item


def download(store: Store, trigger: str = DownloadTrigger.MANUAL) -> OrderDownload:
    return orders_download(store=store, trigger=trigger)


def order_of(shop: Shop, channel_order: ChannelOrder) -> Order:
    return Order.objects.get(store=shop.store, external_id=channel_order.order_ref)


def allocated_in(site: Site, item: Item) -> int:
    level = StockLevel.objects.filter(item=item, warehouse=site.warehouse).first()
    return level.allocated if level is not None else 0


def available_in(site: Site, item: Item) -> int:
    level = StockLevel.objects.get(item=item, warehouse=site.warehouse)
    return level.sellable_on_hand - level.allocated


def allocations_of(order: Order) -> list[Allocation]:
    return list(
        Allocation.objects.filter(reference__startswith=order.reference_prefix + ":").order_by(
            "reference"
        )
    )
