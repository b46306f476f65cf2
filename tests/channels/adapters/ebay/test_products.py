"""fetch_products and fetch_stock: eBay's paging by ``next`` href, offers, quantities by SKU.

Unit tests over httpx.MockTransport, not integration tests (see test_client.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kucun.channels.adapters.base import ChannelConfig, ChannelError
from tests.channels.adapters.ebay.fakes import FakeEbay, ebay_json, fixture, make_channel

ITEMS = "/sell/inventory/v1/inventory_item"
OFFERS = "/sell/inventory/v1/offer"


def _paged_items(
    count: int, *, host: str = "https://api.ebay.com"
) -> Callable[[httpx.Request], httpx.Response]:
    """getInventoryItems over ``count`` items, whose ``offset`` is a page number (§3.1)."""

    def answer(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", "25"))
        page = int(request.url.params.get("offset", "0"))
        skus = [f"SKU-{n}" for n in range(1, count + 1)][page * limit : (page + 1) * limit]
        body: dict[str, Any] = {
            "href": f"{host}{ITEMS}?offset={page}&limit={limit}",
            "limit": limit,
            "size": len(skus),
            "total": count,
            "inventoryItems": [
                {
                    "sku": sku,
                    "product": {"title": f"Item {sku}", "ean": [f"93{sku[4:]:0>11}"]},
                    "availability": {"shipToLocationAvailability": {"quantity": int(sku[4:]) % 5}},
                }
                for sku in skus
            ],
        }
        if (page + 1) * limit < count:
            body["next"] = f"{host}{ITEMS}?offset={page + 1}&limit={limit}"
        return ebay_json(200, body)

    return answer


def test_every_page_is_read_by_following_next_with_the_page_number_offset() -> None:
    fake = FakeEbay().on("GET", ITEMS, _paged_items(450)).on("GET", OFFERS, ebay_json(404, {}))

    listings = list(make_channel(fake).fetch_products(None))

    assert [listing.sku for listing in listings] == [f"SKU-{n}" for n in range(1, 451)]
    assert [str(r.url) for r in fake.calls("GET", ITEMS)] == [
        "https://api.ebay.com/sell/inventory/v1/inventory_item?limit=200",
        "https://api.ebay.com/sell/inventory/v1/inventory_item?offset=1&limit=200",
        "https://api.ebay.com/sell/inventory/v1/inventory_item?offset=2&limit=200",
    ]
    assert listings[6].quantity == 2
    assert listings[6].barcode == "9300000000007"
    assert listings[6].title == "Item SKU-7"


def test_a_next_on_another_host_is_followed_under_our_own_root() -> None:
    """A sandbox or proxy root keeps its prefix, and the token never goes to another host."""
    fake = FakeEbay().on("GET", ITEMS, _paged_items(3, host="https://api.ebay.com"))
    fake.on("GET", "/sandbox/ebay/sell/inventory/v1/inventory_item", _paged_items(3))
    fake.on("GET", "/sandbox/ebay/sell/inventory/v1/offer", ebay_json(404, {}))
    fake.on(
        "POST",
        "/sandbox/ebay/identity/v1/oauth2/token",
        fake.routes[("POST", "/identity/v1/oauth2/token")][0],
    )
    config = ChannelConfig(
        platform="ebay",
        base_url="http://127.0.0.1:8123/sandbox/ebay",
        credentials={"client_id": "id", "client_secret": "secret", "refresh_token": "refresh"},
    )
    channel = make_channel(fake, config=config)

    pages = list(channel._inventory_pages(limit=1))

    assert [str(r.url) for r in fake.requests if "inventory_item" in r.url.path] == [
        "http://127.0.0.1:8123/sandbox/ebay/sell/inventory/v1/inventory_item?limit=1",
        "http://127.0.0.1:8123/sandbox/ebay/sell/inventory/v1/inventory_item?offset=1&limit=1",
        "http://127.0.0.1:8123/sandbox/ebay/sell/inventory/v1/inventory_item?offset=2&limit=1",
    ]
    assert len(pages) == 3


def test_a_next_outside_ebays_apis_is_refused() -> None:
    fake = FakeEbay().on(
        "GET",
        ITEMS,
        ebay_json(200, {"inventoryItems": [{"sku": "A"}], "next": "https://evil.example/steal"}),
    )
    fake.on("GET", OFFERS, ebay_json(404, {}))

    with pytest.raises(ChannelError, match="next page outside its APIs"):
        list(make_channel(fake).fetch_products(None))


def test_a_next_that_repeats_itself_ends_the_pull() -> None:
    looping = {"inventoryItems": [{"sku": "A"}], "next": f"https://api.ebay.com{ITEMS}?offset=1"}
    fake = (
        FakeEbay().on("GET", ITEMS, ebay_json(200, looping)).on("GET", OFFERS, ebay_json(404, {}))
    )

    assert [listing.sku for listing in make_channel(fake).fetch_products(None)] == ["A", "A"]
    assert len(fake.calls("GET", ITEMS)) == 2


def test_each_listing_carries_its_offer_and_listing_ids() -> None:
    page = fixture("getInventoryItems.json")
    del page["next"]

    def offers(request: httpx.Request) -> httpx.Response:
        sku = request.url.params["sku"]
        if sku == "MUG-BLUE-350":
            return ebay_json(200, fixture("getOffers.json"))
        if sku == "HAT-DRAFT":
            return ebay_json(200, fixture("getOffers.unpublished.json"))
        return ebay_json(404, {"errors": [{"errorId": 25713, "message": "No offer"}]})

    fake = FakeEbay().on("GET", ITEMS, ebay_json(200, page)).on("GET", OFFERS, offers)

    listings = list(make_channel(fake).fetch_products(datetime(2025, 6, 1, tzinfo=UTC)))

    assert [(x.sku, x.product_ref, x.variant_ref, x.active, x.quantity) for x in listings] == [
        ("MUG-BLUE-350", "110553012345", "5000012345", True, 12),
        ("BOOK-FIELD-GUIDE", "", "", True, 0),
        ("HAT-DRAFT", "", "5000067890", False, 0),
    ]
    assert sorted(r.url.params["sku"] for r in fake.calls("GET", OFFERS)) == [
        "BOOK-FIELD-GUIDE",
        "HAT-DRAFT",
        "MUG-BLUE-350",
    ]


def test_a_few_quantities_are_read_item_by_item() -> None:
    def item(request: httpx.Request) -> httpx.Response:
        sku = request.url.path.rsplit("/", 1)[1]
        if sku == "GONE":
            return ebay_json(404, {"errors": [{"errorId": 25710, "message": "Not found"}]})
        return ebay_json(
            200, {"sku": sku, "availability": {"shipToLocationAvailability": {"quantity": 4}}}
        )

    fake = FakeEbay()
    for sku in ("A-1", "GONE", "B/2"):
        fake.on("GET", f"{ITEMS}/{sku}", item)

    quantities = make_channel(fake).fetch_stock(["A-1", "GONE", "B/2", "A-1"])

    assert quantities == {"A-1": 4, "B/2": 4}
    assert len(fake.calls("POST", "/identity/v1/oauth2/token")) == 1
    assert sorted(r.url.raw_path.decode() for r in fake.api_calls()) == [
        f"{ITEMS}/A-1",
        f"{ITEMS}/B%2F2",
        f"{ITEMS}/GONE",
    ]


def test_many_quantities_are_picked_from_the_pages_stopping_when_all_are_found() -> None:
    fake = FakeEbay().on("GET", ITEMS, _paged_items(1000))
    wanted = [f"SKU-{n}" for n in range(1, 300)] + ["MISSING"]

    quantities = make_channel(fake).fetch_stock(wanted)

    assert quantities == {f"SKU-{n}": n % 5 for n in range(1, 300)}
    assert len(fake.calls("GET", ITEMS)) == 5  # MISSING keeps the scan going to the end

    fake.requests.clear()
    make_channel(fake).fetch_stock([f"SKU-{n}" for n in range(1, 300)])
    assert len(fake.calls("GET", ITEMS)) == 2


def test_no_refs_no_calls() -> None:
    fake = FakeEbay()

    assert make_channel(fake).fetch_stock([]) == {}
    assert fake.requests == []


def test_since_filters_on_our_side_keeping_items_without_a_modification_time() -> None:
    page = {
        "total": 4,
        "inventoryItems": [
            {"sku": "OLD", "lastModifiedDate": "2025-06-01T09:49:59.999Z"},
            {"sku": "WITHIN-OVERLAP", "lastModifiedDate": "2025-06-01T09:50:00.000Z"},
            {"sku": "NEW", "updatedAt": "2025-06-01T10:30:00Z"},
            {"sku": "NO-TIME"},
        ],
    }
    fake = FakeEbay().on("GET", ITEMS, ebay_json(200, page)).on("GET", OFFERS, ebay_json(404, {}))

    listings = list(make_channel(fake).fetch_products(datetime(2025, 6, 1, 10, 0, tzinfo=UTC)))

    assert [(x.sku, x.updated_at) for x in listings] == [
        ("WITHIN-OVERLAP", datetime(2025, 6, 1, 9, 50, tzinfo=UTC)),
        ("NEW", datetime(2025, 6, 1, 10, 30, tzinfo=UTC)),
        ("NO-TIME", None),
    ]
    assert sorted(r.url.params["sku"] for r in fake.calls("GET", OFFERS)) == [
        "NEW",
        "NO-TIME",
        "WITHIN-OVERLAP",
    ]
    fake.requests.clear()
    assert len(list(make_channel(fake).fetch_products(None))) == 4


@pytest.mark.parametrize(
    "href",
    [
        "https://api.ebay.com/sell/inventory/v1/inventory_item?offset=1&limit=2",
        "/sell/inventory/v1/inventory_item?offset=1&limit=2",
        "inventory_item?offset=1&limit=2",
        "?offset=1&limit=2",
    ],
)
def test_next_hrefs_absolute_or_relative_lead_to_the_same_page(href: str) -> None:
    first = {"total": 3, "inventoryItems": [{"sku": "A"}, {"sku": "B"}], "next": href}
    second = {"total": 3, "inventoryItems": [{"sku": "C"}]}
    fake = FakeEbay().on("GET", ITEMS, ebay_json(200, first), ebay_json(200, second))
    fake.on("GET", OFFERS, ebay_json(404, {}))

    assert [x.sku for x in make_channel(fake).fetch_products(None)] == ["A", "B", "C"]
    assert str(fake.calls("GET", ITEMS)[1].url) == (
        "https://api.ebay.com/sell/inventory/v1/inventory_item?offset=1&limit=2"
    )
