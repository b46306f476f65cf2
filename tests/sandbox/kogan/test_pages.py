"""The Kogan emulator's pages for people."""

from __future__ import annotations

import pytest
from django.test import Client

from kucun.sandbox.kogan import fulfil, orders, state

pytestmark = pytest.mark.django_db


def test_index_lists_sellers_with_the_sandbox_credentials(viewer_client: Client) -> None:
    state.reset()
    page = viewer_client.get("/sandbox/kogan/").content.decode()
    assert state.DEFAULT_SELLER_ID in page
    assert state.DEFAULT_SELLER_TOKEN in page
    assert "/sandbox/kogan/accounts/sandbox-seller/" in page


def test_account_page_shows_products_and_stock(viewer_client: Client) -> None:
    state.reset()
    state.emulator.set_clock(freeze="2026-03-01T04:05:06+00:00")
    mug = {"product_sku": "KG-MUG", "product_gtin": "9300000000042", "title": "Enamel mug"}
    state.seed({"sellers": [{"seller_id": "sandbox-seller", "products": [{**mug, "stock": 30}]}]})
    page = viewer_client.get("/sandbox/kogan/accounts/sandbox-seller/").content.decode()
    assert (
        "<tr><td>KG-MUG</td><td>9300000000042</td><td>Enamel mug</td><td>yes</td>"
        '<td class="text-end">30</td><td>AUD 9.95 </td><td>2026-03-01 04:05:06 UTC</td></tr>'
    ) in page
    assert viewer_client.get("/sandbox/kogan/accounts/nobody/").status_code == 404


def test_pages_need_a_login() -> None:
    response = Client().get("/sandbox/kogan/")
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]


def test_spending_matches_the_shared_bucket_arithmetic() -> None:
    """The one-UPDATE spend refuses and refills exactly as Emulator.take does."""
    state.reset()
    state.emulator.set_clock(freeze="2026-03-01T00:00:00+00:00")
    state.emulator.set_setting("rate_limit", {"capacity": 2, "refill_per_second": 0.5})
    assert state.emulator.spend("seller-1") is None
    assert state.emulator.spend("seller-1") is None
    assert state.emulator.spend("seller-1") == pytest.approx(2.0)
    assert state.emulator.spend("seller-2") is None
    state.emulator.set_clock(advance_seconds=1)
    assert state.emulator.spend("seller-1") == pytest.approx(1.0)
    state.emulator.set_clock(advance_seconds=1)
    assert state.emulator.spend("seller-1") is None
    state.emulator.set_clock(freeze="2026-02-01T00:00:00+00:00")  # a clock set back refills nothing
    assert state.emulator.spend("seller-1") == pytest.approx(2.0)


def test_orders_page_shows_orders_and_their_dispatch(viewer_client: Client) -> None:
    state.reset()
    state.emulator.set_clock(freeze="2026-03-01T04:05:06+00:00")
    placed = orders.order_place(
        state.DEFAULT_SELLER_ID,
        {
            "items": [{"product_sku": "KG-MUG", "quantity": 2}],
            "shipping_address": {
                "city": "Perth",
                "line1": "2 Side St",
                "postcode": "6000",
                "country": "AU",
                "state": "WA",
            },
        },
    )
    line = placed["Items"][0]["ID"]
    fulfil.orders_fulfil(
        state.DEFAULT_SELLER_ID,
        [
            {
                "ID": placed["ID"],
                "Items": [
                    {
                        "OrderItemID": line,
                        "Quantity": 1,
                        "ShippingCarrier": "AUP",
                        "TrackingNumber": "TRACK-1",
                    }
                ],
            }
        ],
    )
    account = viewer_client.get("/sandbox/kogan/accounts/sandbox-seller/").content.decode()
    assert "/sandbox/kogan/accounts/sandbox-seller/orders/" in account
    page = viewer_client.get("/sandbox/kogan/accounts/sandbox-seller/orders/").content.decode()
    assert "<td>KGN-0000001</td>" in page
    assert "<td>PartiallyShipped</td>" in page
    assert "Perth WA 6000 AU" in page
    assert f"<div>{line}: 2 × KG-MUG</div>" in page
    assert f"<div>{line}: 1 × KG-MUG · AUP TRACK-1 · 2026-03-01T04:05:06Z</div>" in page
    assert viewer_client.get("/sandbox/kogan/accounts/nobody/orders/").status_code == 404
