"""The Pisell emulator's pages for people: its tenants, and one tenant's products with their
variants, SKUs and stock per location, most recently changed first (so a push can be watched
arriving)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kucun.sandbox.control import operator_required
from kucun.sandbox.pisell.orders import order_json
from kucun.sandbox.pisell.store import (
    DEFAULT_TENANT,
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    EMULATOR,
    locations,
    tenant_ids,
)

PRODUCTS_PER_PAGE = 100
ORDERS_PER_PAGE = 50


@operator_required("viewer", page=True)
def tenants_page(request: HttpRequest) -> HttpResponse:
    tenants = []
    for tenant_id in tenant_ids():
        data = EMULATOR.get(tenant_id, "tenant", tenant_id) or {}
        tenants.append(
            {
                "id": tenant_id,
                "name": data.get("name", ""),
                "domain": data.get("domain", ""),
                "products": EMULATOR.records(tenant_id, "product").count(),
                "variants": EMULATOR.records(tenant_id, "sku").count(),
                "webhooks": EMULATOR.records(tenant_id, "webhook").count(),
                "orders": EMULATOR.records(tenant_id, "order").count(),
            }
        )
    context = {
        "tenants": tenants,
        "demo_tenant": DEFAULT_TENANT,
        "demo_api_key": DEMO_API_KEY,
        "demo_client_id": DEMO_CLIENT_ID,
        "base_url": request.build_absolute_uri("/sandbox/pisell"),
    }
    return render(request, "sandbox/pisell/tenants.html", context)


@operator_required("viewer", page=True)
def tenant_page(request: HttpRequest, tenant: str) -> HttpResponse:
    data = EMULATOR.get(tenant, "tenant", tenant)
    if data is None:
        raise Http404("no such tenant")
    known_locations = locations(tenant)
    products = EMULATOR.records(tenant, "product").order_by("-updated_at", "-pk")
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "product": record.data,
            "updated_at": record.updated_at,
            "variants": [
                {
                    **variant,
                    "per_location": [
                        variant["stock"].get(location["id"], 0) for location in known_locations
                    ],
                    "total": sum(variant["stock"].values()),
                }
                for variant in record.data["variants"]
            ],
        }
        for record in page.object_list
    ]
    context = {
        "tenant": data,
        "locations": known_locations,
        "rows": rows,
        "page": page,
        "is_demo": tenant == DEFAULT_TENANT,
        "demo_api_key": DEMO_API_KEY,
    }
    return render(request, "sandbox/pisell/tenant.html", context)


@operator_required("viewer", page=True)
def orders_page(request: HttpRequest, tenant: str) -> HttpResponse:
    """A tenant's orders, most recently changed first, with their lines and fulfilments."""
    data = EMULATOR.get(tenant, "tenant", tenant)
    if data is None:
        raise Http404("no such tenant")
    records = EMULATOR.records(tenant, "order").order_by("-updated_at", "-pk")
    page = Paginator(records, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    shipments: dict[str, list[dict[str, Any]]] = {record.key: [] for record in shown}
    found = EMULATOR.records(tenant, "fulfillment").filter(data__order_id__in=list(shipments))
    for fulfillment in found.order_by("pk"):
        shipments[fulfillment.data["order_id"]].append(fulfillment.data)
    rows = [
        {"order": order_json(record), "fulfillments": shipments[record.key]} for record in shown
    ]
    return render(
        request, "sandbox/pisell/orders.html", {"tenant": data, "rows": rows, "page": page}
    )
