"""The Inventory API (ebay.md §3.1, §4.1): paging by ``next``, reads, offers and
bulkUpdatePriceQuantity with its per-offer answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.ebay.conftest import (
    INVENTORY,
    REFRESH_TOKEN,
    SELLER,
    WRITE_HEADERS,
    Ebay,
    assert_golden,
    golden,
)

pytestmark = pytest.mark.django_db(transaction=True)


def numbered_items(count: int) -> list[dict[str, Any]]:
    return [
        {
            "sku": f"P-{number:05d}",
            "title": f"Product {number}",
            "ean": f"93{number:011d}",
            "quantity": number % 10,
        }
        for number in range(1, count + 1)
    ]


def seed_items(ebay: Ebay, count: int, seller: str = SELLER) -> None:
    ebay.emu("seed", {"sellers": [{"username": seller, "items": numbered_items(count)}]})


def pull_all(ebay: Ebay, token: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every item, following ``next``; answers the items and the number of pages."""
    url: str | None = ebay.url(f"{INVENTORY}/inventory_item?limit={limit}")
    found: list[dict[str, Any]] = []
    pages = 0
    while url:
        answer = ebay.http.get(url, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        found += page["inventoryItems"]
        pages += 1
        url = page.get("next")
    return found, pages


def bulk_update(ebay: Ebay, token: str, requests: list[dict[str, Any]]) -> Any:
    return ebay.call(
        "POST",
        f"{INVENTORY}/bulk_update_price_quantity",
        token,
        headers=WRITE_HEADERS,
        json={"requests": requests},
    )


def test_paging_follows_next_over_page_numbered_offsets(ebay: Ebay) -> None:
    seed_items(ebay, 70)
    token = ebay.user_token()
    first = ebay.call("GET", f"{INVENTORY}/inventory_item", token, params={"limit": 25}).json()
    with_ean = [item for item in first["inventoryItems"] if "ean" in item["product"]]
    assert len(with_ean) == 24  # EB-PAN-03 has a UPC only
    assert_golden(
        first | {"prev": "…", "inventoryItems": with_ean},
        golden("getInventoryItems.response"),
        exact_keys=False,
    )
    assert (first["limit"], first["size"], first["total"]) == (25, 25, 75)
    assert first["next"].endswith(
        "/sandbox/ebay/sell/inventory/v1/inventory_item?limit=25&offset=1"
    )
    assert "prev" not in first

    found, pages = pull_all(ebay, token, 25)
    assert pages == 3
    assert len(found) == 75
    assert len({item["sku"] for item in found}) == 75
    last = ebay.http.get(
        first["next"].replace("offset=1", "offset=2"), headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert (last["size"], "next" in last) == (25, False)
    assert last["prev"].endswith("offset=1")


def test_item_offsets_can_be_configured(ebay: Ebay) -> None:
    ebay.emu("seed", {"settings": {"inventory_offset": "item"}})
    token = ebay.user_token()
    first = ebay.call("GET", f"{INVENTORY}/inventory_item", token, params={"limit": 2}).json()
    assert first["next"].endswith("limit=2&offset=2")
    found, pages = pull_all(ebay, token, 2)
    assert (len(found), pages) == (5, 3)


def test_a_limit_above_200_is_refused(ebay: Ebay) -> None:
    answer = ebay.call(
        "GET", f"{INVENTORY}/inventory_item", ebay.user_token(), params={"limit": 201}
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["errorId"] == 25709


def test_item_read_gives_sku_barcode_and_quantity(ebay: Ebay) -> None:
    token = ebay.user_token()
    item = ebay.call("GET", f"{INVENTORY}/inventory_item/EB-MUG-01", token).json()
    assert item == {
        "sku": "EB-MUG-01",
        "locale": "en_AU",
        "product": {"title": "Enamel camp mug", "ean": ["9300000000101"]},
        "condition": "NEW",
        "availability": {"shipToLocationAvailability": {"quantity": 12}},
    }
    missing = ebay.call("GET", f"{INVENTORY}/inventory_item/NOPE", token)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["errorId"] == 25710


def test_bulk_get_answers_each_sku(ebay: Ebay) -> None:
    answer = ebay.call(
        "POST",
        f"{INVENTORY}/bulk_get_inventory_item",
        ebay.user_token(),
        headers={"Content-Type": "application/json"},
        json={"requests": [{"sku": "EB-PAN-03"}, {"sku": "NOPE"}]},
    )
    assert answer.status_code == 207
    first, second = answer.json()["responses"]
    assert (first["statusCode"], first["sku"]) == (200, "EB-PAN-03")
    assert first["inventoryItem"]["product"]["upc"] == ["012345678905"]
    assert (second["statusCode"], second["sku"], second["errors"][0]["errorId"]) == (
        404,
        "NOPE",
        25702,
    )


def test_offers_of_a_sku(ebay: Ebay) -> None:
    token = ebay.user_token()
    answer = ebay.call(
        "GET", f"{INVENTORY}/offer", token, params={"sku": "EB-TEA-02", "marketplace_id": "EBAY_AU"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert_golden(body, golden("getOffers.response"), exact_keys=False)
    assert body["total"] == 1
    offer = body["offers"][0]
    assert (offer["sku"], offer["availableQuantity"]) == ("EB-TEA-02", 30)
    same = ebay.call("GET", f"{INVENTORY}/offer/{offer['offerId']}", token).json()
    assert same == offer


def test_bulk_update_answers_per_offer_and_reads_reflect_it(ebay: Ebay) -> None:
    token = ebay.user_token()
    offer = ebay.call("GET", f"{INVENTORY}/offer", token, params={"sku": "EB-MUG-01"}).json()
    offer_id = offer["offers"][0]["offerId"]
    sample = golden("bulkUpdatePriceQuantity.request")
    sample["requests"][0]["sku"] = "EB-MUG-01"
    sample["requests"][0]["offers"][0]["offerId"] = offer_id
    answer = bulk_update(
        ebay,
        token,
        [*sample["requests"], {"sku": "NOPE", "shipToLocationAvailability": {"quantity": 3}}],
    )
    assert answer.status_code == 207
    ok, unknown = answer.json()["responses"]
    expected = golden("bulkUpdatePriceQuantity.response")
    expected["responses"][0]["sku"] = "EB-MUG-01"
    assert_golden({"responses": [ok]}, expected)
    assert ok["offerId"] == offer_id
    assert (unknown["statusCode"], unknown["sku"]) == (404, "NOPE")
    assert unknown["errors"][0]["errorId"] == 25702
    assert "offerId" not in unknown

    item = ebay.call("GET", f"{INVENTORY}/inventory_item/EB-MUG-01", token).json()
    assert item["availability"]["shipToLocationAvailability"]["quantity"] == 7
    read = ebay.call("GET", f"{INVENTORY}/offer/{offer_id}", token).json()
    assert read["availableQuantity"] == 7
    state = ebay.state()
    assert state["quantities"]["EB-MUG-01"] == 7
    assert state["listing_quantities"]["EB-MUG-01"] == 7


def test_all_good_entries_answer_200_and_the_listing_shows_the_lower_quantity(ebay: Ebay) -> None:
    token = ebay.user_token()
    answer = bulk_update(
        ebay,
        token,
        [
            {"sku": "EB-TEA-02", "shipToLocationAvailability": {"quantity": 4}},
            {"sku": "EB-BRD-05", "shipToLocationAvailability": {"quantity": 9}},
        ],
    )
    assert answer.status_code == 200
    assert [entry["statusCode"] for entry in answer.json()["responses"]] == [200, 200]
    state = ebay.state()
    # The offers still hold 30 and 7: a buyer sees the lower of item and offer.
    assert (state["quantities"]["EB-TEA-02"], state["listing_quantities"]["EB-TEA-02"]) == (4, 4)
    assert (state["quantities"]["EB-BRD-05"], state["listing_quantities"]["EB-BRD-05"]) == (9, 7)


def test_an_offer_of_another_sku_fails_its_entry_alone(ebay: Ebay) -> None:
    token = ebay.user_token()
    other = ebay.call("GET", f"{INVENTORY}/offer", token, params={"sku": "EB-TEA-02"}).json()
    answer = bulk_update(
        ebay,
        token,
        [
            {
                "sku": "EB-MUG-01",
                "shipToLocationAvailability": {"quantity": 1},
                "offers": [{"offerId": other["offers"][0]["offerId"], "availableQuantity": 1}],
            },
            {"sku": "EB-PAN-03", "shipToLocationAvailability": {"quantity": 2}},
        ],
    )
    assert answer.status_code == 207
    refused, done = answer.json()["responses"]
    assert (refused["statusCode"], refused["errors"][0]["errorId"]) == (400, 25713)
    assert done["statusCode"] == 200
    quantities = ebay.state()["quantities"]
    assert (quantities["EB-MUG-01"], quantities["EB-TEA-02"], quantities["EB-PAN-03"]) == (
        12,
        30,
        2,
    )


def test_more_than_25_entries_are_refused_whole(ebay: Ebay) -> None:
    token = ebay.user_token()
    requests = [
        {"sku": "EB-MUG-01", "shipToLocationAvailability": {"quantity": number}}
        for number in range(26)
    ]
    answer = bulk_update(ebay, token, requests)
    assert answer.status_code == 400
    error = answer.json()["errors"][0]
    assert (error["errorId"], error["domain"]) == (25709, "API_INVENTORY")
    assert ebay.state()["quantities"]["EB-MUG-01"] == 12
    assert bulk_update(ebay, token, requests[:25]).status_code == 200
    assert ebay.state()["quantities"]["EB-MUG-01"] == 24


def test_one_sku_per_call_can_be_required(ebay: Ebay) -> None:
    ebay.emu("seed", {"settings": {"bulk_update_one_sku_per_call": True}})
    token = ebay.user_token()
    two = [
        {"sku": "EB-MUG-01", "shipToLocationAvailability": {"quantity": 1}},
        {"sku": "EB-TEA-02", "shipToLocationAvailability": {"quantity": 1}},
    ]
    assert bulk_update(ebay, token, two).status_code == 400
    assert bulk_update(ebay, token, two[:1]).status_code == 200


def test_a_write_without_content_language_is_refused(ebay: Ebay) -> None:
    answer = ebay.call(
        "POST",
        f"{INVENTORY}/bulk_update_price_quantity",
        ebay.user_token(),
        headers={"Content-Type": "application/json"},
        json={"requests": [{"sku": "EB-MUG-01", "shipToLocationAvailability": {"quantity": 1}}]},
    )
    assert answer.status_code == 400
    assert ebay.state()["quantities"]["EB-MUG-01"] == 12


def test_a_negative_quantity_fails_its_entry(ebay: Ebay) -> None:
    answer = bulk_update(
        ebay,
        ebay.user_token(),
        [{"sku": "EB-MUG-01", "shipToLocationAvailability": {"quantity": -1}}],
    )
    assert answer.status_code == 207
    assert answer.json()["responses"][0]["statusCode"] == 400
    assert ebay.state()["quantities"]["EB-MUG-01"] == 12


def test_sellers_see_only_their_own_items(ebay: Ebay) -> None:
    ebay.emu(
        "seed",
        {
            "sellers": [
                {
                    "username": "second_seller",
                    "refresh_token": "v^1.1#second-seller-refresh-token",
                    "items": numbered_items(3),
                }
            ]
        },
    )
    token = ebay.user_token(refresh_token="v^1.1#second-seller-refresh-token")
    found, _pages = pull_all(ebay, token, 200)
    assert [item["sku"] for item in found] == ["P-00001", "P-00002", "P-00003"]
    assert ebay.call("GET", f"{INVENTORY}/inventory_item/EB-MUG-01", token).status_code == 404
    assert REFRESH_TOKEN not in str(ebay.emu("seed", {}))


def test_thousands_of_items_seed_in_bulk_and_pull_page_by_page(ebay: Ebay) -> None:
    # How fast is for `make bench`; here, that every item of many pages comes once.
    seed_items(ebay, 2_000)
    token = ebay.user_token()
    found, pages = pull_all(ebay, token, 200)
    assert len(found) == 2_005
    assert len({item["sku"] for item in found}) == 2_005
    assert pages == 11


def test_a_listing_takes_250_revisions_a_day(ebay: Ebay) -> None:
    token = ebay.user_token()
    ebay.emu("clock", {"freeze": "2026-06-01T10:00:00+00:00"})
    entries = [
        {"sku": "EB-MUG-01", "shipToLocationAvailability": {"quantity": number}}
        for number in range(25)
    ]
    for _ in range(10):
        assert bulk_update(ebay, token, entries).status_code == 200
    refused = bulk_update(
        ebay,
        token,
        [*entries[:1], {"sku": "EB-TEA-02", "shipToLocationAvailability": {"quantity": 5}}],
    )
    assert refused.status_code == 207
    over, other = refused.json()["responses"]
    assert (over["statusCode"], over["errors"][0]["category"]) == (400, "BUSINESS")
    assert other["statusCode"] == 200
    assert ebay.state()["quantities"]["EB-MUG-01"] == 24
    ebay.emu("clock", {"advance_seconds": 14 * 3600})  # the next calendar day
    assert bulk_update(ebay, token, entries[:1]).status_code == 200
    assert ebay.state()["quantities"]["EB-MUG-01"] == 0


def test_a_body_that_is_not_json_is_an_invalid_request(ebay: Ebay) -> None:
    answer = ebay.call(
        "POST",
        f"{INVENTORY}/bulk_update_price_quantity",
        ebay.user_token(),
        headers=WRITE_HEADERS,
        content=b"{not json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["errorId"] == 2004
