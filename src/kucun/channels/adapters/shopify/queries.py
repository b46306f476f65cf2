"""The GraphQL documents Kucun sends to the Admin API (integrations/shopify.md §3, §4.1).

Only what the adapter reads is selected: scalars cost nothing, every object and connection adds
to the query's cost, which Shopify caps at 1,000 points per request.
"""

from __future__ import annotations

LOCATIONS = """
query Locations($first: Int!, $after: String) {
  locations(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id name isActive fulfillsOnlineOrders }
  }
}
"""

SHOP = """
query Shop {
  shop { name myshopifyDomain }
}
"""

_VARIANT_FIELDS = """
      id
      legacyResourceId
      sku
      barcode
      title
      updatedAt
      inventoryQuantity
      product { id title status updatedAt }
"""

# Without a chosen location the variant's inventoryQuantity (all locations) is the quantity.
VARIANTS = (
    """
query Variants($first: Int!, $after: String, $q: String) {
  productVariants(first: $first, after: $after, query: $q, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {"""
    + _VARIANT_FIELDS
    + """      inventoryItem { id tracked }
    }
  }
}
"""
)

# With a chosen location: the "available" quantity at that location only.
VARIANTS_AT_LOCATION = (
    """
query VariantsAtLocation($first: Int!, $after: String, $q: String, $locationId: ID!) {
  productVariants(first: $first, after: $after, query: $q, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {"""
    + _VARIANT_FIELDS
    + """      inventoryItem {
        id
        tracked
        inventoryLevel(locationId: $locationId) {
          quantities(names: ["available"]) { name quantity }
        }
      }
    }
  }
}
"""
)

STOCK = """
query Stock($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on InventoryItem { id variant { id inventoryQuantity } }
  }
}
"""

STOCK_AT_LOCATION = """
query StockAtLocation($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } }
    }
  }
}
"""


def set_quantities(idempotency_key: str) -> str:
    """The absolute-set mutation with its ``@idempotent`` directive: a replay of the same key
    answers the first result without applying the change again. The key is a literal (a UUID:
    nothing in it needs escaping)."""
    return (
        "mutation SetQuantities($input: InventorySetQuantitiesInput!) {\n"
        f'  inventorySetQuantities(input: $input) @idempotent(key: "{idempotency_key}") {{\n'
        "    inventoryAdjustmentGroup { createdAt reason"
        " changes { name delta quantityAfterChange item { id } location { id } } }\n"
        "    userErrors { field message code }\n"
        "  }\n"
        "}\n"
    )
