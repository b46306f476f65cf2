"""Reading variants (shopify.md §3): cursor pages of at most 250, the incremental filter with
its inclusive bound, stock by inventory item, and GraphQL errors for what the schema lacks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.shopify.conftest import VARIANTS_QUERY, ShopClient, numbered_products

pytestmark = pytest.mark.django_db(transaction=True)


def read_all(shop: ShopClient, *, first: int, query: str | None = None) -> list[list[Any]]:
    """Every page of the variants' query; the bucket is made large enough not to interfere."""
    shop.emu("rate-limit", {"capacity": 100000, "refill_per_second": 100000})
    location = shop.location()
    pages, after = [], None
    while True:
        data = shop.data(
            VARIANTS_QUERY, {"first": first, "after": after, "q": query, "location": location}
        )
        connection = data["productVariants"]
        pages.append(connection["nodes"])
        if not connection["pageInfo"]["hasNextPage"]:
            return pages
        after = connection["pageInfo"]["endCursor"]
        assert after


def test_a_full_read_follows_cursors_over_three_pages(shop: ShopClient) -> None:
    shop.emu("seed", {"shops": [{"domain": shop.domain, "products": numbered_products(520)}]})
    # Five points a variant: at most 199 a page under the single-query limit of 1,000.
    pages = read_all(shop, first=199)
    assert [len(page) for page in pages] == [199, 199, 128]  # 520 seeded + the 6 of reset
    skus = [node["sku"] for page in pages for node in page]
    assert len(set(skus)) == 526
    sample = next(node for page in pages for node in page if node["sku"] == "PG-00007")
    assert sample["barcode"] == "9300000000007"
    assert sample["inventoryQuantity"] == 7
    assert sample["product"]["title"] == "Product 7"
    assert sample["inventoryItem"]["inventoryLevel"]["quantities"] == [
        {"name": "available", "quantity": 7}
    ]
    assert sample["id"].startswith("gid://shopify/ProductVariant/")
    assert sample["inventoryItem"]["id"].startswith("gid://shopify/InventoryItem/")
    assert sample["legacyResourceId"] == sample["id"].rsplit("/", 1)[1]


def test_more_than_250_per_page_is_refused(shop: ShopClient) -> None:
    answer = shop.gql("{ productVariants(first: 251) { nodes { id } } }").json()
    assert answer["data"] is None
    assert answer["errors"][0]["message"] == "The first argument must be less than or equal to 250."


def test_a_page_size_is_required(shop: ShopClient) -> None:
    answer = shop.gql("{ productVariants { nodes { id } } }").json()
    assert answer["errors"][0]["message"] == "you must provide one of first or last"


def test_the_incremental_filter_includes_its_bound(shop: ShopClient) -> None:
    shop.emu("clock", {"freeze": "2030-06-01T00:00:00+00:00"})
    shop.emu("seed", {"shops": [{"domain": shop.domain, "products": numbered_products(3)}]})
    shop.emu("clock", {"advance_seconds": 3600})
    shop.emu("orders", {"shop": shop.domain, "sku": "PG-00002", "quantity": 1})
    shop.emu("clock", {"advance_seconds": 60})
    shop.emu("orders", {"shop": shop.domain, "sku": "PG-00003", "quantity": 1})

    def skus(query: str) -> list[str]:
        return [node["sku"] for page in read_all(shop, first=50, query=query) for node in page]

    assert skus("updated_at:>='2030-06-01T01:00:00Z'") == ["PG-00002", "PG-00003"]
    assert skus("updated_at:>'2030-06-01T01:00:00Z'") == ["PG-00003"]
    assert skus("updated_at:>='2030-06-01T01:01:00Z'") == ["PG-00003"]
    older = skus("updated_at:<'2030-06-01T01:00:00Z'")
    assert "PG-00001" in older
    assert not {"PG-00002", "PG-00003"} & set(older)
    changed = shop.data(
        VARIANTS_QUERY,
        {"first": 5, "q": "updated_at:>='2030-06-01T01:00:00Z'", "location": shop.location()},
    )["productVariants"]["nodes"]
    assert [node["updatedAt"] for node in changed] == [
        "2030-06-01T01:00:00Z",
        "2030-06-01T01:01:00Z",
    ]


def test_sku_and_barcode_filters(shop: ShopClient) -> None:
    data = shop.data('{ productVariants(first: 5, query: "sku:SBX-MUG") { nodes { sku } } }')
    assert data["productVariants"]["nodes"] == [{"sku": "SBX-MUG"}]
    data = shop.data(
        '{ productVariants(first: 5, query: "barcode:9300000000055") { nodes { sku } } }'
    )
    assert data["productVariants"]["nodes"] == [{"sku": "SBX-CAP"}]


def test_an_unknown_search_field_is_ignored_with_a_warning(shop: ShopClient) -> None:
    body = shop.gql('{ productVariants(first: 2, query: "colour:red") { nodes { sku } } }').json()
    assert len(body["data"]["productVariants"]["nodes"]) == 2
    assert body["extensions"]["search"] == [
        {
            "path": ["productVariants"],
            "query": "colour:red",
            "warnings": [{"field": "colour", "message": "Invalid search field for this query."}],
        }
    ]


def test_stock_is_read_by_inventory_item_through_nodes(shop: ShopClient) -> None:
    variants = shop.variants_by_sku()
    location = shop.location()
    items = [variants["SBX-MUG"]["inventory_item_id"], variants["SBX-CAP"]["inventory_item_id"]]
    query = """
    query Stock($ids: [ID!]!, $location: ID!) {
      nodes(ids: $ids) {
        ... on InventoryItem {
          id sku
          inventoryLevel(locationId: $location) {
            quantities(names: ["available", "on_hand"]) { name quantity }
          }
        }
      }
    }
    """
    nodes = shop.data(
        query, {"ids": [*items, "gid://shopify/InventoryItem/1"], "location": location}
    )
    assert nodes["nodes"] == [
        {
            "id": items[0],
            "sku": "SBX-MUG",
            "inventoryLevel": {
                "quantities": [
                    {"name": "available", "quantity": 25},
                    {"name": "on_hand", "quantity": 25},
                ]
            },
        },
        {
            "id": items[1],
            "sku": "SBX-CAP",
            "inventoryLevel": {
                "quantities": [
                    {"name": "available", "quantity": 0},
                    {"name": "on_hand", "quantity": 0},
                ]
            },
        },
        None,
    ]


def test_inventory_items_connection_with_levels(shop: ShopClient) -> None:
    data = shop.data(
        """{ inventoryItems(first: 2, query: "sku:SBX-TOTE") { nodes { sku tracked
             inventoryLevels(first: 5) { nodes { location { name }
               quantities(names: ["available"]) { quantity } } } } } }"""
    )
    assert data["inventoryItems"]["nodes"] == [
        {
            "sku": "SBX-TOTE",
            "tracked": True,
            "inventoryLevels": {
                "nodes": [
                    {"location": {"name": "Sandbox Warehouse"}, "quantities": [{"quantity": 40}]}
                ]
            },
        }
    ]


def test_locations_connection(shop: ShopClient) -> None:
    data = shop.data("{ locations(first: 50) { nodes { id name isActive fulfillsOnlineOrders } } }")
    assert data["locations"]["nodes"] == [
        {
            "id": shop.location(),
            "name": "Sandbox Warehouse",
            "isActive": True,
            "fulfillsOnlineOrders": True,
        }
    ]


def test_an_unknown_field_is_a_graphql_error(shop: ShopClient) -> None:
    answer = shop.gql("{ productVariants(first: 1) { nodes { id colour } } }")
    assert answer.status_code == 200
    body = answer.json()
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Field 'colour' doesn't exist on type 'ProductVariant'",
            "locations": [{"line": 1, "column": 42}],
            "extensions": {
                "code": "undefinedField",
                "typeName": "ProductVariant",
                "fieldName": "colour",
            },
        }
    ]


def test_a_body_without_a_query_is_a_bad_request(shop: ShopClient) -> None:
    answer = shop.http.post(
        shop.graphql_url(),
        json={"variables": {}},
        headers={"X-Shopify-Access-Token": "shpat_sandbox_admin_token_0000"},
    )
    assert answer.status_code == 400
    assert answer.json() == {"errors": {"query": "Required parameter missing or invalid"}}


def test_a_query_over_the_single_query_limit_is_refused_before_it_runs(shop: ShopClient) -> None:
    body = shop.gql(VARIANTS_QUERY, {"first": 250, "location": shop.location()}).json()
    assert "data" not in body
    assert body["errors"][0]["extensions"] == {
        "code": "MAX_COST_EXCEEDED",
        "cost": 1252,
        "maxCost": 1000,
    }
    assert body["errors"][0]["message"].startswith(
        "Query cost is 1252, which exceeds the single query max cost limit (1000)."
    )


def test_a_lean_page_takes_250(shop: ShopClient) -> None:
    shop.emu("seed", {"shops": [{"domain": shop.domain, "products": numbered_products(300)}]})
    query = """query($after: String) { productVariants(first: 250, after: $after) {
        pageInfo { hasNextPage endCursor } nodes { sku } } }"""
    first = shop.data(query)["productVariants"]
    second = shop.data(query, {"after": first["pageInfo"]["endCursor"]})["productVariants"]
    assert (len(first["nodes"]), len(second["nodes"])) == (250, 56)
    assert second["pageInfo"] == {
        "hasNextPage": False,
        "endCursor": second["pageInfo"]["endCursor"],
    }
    assert not {node["sku"] for node in first["nodes"]} & {node["sku"] for node in second["nodes"]}
