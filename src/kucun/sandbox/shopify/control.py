"""The Shopify emulator's control plane: reset, seed, state, and the extras ``webhooks/fire``,
``orders`` (a sale on the platform: an order), ``orders/cancel``, ``orders/change``,
``orders/fulfillments``, ``bucket`` (set a shop's rate-limit bucket) and
``settings`` (token lifetime, API versions, throttle status, webhook retries)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from kucun.sandbox.emulator import credential_digest, json_answer, json_body
from kucun.sandbox.models import EmulatorBucket
from kucun.sandbox.shopify import order_edits, order_payloads, orders, state
from kucun.sandbox.shopify.mutations import webhook_add
from kucun.sandbox.shopify.schema import TOPICS
from kucun.sandbox.shopify.webhooks import deliveries_for, dispatch_on_commit

emulator = state.emulator

DEFAULT_SHOP = {
    "domain": "kucun-sandbox.myshopify.com",
    "name": "Kucun Sandbox",
    "client_id": "sandbox-client-id-0000",
    "client_secret": "shpss_sandbox_client_secret_0000",
    "access_token": "shpat_sandbox_admin_token_0000",
    "locations": [{"name": "Sandbox Warehouse"}],
    "products": [
        {
            "title": "Sandbox Tee",
            "variants": [
                {"sku": "SBX-TEE-S", "barcode": "9300000000017", "title": "S", "quantity": 10},
                {"sku": "SBX-TEE-M", "barcode": "9300000000024", "title": "M", "quantity": 12},
                {"sku": "SBX-TEE-L", "barcode": "9300000000031", "title": "L", "quantity": 8},
            ],
        },
        {
            "title": "Sandbox Mug",
            "variants": [{"sku": "SBX-MUG", "barcode": "9300000000048", "quantity": 25}],
        },
        {
            "title": "Sandbox Cap",
            "variants": [{"sku": "SBX-CAP", "barcode": "9300000000055", "quantity": 0}],
        },
        {
            "title": "Sandbox Tote",
            "variants": [{"sku": "SBX-TOTE", "barcode": "9300000000062", "quantity": 40}],
        },
    ],
}
SETTINGS = ("token_ttl_seconds", "api_versions", "throttle_status", "webhooks")


def reset() -> None:
    emulator.wipe()
    seed({"shops": [DEFAULT_SHOP]})


@transaction.atomic
def seed(body: Mapping[str, Any]) -> dict[str, Any]:
    return {"shops": [seed_shop(shop) for shop in body.get("shops", [])]}


def seed_shop(given: Mapping[str, Any]) -> dict[str, Any]:
    domain = str(given["domain"])
    existing = state.shop_get(domain)
    if existing is None or "client_id" in given or "access_token" in given:
        state.shop_put(
            domain=domain,
            name=str(given.get("name") or domain.split(".", 1)[0]),
            client_id=str(given.get("client_id") or (existing.client_id if existing else "")),
            client_secret=str(given.get("client_secret") or ""),
            access_token=str(given.get("access_token") or ""),
            currency_code=str(given.get("currency_code", "AUD")),
            scopes=given.get("scopes") or state.DEFAULT_SCOPES,
        )
    by_name = {record.data["name"]: int(record.key) for record in state.locations(domain)}
    for location in given.get("locations", []):
        if location["name"] not in by_name:
            by_name[location["name"]] = state.location_add(
                domain, name=location["name"], active=location.get("active", True)
            )
    if not by_name:
        by_name["Shop location"] = state.location_add(domain, name="Shop location")
    default_location = next(iter(by_name.values()))
    products = [with_location_ids(product, by_name) for product in given.get("products", [])]
    created = state.products_add(domain, products, default_location=default_location)
    for hook in given.get("webhooks", []):
        webhook_add(
            domain,
            topic=str(hook["topic"]),
            uri=str(hook["uri"]),
            api_version=str(hook.get("api_version", "2026-01")),
        )
    return {
        "domain": domain,
        "locations": [
            {"id": state.gid("Location", number), "name": name} for name, number in by_name.items()
        ],
        "variant_count": len(created),
        "variants": created if len(created) <= 1000 else [],
    }


def with_location_ids(product: Mapping[str, Any], by_name: dict[str, int]) -> dict[str, Any]:
    """Variants may give ``quantities`` by location name or GID."""
    variants = []
    for variant in product.get("variants", []):
        quantities = variant.get("quantities")
        if quantities is not None:
            quantities = {
                location_number(name, by_name): int(quantity)
                for name, quantity in quantities.items()
            }
        variants.append({**variant, "quantities": quantities})
    return {**product, "variants": variants}


def location_number(name: str, by_name: dict[str, int]) -> int:
    if name in by_name:
        return by_name[name]
    number = state.parse_gid(name, "Location")
    if number is None:
        raise ValueError(f"unknown location {name!r}")
    return number


def shop_state(domain: str) -> dict[str, Any]:
    location_names = {int(record.key): record.data["name"] for record in state.locations(domain)}
    variants = []
    for record in state.variants(domain).order_by("id"):
        levels = record.data.get("levels", {})
        variants.append(
            {
                "id": state.gid("ProductVariant", record.key),
                "inventory_item_id": state.gid(
                    "InventoryItem", state.inventory_item_id(int(record.key))
                ),
                "sku": record.data.get("sku", ""),
                "barcode": record.data.get("barcode"),
                "updated_at": state.shopify_time(record.updated_at),
                "quantities": {
                    state.gid("Location", number): {
                        name: state.quantity_of(record.data, int(number), name)
                        for name in ("available", "on_hand", "committed")
                    }
                    for number in levels
                },
                "available": sum(int(level.get("available", 0)) for level in levels.values()),
            }
        )
    return {
        "domain": domain,
        "locations": [
            {"id": state.gid("Location", number), "name": name}
            for number, name in location_names.items()
        ],
        "variants": variants,
        "mutations": state.recent_mutations(domain),
        "webhooks": [
            {"id": state.gid("WebhookSubscription", record.key), **record.data}
            for record in emulator.records(domain, "webhook").order_by("id")
        ],
        "deliveries": [
            {"webhook_id": record.key, **record.data}
            for record in emulator.records(domain, "delivery").order_by("id")
        ],
        "orders": [order_summary(record) for record in orders.orders(domain).order_by("id")],
    }


def state_dump(request: HttpRequest) -> dict[str, Any]:
    wanted = request.GET.get("shop")
    domains = [wanted] if wanted else state.shop_domains()
    return {"now": emulator.now().isoformat(), "shops": [shop_state(domain) for domain in domains]}


# -- extras --------------------------------------------------------------------------------


def fire_webhook(request: HttpRequest) -> HttpResponse:
    """``{shop, topic, payload?}`` or ``{shop, topic: "products/update"|"inventory_levels/update",
    sku}``: deliver now to the shop's subscriptions of that topic. With ``"deliver": false``
    nothing is sent: the answer is the signed delivery (``headers`` and raw ``body``)."""
    body = json_body(request)
    if request.method != "POST" or not isinstance(body, dict) or "topic" not in body:
        return json_answer({"error": "POST {shop, topic, sku | payload}"}, status=400)
    domain = str(body.get("shop") or DEFAULT_SHOP["domain"])
    topic = str(body["topic"])
    event: dict[str, Any] = {"topic": topic}
    if "payload" in body:
        event["payload"] = body["payload"]
    else:
        record = state.variant_find(
            domain, sku=str(body.get("sku", "")), variant=str(body.get("variant", ""))
        )
        if record is None:
            return json_answer({"error": "no such variant"}, status=404)
        event["variant"] = int(record.key)
        event["product"] = int(record.data["product_id"])
        event["location"] = int(next(iter(record.data.get("levels", {"0": {}}))))
    if body.get("deliver") is False:
        # The delivery as it would be sent, signed, to a subscriber of this version.
        version = str(body.get("api_version", "2026-01"))
        preview = deliveries_for(domain, [event], [(topic, {"uri": "", "api_version": version})])
        if not preview:
            return json_answer({"error": "no payload for that topic"}, status=400)
        return json_answer({"headers": preview[0].headers, "body": preview[0].body.decode()})
    with transaction.atomic():
        dispatch_on_commit(domain, [event])
    return json_answer({"fired": topic, "shop": domain})


def simulate_order(request: HttpRequest) -> HttpResponse:
    """A sale on the platform: ``{shop, lines: [{sku | variant, quantity, price?, location?}],
    shipping_address?: {name, company, address1, address2, city, province, province_code, zip,
    country, country_code, phone}, shipping_line?: {title, code?, price?} (or
    shipping_line_title), email?, phone?, customer?: {first_name, last_name, email},
    financial_status?, note?}`` creates an order with a fulfillment order per location; the
    short form ``{shop, sku | variant, quantity, location?}`` is a one-line order. Available
    drops (committed rises), and ``orders/create`` and ``inventory_levels/update`` fire."""
    body = json_body(request)
    if request.method != "POST" or not isinstance(body, dict):
        return json_answer({"error": "POST {shop, lines: [{sku, quantity}], …}"}, status=400)
    domain = str(body.get("shop") or DEFAULT_SHOP["domain"])
    if "lines" not in body:
        line = {name: body[name] for name in ("sku", "variant", "location") if name in body}
        body = {**body, "lines": [{**line, "quantity": body.get("quantity", 1)}]}
    try:
        with transaction.atomic():
            record, events = orders.order_create(domain, body)
            dispatch_on_commit(domain, events)
    except orders.OrderRefused as refused:
        return json_answer({"error": refused.message}, status=refused.status)
    answer = {
        "order": state.gid("Order", record.key),
        **order_summary(record),
    }
    if len(record.data["line_items"]) == 1:
        line = record.data["line_items"][0]
        variant = state.variant_record(domain, int(line["variant_id"]))
        if variant is not None:
            answer["available"] = state.quantity_of(
                variant.data, int(line["location_id"]), "available"
            )
    return json_answer(answer, status=201)


def order_summary(record: Any) -> dict[str, Any]:
    """What the control plane shows of an order: its REST JSON and its fulfillment orders."""
    return {
        **order_payloads.order_json(record),
        "fulfillment_orders": [
            {
                "id": state.gid("FulfillmentOrder", entry["id"]),
                "status": entry["status"],
                "location_id": state.gid("Location", entry["location_id"]),
                "line_items": [
                    {
                        "id": state.gid("FulfillmentOrderLineItem", line["id"]),
                        "line_item_id": state.gid("LineItem", line["line_item_id"]),
                        "total_quantity": line["total_quantity"],
                        "remaining_quantity": line["remaining_quantity"],
                    }
                    for line in entry["line_items"]
                ],
            }
            for entry in record.data["fulfillment_orders"]
        ],
    }


def order_write(
    request: HttpRequest, change: Callable[[Any, dict[str, Any]], list[dict[str, Any]]]
) -> HttpResponse:
    body = json_body(request)
    if request.method != "POST" or not isinstance(body, dict) or not body.get("order"):
        return json_answer({"error": "POST {shop, order: GID, id or name, …}"}, status=400)
    domain = str(body.get("shop") or DEFAULT_SHOP["domain"])
    try:
        with transaction.atomic():
            record = orders.order_find(domain, body["order"], lock=True)
            if record is None:
                return json_answer({"error": f"order: no order {body['order']!r}"}, status=404)
            events = change(record, body)
            dispatch_on_commit(domain, events)
    except orders.OrderRefused as refused:
        return json_answer({"error": refused.message}, status=refused.status)
    return json_answer(order_summary(record))


def cancel_order(request: HttpRequest) -> HttpResponse:
    """``{shop, order, reason?: CUSTOMER|DECLINED|FRAUD|INVENTORY|OTHER|STAFF, restock?: true,
    refund?: true}``: the buyer or the merchant cancels an order with nothing shipped (a paid
    one is refunded, an authorised one voided); ``orders/cancelled`` and ``orders/updated``
    fire."""
    return order_write(
        request,
        lambda record, body: order_edits.order_cancel(
            record,
            reason=str(body.get("reason") or ""),
            restock=body.get("restock", True) is True,
            refund=body.get("refund", True) is True,
        ),
    )


def change_order(request: HttpRequest) -> HttpResponse:
    """``{shop, order, shipping_address?, lines?: [{sku | variant, quantity}]}``: an order
    edit (a SKU's quantity set; fewer units or 0 take back units still to ship, more add a line
    item); ``orders/updated`` fires."""
    return order_write(request, order_edits.order_change)


def order_fulfillments(request: HttpRequest) -> HttpResponse:
    """``?shop=&order=`` (or the same as JSON by POST): the order's fulfilments with their
    tracking numbers, as the REST API shows them."""
    given = json_body(request) if request.method == "POST" else dict(request.GET.items())
    if not isinstance(given, dict) or not given.get("order"):
        return json_answer({"error": "give shop and order (GID, id or name)"}, status=400)
    domain = str(given.get("shop") or DEFAULT_SHOP["domain"])
    record = orders.order_find(domain, given["order"])
    if record is None:
        return json_answer({"error": f"order: no order {given['order']!r}"}, status=404)
    return json_answer(
        {
            "order": state.gid("Order", record.key),
            "name": record.data["name"],
            "fulfillments": order_payloads.order_json(record)["fulfillments"],
        }
    )


def set_bucket(request: HttpRequest) -> HttpResponse:
    """``{shop, available}``: put this many points in each of the shop's buckets now."""
    body = json_body(request)
    if request.method != "POST" or not isinstance(body, dict) or "available" not in body:
        return json_answer({"error": "POST {shop, available}"}, status=400)
    domain = str(body.get("shop") or DEFAULT_SHOP["domain"])
    now = emulator.now().timestamp()
    for bucket in state.token_buckets(domain):
        EmulatorBucket.objects.update_or_create(
            system=emulator.system,
            credential=credential_digest(bucket),
            defaults={"tokens": float(body["available"]), "refilled_at": now},
        )
    return json_answer({"shop": domain, "available": float(body["available"])})


def settings_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        body = json_body(request)
        if not isinstance(body, dict) or set(body) - set(SETTINGS):
            return json_answer({"error": f"a JSON object of {', '.join(SETTINGS)}"}, status=400)
        for name, value in body.items():
            emulator.set_setting(name, value)
    return json_answer({name: emulator.setting(name) for name in SETTINGS})


EXTRAS = {
    "webhooks/fire": fire_webhook,
    "orders": simulate_order,
    "orders/cancel": cancel_order,
    "orders/change": change_order,
    "orders/fulfillments": order_fulfillments,
    "bucket": set_bucket,
    "settings": settings_view,
}
TOPIC_NAMES = TOPICS
