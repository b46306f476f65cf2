"""Pisell mappers against the payloads written in integrations/pisell.md §2."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kucun.channels.adapters.base import (
    ChannelOrder,
    ChannelOrderLine,
    Fulfilment,
    ListingRef,
    OrderAddress,
    OrderStatus,
    PushResult,
    PushStatus,
    ShipLine,
    StockLevel,
)
from kucun.channels.adapters.pisell import mappers

FIXTURES = Path(__file__).parent / "fixtures"


def golden(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def test_a_product_variant_becomes_a_listing() -> None:
    product = golden("products_list")["data"][0]
    listings = list(mappers.listings_from_product(product))
    assert listings == [
        ListingRef(
            inventory_ref="v_5001",
            sku="TREAT-43G",
            product_ref="p_1001",
            variant_ref="v_5001",
            barcode="9300000000017",
            title="Dog Treats",
            variant_title="43g",
            quantity=12,
            active=True,
            updated_at=datetime(2025, 5, 1, 2, 3, 4, tzinfo=UTC),
        )
    ]
    assert listings[0].raw == product["variants"][0]


def test_a_draft_or_archived_product_is_not_active() -> None:
    product = {**golden("products_list")["data"][0], "status": "archived"}
    assert [listing.active for listing in mappers.listings_from_product(product)] == [False]


def test_a_stock_level_is_written_as_the_documented_item() -> None:
    level = StockLevel(
        inventory_ref="v_5001",
        sku="TREAT-43G",
        quantity=7,
        location_ref="loc_main",
        expected_previous=12,
    )
    assert {"items": [mappers.level_item(level)]} == golden("inventory_levels_set_request")


def test_the_default_location_is_used_when_the_level_names_none() -> None:
    level = StockLevel(inventory_ref="v_1", sku="A", quantity=3)
    assert mappers.level_item(level) == {"sku": "A", "quantity": 3}
    assert mappers.level_item(level, "loc_2") == {"sku": "A", "quantity": 3, "location_id": "loc_2"}


def test_the_documented_answer_gives_one_result_per_level() -> None:
    levels = [
        StockLevel("v_5001", "TREAT-43G", 7, location_ref="loc_main", expected_previous=12),
        StockLevel("v_9", "X", 1),
    ]
    assert mappers.push_results(levels, golden("inventory_levels_set_response")) == [
        PushResult(
            "v_5001", "TREAT-43G", PushStatus.SUCCEEDED, previous_quantity=12, current_quantity=7
        ),
        PushResult("v_9", "X", PushStatus.FAILED, error="unknown_sku: …"),
    ]


def test_a_stale_quantity_is_stale_and_a_missing_answer_failed() -> None:
    levels = [StockLevel("v_1", "A", 5, expected_previous=4), StockLevel("v_2", "B", 1)]
    answer = {
        "results": [
            {"sku": "A", "status": "error", "code": "stale_quantity", "message": "is 6"},
        ]
    }
    assert mappers.push_results(levels, answer) == [
        PushResult("v_1", "A", PushStatus.STALE, error="stale_quantity: is 6"),
        PushResult(
            "v_2", "B", PushStatus.FAILED, error="the platform's answer does not mention this SKU"
        ),
    ]


def test_times_with_and_without_an_offset() -> None:
    assert mappers.parse_time("2025-05-01T02:03:04Z") == datetime(2025, 5, 1, 2, 3, 4, tzinfo=UTC)
    melbourne = mappers.parse_time("02/May/2026 15:18:51", "Australia/Melbourne")
    assert melbourne == datetime(2026, 5, 2, 5, 18, 51, tzinfo=UTC)
    assert mappers.parse_time("not a time") is None
    assert mappers.format_time(datetime(2025, 5, 1, 2, 3, 4, tzinfo=UTC)) == "2025-05-01T02:03:04Z"


def test_a_push_retried_by_its_caller_keeps_its_idempotency_key() -> None:
    keyed = [
        StockLevel("v_1", "A", 1, idempotency_key="k1"),
        StockLevel("v_2", "B", 2, idempotency_key="k2"),
    ]
    assert mappers.chunk_idempotency_key(keyed) == mappers.chunk_idempotency_key(keyed)
    unkeyed = [StockLevel("v_1", "A", 1)]
    assert mappers.chunk_idempotency_key(unkeyed) != mappers.chunk_idempotency_key(unkeyed)


# -- orders (pisell.md §2.4–§2.5) -------------------------------------------------------------
def pisell_order(**changes: Any) -> dict[str, Any]:
    return {**golden("orders_list")["data"][0], **changes}


def shipment(**changes: Any) -> Fulfilment:
    fields: dict[str, Any] = {
        "order_ref": "o_9001",
        "lines": (ShipLine("li_1", 2),),
        "tracking_number": "ABC000128B4C5",
        "carrier": "auspost",
        "carrier_name": "Australia Post",
        "shipped_at": datetime(2025, 5, 2, 11, 0, tzinfo=ZoneInfo("Australia/Melbourne")),
        "key": "order:1:o_9001:1",
        "tracking_url": "https://tracking.example/ABC000128B4C5",
    }
    return Fulfilment(**(fields | changes))


def test_the_documented_order_maps_field_for_field() -> None:
    order = mappers.order_from_pisell(pisell_order())
    assert order == ChannelOrder(
        order_ref="o_9001",
        number="#1042",
        status=OrderStatus.OPEN,
        created_at=datetime(2025, 5, 1, 1, 0, tzinfo=UTC),
        updated_at=datetime(2025, 5, 1, 1, 5, tzinfo=UTC),
        lines=(
            ChannelOrderLine(
                line_ref="li_1",
                sku="TREAT-43G",
                quantity=2,
                quantity_unfulfilled=2,
                unit_price=Decimal("9.95"),
                inventory_ref="v_5001",
                variant_ref="v_5001",
            ),
        ),
        currency="AUD",
        total=Decimal("29.90"),
        shipping_total=Decimal("9.95"),
        customer_name="Jane Citizen",
        customer_email="jane@example.com",
        customer_phone="+61400000000",
        ship_to=OrderAddress(
            name="Jane Citizen",
            line1="1 Main St",
            city="Melbourne",
            state="VIC",
            postcode="3000",
            country_code="AU",
            phone="+61400000000",
            email="jane@example.com",
        ),
        channel_status="paid / unfulfilled",
    )
    assert order.raw == pisell_order()


@pytest.mark.parametrize(
    ("status", "fulfilment_status", "expected"),
    [
        ("pending", "unfulfilled", OrderStatus.PENDING),
        ("paid", "unfulfilled", OrderStatus.OPEN),
        ("paid", "partial", OrderStatus.PARTIALLY_SHIPPED),
        ("paid", "fulfilled", OrderStatus.SHIPPED),
        ("paid", "collected", OrderStatus.SHIPPED),
        ("cancelled", "unfulfilled", OrderStatus.CANCELLED),
        ("refunded", "unfulfilled", OrderStatus.CANCELLED),
        ("refunded", "partial", OrderStatus.CANCELLED),
        ("refunded", "fulfilled", OrderStatus.SHIPPED),
        ("disputed", "unfulfilled", OrderStatus.ON_HOLD),
        ("paid", "lost", OrderStatus.ON_HOLD),
    ],
)
def test_the_contracts_statuses_in_kucuns_words(
    status: str, fulfilment_status: str, expected: OrderStatus
) -> None:
    order = mappers.order_from_pisell(
        pisell_order(status=status, fulfillment_status=fulfilment_status)
    )
    assert (order.status, order.channel_status) == (expected, f"{status} / {fulfilment_status}")


def test_a_partly_fulfilled_line_has_the_rest_to_ship() -> None:
    [line] = mappers.order_from_pisell(
        pisell_order(
            fulfillment_status="partial",
            line_items=[{"id": "li_1", "sku": "A", "quantity": 3, "quantity_fulfilled": 1}],
        )
    ).lines
    assert (line.quantity, line.quantity_unfulfilled, line.inventory_ref) == (3, 2, "")


def test_a_pos_sale_collected_in_the_shop_has_nothing_to_ship() -> None:
    order = mappers.order_from_pisell(
        pisell_order(channel="pos", fulfillment_status="collected", shipping_address=None)
    )
    assert order.status == OrderStatus.SHIPPED
    assert order.channel_status == "paid / collected / pos"
    assert [line.quantity_unfulfilled for line in order.lines] == [0]
    assert order.ship_to == OrderAddress(email="jane@example.com")


def test_local_time_strings_are_read_in_the_stores_zone() -> None:
    order = mappers.order_from_pisell(
        pisell_order(created_at="02/May/2026 15:18:51", updated_at=None), "Australia/Melbourne"
    )
    assert order.created_at == order.updated_at == datetime(2026, 5, 2, 5, 18, 51, tzinfo=UTC)


def test_an_order_without_id_or_time_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="without an id"):
        mappers.order_from_pisell(pisell_order(id=None))
    with pytest.raises(ValueError, match="o_9001: created_at"):
        mappers.order_from_pisell(pisell_order(created_at="soon"))


def test_the_fulfilment_body_is_the_documented_one() -> None:
    assert mappers.fulfilment_request(shipment()) == golden("fulfillment_request")


def test_a_fulfilment_names_its_lines_once_and_its_carrier_in_the_contracts_words() -> None:
    body = mappers.fulfilment_request(
        shipment(
            lines=(ShipLine("li_1", 1), ShipLine("li_2", 1), ShipLine("li_1", 1)),
            carrier="",
            carrier_name="",
            tracking_url="",
        )
    )
    assert body["line_items"] == [{"id": "li_1", "quantity": 2}, {"id": "li_2", "quantity": 1}]
    assert "carrier" not in body
    assert "tracking_url" not in body
    assert mappers.fulfilment_request(shipment(carrier="fourpx"))["carrier"] == "4px"
    unknown = shipment(carrier="courier9", carrier_name="Courier Nine")
    assert mappers.fulfilment_request(unknown)["carrier"] == "Courier Nine"


def test_a_fulfilment_keeps_its_idempotency_key_across_retries() -> None:
    first = mappers.fulfilment_idempotency_key(shipment())
    assert first == mappers.fulfilment_idempotency_key(shipment(tracking_url=""))
    assert first != mappers.fulfilment_idempotency_key(shipment(key="order:1:o_9001:2"))


def test_what_may_not_be_shipped_and_what_was_shipped_already() -> None:
    assert mappers.shipping_refusal(pisell_order()) == ""
    assert mappers.shipping_refusal(pisell_order(status="cancelled")) == (
        "Pisell order o_9001 is cancelled: there is nothing to ship"
    )
    assert "collected in the shop" in mappers.shipping_refusal(
        pisell_order(fulfillment_status="collected")
    )
    listed = [{"id": "f_6", "tracking_number": None}, {"id": "f_7", "tracking_number": "T-7"}]
    assert mappers.existing_fulfilment(listed, "T-7") == "f_7"
    assert mappers.existing_fulfilment(listed, "OTHER") == ""
    assert mappers.existing_fulfilment(listed, "") == ""  # no tracking number: nothing to match
