"""Orders in the GraphQL Admin API (shopify.md §5, §6): ``orders`` and ``order``, the order's
line items, fulfillment orders and fulfilments, and the ``fulfillmentCreate`` and
``fulfillmentTrackingInfoUpdate`` mutations.

``fulfillmentCreate`` checks every fulfillment order and line item before it changes
anything: an unknown id, a fulfillment order named twice or belonging to another order, one
that is closed or cancelled, and a quantity above what remains are refused with
``userErrors`` and leave the order as it was. Omitting ``fulfillmentOrderLineItems`` ships
everything that remains on that fulfillment order. A partly shipped fulfillment order is
``IN_PROGRESS``, a fully shipped one ``CLOSED``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db.models import Q
from graphql import GraphQLError, GraphQLResolveInfo

from kucun.sandbox.models import EmulatorRecord
from kucun.sandbox.shopify import orders, state
from kucun.sandbox.shopify.mutations import fingerprint, idempotency_key, replayed
from kucun.sandbox.shopify.resolvers import (
    MAX_PAGE,
    Context,
    LocationView,
    VariantView,
    connection,
    ctx,
    page_arguments,
    record_connection,
)
from kucun.sandbox.shopify.search import search_filter

# Carriers whose tracking page Shopify links by itself when no url is sent (§6).
TRACKING_URLS = {"Australia Post": "https://auspost.com.au/mypost/track/details/{number}"}
STATUS_TERM = re.compile(r"\bstatus:(?P<value>[A-Za-z_]+)", re.IGNORECASE)


def money_bag(amount: str, currency: str) -> dict[str, Any]:
    money = {"amount": amount, "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": money}


def list_connection(
    items: Sequence[Any], numbers: Sequence[int], arguments: dict[str, Any]
) -> dict[str, Any]:
    """A page of an order's own list (line items, fulfillment orders), cursors by id."""
    size, cursor, backwards = page_arguments(arguments)
    pairs = list(zip(numbers, items, strict=True))
    if backwards:
        pairs.reverse()
    start = 0
    if cursor:
        position = state.decode_cursor(cursor)
        if position is None or len(position) != 2:
            raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}")
        start = next((i + 1 for i, (n, _item) in enumerate(pairs) if n == position[1]), len(pairs))
    chosen = pairs[start : start + size]
    return connection(
        [item for _n, item in chosen],
        [state.encode_cursor("p", number) for number, _item in chosen],
        has_next=start + size < len(pairs),
        has_previous=start > 0,
    )


# -- views ---------------------------------------------------------------------------------


class OrderView:
    typename = "Order"

    def __init__(self, record: EmulatorRecord, context: Context) -> None:
        self.record, self.context, self.data = record, context, record.data
        self.number = int(record.key)
        data = record.data
        self.id = state.gid("Order", self.number)
        self.legacyResourceId = str(self.number)
        self.name = data["name"]
        self.createdAt = state.shopify_time(record.created_at)
        self.updatedAt = state.shopify_time(record.updated_at)
        self.processedAt = self.createdAt
        self.cancelledAt = data.get("cancelled_at")
        self.cancelReason = data.get("cancel_reason")
        self.closedAt = data.get("closed_at")
        self.closed = data.get("closed_at") is not None
        self.displayFinancialStatus = data["financial_status"]
        self.displayFulfillmentStatus = orders.fulfillment_status(data)
        self.email = data.get("email")
        self.phone = data.get("phone")
        self.note = data.get("note")
        self.currencyCode = data["currency"]
        totals = orders.totals(data)
        self.subtotalPriceSet = money_bag(totals["subtotal"], self.currencyCode)
        self.totalShippingPriceSet = money_bag(totals["shipping"], self.currencyCode)
        self.totalTaxSet = money_bag(totals["tax"], self.currencyCode)
        self.totalPriceSet = money_bag(totals["total"], self.currencyCode)
        self._variants: dict[int, EmulatorRecord] | None = None

    @property
    def customer(self) -> dict[str, Any] | None:
        customer = self.data.get("customer")
        if not customer:
            return None
        names = [customer.get("first_name"), customer.get("last_name")]
        return {
            "id": state.gid("Customer", customer["id"]),
            "legacyResourceId": str(customer["id"]),
            "firstName": customer.get("first_name"),
            "lastName": customer.get("last_name"),
            "displayName": " ".join(str(n) for n in names if n) or customer.get("email") or "",
            "email": customer.get("email"),
        }

    @property
    def shippingAddress(self) -> dict[str, Any] | None:
        address = self.data.get("shipping_address")
        if not address:
            return None
        return {
            "id": state.gid("MailingAddress", f"{self.number}?model_name=Address"),
            "name": address.get("name"),
            "firstName": address.get("first_name"),
            "lastName": address.get("last_name"),
            "company": address.get("company"),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province": address.get("province"),
            "provinceCode": address.get("province_code"),
            "zip": address.get("zip"),
            "country": address.get("country"),
            "countryCodeV2": address.get("country_code"),
            "phone": address.get("phone"),
        }

    @property
    def shippingLine(self) -> dict[str, Any] | None:
        line = self.data.get("shipping_line")
        if not line:
            return None
        return {
            "id": state.gid("ShippingLine", self.number + 1),
            "title": line["title"],
            "code": line.get("code"),
            "originalPriceSet": money_bag(line["price"], self.currencyCode),
        }

    def variant_record(self, variant_id: int) -> EmulatorRecord | None:
        if self._variants is None:
            wanted = {int(line["variant_id"]) for line in self.data["line_items"]}
            self._variants = state.variant_records(self.context.domain, wanted)
            self.context.preload_products(self._variants.values())
        return self._variants.get(variant_id)

    def line_item(self, line_item_id: int) -> LineItemView:
        line = next(line for line in self.data["line_items"] if int(line["id"]) == line_item_id)
        return LineItemView(line, self)

    def lineItems(self, info: GraphQLResolveInfo, **arguments: Any) -> dict[str, Any]:
        lines = self.data["line_items"]
        return list_connection(
            [LineItemView(line, self) for line in lines],
            [int(line["id"]) for line in lines],
            arguments,
        )

    def fulfillmentOrders(
        self, info: GraphQLResolveInfo, query: str | None = None, **arguments: Any
    ) -> dict[str, Any]:
        arguments.pop("displayable", None)
        wanted = {match["value"].upper() for match in STATUS_TERM.finditer(query or "")}
        chosen = [
            fulfillment_order
            for fulfillment_order in self.data["fulfillment_orders"]
            if not wanted or fulfillment_order["status"] in wanted
        ]
        return list_connection(
            [FulfillmentOrderView(entry, self) for entry in chosen],
            [int(entry["id"]) for entry in chosen],
            arguments,
        )

    def fulfillments(self, info: GraphQLResolveInfo, first: int | None = None) -> list[Any]:
        found = [FulfillmentView(entry, self) for entry in self.data["fulfillments"]]
        return found if first is None else found[:first]


class LineItemView:
    typename = "LineItem"

    def __init__(self, line: Mapping[str, Any], order: OrderView) -> None:
        self.line, self.order = line, order
        self.id = state.gid("LineItem", line["id"])
        self.title = line["title"]
        self.variantTitle = line.get("variant_title")
        self.name = f"{line['title']} - {line['variant_title']}"
        self.sku = line.get("sku") or None
        self.quantity = int(line["quantity"])
        self.currentQuantity = int(line["current_quantity"])
        self.unfulfilledQuantity = orders.line_unfulfilled(line)
        self.requiresShipping = True
        self.originalUnitPriceSet = money_bag(line["price"], order.currencyCode)

    @property
    def variant(self) -> VariantView | None:
        record = self.order.variant_record(int(self.line["variant_id"]))
        return None if record is None else VariantView(record, self.order.context)


class FulfillmentOrderView:
    typename = "FulfillmentOrder"

    def __init__(self, entry: Mapping[str, Any], order: OrderView) -> None:
        self.entry, self.order = entry, order
        self.id = state.gid("FulfillmentOrder", entry["id"])
        self.status = entry["status"]
        self.createdAt = entry["created_at"]
        self.updatedAt = entry["updated_at"]
        self.orderId = order.id
        self.orderName = order.name

    @property
    def assignedLocation(self) -> dict[str, Any]:
        record = state.location_get(self.order.context.domain, int(self.entry["location_id"]))
        location = None if record is None else LocationView(record)
        return {"name": "" if location is None else location.name, "location": location}

    def lineItems(self, info: GraphQLResolveInfo, **arguments: Any) -> dict[str, Any]:
        lines = self.entry["line_items"]
        views = [
            {
                "id": state.gid("FulfillmentOrderLineItem", line["id"]),
                "totalQuantity": int(line["total_quantity"]),
                "remainingQuantity": int(line["remaining_quantity"]),
                "lineItem": self.order.line_item(int(line["line_item_id"])),
                "sku": self.order.line_item(int(line["line_item_id"])).sku,
            }
            for line in lines
        ]
        return list_connection(views, [int(line["id"]) for line in lines], arguments)


class FulfillmentView:
    typename = "Fulfillment"

    def __init__(self, entry: Mapping[str, Any], order: OrderView) -> None:
        self.entry, self.order = entry, order
        self.id = state.gid("Fulfillment", entry["id"])
        self.legacyResourceId = str(entry["id"])
        self.name = entry["name"]
        self.status = entry["status"]
        self.createdAt = entry["created_at"]
        self.updatedAt = entry["updated_at"]
        self.totalQuantity = sum(int(part["quantity"]) for part in entry["line_items"])

    @property
    def location(self) -> LocationView | None:
        record = state.location_get(self.order.context.domain, int(self.entry["location_id"]))
        return None if record is None else LocationView(record)

    def trackingInfo(
        self, info: GraphQLResolveInfo, first: int | None = None
    ) -> list[dict[str, Any]]:
        found = [dict(entry) for entry in self.entry["tracking"]]
        return found if first is None else found[:first]

    def fulfillmentLineItems(self, info: GraphQLResolveInfo, **arguments: Any) -> dict[str, Any]:
        parts = self.entry["line_items"]
        views = [
            {
                "id": state.gid("FulfillmentLineItem", part["id"]),
                "quantity": int(part["quantity"]),
                "lineItem": self.order.line_item(int(part["line_item_id"])),
            }
            for part in parts
        ]
        return list_connection(views, [int(part["id"]) for part in parts], arguments)


# -- root fields ---------------------------------------------------------------------------


def order_search(info: GraphQLResolveInfo, query: str | None) -> Q:
    def by_status(value: str) -> Q:
        return Q() if value.lower() == "any" else Q(data__status=value.lower())

    found = search_filter(
        query,
        {
            "status": by_status,
            "financial_status": lambda value: Q(data__financial_status=value.upper()),
            "name": lambda value: Q(data__name=value if value.startswith("#") else f"#{value}"),
            "id": lambda value: Q(key=value),
            "email": lambda value: Q(data__email=value),
        },
    )
    if found.warnings:
        ctx(info).search_warnings.append(
            {"path": ["orders"], "query": query, "warnings": found.warnings}
        )
    return found.condition


def visible_orders(context: Context) -> Any:
    found = orders.orders(context.domain)
    since = orders.visible_since(context.grant.scopes)
    return found if since is None else found.filter(created_at__gte=since)


def resolve_orders(_root: Any, info: GraphQLResolveInfo, **arguments: Any) -> dict[str, Any]:
    context = ctx(info)
    found = visible_orders(context).filter(order_search(info, arguments.get("query")))
    # Ids grow with creation, so CREATED_AT, PROCESSED_AT and ORDER_NUMBER page by id.
    sort = "UPDATED_AT" if arguments.get("sortKey") == "UPDATED_AT" else "ID"
    return record_connection(
        found, arguments, sort=sort, view=lambda record: OrderView(record, context)
    )


def order_node(context: Context, kind: str, number: int) -> Any:
    """An Order, FulfillmentOrder or Fulfillment by id (None when not found or not visible)."""
    order_id = number if kind == "Order" else orders.part_order(context.domain, number, kind)
    if order_id is None:
        return None
    record = visible_orders(context).filter(key=str(order_id)).first()
    if record is None:
        return None
    order = OrderView(record, context)
    if kind == "Order":
        return order
    if kind == "FulfillmentOrder":
        entries = record.data["fulfillment_orders"]
        found = next((entry for entry in entries if int(entry["id"]) == number), None)
        return None if found is None else FulfillmentOrderView(found, order)
    fulfilments = record.data["fulfillments"]
    done = next((entry for entry in fulfilments if int(entry["id"]) == number), None)
    return None if done is None else FulfillmentView(done, order)


def single_order_part(kind: str) -> Callable[..., Any]:
    def resolve(_root: Any, info: GraphQLResolveInfo, id: str) -> Any:
        number = state.parse_gid(id, kind)
        return None if number is None else order_node(ctx(info), kind, number)

    return resolve


# -- fulfillmentCreate ---------------------------------------------------------------------


class Refusal(Exception):
    def __init__(self, field: list[str | int], message: str) -> None:
        super().__init__(message)
        self.error = {"field": [str(part) for part in field], "message": message}


def tracking_entries(given: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if not given:
        return []
    numbers = list(given.get("numbers") or ([given["number"]] if given.get("number") else []))
    urls = list(given.get("urls") or ([given["url"]] if given.get("url") else []))
    company = given.get("company")
    entries = []
    for index, number in enumerate(numbers or [None]):
        url = urls[index] if index < len(urls) else None
        if url is None and number and company in TRACKING_URLS:
            url = TRACKING_URLS[company].format(number=number)
        if number is None and url is None and company is None:
            continue
        entries.append({"company": company, "number": number, "url": url})
    return entries


def fulfillment_plan(
    context: Context, groups: Sequence[Mapping[str, Any]]
) -> tuple[EmulatorRecord, list[orders.ShipLine]]:
    """The locked order and what to ship from it, or a Refusal naming the first problem."""
    base: list[str | int] = ["fulfillment", "lineItemsByFulfillmentOrder"]
    if not groups:
        raise Refusal(base, "Line items by fulfillment order must not be empty.")
    order_ids, numbers = set(), []
    for index, group in enumerate(groups):
        number = state.parse_gid(group["fulfillmentOrderId"], "FulfillmentOrder")
        order_id = (
            None
            if number is None
            else orders.part_order(context.domain, number, "FulfillmentOrder")
        )
        if number is None or order_id is None:
            raise Refusal([*base, index, "fulfillmentOrderId"], "Fulfillment order does not exist.")
        if number in numbers:
            raise Refusal(
                [*base, index, "fulfillmentOrderId"],
                "Each fulfillment order may be given only once.",
            )
        numbers.append(number)
        order_ids.add(order_id)
    if len(order_ids) > 1:
        raise Refusal(base, "All fulfillment orders must belong to the same order.")
    record = orders.order_record(context.domain, order_ids.pop(), lock=True)
    since = orders.visible_since(context.grant.scopes)
    if record is None or (since is not None and record.created_at < since):
        raise Refusal([*base, 0, "fulfillmentOrderId"], "Fulfillment order does not exist.")
    by_id = {int(entry["id"]): entry for entry in record.data["fulfillment_orders"]}
    ship: list[orders.ShipLine] = []
    locations = set()
    for index, (group, number) in enumerate(zip(groups, numbers, strict=True)):
        fulfillment_order = by_id[number]
        if fulfillment_order["status"] not in ("OPEN", "IN_PROGRESS"):
            raise Refusal(
                [*base, index, "fulfillmentOrderId"],
                f"Fulfillment order {group['fulfillmentOrderId']} has an unfulfillable "
                f"status= {fulfillment_order['status'].lower()}.",
            )
        locations.add(int(fulfillment_order["location_id"]))
        ship += group_lines(fulfillment_order, group, [*base, index])
    if len(locations) > 1:
        raise Refusal(base, "All fulfillment orders must be assigned to the same location.")
    if not ship:
        raise Refusal(base, "There are no line items left to fulfill.")
    return record, ship


def group_lines(
    fulfillment_order: dict[str, Any], group: Mapping[str, Any], path: list[str | int]
) -> list[orders.ShipLine]:
    lines = {int(line["id"]): line for line in fulfillment_order["line_items"]}
    asked = group.get("fulfillmentOrderLineItems")
    if not asked:
        return [
            orders.ShipLine(fulfillment_order, line, int(line["remaining_quantity"]))
            for line in fulfillment_order["line_items"]
            if int(line["remaining_quantity"]) > 0
        ]
    found, seen = [], set()
    for index, item in enumerate(asked):
        where = [*path, "fulfillmentOrderLineItems", index]
        number = state.parse_gid(item["id"], "FulfillmentOrderLineItem")
        line = None if number is None else lines.get(number)
        if line is None or number in seen:
            raise Refusal([*where, "id"], "Fulfillment order line item does not exist.")
        seen.add(number)
        quantity = int(item["quantity"])
        if quantity <= 0 or quantity > int(line["remaining_quantity"]):
            raise Refusal(
                [*where, "quantity"], "Invalid fulfillment order line item quantity requested."
            )
        found.append(orders.ShipLine(fulfillment_order, line, quantity))
    return found


def fulfillment_payload(context: Context, stored: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of a fulfilment made (now or by the first call of an idempotent key)."""
    errors = list(stored.get("userErrors") or [])
    made = stored.get("fulfillment")
    view = None
    if made is not None:
        view = order_node(context, "Fulfillment", int(made))
    return {"fulfillment": view, "userErrors": errors}


def fulfillment_create(
    _root: Any, info: GraphQLResolveInfo, fulfillment: dict[str, Any], message: str | None = None
) -> dict[str, Any]:
    context = ctx(info)
    groups = fulfillment["lineItemsByFulfillmentOrder"]
    if len(groups) > MAX_PAGE:
        raise GraphQLError(
            f"The input array size of {len(groups)} is greater than the maximum allowed of "
            f"{MAX_PAGE}.",
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
        )
    key = idempotency_key(info)
    print_ = fingerprint({"fulfillmentCreate": fulfillment, "message": message})
    if key is not None:
        replay = replayed(context.domain, key, print_)
        if replay is not None:
            return fulfillment_payload(context, replay)
    try:
        record, ship = fulfillment_plan(context, groups)
    except Refusal as refusal:
        stored: dict[str, Any] = {"fulfillment": None, "userErrors": [refusal.error]}
    else:
        made, events = orders.fulfil(
            record,
            ship,
            tracking=tracking_entries(fulfillment.get("trackingInfo")),
            message=message,
            notify_customer=bool(fulfillment.get("notifyCustomer")),
        )
        context.events.extend(events)
        stored = {"fulfillment": made["id"], "userErrors": []}
    if key is not None:
        state.emulator.put(
            context.domain,
            "idempotency",
            hashlib.sha256(key.encode()).hexdigest(),
            {"fingerprint": print_, **stored},
        )
    return fulfillment_payload(context, stored)


def fulfillment_tracking_info_update(
    _root: Any,
    info: GraphQLResolveInfo,
    fulfillmentId: str,
    trackingInfoInput: dict[str, Any],
    notifyCustomer: bool | None = None,
) -> dict[str, Any]:
    context = ctx(info)
    number = state.parse_gid(fulfillmentId, "Fulfillment")
    order_id = None if number is None else orders.part_order(context.domain, number, "Fulfillment")
    record = None if order_id is None else orders.order_record(context.domain, order_id, lock=True)
    if number is None or record is None or order_node(context, "Fulfillment", number) is None:
        return {
            "fulfillment": None,
            "userErrors": [{"field": ["fulfillmentId"], "message": "Fulfillment does not exist."}],
        }
    orders.tracking_update(record, number, tracking_entries(trackingInfoInput))
    context.events.append({"topic": "orders/updated", "order": order_id})
    return {"fulfillment": order_node(context, "Fulfillment", number), "userErrors": []}


def bind(query: dict[str, Any], mutation: dict[str, Any]) -> None:
    query["orders"].resolve = resolve_orders
    query["order"].resolve = single_order_part("Order")
    query["fulfillmentOrder"].resolve = single_order_part("FulfillmentOrder")
    query["fulfillment"].resolve = single_order_part("Fulfillment")
    mutation["fulfillmentCreate"].resolve = fulfillment_create
    mutation["fulfillmentTrackingInfoUpdate"].resolve = fulfillment_tracking_info_update
