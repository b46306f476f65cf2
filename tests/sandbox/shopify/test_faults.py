"""Registered faults answer in place of the vendor, before or after a write applies."""

from __future__ import annotations

import pytest

from tests.sandbox.shopify.conftest import SET_QUANTITIES, ShopClient

pytestmark = pytest.mark.django_db(transaction=True)

SHOP_NAME = "{ shop { name } }"


def test_a_fault_answers_once_then_the_vendor_answers(shop: ShopClient) -> None:
    shop.emu(
        "faults",
        {
            "match": {"method": "POST", "path_regex": "graphql", "op": "shop"},
            "response": {"status": 503, "body": {"errors": "Service Unavailable"}},
            "times": 1,
        },
    )
    first = shop.gql(SHOP_NAME)
    assert first.status_code == 503
    assert first.json() == {"errors": "Service Unavailable"}
    assert shop.gql(SHOP_NAME).status_code == 200


def test_a_fault_for_another_operation_leaves_this_one_alone(shop: ShopClient) -> None:
    shop.emu(
        "faults",
        {"match": {"op": "inventorySetQuantities"}, "response": {"status": 500}, "times": 1},
    )
    assert shop.gql(SHOP_NAME).status_code == 200


def test_an_answer_lost_after_the_write_applied(shop: ShopClient) -> None:
    variants = shop.variants_by_sku()
    shop.emu(
        "faults",
        {
            "match": {"op": "inventorySetQuantities"},
            "response": {"status": 502, "body": "{}"},
            "after_apply": True,
            "times": 1,
        },
    )
    given = {
        "input": {
            "name": "available",
            "reason": "correction",
            "quantities": [
                {
                    "inventoryItemId": variants["SBX-TOTE"]["inventory_item_id"],
                    "locationId": shop.location(),
                    "quantity": 33,
                    "changeFromQuantity": 40,
                }
            ],
        }
    }
    assert shop.gql(SET_QUANTITIES, given).status_code == 502
    assert shop.variants_by_sku()["SBX-TOTE"]["available"] == 33
    # The client's retry with the same compare value is now stale: nothing applies twice.
    retry = shop.data(SET_QUANTITIES, given)["inventorySetQuantities"]
    assert retry["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"


def test_a_token_endpoint_fault(shop: ShopClient) -> None:
    shop.emu(
        "faults",
        {"match": {"op": "access_token"}, "response": {"status": 500, "body": "{}"}, "times": 1},
    )
    answer = shop.http.post(
        f"{shop.base_url}/admin/oauth/access_token", data={"grant_type": "client_credentials"}
    )
    assert answer.status_code == 500
