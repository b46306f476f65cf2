"""The part of the GraphQL Admin API schema the emulator serves, per API version.

Documents are parsed and validated against it with graphql-core, so any well-formed query
selecting these fields works and any other field is refused with a GraphQL error, as Shopify
refuses it. What changes between versions (shopify.md §2): ``changeFromQuantity`` exists from
2026-01; ``compareQuantity`` and ``ignoreCompareQuantity`` until 2026-01 (removed in 2026-04);
the ``@idempotent`` directive from 2026-01.
"""

from __future__ import annotations

from functools import cache

from graphql import GraphQLSchema, build_schema

LEGACY, TRANSITION, CURRENT = "legacy", "2026-01", "2026-04"

TOPICS = (
    "APP_UNINSTALLED",
    "FULFILLMENTS_CREATE",
    "INVENTORY_ITEMS_UPDATE",
    "INVENTORY_LEVELS_UPDATE",
    "ORDERS_CANCELLED",
    "ORDERS_CREATE",
    "ORDERS_FULFILLED",
    "ORDERS_UPDATED",
    "PRODUCTS_CREATE",
    "PRODUCTS_DELETE",
    "PRODUCTS_UPDATE",
)

BASE_SDL = """
schema { query: QueryRoot mutation: Mutation }

scalar DateTime
scalar URL
scalar UnsignedInt64
scalar Decimal
scalar Money

interface Node { id: ID! }

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

enum CurrencyCode { AUD USD NZD EUR GBP CAD CNY }
enum ProductStatus { ACTIVE ARCHIVED DRAFT }
enum WeightUnit { GRAMS KILOGRAMS OUNCES POUNDS }
enum ProductVariantSortKeys { ID INVENTORY_QUANTITY NAME POSITION RELEVANCE SKU TITLE UPDATED_AT }
enum ProductSortKeys { ID TITLE UPDATED_AT CREATED_AT RELEVANCE }
enum LocationSortKeys { ID NAME RELEVANCE }
enum WebhookSubscriptionFormat { JSON XML }
enum WebhookSubscriptionTopic { %(topics)s }
enum InventorySetQuantitiesUserErrorCode {
  CHANGE_FROM_QUANTITY_STALE COMPARE_QUANTITY_REQUIRED COMPARE_QUANTITY_STALE
  IDEMPOTENCY_CONCURRENT_REQUEST IDEMPOTENCY_KEY_PARAMETER_MISMATCH INVALID_INVENTORY_ITEM
  INVALID_LOCATION INVALID_NAME INVALID_QUANTITY_NEGATIVE INVALID_QUANTITY_TOO_HIGH
  INVALID_QUANTITY_TOO_LOW INVALID_REASON INVALID_REFERENCE_DOCUMENT ITEM_NOT_STOCKED_AT_LOCATION
  NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR NON_MUTABLE_INVENTORY_ITEM
}

type ShopPlan { publicDisplayName: String! partnerDevelopment: Boolean! shopifyPlus: Boolean! }
type Domain { host: String! url: URL! }

type Shop implements Node {
  id: ID!
  name: String!
  email: String!
  contactEmail: String!
  myshopifyDomain: String!
  url: URL!
  currencyCode: CurrencyCode!
  ianaTimezone: String!
  createdAt: DateTime!
  plan: ShopPlan!
  primaryDomain: Domain!
}

type Location implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  isActive: Boolean!
  fulfillsOnlineOrders: Boolean!
  inventoryLevel(inventoryItemId: ID!): InventoryLevel
}
type LocationEdge { cursor: String! node: Location! }
type LocationConnection { edges: [LocationEdge!]! nodes: [Location!]! pageInfo: PageInfo! }

type Product implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  handle: String!
  status: ProductStatus!
  vendor: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  totalInventory: Int!
  variants(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
  ): ProductVariantConnection!
}
type ProductEdge { cursor: String! node: Product! }
type ProductConnection { edges: [ProductEdge!]! nodes: [Product!]! pageInfo: PageInfo! }

type ProductVariant implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  sku: String
  barcode: String
  title: String!
  displayName: String!
  price: Money!
  position: Int!
  availableForSale: Boolean!
  createdAt: DateTime!
  updatedAt: DateTime!
  inventoryQuantity: Int
  product: Product!
  inventoryItem: InventoryItem!
}
type ProductVariantEdge { cursor: String! node: ProductVariant! }
type ProductVariantConnection {
  edges: [ProductVariantEdge!]!
  nodes: [ProductVariant!]!
  pageInfo: PageInfo!
}

type Weight { unit: WeightUnit! value: Float! }
type InventoryItemMeasurement { id: ID! weight: Weight }

type InventoryItem implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  sku: String
  tracked: Boolean!
  requiresShipping: Boolean!
  createdAt: DateTime!
  updatedAt: DateTime!
  variant: ProductVariant!
  measurement: InventoryItemMeasurement!
  inventoryLevel(locationId: ID!): InventoryLevel
  inventoryLevels(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
  ): InventoryLevelConnection!
}
type InventoryItemEdge { cursor: String! node: InventoryItem! }
type InventoryItemConnection {
  edges: [InventoryItemEdge!]!
  nodes: [InventoryItem!]!
  pageInfo: PageInfo!
}

type InventoryQuantity implements Node { id: ID! name: String! quantity: Int! updatedAt: DateTime }
type InventoryLevel implements Node {
  id: ID!
  isActive: Boolean!
  createdAt: DateTime!
  updatedAt: DateTime!
  item: InventoryItem!
  location: Location!
  quantities(names: [String!]!): [InventoryQuantity!]!
}
type InventoryLevelEdge { cursor: String! node: InventoryLevel! }
type InventoryLevelConnection {
  edges: [InventoryLevelEdge!]!
  nodes: [InventoryLevel!]!
  pageInfo: PageInfo!
}

type InventoryChange {
  name: String!
  delta: Int!
  quantityAfterChange: Int
  ledgerDocumentUri: URL
  item: InventoryItem
  location: Location
}
type InventoryAdjustmentGroup implements Node {
  id: ID!
  createdAt: DateTime!
  reason: String!
  referenceDocumentUri: String
  changes(
    inventoryItemIds: [ID!]
    locationIds: [ID!]
    quantityNames: [String!]
  ): [InventoryChange!]!
}
type InventorySetQuantitiesUserError {
  code: InventorySetQuantitiesUserErrorCode
  field: [String!]
  message: String!
}
type InventorySetQuantitiesPayload {
  inventoryAdjustmentGroup: InventoryAdjustmentGroup
  userErrors: [InventorySetQuantitiesUserError!]!
}

input InventoryQuantityInput {
  inventoryItemId: ID!
  locationId: ID!
  quantity: Int!
  %(quantity_input)s
}
input InventorySetQuantitiesInput {
  name: String!
  reason: String!
  referenceDocumentUri: String
  quantities: [InventoryQuantityInput!]!
  %(set_input)s
}

type UserError { field: [String!] message: String! }
type WebhookSubscription implements Node {
  id: ID!
  topic: WebhookSubscriptionTopic!
  format: WebhookSubscriptionFormat!
  uri: String!
  callbackUrl: URL!
  createdAt: DateTime!
  updatedAt: DateTime!
}
type WebhookSubscriptionEdge { cursor: String! node: WebhookSubscription! }
type WebhookSubscriptionConnection {
  edges: [WebhookSubscriptionEdge!]!
  nodes: [WebhookSubscription!]!
  pageInfo: PageInfo!
}
input WebhookSubscriptionInput {
  uri: String
  callbackUrl: URL
  format: WebhookSubscriptionFormat = JSON
}
type WebhookSubscriptionCreatePayload {
  webhookSubscription: WebhookSubscription
  userErrors: [UserError!]!
}
type WebhookSubscriptionDeletePayload { deletedWebhookSubscriptionId: ID userErrors: [UserError!]! }

type QueryRoot {
  shop: Shop!
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
  location(id: ID): Location
  locations(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
    query: String
    includeInactive: Boolean = false
    sortKey: LocationSortKeys = NAME
  ): LocationConnection!
  product(id: ID!): Product
  products(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
    query: String
    sortKey: ProductSortKeys = ID
  ): ProductConnection!
  productVariant(id: ID!): ProductVariant
  productVariants(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
    query: String
    sortKey: ProductVariantSortKeys = ID
  ): ProductVariantConnection!
  inventoryItem(id: ID!): InventoryItem
  inventoryItems(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
    query: String
  ): InventoryItemConnection!
  inventoryLevel(id: ID!): InventoryLevel
  webhookSubscription(id: ID!): WebhookSubscription
  webhookSubscriptions(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
    topics: [WebhookSubscriptionTopic!]
  ): WebhookSubscriptionConnection!
}

type Mutation {
  inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
  webhookSubscriptionCreate(
    topic: WebhookSubscriptionTopic!
    webhookSubscription: WebhookSubscriptionInput!
  ): WebhookSubscriptionCreatePayload
  webhookSubscriptionDelete(id: ID!): WebhookSubscriptionDeletePayload
}
%(directives)s
"""

ERA_PARTS = {
    LEGACY: {
        "quantity_input": "compareQuantity: Int",
        "set_input": "ignoreCompareQuantity: Boolean = false",
        "directives": "",
    },
    TRANSITION: {
        "quantity_input": "compareQuantity: Int\n  changeFromQuantity: Int",
        "set_input": "ignoreCompareQuantity: Boolean = false",
        "directives": "directive @idempotent(key: String!) on FIELD",
    },
    CURRENT: {
        "quantity_input": "changeFromQuantity: Int",
        "set_input": "",
        "directives": "directive @idempotent(key: String!) on FIELD",
    },
}


def era_of(version: str) -> str:
    if version == "unstable" or version >= "2026-04":
        return CURRENT
    if version >= "2026-01":
        return TRANSITION
    return LEGACY


@cache
def schema_for(era: str) -> GraphQLSchema:
    from kucun.sandbox.shopify.resolvers import bind_resolvers

    sdl = BASE_SDL % {**ERA_PARTS[era], "topics": " ".join(TOPICS)}
    schema = build_schema(sdl)
    bind_resolvers(schema)
    return schema
