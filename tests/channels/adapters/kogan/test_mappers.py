"""Kogan payloads copied from integrations/kogan.md, mapped field for field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kucun.channels.adapters.base import (
    ChannelOrder,
    ChannelOrderLine,
    Fulfilment,
    ListingRef,
    OrderAddress,
    OrderStatus,
    ShipLine,
    StockLevel,
)
from kucun.channels.adapters.kogan.mappers import (
    DispatchLine,
    TaskRef,
    carrier_codes,
    changed_since,
    dispatch_plan,
    follow_path,
    fulfil_refusals,
    fulfil_request,
    kogan_carrier,
    listing_from_product,
    local_refusal,
    order_from_kogan,
    sku_errors,
    split_task_ref,
    stock_update_item,
    task_ref,
    throttle_seconds,
)

FIXTURES = Path(__file__).parent / "fixtures"


def golden(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_a_product_of_the_listing_is_one_listing() -> None:
    [product] = golden("products_get.response.json")["body"]["results"]
    listing = listing_from_product(product)
    assert listing == ListingRef(
        inventory_ref="ABC-123",
        sku="ABC-123",
        product_ref="ABC-123",
        barcode="9300000000000",
        title="…",
        quantity=12,
        active=True,
        updated_at=None,
    )
    assert listing.raw["offer_data"]["AUD"]["price"] == "49.95"


def test_a_disabled_product_without_stock_or_gtin() -> None:
    listing = listing_from_product(
        {"product_sku": "X-1", "product_title": "X", "enabled": False, "product_gtin": None}
    )
    assert (listing.active, listing.quantity, listing.barcode) == (False, None, "")


def test_the_stock_update_body_is_the_documented_array_shape() -> None:
    sample = golden("products_stock_price_update.request.json")
    levels = [StockLevel("ABC-123", "ABC-123", 7), StockLevel("ABC-456", "ABC-456", 0)]
    sent = [stock_update_item(level) for level in levels]
    # The stock fields are the sample's; the price offer is not ours to send.
    assert sent == [{key: item[key] for key in ("product_sku", "stock")} for item in sample]


def test_task_errors_name_their_skus() -> None:
    payload = golden("task_get.complete_with_errors.response.json")
    assert sku_errors(payload) == {"ABC-456": "Unknown product (unknown_sku)"}
    assert sku_errors({"errors": [{"sku": "A", "error": "bad"}]}) == {"A": "bad"}
    assert sku_errors(None) == {}


def test_the_throttle_figure_is_read_from_the_detail() -> None:
    assert throttle_seconds(golden("throttled.response.json")) == 48.0
    assert throttle_seconds({"detail": "Authentication credentials were not provided."}) is None


def test_a_task_ref_names_its_listing_and_quantity() -> None:
    url = golden("products_stock_price_update.response.json")["pending_url"]
    ref = task_ref(url, StockLevel("ABC 1&2", "ABC 1&2", 7))
    assert ref == url + "#ref=ABC+1%262&stock=7"
    assert split_task_ref(ref) == TaskRef(url, "ABC 1&2", "ABC 1&2", 7)
    other = task_ref(url, StockLevel("K-9", "OURS-9", 0))
    assert split_task_ref(other) == TaskRef(url, "K-9", "OURS-9", 0)
    assert split_task_ref(url) == TaskRef(url, "", "", None)


def test_an_update_time_is_kept_when_kogan_sends_one() -> None:
    since = datetime(2026, 5, 1, tzinfo=UTC)
    newer = listing_from_product({"product_sku": "N", "updated_at": "2026-05-01T00:00:00Z"})
    older = listing_from_product({"product_sku": "O", "updated_at": "2026-04-30T23:59:59Z"})
    unknown = listing_from_product({"product_sku": "U"})
    assert newer.updated_at == since
    assert [changed_since(x, since) for x in (newer, older, unknown)] == [True, False, True]


def test_local_refusals() -> None:
    assert local_refusal(StockLevel("A" * 46, "A", 1)) == (
        "Kogan product SKUs are at most 45 characters."
    )
    assert local_refusal(StockLevel("A", "A", -1)) == "Kogan stock cannot be negative."
    assert local_refusal(StockLevel("A" * 45, "A", 0)) == ""


def test_urls_handed_back_stay_on_the_stores_host() -> None:
    root = "http://127.0.0.1:8000/sandbox/kogan/api/marketplace/v2/"
    base = "http://127.0.0.1:8000/sandbox/kogan"
    own = "http://127.0.0.1:8000/sandbox/kogan/api/marketplace/v2/products/?cursor=x"
    assert follow_path(own, base, root) == own
    foreign = "https://elsewhere.example/api/marketplace/v2/task/9/?a=1"
    assert follow_path(foreign, base, root) == root + "task/9/?a=1"


# -- orders (kogan.md §5–§6) -----------------------------------------------------------------
def kogan_order(**changes: Any) -> dict[str, Any]:
    [order] = golden("orders_list.response.json")["body"]
    return {**order, **changes}


def fulfilment(*lines: tuple[str, int], tracking: str = "ABC000128B4C5") -> Fulfilment:
    return Fulfilment(
        order_ref="KGN-1234567",
        lines=tuple(ShipLine(ref, quantity) for ref, quantity in lines),
        tracking_number=tracking,
        carrier="auspost",
        carrier_name="Australia Post",
        shipped_at=datetime(2025, 5, 1, 13, 15, tzinfo=timezone(timedelta(hours=10))),
        key="order:1:KGN-1234567:1",
    )


def test_an_order_of_the_notes_maps_field_for_field() -> None:
    order = order_from_kogan(kogan_order())
    assert order == ChannelOrder(
        order_ref="KGN-1234567",
        number="KGN-1234567",
        status=OrderStatus.OPEN,
        created_at=datetime(2025, 5, 1, 1, 2, 3, tzinfo=UTC),
        updated_at=datetime(2025, 5, 1, 1, 2, 3, tzinfo=UTC),
        lines=(
            ChannelOrderLine(
                line_ref="987654",
                sku="ABC-123",
                quantity=2,
                quantity_unfulfilled=2,
                unit_price=Decimal("49.95"),
                title="Widget",
                inventory_ref="ABC-123",
                product_ref="ABC-123",
            ),
            ChannelOrderLine(
                line_ref="987655",
                sku="ABC-456",
                quantity=1,
                quantity_unfulfilled=1,
                unit_price=Decimal("0.00"),
                inventory_ref="ABC-456",
                product_ref="ABC-456",
            ),
        ),
        currency="AUD",
        total=Decimal("109.85"),
        shipping_total=Decimal("9.95"),
        customer_name="John Citizen Jr",
        customer_email="john@relay.kogan.com",
        customer_phone="0299999999",
        ship_to=OrderAddress(
            name="Jane Citizen",
            company="Acme Pty Ltd",
            line1="1 Main St",
            line2="Level 2",
            city="Melbourne",
            state="VIC",
            postcode="3000",
            country_code="AU",
            phone="0400000000",
            email="jane@relay.kogan.com",
        ),
        shipping_method="Standard",
        channel_status="ReleasedForShipment",
    )
    assert order.raw["SpecialInstructions"] == "Leave at the door"


def test_a_buyer_without_an_address_is_named_from_the_shipping_address() -> None:
    order = order_from_kogan(
        kogan_order(BuyerAddress=None, ShippingAddress={"Country": "Australia"})
    )
    assert (order.customer_name, order.ship_to.country_code) == ("", "AU")
    order = order_from_kogan(kogan_order(BuyerAddress=None))
    assert (order.customer_name, order.customer_email) == ("Jane Citizen", "jane@relay.kogan.com")


def test_dispatched_items_leave_less_to_ship_and_date_the_change() -> None:
    dispatched = [
        {
            "ID": "987654",
            "SellerSku": "ABC-123",
            "Quantity": 1,
            "DispatchDateUtc": "2025-05-02T03:00:00Z",
            "Carrier": "AUP",
            "TrackingNumber": "T1",
        }
    ]
    order = order_from_kogan(
        kogan_order(OrderStatus="PartiallyShipped", DispatchedItems=dispatched)
    )
    assert [line.quantity_unfulfilled for line in order.lines] == [1, 1]
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    assert order.updated_at == datetime(2025, 5, 2, 3, 0, tzinfo=UTC)


def test_an_open_order_with_everything_dispatched_is_shipped() -> None:
    dispatched = [
        {"ID": "987654", "SellerSku": "ABC-123", "Quantity": 2, "TrackingNumber": "T1"},
        # Named by SKU only: matched to the item of that SKU.
        {"SellerSku": "ABC-456", "Quantity": 1, "TrackingNumber": "T2"},
    ]
    order = order_from_kogan(kogan_order(DispatchedItems=dispatched))
    assert [line.quantity_unfulfilled for line in order.lines] == [0, 0]
    assert order.status == OrderStatus.SHIPPED


@pytest.mark.parametrize(
    ("kogan_status", "status"),
    [
        ("Pending", OrderStatus.PENDING),
        ("ReleasedForShipment", OrderStatus.OPEN),
        ("AcknowledgedBySeller", OrderStatus.OPEN),
        ("Shipped", OrderStatus.SHIPPED),
        ("Canceled", OrderStatus.CANCELLED),
        ("SomethingNew", OrderStatus.ON_HOLD),
    ],
)
def test_kogans_statuses_in_kucuns_words(kogan_status: str, status: OrderStatus) -> None:
    order = order_from_kogan(kogan_order(OrderStatus=kogan_status))
    assert (order.status, order.channel_status) == (status, kogan_status)


def test_a_partial_cancellation_takes_the_units_off_and_moves_the_time() -> None:
    placed = order_from_kogan(kogan_order())
    cancelled = [{"ID": "987654", "SellerSku": "ABC-123", "Quantity": 1, "Reason": "NoStock"}]
    order = order_from_kogan(kogan_order(OrderStatus="PartiallyCanceled", CancelledItems=cancelled))
    assert [(line.quantity, line.quantity_unfulfilled) for line in order.lines] == [(1, 1), (1, 1)]
    assert order.status == OrderStatus.OPEN
    assert order.updated_at > placed.updated_at
    whole = order_from_kogan(
        kogan_order(
            OrderStatus="Canceled",
            CancelledItems=[*cancelled, {"ID": "987655", "Quantity": 1}],
        )
    )
    assert whole.status == OrderStatus.CANCELLED
    assert [line.quantity for line in whole.lines] == [1, 0]
    assert whole.updated_at > order.updated_at
    # Read again, the same order keeps its time: the caller's de-duplication holds.
    assert order_from_kogan(whole.raw).updated_at == whole.updated_at


def test_an_order_without_id_or_date_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="without an ID"):
        order_from_kogan(kogan_order(ID=""))
    with pytest.raises(ValueError, match="KGN-1234567: OrderDateUtc"):
        order_from_kogan(kogan_order(OrderDateUtc="01/05/2025"))


def test_the_dispatch_body_is_the_notes_example() -> None:
    plan = dispatch_plan(kogan_order(), fulfilment(("987654", 1)))
    assert plan == [DispatchLine("987654", "ABC-123", 1)]
    body = fulfil_request("KGN-1234567", plan, fulfilment(("987654", 1)), "AUP")
    assert body == golden("orders_fulfill.request.json")


def test_a_dispatch_already_shown_under_the_tracking_number_is_not_sent_again() -> None:
    shown = [
        {"ID": "987654", "SellerSku": "ABC-123", "Quantity": 2, "TrackingNumber": "ABC000128B4C5"}
    ]
    order = kogan_order(OrderStatus="PartiallyShipped", DispatchedItems=shown)
    assert dispatch_plan(order, fulfilment(("987654", 2))) == []
    # Half done (a lost answer): only the missing item goes.
    assert dispatch_plan(order, fulfilment(("987654", 2), ("987655", 1))) == [
        DispatchLine("987655", "ABC-456", 1)
    ]


def test_a_dispatch_kogan_would_refuse_is_refused_with_the_reason() -> None:
    other = [{"ID": "987654", "SellerSku": "ABC-123", "Quantity": 2, "TrackingNumber": "OTHER"}]
    with pytest.raises(ValueError, match=r"item 987654 \(ABC-123\): 1 to dispatch but 0 left"):
        dispatch_plan(kogan_order(DispatchedItems=other), fulfilment(("987654", 1)))
    with pytest.raises(ValueError, match="has no item 111"):
        dispatch_plan(kogan_order(), fulfilment(("111", 1)))
    with pytest.raises(ValueError, match="is cancelled"):
        dispatch_plan(kogan_order(OrderStatus="Canceled"), fulfilment(("987654", 1)))


def test_the_carrier_table_maps_kucun_codes_to_kogans() -> None:
    assert carrier_codes("") == {"auspost": "AUP"}
    table = carrier_codes("Fastway=Aramex,\n fourpx = 4PX, none=NA")
    assert table == {"auspost": "AUP", "fastway": "Aramex", "fourpx": "4PX", "none": "NA"}
    assert [kogan_carrier(code, table) for code in ("auspost", "FOURPX", "")] == [
        "AUP",
        "4PX",
        "NA",
    ]
    assert kogan_carrier("fastway", carrier_codes("")) is None
    with pytest.raises(ValueError, match="'fastway' is not of the form"):
        carrier_codes("fastway")


def test_kogans_per_order_result_says_whether_the_dispatch_was_taken() -> None:
    assert fulfil_refusals(golden("orders_fulfill.response.json"), "KGN-1234567") == []
    assert fulfil_refusals(golden("orders_fulfill.fail.response.json"), "KGN-1234567") == [
        "Invalid carrier code (InvalidCarrier)"
    ]
    # Another order's failure in the same answer is not this order's.
    assert fulfil_refusals(golden("orders_fulfill.fail.response.json"), "KGN-1") == []
