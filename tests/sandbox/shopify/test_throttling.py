"""Calculated query cost and the leaky bucket (shopify.md §8)."""

from __future__ import annotations

import pytest

from tests.sandbox.shopify.conftest import ShopClient

pytestmark = pytest.mark.django_db(transaction=True)

LOCATIONS = "{ locations(first: 10) { nodes { id name } } }"  # requested 2 + 10 × 1


def test_every_answer_carries_its_cost_and_the_bucket(shop: ShopClient) -> None:
    shop.emu("clock", {"freeze": "2030-01-01T00:00:00+00:00"})
    body = shop.gql(LOCATIONS).json()
    assert body["extensions"] == {
        "cost": {
            "requestedQueryCost": 12,
            "actualQueryCost": 3,  # one location came back: the rest is refunded
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": 1997,
                "restoreRate": 100.0,
            },
        }
    }


def test_an_exhausted_bucket_answers_throttled_and_refills_on_the_clock(
    shop: ShopClient,
) -> None:
    shop.emu("clock", {"freeze": "2030-01-01T00:00:00+00:00"})
    shop.emu("rate-limit", {"capacity": 30, "refill_per_second": 5})
    costs = [shop.gql(LOCATIONS).json()["extensions"]["cost"] for _ in range(2)]
    assert [cost["throttleStatus"]["currentlyAvailable"] for cost in costs] == [27, 24]
    shop.emu("bucket", {"shop": shop.domain, "available": 5})

    answer = shop.gql(LOCATIONS)
    assert answer.status_code == 200
    assert answer.json() == {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {
            "cost": {
                "requestedQueryCost": 12,
                "actualQueryCost": None,
                "throttleStatus": {
                    "maximumAvailable": 30.0,
                    "currentlyAvailable": 5,
                    "restoreRate": 5.0,
                },
            }
        },
    }
    # (12 − 5) / 5 = 1.4 s later the request fits again.
    shop.emu("clock", {"advance_seconds": 1})
    assert shop.gql(LOCATIONS).json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    shop.emu("clock", {"advance_seconds": 1})
    again = shop.gql(LOCATIONS).json()
    assert "errors" not in again
    assert again["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 12


def test_throttling_can_answer_429(shop: ShopClient) -> None:
    shop.emu("clock", {"freeze": "2030-01-01T00:00:00+00:00"})
    shop.emu("settings", {"throttle_status": 429})
    shop.emu("bucket", {"shop": shop.domain, "available": 0})
    answer = shop.gql(LOCATIONS)
    assert answer.status_code == 429
    assert answer.json()["errors"][0]["extensions"]["code"] == "THROTTLED"


def test_each_credential_of_a_shop_has_its_own_bucket(shop: ShopClient) -> None:
    shop.emu("rate-limit", {"capacity": 20, "refill_per_second": 0.01})
    shop.emu("clock", {"freeze": "2030-01-01T00:00:00+00:00"})
    assert "errors" not in shop.gql(LOCATIONS).json()  # admin token: 20 − 3
    assert "errors" not in shop.gql(LOCATIONS).json()  # 17 − 3
    token = shop.token()
    fresh = shop.gql(LOCATIONS, token=token).json()
    assert fresh["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 17
    # A new token of the same app shares its app's bucket.
    again = shop.gql(LOCATIONS, token=shop.token()).json()
    assert again["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 14


def test_a_mutation_costs_ten(shop: ShopClient) -> None:
    body = shop.gql(
        """mutation { webhookSubscriptionCreate(topic: PRODUCTS_UPDATE,
            webhookSubscription: {uri: "https://example.invalid/hook"}) {
              userErrors { message } } }"""
    ).json()
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    assert body["extensions"]["cost"]["actualQueryCost"] == 10


def test_the_bucket_is_shopifys_standard_plan_until_changed(shop: ShopClient) -> None:
    answer = shop.sandbox.control.get(shop.sandbox.url("shopify", "__emu/rate-limit"))
    assert answer.json() == {"capacity": 2000.0, "refill_per_second": 100.0}
