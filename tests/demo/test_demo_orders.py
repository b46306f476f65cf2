"""The demo's orders: placed on the sandbox Shopify store, downloaded and routed through the
live server as the worker does it after `make run`, one of each state left to look at."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from kucun.demo.channels import demo_first_sync, demo_stores
from kucun.demo.data import demo_load, demo_user
from kucun.demo.orders import UNLINKED_SKU, demo_orders
from kucun.demo.shipping import demo_shipping
from kucun.orders.choices import FulfilmentStatus, OrderStatus
from kucun.orders.models import Order
from kucun.sandbox.shopify import orders as emulator_orders

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_demo_leaves_orders_in_every_state(live_server: Any) -> None:
    summary = demo_load()
    user = demo_user(summary)
    with override_settings(SANDBOX_SERVER_URL=str(live_server.url)):
        demo_shipping(user, summary)
        store_ids = demo_stores(user, summary)
        demo_first_sync(store_ids)
        demo_orders(store_ids)
        demo_orders(store_ids)  # once only

    orders = list(Order.objects.order_by("placed_at", "id"))
    assert len(orders) == 5
    statuses = [order.status for order in orders]
    assert statuses.count(OrderStatus.TO_CONFIRM) == 2
    assert statuses.count(OrderStatus.AWAITING_STOCK) == 1
    assert statuses.count(OrderStatus.NEEDS_ATTENTION) == 1
    shipped = orders[0]
    assert shipped.status == OrderStatus.SHIPPED, (shipped.confirm_step, shipped.confirm_error)
    link = shipped.shipments.get()
    assert link.shipment is not None
    tracking = link.shipment.parcels.values_list("tracking_number", flat=True).first()
    assert tracking
    assert link.fulfilment_status == FulfilmentStatus.SENT
    attention = next(o for o in orders if o.status == OrderStatus.NEEDS_ATTENTION)
    assert UNLINKED_SKU in attention.attention
    # The Shopify store holds the fulfilment with the tracking number.
    domain = shipped.store.options["shop_domain"]
    record = emulator_orders.order_find(domain, shipped.external_id)
    assert record is not None
    numbers = [
        info["number"]
        for fulfilment in record.data["fulfillments"]
        for info in fulfilment["tracking"]
    ]
    assert tracking in numbers, record.data.get("fulfillments")
