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


# Orders (shopify.md §5) ----------------------------------------------------------------------

# The line fields of §5, with the line's title and unit price (packing slips, customs values).
# ``currentQuantity`` is what remains ordered after edits and removals.
_LINE_ITEM_FIELDS = (
    "id sku title quantity currentQuantity unfulfilledQuantity variant { id sku }"
    " originalUnitPriceSet { shopMoney { amount } }"
)

_ORDER_FIELDS = (
    """
      id name createdAt updatedAt cancelledAt closedAt
      displayFinancialStatus displayFulfillmentStatus
      email phone
      currencyCode totalPriceSet { shopMoney { amount currencyCode } }
      totalShippingPriceSet { shopMoney { amount } }
      shippingLine { title code }
      customer { id firstName lastName email }
      shippingAddress {
        name company address1 address2 city province provinceCode zip country countryCodeV2 phone
      }
      lineItems(first: $lines) {
        pageInfo { hasNextPage endCursor }
        nodes { """
    + _LINE_ITEM_FIELDS
    + """ }
      }
"""
)

ORDERS = (
    """
query Orders($first: Int!, $after: String, $q: String, $lines: Int!) {
  orders(first: $first, after: $after, query: $q, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {"""
    + _ORDER_FIELDS
    + """    }
  }
}
"""
)

ORDER = (
    """
query Order($id: ID!, $lines: Int!) {
  order(id: $id) {"""
    + _ORDER_FIELDS
    + """  }
}
"""
)

# The rest of an order's lines when it has more than one page of them.
ORDER_LINE_ITEMS = (
    """
query OrderLineItems($id: ID!, $lines: Int!, $after: String) {
  order(id: $id) {
    id
    lineItems(first: $lines, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { """
    + _LINE_ITEM_FIELDS
    + """ }
    }
  }
}
"""
)


# Fulfilment (shopify.md §6) ------------------------------------------------------------------

# The order's fulfilments (to find one already made with the same tracking number) and its
# OPEN fulfillment orders, whose line items a new fulfilment names.
FULFILMENT_TARGETS = """
query FulfilmentTargets($id: ID!, $fulfillmentOrders: Int!, $lines: Int!) {
  order(id: $id) {
    id
    fulfillments(first: 50) { id status trackingInfo { company number url } }
    fulfillmentOrders(first: $fulfillmentOrders, query: "status:OPEN") {
      nodes {
        id status assignedLocation { location { id } }
        lineItems(first: $lines) { nodes { id remainingQuantity lineItem { id sku } } }
      }
    }
  }
}
"""


def fulfillment_create(idempotency_key: str) -> str:
    """``fulfillmentCreate`` with its ``@idempotent`` directive: a repeat with the same key
    answers the fulfilment first made instead of making another. The key is a UUID literal."""
    return (
        "mutation Ship($f: FulfillmentInput!, $message: String) {\n"
        "  fulfillmentCreate(fulfillment: $f, message: $message)"
        f' @idempotent(key: "{idempotency_key}") {{\n'
        "    fulfillment { id status trackingInfo { company number url } }\n"
        "    userErrors { field message }\n"
        "  }\n"
        "}\n"
    )
