"""Fixtures of the confirm, drill and reship tests: a warehouse with picking and storage bins
and an address to ship from, goods with weights and sizes (and a bundle), a store on the
in-memory platform, an Australia Post account on the emulator of the live server, and orders
made here directly (an Order, its lines, and their allocations through inventory's
``stock_allocate_order``).

Test modules import the fixtures they use from here."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kucun.catalog.models import Item
from kucun.channels.adapters.base import Fulfilment, OrderAddress
from kucun.channels.models import Store, StoreWarehouse
from kucun.channels.platforms import register_platform, unregister_platform
from kucun.core.secrets import decrypt_mapping, encrypt_mapping
from kucun.inventory.models import Allocation, BinStock, Issue, StockLevel
from kucun.inventory.services.order_allocations import AllocationLineInput, stock_allocate_order
from kucun.orders.choices import OrderStatus
from kucun.orders.models import Order, OrderLine, OrderShipment
from kucun.shipping.models import CarrierAccount, ShippingRule
from kucun.shipping.services.rules import rule_create
from tests.channels import memory_channel
from tests.channels.memory_channel import MemoryPlatform
from tests.inventory.conftest import Site, build_bundle, build_item, build_site, receive
from tests.sandbox.conftest import Sandbox
from tests.shipping.contract.setups import auspost as auspost_setup

SHOP_ACCOUNT = "confirm-shop"
SYDNEY = OrderAddress(
    name="Ada Buyer",
    line1="1 George Street",
    city="Sydney",
    state="NSW",
    postcode="2000",
    country_code="AU",
    phone="0412 345 678",
    email="ada@example.com",
)


# --- the warehouse and its goods -----------------------------------------------------------------


@dataclass
class Goods:
    """TEA (250 g, 10×8×5 cm), CUP (400 g, 12×12×10 cm), GIFT (2 TEA + 1 CUP), and BARE
    (no weight). Stock: TEA 5 in P-01 (picking) and 5 in S-01 (storage), CUP 10 in P-02,
    BARE 5 in P-01."""

    tea: Item
    cup: Item
    gift: Item
    bare: Item


@pytest.fixture
def depot(db: None) -> Site:
    site = build_site("MEL")
    warehouse = site.warehouse
    warehouse.name = "Melbourne dock"
    warehouse.address_line1 = "12 Dock Road"
    warehouse.city = "Port Melbourne"
    warehouse.state = "VIC"
    warehouse.postcode = "3207"
    warehouse.phone = "0390001111"
    warehouse.email = "dock@example.com"
    warehouse.save()
    return site


@pytest.fixture
def goods(depot: Site) -> Goods:
    tea = build_item("TEA", weight_g=250, length_mm=100, width_mm=80, height_mm=50)
    cup = build_item("CUP", weight_g=400, length_mm=120, width_mm=120, height_mm=100)
    gift = build_bundle("GIFT", [(tea, 2), (cup, 1)])
    bare = build_item("BARE", length_mm=100, width_mm=100, height_mm=100)
    receive(depot, "TEA", 5, "P-01")
    receive(depot, "TEA", 5, "S-01")
    receive(depot, "CUP", 10, "P-02")
    receive(depot, "BARE", 5, "P-01")
    return Goods(tea=tea, cup=cup, gift=gift, bare=bare)


# --- the store -----------------------------------------------------------------------------------


@dataclass
class Shop:
    store: Store
    platform: MemoryPlatform
    refs: dict[str, str] = field(default_factory=dict)  # SKU → the platform's variant

    def ref_of(self, item: Item) -> str:
        if item.sku not in self.refs:
            self.refs[item.sku] = self.platform.add(item.sku, quantity=100)
        return self.refs[item.sku]

    def fulfilments(self) -> list[Fulfilment]:
        return list(self.platform.fulfilments)


@pytest.fixture
def shop(depot: Site) -> Iterator[Shop]:
    memory_channel.PLATFORMS.clear()
    register_platform(memory_channel.SPEC)
    platform = memory_channel.PLATFORMS.setdefault(SHOP_ACCOUNT, MemoryPlatform())
    # The memory platform is not one of the four choices; the column holds its code.
    store = Store.objects.create(
        name="Memory tea shop",
        platform=memory_channel.CODE,
        credentials_encrypted=encrypt_mapping({"account": SHOP_ACCOUNT, "api_key": "x-key"}),
    )
    StoreWarehouse.objects.create(store=store, warehouse=depot.warehouse, position=0)
    yield Shop(store=store, platform=platform)
    unregister_platform(memory_channel.CODE)
    memory_channel.PLATFORMS.clear()


# --- orders --------------------------------------------------------------------------------------


def order_place(
    shop: Shop,
    site: Site,
    lines: Sequence[tuple[Item, int]],
    *,
    ship_to: OrderAddress = SYDNEY,
    shipping_method: str = "Standard",
) -> Order:
    """An order placed on the store and downloaded: the Order, its lines, and their stock
    allocated in ``site``'s warehouse; to be confirmed."""
    placed = shop.platform.place_order(
        [(shop.ref_of(item), quantity) for item, quantity in lines],
        ship_to=ship_to,
        shipping_method=shipping_method,
    )
    address = placed.ship_to
    assert address is not None
    now = timezone.now()
    order = Order.objects.create(
        store=shop.store,
        external_id=placed.order_ref,
        number=placed.number,
        status=OrderStatus.TO_CONFIRM,
        channel_status=placed.channel_status,
        placed_at=now,
        channel_updated_at=now,
        currency="AUD",
        total=placed.total,
        customer_name=placed.customer_name,
        customer_email=placed.customer_email,
        ship_name=address.name,
        ship_line1=address.line1,
        ship_line2=address.line2,
        ship_city=address.city,
        ship_state=address.state,
        ship_postcode=address.postcode,
        ship_country=address.country_code,
        ship_phone=address.phone,
        ship_email=address.email,
        shipping_method=shipping_method,
        warehouse=site.warehouse,
    )
    items = {item.sku: item for item, _quantity in lines}
    made = [
        OrderLine.objects.create(
            order=order,
            line_ref=line.line_ref,
            position=position,
            sku=line.sku,
            title=line.title,
            item=items[line.sku],
            inventory_ref=line.inventory_ref,
            variant_ref=line.variant_ref,
            quantity=line.quantity,
            unit_price=line.unit_price,
            allocation_reference=f"{order.reference_prefix}:{line.line_ref}",
            allocated=True,
        )
        for position, line in enumerate(placed.lines, start=1)
    ]
    stock_allocate_order(
        lines=[
            AllocationLineInput(line.allocation_reference, line.sku, line.quantity) for line in made
        ],
        warehouse=site.code,
    )
    return order


# --- Australia Post on the emulator ---------------------------------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHIPMENT_RETRY_FIRST_SECONDS = 0


@pytest.fixture
def auspost(sandbox: Sandbox, depot: Site, media: None) -> CarrierAccount:
    config = auspost_setup.prepare(sandbox)
    return CarrierAccount.objects.create(
        name="AusPost eParcel",
        carrier="auspost",
        base_url=config.base_url,
        credentials_encrypted=encrypt_mapping(dict(config.credentials)),
        options={**config.options, "two_step_labels": "off"},
        sender_warehouse=depot.warehouse,
        default_service="T28",
    )


@pytest.fixture
def auspost_rule(auspost: CarrierAccount) -> ShippingRule:
    return rule_create(
        user=None,
        name="Australia Post for everything",
        action="carrier",
        carrier_account=auspost.pk,
        service_code="T28",
    )


def rule_for(action: str, name: str) -> ShippingRule:
    return rule_create(user=None, name=name, action=action)


def at_emulator(sandbox: Sandbox, account: CarrierAccount) -> list[dict[str, Any]]:
    """The emulator's shipments of the account (reference, status, tracking numbers)."""
    credentials = decrypt_mapping(account.credentials_encrypted)
    response = sandbox.control.get(
        sandbox.url(auspost_setup.SYSTEM, "__emu/state"),
        params={"account": credentials["account_number"]},
    )
    response.raise_for_status()
    shipments: list[dict[str, Any]] = response.json()["shipments"]
    return shipments


def arm(sandbox: Sandbox, fault: dict[str, Any]) -> None:
    sandbox.emu(auspost_setup.SYSTEM, "faults", fault)


def create_match() -> dict[str, Any]:
    return auspost_setup.create_match()


# --- what an order left behind --------------------------------------------------------------------


def issues_of(order: Order) -> list[Issue]:
    return list(Issue.objects.filter(reference=order.number).order_by("pk"))


def allocations_of(order: Order) -> list[Allocation]:
    return list(Allocation.objects.filter(reference__startswith=f"{order.reference_prefix}:"))


def level(item: Item, site: Site) -> StockLevel:
    return StockLevel.objects.get(item=item, warehouse=site.warehouse)


def bin_quantity(item: Item, site: Site, code: str) -> int:
    row = BinStock.objects.filter(item=item, location=site.bins[code]).first()
    return row.on_hand if row is not None else 0


def order_shipments(order: Order) -> list[OrderShipment]:
    return list(OrderShipment.objects.filter(order=order).order_by("pk"))


def weight_of(shipment_parcels: Any) -> Decimal:
    return sum((parcel.weight_kg for parcel in shipment_parcels), Decimal(0))
