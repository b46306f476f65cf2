"""Setting stock (shopify.md §2, §4.1): absolute quantities with compare-and-swap by API
version, all or nothing, and ``@idempotent`` replay."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.shopify.conftest import SET_QUANTITIES, ShopClient

pytestmark = pytest.mark.django_db(transaction=True)


def quantity(shop: ShopClient, item: str, location: str, **compare: Any) -> dict[str, Any]:
    return {"inventoryItemId": item, "locationId": location, **compare}


def set_input(*quantities: dict[str, Any], reason: str = "correction") -> dict[str, Any]:
    return {
        "input": {
            "name": "available",
            "reason": reason,
            "referenceDocumentUri": "gid://kucun/StockPush/1",
            "quantities": list(quantities),
        }
    }


@pytest.fixture
def mug(shop: ShopClient) -> tuple[str, str]:
    variants = shop.variants_by_sku()
    return variants["SBX-MUG"]["inventory_item_id"], shop.location()


def held(shop: ShopClient, sku: str) -> dict[str, int]:
    quantities = shop.variants_by_sku()[sku]["quantities"]
    return next(iter(quantities.values()))


def test_a_correct_change_from_quantity_sets_the_quantity(
    shop: ShopClient, mug: tuple[str, str]
) -> None:
    item, location = mug
    given = quantity(shop, item, location, quantity=12, changeFromQuantity=25)
    data = shop.data(SET_QUANTITIES, set_input(given))["inventorySetQuantities"]
    assert data["userErrors"] == []
    group = data["inventoryAdjustmentGroup"]
    assert group["reason"] == "correction"
    assert group["referenceDocumentUri"] == "gid://kucun/StockPush/1"
    assert group["changes"] == [
        {
            "name": "available",
            "delta": -13,
            "quantityAfterChange": 12,
            "item": {"id": item},
            "location": {"id": location},
        },
        {
            "name": "on_hand",
            "delta": -13,
            "quantityAfterChange": 12,
            "item": {"id": item},
            "location": {"id": location},
        },
    ]
    assert held(shop, "SBX-MUG") == {"available": 12, "on_hand": 12, "committed": 0}


def test_a_stale_change_from_quantity_changes_nothing(
    shop: ShopClient, mug: tuple[str, str]
) -> None:
    item, location = mug
    cap = shop.variants_by_sku()["SBX-CAP"]["inventory_item_id"]
    data = shop.data(
        SET_QUANTITIES,
        set_input(
            quantity(shop, cap, location, quantity=4, changeFromQuantity=0),
            quantity(shop, item, location, quantity=12, changeFromQuantity=24),
        ),
    )["inventorySetQuantities"]
    assert data == {
        "inventoryAdjustmentGroup": None,
        "userErrors": [
            {
                "field": ["input", "quantities", "1", "changeFromQuantity"],
                "message": "The changeFromQuantity value does not match persisted value.",
                "code": "CHANGE_FROM_QUANTITY_STALE",
            }
        ],
    }
    assert held(shop, "SBX-MUG")["available"] == 25
    assert held(shop, "SBX-CAP")["available"] == 0  # all or nothing


def test_a_null_change_from_quantity_skips_the_check(
    shop: ShopClient, mug: tuple[str, str]
) -> None:
    item, location = mug
    given = quantity(shop, item, location, quantity=3, changeFromQuantity=None)
    data = shop.data(SET_QUANTITIES, set_input(given))["inventorySetQuantities"]
    assert data["userErrors"] == []
    assert held(shop, "SBX-MUG")["available"] == 3


def test_from_2026_04_an_omitted_change_from_quantity_is_an_error(
    shop: ShopClient, mug: tuple[str, str]
) -> None:
    item, location = mug
    body = shop.gql(SET_QUANTITIES, set_input(quantity(shop, item, location, quantity=3))).json()
    assert body["data"] == {"inventorySetQuantities": None}
    assert "changeFromQuantity must be given" in body["errors"][0]["message"]
    assert held(shop, "SBX-MUG")["available"] == 25


def test_before_2026_01_compare_quantity_is_the_check(
    shop: ShopClient, mug: tuple[str, str]
) -> None:
    item, location = mug
    missing = shop.data(
        SET_QUANTITIES, set_input(quantity(shop, item, location, quantity=3)), version="2025-10"
    )["inventorySetQuantities"]
    assert missing["userErrors"] == [
        {
            "field": ["input", "quantities", "0", "compareQuantity"],
            "message": "The compareQuantity argument must be given to each quantity or ignored "
            "using ignoreCompareQuantity.",
            "code": "COMPARE_QUANTITY_REQUIRED",
        }
    ]
    stale = shop.data(
        SET_QUANTITIES,
        set_input(quantity(shop, item, location, quantity=3, compareQuantity=1)),
        version="2025-10",
    )["inventorySetQuantities"]
    assert stale["userErrors"][0]["code"] == "COMPARE_QUANTITY_STALE"
    applied = shop.data(
        SET_QUANTITIES,
        set_input(quantity(shop, item, location, quantity=3, compareQuantity=25)),
        version="2025-10",
    )["inventorySetQuantities"]
    assert applied["userErrors"] == []
    assert held(shop, "SBX-MUG")["available"] == 3
    # changeFromQuantity does not exist yet in 2025-10: the document is refused.
    refused = shop.gql(
        SET_QUANTITIES,
        set_input(quantity(shop, item, location, quantity=3, changeFromQuantity=3)),
        version="2025-10",
    ).json()
    assert "changeFromQuantity" in refused["errors"][0]["message"]


def test_unknown_items_locations_and_reasons_are_user_errors(
    shop: ShopClient, mug: tuple[str, str]
) -> None:
    item, location = mug
    data = shop.data(
        SET_QUANTITIES,
        set_input(
            quantity(
                shop, "gid://shopify/InventoryItem/1", location, quantity=1, changeFromQuantity=None
            ),
            quantity(shop, item, "gid://shopify/Location/1", quantity=1, changeFromQuantity=None),
            reason="because",
        ),
    )["inventorySetQuantities"]
    assert [error["code"] for error in data["userErrors"]] == [
        "INVALID_REASON",
        "INVALID_INVENTORY_ITEM",
        "INVALID_LOCATION",
    ]
    assert held(shop, "SBX-MUG")["available"] == 25


def test_more_than_250_quantities_are_refused(shop: ShopClient, mug: tuple[str, str]) -> None:
    item, location = mug
    many = [quantity(shop, item, location, quantity=1, changeFromQuantity=None) for _ in range(251)]
    body = shop.gql(SET_QUANTITIES, set_input(*many)).json()
    assert body["errors"][0]["extensions"] == {"code": "MAX_INPUT_SIZE_EXCEEDED"}
    assert (
        body["errors"][0]["message"]
        == "The input array size of 251 is greater than the maximum allowed of 250."
    )


IDEMPOTENT_SET = SET_QUANTITIES.replace(
    "inventorySetQuantities(input: $input)",
    'inventorySetQuantities(input: $input) @idempotent(key: "push-0001")',
)


def test_a_replayed_idempotency_key_returns_the_original_and_applies_nothing(
    shop: ShopClient, mug: tuple[str, str]
) -> None:
    item, location = mug
    given = set_input(quantity(shop, item, location, quantity=20, changeFromQuantity=25))
    first = shop.data(IDEMPOTENT_SET, given)["inventorySetQuantities"]
    assert first["userErrors"] == []
    shop.emu("orders", {"shop": shop.domain, "sku": "SBX-MUG", "quantity": 2})
    replay = shop.data(IDEMPOTENT_SET, given)["inventorySetQuantities"]
    assert replay == first
    assert held(shop, "SBX-MUG")["available"] == 18  # the sale stands; nothing re-applied
    mutations = [entry for entry in shop.state()["mutations"] if entry["operation"] != "order"]
    assert len(mutations) == 1


def test_an_idempotency_key_reused_with_other_parameters_is_refused(
    shop: ShopClient, mug: tuple[str, str]
) -> None:
    item, location = mug
    shop.data(
        IDEMPOTENT_SET,
        set_input(quantity(shop, item, location, quantity=20, changeFromQuantity=25)),
    )
    other = shop.data(
        IDEMPOTENT_SET, set_input(quantity(shop, item, location, quantity=5, changeFromQuantity=20))
    )["inventorySetQuantities"]
    assert other == {
        "inventoryAdjustmentGroup": None,
        "userErrors": [
            {
                "field": [],
                "message": "The same idempotency key cannot be used with different operation "
                "parameters.",
                "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
            }
        ],
    }
    assert held(shop, "SBX-MUG")["available"] == 20


def test_the_idempotent_directive_takes_a_variable(shop: ShopClient, mug: tuple[str, str]) -> None:
    item, location = mug
    query = SET_QUANTITIES.replace(
        "mutation SetQty($input: InventorySetQuantitiesInput!)",
        "mutation SetQty($input: InventorySetQuantitiesInput!, $key: String!)",
    ).replace(
        "inventorySetQuantities(input: $input)",
        "inventorySetQuantities(input: $input) @idempotent(key: $key)",
    )
    given = set_input(quantity(shop, item, location, quantity=7, changeFromQuantity=25))
    shop.data(query, {**given, "key": "k-1"})
    again = shop.data(query, {**given, "key": "k-1"})["inventorySetQuantities"]
    assert again["userErrors"] == []
    fresh = shop.data(query, {**given, "key": "k-2"})["inventorySetQuantities"]
    assert fresh["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"


def test_a_stock_write_moves_the_variants_updated_at(
    shop: ShopClient, mug: tuple[str, str]
) -> None:
    item, location = mug
    shop.emu("clock", {"freeze": "2030-01-01T00:00:00+00:00"})
    shop.data(
        SET_QUANTITIES, set_input(quantity(shop, item, location, quantity=1, changeFromQuantity=25))
    )
    assert shop.variants_by_sku()["SBX-MUG"]["updated_at"] == "2030-01-01T00:00:00Z"
