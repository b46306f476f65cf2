"""The Pisell emulator's control plane: reset, seed, state, and the extras ``webhooks/fire`` and
``orders`` (a sale on the platform that Kucun has not seen). Formats in the package docstring."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from kucun.sandbox.emulator import json_answer, json_body
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
    next_ids,
    product_json,
    product_save,
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
    return added


def seed(body: Mapping[str, Any]) -> dict[str, int] | HttpResponse:
    """Load tenants, products and generated catalogues, all or nothing; answers what was
    added, or a 400 saying what is wrong with the seed."""
    try:
        with transaction.atomic():
            return seed_load(body)
    except SeedRefused as refused:
        return json_answer({"error": str(refused)}, status=400)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return json_answer({"error": f"malformed seed: {type(error).__name__} {error}"}, status=400)


def state(request: HttpRequest) -> dict[str, Any]:
    wanted = request.GET.get("tenant")
    tenants = [wanted] if wanted else tenant_ids()
    return {"now": EMULATOR.now().isoformat(), "tenants": {t: tenant_state(t) for t in tenants}}


def tenant_of(body: Mapping[str, Any]) -> Tenant | None:
    return tenant_named(str(body.get("tenant") or DEFAULT_TENANT))


def event_data(tenant: Tenant, body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``data`` of an event fired by hand: given, or the product / variant / order named."""
    if isinstance(body.get("data"), dict):
        return dict(body["data"])
    event = body["event"]
    if event.startswith("order."):
        order = EMULATOR.get(tenant.id, "order", str(body.get("order_id", "")))
        return order
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


def order_line_errors(lines: Any, found: Mapping[str, tuple[str, str]]) -> str:
    if not isinstance(lines, list) or not lines:
        return "line_items must list {sku, quantity}"
    for line in lines:
        if not isinstance(line, dict) or line.get("sku") not in found:
            return f"unknown SKU in {line!r}"
        if not isinstance(line.get("quantity"), int) or line["quantity"] < 1:
            return f"quantity must be a positive whole number in {line!r}"
    return ""


def sale_record(request: HttpRequest) -> HttpResponse:
    """``__emu/orders``: a sale on the platform (a POS sale is collected at once). It takes the
    quantities from the location's stock and fires ``order.created`` and
    ``inventory.updated``."""
    body = json_body(request)
    if not isinstance(body, dict):
        return json_answer({"error": "a JSON object is expected"}, status=400)
    tenant = tenant_of(body)
    if tenant is None:
        return json_answer({"error": "no such tenant"}, status=404)
    channel = str(body.get("channel", "pos"))
    location = str(body.get("location_id") or tenant.default_location)
    lines = body.get("line_items")
    skus = [str(line.get("sku")) for line in lines or [] if isinstance(line, dict)]
    with transaction.atomic():
        found = variants_by_sku(tenant, skus)
        error = order_line_errors(lines, found)
        if error:
            return json_answer({"error": error}, status=422)
        order, changes = sale_apply(tenant, channel, location, list(lines or []), found)
    deliveries = event_fire(tenant, "order.created", order)
    for product_id, variant in changes:
        deliveries += event_fire(
            tenant, "inventory.updated", inventory_data(tenant, product_id, variant, location)
        )
    return json_answer({"order": order, "deliveries": deliveries}, status=201)


def sale_apply(
    tenant: Tenant,
    channel: str,
    location: str,
    lines: list[dict[str, Any]],
    found: Mapping[str, tuple[str, str]],
) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    records = products_by_id(tenant, (product for product, _ in found.values()))
    documents = {key: copy.deepcopy(record.data) for key, record in records.items()}
    stamped = EMULATOR.now()
    number = next_ids("order", 1)[0]
    changes, items = [], []
    for index, line in enumerate(lines, start=1):
        product_id, variant_id = found[line["sku"]]
        variant = find_variant(documents[product_id], variant_id)
        held = int(variant["stock"].get(location, 0))
        variant["stock"][location] = max(0, held - line["quantity"])
        variant["updated_at"] = stamped.isoformat()
        changes.append((product_id, variant))
        collected = channel == "pos"
        items.append(
            {
                "id": f"li_{number}_{index}",
                "variant_id": variant_id,
                "sku": line["sku"],
                "quantity": line["quantity"],
                "quantity_fulfilled": line["quantity"] if collected else 0,
                "unit_price": variant["price"],
            }
        )
    for product_id in sorted(documents):
        product_save(records[product_id], documents[product_id])
    order = order_document(number, channel, stamped_at=iso(stamped), items=items)
    EMULATOR.put(tenant.id, "order", order["id"], order)
    return order, changes


def order_document(
    number: int, channel: str, *, stamped_at: str, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """An order as pisell.md §2.4 shapes it."""
    total = sum(float(item["unit_price"]) * item["quantity"] for item in items)
    return {
        "id": f"o_{number}",
        "number": f"#{number}",
        "channel": channel,
        "status": "paid",
        "fulfillment_status": "collected" if channel == "pos" else "unfulfilled",
        "created_at": stamped_at,
        "updated_at": stamped_at,
        "currency": "AUD",
        "total": f"{total:.2f}",
        "shipping_total": "0.00",
        "tax_total": f"{total / 11:.2f}",
        "customer": None,
        "shipping_address": None,
        "line_items": items,
    }
