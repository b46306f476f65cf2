"""The Pisell emulator's control plane: reset, seed, state, and the extras ``webhooks/fire``,
``orders`` (a sale on the platform that Kucun has not seen), ``orders/cancel``,
``orders/update`` and ``fulfillments``. Formats in the package docstring."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from kucun.sandbox.emulator import json_answer, json_body
from kucun.sandbox.pisell.orders import (
    OrderRefused,
    fulfillments_of,
    order_cancel,
    order_change,
    order_json,
    order_place,
    order_record,
)
from kucun.sandbox.pisell.store import (
    DEFAULT_TENANT,
    DEMO_ACCESS_TOKEN,
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    EMULATOR,
    EVENTS,
    PISELL_RATE_LIMIT,
    Tenant,
    find_variant,
    generated_products,
    iso,
    product_json,
    products_add,
    products_by_id,
    tenant_create,
    tenant_ids,
    tenant_named,
    tenant_state,
    variants_by_sku,
)
from kucun.sandbox.pisell.webhooks import event_fire, webhook_register

DEMO_PRODUCTS = [
    {
        "title": "Dog Treats",
        "variants": [
            {
                "sku": "TREAT-43G",
                "barcode": "9300000000017",
                "title": "43g",
                "price": "4.95",
                "stock_quantity": 12,
            },
            {
                "sku": "TREAT-100G",
                "barcode": "9300000000024",
                "title": "100g",
                "price": "8.95",
                "stock_quantity": 30,
            },
        ],
    },
    {
        "title": "Cat Scratcher",
        "variants": [
            {
                "sku": "SCRATCH-S",
                "barcode": "9300000000031",
                "title": "Small",
                "price": "19.95",
                "stock": {"loc_main": 4, "loc_backroom": 6},
            },
        ],
    },
    {
        "title": "Leather Lead",
        "variants": [
            {
                "sku": "LEAD-RED",
                "barcode": "9300000000048",
                "title": "Red",
                "price": "24.00",
                "stock_quantity": 7,
            },
            {
                "sku": "LEAD-BLK",
                "barcode": "9300000000055",
                "title": "Black",
                "price": "24.00",
                "stock_quantity": 0,
            },
        ],
    },
    {
        "title": "Fish Flakes",
        "status": "draft",
        "variants": [
            {
                "sku": "FLAKES-50G",
                "barcode": "9300000000062",
                "title": "50g",
                "price": "6.50",
                "stock_quantity": 15,
            },
        ],
    },
]


def reset() -> None:
    """Drop everything and load the default tenant (package docstring)."""
    EMULATOR.wipe()
    EMULATOR.set_setting("rate_limit", PISELL_RATE_LIMIT)
    tenant_create(
        tenant_id=DEFAULT_TENANT,
        name="Pisell Demo Store",
        api_key=DEMO_API_KEY,
        domain="demo.mypisell.com",
        locations=[
            {"id": "loc_main", "name": "Shop", "default": True},
            {"id": "loc_backroom", "name": "Back room"},
        ],
        client={
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "access_token": DEMO_ACCESS_TOKEN,
        },
    )
    demo = tenant_named(DEFAULT_TENANT)
    assert demo is not None
    products_add(demo, copy.deepcopy(DEMO_PRODUCTS))


def seed_tenant(spec: Mapping[str, Any]) -> int:
    tenant_id = str(spec["id"])
    tenant_create(
        tenant_id=tenant_id,
        name=str(spec.get("name", tenant_id)),
        api_key=str(spec["api_key"]),
        domain=str(spec.get("domain", "")),
        locations=spec.get("locations") or (),
        client={
            key: str(spec[key])
            for key in ("client_id", "client_secret", "access_token")
            if key in spec
        },
        local_time_zone=str(spec.get("local_time_zone", "")),
    )
    for webhook in spec.get("webhooks", []):
        webhook_register(
            tenant_id,
            url=str(webhook["url"]),
            events=list(webhook["events"]),
            webhook_id=str(webhook.get("id", "")),
            secret=str(webhook.get("secret", "")),
        )
    tenant = tenant_named(tenant_id)
    assert tenant is not None
    return products_add(tenant, spec.get("products", []))


class SeedRefused(Exception):
    """A seed that names something the emulator does not hold."""


def seeded_tenant(spec: Mapping[str, Any]) -> Tenant:
    tenant = tenant_named(str(spec.get("tenant", DEFAULT_TENANT)))
    if tenant is None:
        raise SeedRefused(f"no tenant {spec.get('tenant')!r}: seed it under tenants first")
    return tenant


def seed_load(body: Mapping[str, Any]) -> dict[str, int]:
    added = {"tenants": 0, "variants": 0}
    for spec in body.get("tenants", []):
        added["variants"] += seed_tenant(spec)
        added["tenants"] += 1
    more = body.get("products")
    if more:
        added["variants"] += products_add(seeded_tenant(more), more.get("items", []))
    generate = body.get("generate")
    if generate:
        quantity = generate.get("quantity")
        added["variants"] += products_add(
            seeded_tenant(generate),
            generated_products(
                count=int(generate["count"]),
                prefix=str(generate.get("prefix", "GEN")),
                quantity=None if quantity is None else int(quantity),
            ),
        )
    orders = body.get("orders") or []
    if not isinstance(orders, list) or not all(isinstance(spec, dict) for spec in orders):
        raise SeedRefused("orders must be a list of order objects")
    for spec in orders:
        order_place(seeded_tenant(spec), spec)
    added["orders"] = len(orders)
    return added


def seed(body: Mapping[str, Any]) -> dict[str, int] | HttpResponse:
    """Load tenants, products and generated catalogues, all or nothing; answers what was
    added, or a 400 saying what is wrong with the seed."""
    try:
        with transaction.atomic():
            return seed_load(body)
    except SeedRefused as refused:
        return json_answer({"error": str(refused)}, status=400)
    except OrderRefused as refused:
        return json_answer({"error": refused.detail, "errors": refused.errors}, status=400)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return json_answer({"error": f"malformed seed: {type(error).__name__} {error}"}, status=400)


def state(request: HttpRequest) -> dict[str, Any]:
    wanted = request.GET.get("tenant")
    tenants = [wanted] if wanted else tenant_ids()
    return {"now": EMULATOR.now().isoformat(), "tenants": {t: state_of(t) for t in tenants}}


def state_of(tenant_id: str) -> dict[str, Any]:
    orders = EMULATOR.records(tenant_id, "order").order_by("pk")
    return {**tenant_state(tenant_id), "orders": [order_json(record) for record in orders]}


def tenant_of(body: Mapping[str, Any]) -> Tenant | None:
    return tenant_named(str(body.get("tenant") or DEFAULT_TENANT))


def event_data(tenant: Tenant, body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``data`` of an event fired by hand: given, or the product / variant / order named."""
    if isinstance(body.get("data"), dict):
        return dict(body["data"])
    event = body["event"]
    if event.startswith("order."):
        record = order_record(tenant, str(body.get("order_id", "")))
        return None if record is None else order_json(record, tenant.local_time_zone)
    links = variants_by_sku(tenant, [str(body.get("sku", ""))])
    if not links:
        return None
    product_id, variant_id = next(iter(links.values()))
    record = products_by_id(tenant, [product_id])[product_id]
    if event == "product.updated":
        return product_json(record, tenant.local_time_zone)
    variant = find_variant(record.data, variant_id)
    return inventory_data(tenant, record.data["id"], variant, tenant.default_location)


def inventory_data(
    tenant: Tenant, product_id: str, variant: Mapping[str, Any], location: str
) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "variant_id": variant["id"],
        "sku": variant["sku"],
        "location_id": location,
        "quantity": int(variant["stock"].get(location, 0)),
        "updated_at": iso(EMULATOR.now()),
    }


def fire(request: HttpRequest) -> HttpResponse:
    """``__emu/webhooks/fire``: sign and (unless ``deliver`` is false) deliver one event."""
    body = json_body(request)
    if not isinstance(body, dict) or body.get("event") not in EVENTS:
        return json_answer({"error": f"event must be one of {', '.join(EVENTS)}"}, status=400)
    tenant = tenant_of(body)
    if tenant is None:
        return json_answer({"error": "no such tenant"}, status=404)
    data = event_data(tenant, body)
    if data is None:
        return json_answer({"error": "no such SKU or order"}, status=404)
    deliveries = event_fire(tenant, body["event"], data, deliver=body.get("deliver", True))
    return json_answer({"deliveries": deliveries})


def refused_answer(refused: OrderRefused) -> HttpResponse:
    return json_answer({"error": refused.detail, "errors": refused.errors}, status=refused.status)


def orders_view(request: HttpRequest) -> HttpResponse:
    """``__emu/orders``: POST places an order (package docstring); GET lists a tenant's
    orders (``?tenant=``) with their fulfilments."""
    if request.method == "GET":
        tenant_id = request.GET.get("tenant") or DEFAULT_TENANT
        found = EMULATOR.records(tenant_id, "order").order_by("pk")
        return json_answer(
            {
                "orders": [
                    {
                        "order": order_json(record),
                        "fulfillments": fulfillments_of(tenant_id, record.key),
                    }
                    for record in found
                ]
            }
        )
    body = json_body(request)
    if not isinstance(body, dict):
        return json_answer({"error": "a JSON object is expected"}, status=400)
    tenant = tenant_of(body)
    if tenant is None:
        return json_answer({"error": "no such tenant"}, status=404)
    try:
        with transaction.atomic():
            record, changes = order_place(tenant, body)
    except OrderRefused as refused:
        return refused_answer(refused)
    order = order_json(record, tenant.local_time_zone)
    deliveries = event_fire(tenant, "order.created", order)
    location = str(record.data["location_id"])
    for product_id, variant in changes:
        deliveries += event_fire(
            tenant, "inventory.updated", inventory_data(tenant, product_id, variant, location)
        )
    return json_answer({"order": order, "deliveries": deliveries}, status=201)


def order_named(body: Any) -> tuple[Tenant, str] | HttpResponse:
    if not isinstance(body, dict) or not isinstance(body.get("order_id"), str):
        return json_answer({"error": '{"tenant", "order_id", …} is expected'}, status=400)
    tenant = tenant_of(body)
    if tenant is None:
        return json_answer({"error": "no such tenant"}, status=404)
    return tenant, body["order_id"]


def orders_cancel_view(request: HttpRequest) -> HttpResponse:
    """``__emu/orders/cancel``: ``{"tenant", "order_id", "restock"?: true, "refunded"?:
    false}`` closes the order, puts back what was not fulfilled and fires
    ``order.cancelled`` (and ``inventory.updated`` per variant restocked)."""
    body = json_body(request)
    named = order_named(body)
    if isinstance(named, HttpResponse):
        return named
    tenant, order_id = named
    try:
        with transaction.atomic():
            record, changes = order_cancel(
                tenant,
                order_id,
                restock=body.get("restock", True) is not False,
                refunded=body.get("refunded") is True,
            )
    except OrderRefused as refused:
        return refused_answer(refused)
    order = order_json(record, tenant.local_time_zone)
    deliveries = event_fire(tenant, "order.cancelled", order)
    location = str(record.data["location_id"])
    for product_id, variant in changes:
        deliveries += event_fire(
            tenant, "inventory.updated", inventory_data(tenant, product_id, variant, location)
        )
    return json_answer({"order": order, "deliveries": deliveries})


def orders_update_view(request: HttpRequest) -> HttpResponse:
    """``__emu/orders/update``: ``{"tenant", "order_id", "status"?: "paid" | "pending",
    "customer"?, "shipping_address"?}`` changes the order and fires ``order.updated``."""
    body = json_body(request)
    named = order_named(body)
    if isinstance(named, HttpResponse):
        return named
    tenant, order_id = named
    try:
        with transaction.atomic():
            record = order_change(tenant, order_id, body)
    except OrderRefused as refused:
        return refused_answer(refused)
    order = order_json(record, tenant.local_time_zone)
    return json_answer({"order": order, "deliveries": event_fire(tenant, "order.updated", order)})


def fulfillments_view(request: HttpRequest) -> HttpResponse:
    """``__emu/fulfillments?tenant=…&order_id=…``: the order's shipments, oldest first."""
    tenant_id = request.GET.get("tenant") or DEFAULT_TENANT
    order_id = request.GET.get("order_id", "")
    if EMULATOR.get(tenant_id, "order", order_id) is None:
        return json_answer({"error": "no such order"}, status=404)
    return json_answer({"fulfillments": fulfillments_of(tenant_id, order_id)})
