"""What the emulated schema's fields answer: views over the shop's records, read in batches
per page so that a page of 250 variants costs a handful of queries."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Q, QuerySet
from graphql import (
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
)

from kucun.sandbox.models import EmulatorRecord
from kucun.sandbox.shopify import state
from kucun.sandbox.shopify.search import search_filter

MAX_PAGE = 250


@dataclass
class Context:
    """One request: the shop, the grant, the API version and what to announce on commit."""

    shop: state.Shop
    grant: state.Grant
    version: str
    era: str
    events: list[dict[str, Any]] = field(default_factory=list)
    products: dict[int, EmulatorRecord] = field(default_factory=dict)
    search_warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def domain(self) -> str:
        return self.shop.domain

    def product(self, product_id: int) -> EmulatorRecord | None:
        if product_id not in self.products:
            self.products.update(state.product_records(self.domain, [product_id]))
        return self.products.get(product_id)

    def preload_products(self, variants: Iterable[EmulatorRecord]) -> None:
        wanted = {int(record.data["product_id"]) for record in variants} - set(self.products)
        if wanted:
            self.products.update(state.product_records(self.domain, wanted))


def ctx(info: GraphQLResolveInfo) -> Context:
    found: Context = info.context
    return found


# -- views ---------------------------------------------------------------------------------


class ShopView:
    typename = "Shop"

    def __init__(self, shop: state.Shop) -> None:
        self.shop = shop
        # A stable number per domain (str hash() differs between processes).
        number = int(hashlib.sha256(shop.domain.encode()).hexdigest()[:10], 16) % 10**11
        self.id = state.gid("Shop", number)
        self.name = shop.name
        self.email = f"owner@{shop.domain}"
        self.contactEmail = self.email
        self.myshopifyDomain = shop.domain
        self.url = f"https://{shop.domain}"
        self.currencyCode = shop.currency_code
        self.ianaTimezone = "Australia/Sydney"
        self.createdAt = state.shopify_time(shop.created_at)
        self.plan = {"publicDisplayName": "Basic", "partnerDevelopment": True, "shopifyPlus": False}
        self.primaryDomain = {"host": shop.domain, "url": self.url}


class LocationView:
    typename = "Location"

    def __init__(self, record: EmulatorRecord) -> None:
        self.record = record
        self.number = int(record.key)
        self.id = state.gid("Location", self.number)
        self.legacyResourceId = str(self.number)
        self.name = record.data.get("name", "")
        self.isActive = bool(record.data.get("isActive", True))
        self.fulfillsOnlineOrders = bool(record.data.get("fulfillsOnlineOrders", True))

    def inventoryLevel(self, info: GraphQLResolveInfo, inventoryItemId: str) -> Any:
        item = state.parse_gid(inventoryItemId, "InventoryItem")
        if item is None:
            return None
        record = state.variant_record(ctx(info).domain, state.variant_id_of_item(item))
        if record is None:
            return None
        return VariantView(record, ctx(info)).level(self.number)


class ProductView:
    typename = "Product"

    def __init__(self, record: EmulatorRecord, context: Context) -> None:
        self.record, self.context = record, context
        self.number = int(record.key)
        data = record.data
        self.id = state.gid("Product", self.number)
        self.legacyResourceId = str(self.number)
        self.title = data.get("title", "")
        self.handle = data.get("handle", "")
        self.status = data.get("status", "ACTIVE")
        self.vendor = data.get("vendor", "")
        self.createdAt = state.shopify_time(record.created_at)
        self.updatedAt = state.shopify_time(record.updated_at)

    def _variants(self) -> QuerySet[EmulatorRecord]:
        return state.variants(self.context.domain).filter(data__product_id=self.number)

    @property
    def totalInventory(self) -> int:
        return sum(
            VariantView(record, self.context).inventoryQuantity for record in self._variants()
        )

    def variants(self, info: GraphQLResolveInfo, **arguments: Any) -> dict[str, Any]:
        return record_connection(
            self._variants(), arguments, sort="ID", view=lambda r: VariantView(r, ctx(info))
        )


class VariantView:
    typename = "ProductVariant"

    def __init__(self, record: EmulatorRecord, context: Context) -> None:
        self.record, self.context = record, context
        self.number = int(record.key)
        data = record.data
        self.data = data
        self.id = state.gid("ProductVariant", self.number)
        self.legacyResourceId = str(self.number)
        self.sku = data.get("sku") or ""
        self.barcode = data.get("barcode")
        self.title = data.get("title", "Default Title")
        self.price = data.get("price", "0.00")
        self.position = int(data.get("position", 1))
        self.createdAt = state.shopify_time(record.created_at)
        self.updatedAt = state.shopify_time(record.updated_at)

    @property
    def inventoryQuantity(self) -> int:
        levels = self.data.get("levels", {})
        return sum(int(level.get("available", 0)) for level in levels.values())

    @property
    def availableForSale(self) -> bool:
        return self.inventoryQuantity > 0

    @property
    def displayName(self) -> str:
        product = self.product
        return f"{product.title} - {self.title}" if product is not None else self.title

    @property
    def product(self) -> ProductView | None:
        record = self.context.product(int(self.data["product_id"]))
        return None if record is None else ProductView(record, self.context)

    @property
    def inventoryItem(self) -> InventoryItemView:
        return InventoryItemView(self)

    def level(self, location_id: int) -> InventoryLevelView | None:
        if str(location_id) not in self.data.get("levels", {}):
            return None
        return InventoryLevelView(self, location_id)


class InventoryItemView:
    typename = "InventoryItem"

    def __init__(self, variant: VariantView) -> None:
        self.variant = variant
        self.number = state.inventory_item_id(variant.number)
        self.id = state.gid("InventoryItem", self.number)
        self.legacyResourceId = str(self.number)
        self.sku = variant.sku
        self.tracked = bool(variant.data.get("tracked", True))
        self.requiresShipping = True
        self.createdAt = variant.createdAt
        self.updatedAt = variant.updatedAt
        weight = variant.data.get("weight")
        self.measurement = {
            "id": state.gid("InventoryItemMeasurement", self.number),
            "weight": None if weight is None else {"unit": "KILOGRAMS", "value": float(weight)},
        }

    def inventoryLevel(self, info: GraphQLResolveInfo, locationId: str) -> Any:
        location = state.parse_gid(locationId, "Location")
        return None if location is None else self.variant.level(location)

    def inventoryLevels(self, info: GraphQLResolveInfo, **arguments: Any) -> dict[str, Any]:
        size, _after, backwards = page_arguments(arguments)
        numbers = sorted(int(key) for key in self.variant.data.get("levels", {}))
        if backwards:
            numbers.reverse()
        start = 0
        if _after:
            position = state.decode_cursor(_after)
            if position is None:
                raise GraphQLError(f"Invalid cursor for current pagination sort: {_after}")
            start = next((i + 1 for i, n in enumerate(numbers) if n == position[-1]), 0)
        chosen = numbers[start : start + size]
        levels = [InventoryLevelView(self.variant, number) for number in chosen]
        return connection(
            levels,
            [state.encode_cursor("level", number) for number in chosen],
            has_next=start + size < len(numbers),
            has_previous=start > 0,
        )


class InventoryLevelView:
    typename = "InventoryLevel"

    def __init__(self, variant: VariantView, location_id: int) -> None:
        self.variant, self.location_id = variant, location_id
        item = state.inventory_item_id(variant.number)
        self.id = state.gid("InventoryLevel", f"{location_id}?inventory_item_id={item}")
        self.isActive = True
        self.createdAt = variant.createdAt
        self.updatedAt = variant.updatedAt

    @property
    def item(self) -> InventoryItemView:
        return InventoryItemView(self.variant)

    @property
    def location(self) -> LocationView | None:
        record = state.location_get(self.variant.context.domain, self.location_id)
        return None if record is None else LocationView(record)

    def quantities(self, info: GraphQLResolveInfo, names: list[str]) -> list[dict[str, Any]]:
        found = []
        for name in names:
            if name not in state.QUANTITY_NAMES:
                raise GraphQLError(
                    f"The quantity name '{name}' is not valid. Valid names are: "
                    + ", ".join(state.QUANTITY_NAMES)
                    + "."
                )
            quantity = state.quantity_of(self.variant.data, self.location_id, name) or 0
            found.append(
                {
                    "id": f"{self.id}&name={name}",
                    "name": name,
                    "quantity": quantity,
                    "updatedAt": self.updatedAt,
                }
            )
        return found


class WebhookView:
    typename = "WebhookSubscription"

    def __init__(self, record: EmulatorRecord) -> None:
        data = record.data
        self.id = state.gid("WebhookSubscription", record.key)
        self.topic = data["topic"]
        self.format = data.get("format", "JSON")
        self.uri = data["uri"]
        self.callbackUrl = data["uri"]
        self.createdAt = state.shopify_time(record.created_at)
        self.updatedAt = state.shopify_time(record.updated_at)


# -- connections ---------------------------------------------------------------------------


def page_arguments(arguments: dict[str, Any]) -> tuple[int, str | None, bool]:
    """(page size, cursor, backwards) from first/after or last/before, refused as Shopify
    refuses them."""
    first, last = arguments.get("first"), arguments.get("last")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    if first is not None and last is not None:
        raise GraphQLError("providing both first and last is not supported")
    size = first if first is not None else last
    name = "first" if first is not None else "last"
    if size is None or size < 0:
        raise GraphQLError(f"The {name} argument must be a positive integer.")
    if size > MAX_PAGE:
        raise GraphQLError(f"The {name} argument must be less than or equal to {MAX_PAGE}.")
    backwards = last is not None
    cursor = arguments.get("before") if backwards else arguments.get("after")
    if arguments.get("reverse"):
        backwards = not backwards
    return size, cursor, backwards


def connection(
    views: list[Any], cursors: list[str], *, has_next: bool, has_previous: bool
) -> dict[str, Any]:
    return {
        "edges": [
            {"cursor": cursor, "node": view} for cursor, view in zip(cursors, views, strict=True)
        ],
        "nodes": views,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def record_connection(
    queryset: QuerySet[EmulatorRecord],
    arguments: dict[str, Any],
    *,
    sort: str,
    view: Callable[[EmulatorRecord], Any],
    preload: Callable[[list[EmulatorRecord]], None] | None = None,
) -> dict[str, Any]:
    """A keyset page of records: by (updated_at, id) for UPDATED_AT, else by id."""
    size, cursor, backwards = page_arguments(arguments)
    by_update = sort == "UPDATED_AT"
    position: list[Any] | None = None
    if cursor:
        position = state.decode_cursor(cursor)
        if position is None or len(position) != (3 if by_update else 2):
            raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}")
        position = position[1:]
    if by_update:
        rows, more = state.variants_page(queryset, after=position, size=size, reverse=backwards)
        cursors = [state.encode_cursor("u", *state_position(row)) for row in rows]
    else:
        if position is not None:
            record_id = int(position[0])
            queryset = (
                queryset.filter(id__lt=record_id)
                if backwards
                else queryset.filter(id__gt=record_id)
            )
        rows = list(queryset.order_by("-id" if backwards else "id")[: size + 1])
        rows, more = rows[:size], len(rows) > size
        cursors = [state.encode_cursor("i", row.id) for row in rows]
    if preload is not None:
        preload(rows)
    return connection(
        [view(row) for row in rows], cursors, has_next=more, has_previous=position is not None
    )


def state_position(record: EmulatorRecord) -> tuple[str, int]:
    return record.updated_at.isoformat(), record.id


# -- root fields ---------------------------------------------------------------------------


def variant_search(info: GraphQLResolveInfo, query: str | None, root: str) -> Q:
    found = search_filter(
        query,
        {
            "sku": lambda value: Q(data__sku=value),
            "barcode": lambda value: Q(data__barcode=value),
            "product_id": lambda value: (
                Q(data__product_id=int(value)) if value.isdigit() else Q(pk__in=[])
            ),
            "id": lambda value: Q(key=value),
        },
    )
    if found.warnings:
        ctx(info).search_warnings.append(
            {"path": [root], "query": query, "warnings": found.warnings}
        )
    return found.condition


def resolve_shop(_root: Any, info: GraphQLResolveInfo) -> ShopView:
    return ShopView(ctx(info).shop)


def resolve_locations(_root: Any, info: GraphQLResolveInfo, **arguments: Any) -> dict[str, Any]:
    found = state.locations(ctx(info).domain)
    if not arguments.get("includeInactive"):
        found = found.filter(data__isActive=True)
    return record_connection(found, arguments, sort="ID", view=LocationView)


def resolve_product_variants(
    _root: Any, info: GraphQLResolveInfo, **arguments: Any
) -> dict[str, Any]:
    context = ctx(info)
    found = state.variants(context.domain).filter(
        variant_search(info, arguments.get("query"), "productVariants")
    )
    return record_connection(
        found,
        arguments,
        sort=arguments.get("sortKey", "ID"),
        view=lambda record: VariantView(record, context),
        preload=context.preload_products,
    )


def resolve_inventory_items(
    _root: Any, info: GraphQLResolveInfo, **arguments: Any
) -> dict[str, Any]:
    context = ctx(info)
    found = state.variants(context.domain).filter(
        variant_search(info, arguments.get("query"), "inventoryItems")
    )
    return record_connection(
        found, arguments, sort="ID", view=lambda record: VariantView(record, context).inventoryItem
    )


def resolve_products(_root: Any, info: GraphQLResolveInfo, **arguments: Any) -> dict[str, Any]:
    context = ctx(info)
    found = state.emulator.records(context.domain, "product")
    condition = search_filter(arguments.get("query"), {"id": lambda value: Q(key=value)}).condition
    return record_connection(
        found.filter(condition),
        arguments,
        sort=arguments.get("sortKey", "ID"),
        view=lambda record: ProductView(record, context),
    )


def resolve_webhook_subscriptions(
    _root: Any, info: GraphQLResolveInfo, **arguments: Any
) -> dict[str, Any]:
    found = state.emulator.records(ctx(info).domain, "webhook")
    if arguments.get("topics"):
        found = found.filter(data__topic__in=arguments["topics"])
    return record_connection(found, arguments, sort="ID", view=WebhookView)


def resolve_nodes(_root: Any, info: GraphQLResolveInfo, ids: list[str]) -> list[Any]:
    if len(ids) > MAX_PAGE:
        raise GraphQLError(
            f"The input array size of {len(ids)} is greater than the maximum allowed of "
            f"{MAX_PAGE}.",
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
        )
    context = ctx(info)
    wanted: dict[int, None] = {}
    for value in ids:
        kind = state.gid_kind(value)
        if kind == "ProductVariant":
            wanted[state.parse_gid(value, kind) or 0] = None
        elif kind in ("InventoryItem", "InventoryLevel"):
            item = inventory_item_of(value)
            if item is not None:
                wanted[state.variant_id_of_item(item)] = None
    records = state.variant_records(context.domain, wanted)
    context.preload_products(records.values())
    return [node_of(context, value, records) for value in ids]


def inventory_item_of(value: str) -> int | None:
    kind = state.gid_kind(value)
    if kind == "InventoryItem":
        return state.parse_gid(value, kind)
    if kind == "InventoryLevel" and "inventory_item_id=" in value:
        number = value.rsplit("inventory_item_id=", 1)[1]
        return int(number) if number.isdigit() else None
    return None


def node_of(context: Context, value: str, variants: dict[int, EmulatorRecord]) -> Any:
    kind = state.gid_kind(value)
    if not kind:
        raise GraphQLError(
            f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"}
        )
    number = state.parse_gid(value, kind)
    if number is None:
        return None
    if kind == "ProductVariant":
        record = variants.get(number) or state.variant_record(context.domain, number)
        return None if record is None else VariantView(record, context)
    if kind in ("InventoryItem", "InventoryLevel"):
        item = inventory_item_of(value)
        variant_id = state.variant_id_of_item(item or 0)
        record = variants.get(variant_id) or state.variant_record(context.domain, variant_id)
        if record is None:
            return None
        view = VariantView(record, context)
        return view.inventoryItem if kind == "InventoryItem" else view.level(number)
    if kind == "Location":
        found = state.location_get(context.domain, number)
        return None if found is None else LocationView(found)
    if kind == "Product":
        product = context.product(number)
        return None if product is None else ProductView(product, context)
    if kind in ("Order", "FulfillmentOrder", "Fulfillment"):
        from kucun.sandbox.shopify.order_resolvers import order_node

        return order_node(context, kind, number)
    if kind == "WebhookSubscription":
        hook = state.emulator.records(context.domain, "webhook").filter(key=str(number)).first()
        return None if hook is None else WebhookView(hook)
    return None


def resolve_node(_root: Any, info: GraphQLResolveInfo, id: str) -> Any:
    return node_of(ctx(info), id, {})


def single(kind: str) -> Callable[..., Any]:
    def resolve(_root: Any, info: GraphQLResolveInfo, id: str | None = None) -> Any:
        if id is None or state.gid_kind(id) != kind:
            return None
        return node_of(ctx(info), id, {})

    return resolve


REQUIRED_SCOPES = {
    "products": "read_products",
    "product": "read_products",
    "productVariants": "read_products",
    "productVariant": "read_products",
    "inventoryItems": "read_inventory",
    "inventoryItem": "read_inventory",
    "inventoryLevel": "read_inventory",
    "locations": "read_locations",
    "location": "read_locations",
    "inventorySetQuantities": "write_inventory",
    "orders": "read_orders",
    "order": "read_orders",
    "fulfillmentOrder": "read_orders",
    "fulfillment": "read_orders",
    "fulfillmentCreate": "write_fulfillments",
    "fulfillmentTrackingInfoUpdate": "write_fulfillments",
}


def holds_scope(scopes: Iterable[str], required: str) -> bool:
    """A write scope grants its read scope too, as Shopify's do."""
    held = set(scopes)
    return required in held or required.replace("read_", "write_", 1) in held


def scoped(name: str, resolve: Callable[..., Any]) -> Callable[..., Any]:
    required = REQUIRED_SCOPES.get(name)
    if required is None:
        return resolve

    def guarded(root: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        if not holds_scope(ctx(info).grant.scopes, required):
            access = f"`{required}` access scope."
            raise GraphQLError(
                f"Access denied for {name} field. Required access: {access}",
                extensions={
                    "code": "ACCESS_DENIED",
                    "documentation": "https://shopify.dev/api/usage/access-scopes",
                    "requiredAccess": access,
                },
            )
        return resolve(root, info, **arguments)

    return guarded


def bind_resolvers(schema: GraphQLSchema) -> None:
    from kucun.sandbox.shopify import mutations, order_resolvers

    query = cast(GraphQLObjectType, schema.type_map["QueryRoot"]).fields
    query["shop"].resolve = resolve_shop
    query["locations"].resolve = resolve_locations
    query["productVariants"].resolve = resolve_product_variants
    query["inventoryItems"].resolve = resolve_inventory_items
    query["products"].resolve = resolve_products
    query["webhookSubscriptions"].resolve = resolve_webhook_subscriptions
    query["nodes"].resolve = resolve_nodes
    query["node"].resolve = resolve_node
    query["location"].resolve = single("Location")
    query["product"].resolve = single("Product")
    query["productVariant"].resolve = single("ProductVariant")
    query["inventoryItem"].resolve = single("InventoryItem")
    query["inventoryLevel"].resolve = single("InventoryLevel")
    query["webhookSubscription"].resolve = single("WebhookSubscription")
    mutation = cast(GraphQLObjectType, schema.type_map["Mutation"]).fields
    mutation["inventorySetQuantities"].resolve = mutations.inventory_set_quantities
    mutation["webhookSubscriptionCreate"].resolve = mutations.webhook_subscription_create
    mutation["webhookSubscriptionDelete"].resolve = mutations.webhook_subscription_delete
    order_resolvers.bind(query, mutation)
    for fields in (query, mutation):
        for name, definition in fields.items():
            if definition.resolve is not None:
                definition.resolve = scoped(name, definition.resolve)
    node = cast(GraphQLInterfaceType, schema.type_map["Node"])
    node.resolve_type = lambda value, _info, _type: value.typename
