"""What the Pisell emulator holds, as records of the shared emulator tables.

Collections (``account`` is the tenant id unless said otherwise):

* ``tenant`` — one per tenant: name, domain, default location, credential digest.
* ``api_key`` / ``client`` (account ``""``) — a credential (its digest, or the client id) →
  its tenant; how a request is known.
* ``location`` — ``{"id", "name", "active"}``.
* ``product`` — a product with its variants nested, each variant holding its stock per
  location; the record's ``updated_at`` is the product's, and the listing pages by it.
* ``sku`` — SKU → ``{"product", "variant"}``, to find a variant to set stock on.
* ``idempotency`` — a stock write's key → the fingerprint of its body and the stored answer.
* ``webhook``, ``delivery`` — registrations and what was sent.
* ``order``, ``fulfillment`` — orders placed through the control plane and their shipments
  (``orders.py``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q

from kucun.sandbox.emulator import Emulator, credential_digest
from kucun.sandbox.models import EmulatorRecord

EMULATOR = Emulator("pisell")

DEFAULT_TENANT = "demo"
DEMO_API_KEY = "psk_sandbox_demo_0000000000000000"
DEMO_CLIENT_ID = "pisell-demo-client"
DEMO_CLIENT_SECRET = "pcs_sandbox_demo_secret"  # noqa: S105 - a documented fake credential
DEMO_ACCESS_TOKEN = "pat_sandbox_demo_token"  # noqa: S105 - a documented fake credential
DEFAULT_LOCATION = {"id": "loc_main", "name": "Shop", "active": True}

# 120 requests a minute per credential (pisell.md §2.7).
PISELL_RATE_LIMIT = {"capacity": 120.0, "refill_per_second": 2.0}
PRODUCT_STATUSES = ("published", "draft", "archived")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EVENTS = (
    "order.created",
    "order.updated",
    "order.cancelled",
    "product.updated",
    "inventory.updated",
)


@dataclass(frozen=True)
class Tenant:
    """The tenant a request was authenticated as, and the credential its bucket is keyed by."""

    id: str
    data: Mapping[str, Any]
    credential: str

    @property
    def local_time_zone(self) -> str:
        return str(self.data.get("local_time_zone") or "")

    @property
    def default_location(self) -> str:
        return str(self.data.get("default_location") or DEFAULT_LOCATION["id"])


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with ``Z``, to the second, as the contract writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(moment: datetime, local_time_zone: str = "") -> str:
    """A time as the products listing writes it: ISO-8601 UTC, or in "local time string"
    mode (pisell.md §1, §3) the merchant's wall clock as ``02/May/2026 15:18:51``."""
    if not local_time_zone:
        return iso(moment)
    local = moment.astimezone(ZoneInfo(local_time_zone))
    month = MONTHS[local.month - 1]
    return f"{local.day:02d}/{month}/{local.year} {local:%H:%M:%S}"


def parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


# -- tenants and credentials ----------------------------------------------------------------


def tenant_create(
    *,
    tenant_id: str,
    name: str,
    api_key: str,
    domain: str = "",
    locations: Iterable[Mapping[str, Any]] = (),
    client: Mapping[str, str] | None = None,
    local_time_zone: str = "",
) -> None:
    """A tenant with its API key (kept as a digest), its locations and, when given, the signed
    headers' client id, secret and access token."""
    found = [dict(location) for location in locations] or [dict(DEFAULT_LOCATION)]
    default = next((loc["id"] for loc in found if loc.get("default")), found[0]["id"])
    EMULATOR.put(
        tenant_id,
        "tenant",
        tenant_id,
        {
            "id": tenant_id,
            "name": name,
            "domain": domain or f"{tenant_id}.mypisell.com",
            "default_location": default,
            "api_key_digest": credential_digest(api_key),
            "client_id": (client or {}).get("client_id", ""),
            "local_time_zone": local_time_zone,
        },
    )
    EMULATOR.put("", "api_key", credential_digest(api_key), {"tenant": tenant_id})
    for location in found:
        EMULATOR.put(
            tenant_id,
            "location",
            str(location["id"]),
            {
                "id": str(location["id"]),
                "name": str(location.get("name", location["id"])),
                "active": bool(location.get("active", True)),
            },
        )
    if client and client.get("client_id"):
        EMULATOR.put(
            "",
            "client",
            client["client_id"],
            {
                "tenant": tenant_id,
                "client_secret": client.get("client_secret", ""),
                "access_token_digest": credential_digest(client.get("access_token", "")),
            },
        )


def tenant_by_api_key(api_key: str) -> Tenant | None:
    link = EMULATOR.get("", "api_key", credential_digest(api_key))
    return None if link is None else tenant_named(str(link["tenant"]), credential=api_key)


def tenant_named(tenant_id: str, *, credential: str = "") -> Tenant | None:
    data = EMULATOR.get(tenant_id, "tenant", tenant_id)
    return None if data is None else Tenant(tenant_id, data, credential or tenant_id)


def client_named(client_id: str) -> dict[str, Any] | None:
    return EMULATOR.get("", "client", client_id)


def tenant_ids() -> list[str]:
    return EMULATOR.accounts("tenant")


def locations(tenant_id: str) -> list[dict[str, Any]]:
    return [record.data for record in EMULATOR.records(tenant_id, "location").order_by("id")]


# -- ids ------------------------------------------------------------------------------------


def next_ids(kind: str, count: int) -> list[int]:
    """``count`` fresh numbers for ``kind`` ("product", "variant", "order" …)."""
    counters = dict(EMULATOR.setting("counters", {}))
    first = int(counters.get(kind, 1000)) + 1
    counters[kind] = first + count - 1
    EMULATOR.set_setting("counters", counters)
    return list(range(first, first + count))


# -- products -------------------------------------------------------------------------------


def product_documents(
    tenant: Tenant, products: Iterable[Mapping[str, Any]], *, at: datetime
) -> list[dict[str, Any]]:
    """Products from seed JSON as stored documents, given ids where they have none."""
    given = [dict(product) for product in products]
    product_numbers = iter(next_ids("product", sum(1 for p in given if not p.get("id"))))
    variant_count = sum(1 for p in given for v in p.get("variants", []) if not v.get("id"))
    variant_numbers = iter(next_ids("variant", variant_count))
    stamped = at.isoformat()
    documents = []
    for product in given:
        variants = []
        for variant in product.get("variants", []):
            stock = variant.get("stock")
            if not isinstance(stock, dict):
                stock = {tenant.default_location: int(variant.get("stock_quantity", 0))}
            variants.append(
                {
                    "id": str(variant.get("id") or f"v_{next(variant_numbers)}"),
                    "sku": str(variant["sku"]),
                    "barcode": str(variant.get("barcode", "")),
                    "title": str(variant.get("title", "Default")),
                    "price": str(variant.get("price", "0.00")),
                    "stock": {str(loc): int(qty) for loc, qty in stock.items()},
                    "updated_at": stamped,
                }
            )
        documents.append(
            {
                "id": str(product.get("id") or f"p_{next(product_numbers)}"),
                "title": str(product.get("title", "")),
                "status": str(product.get("status", "published")),
                "variants": variants,
            }
        )
    return documents


def products_add(tenant: Tenant, products: Iterable[Mapping[str, Any]]) -> int:
    """Store products (bulk, for thousands) and index their SKUs; answers the variant count."""
    documents = product_documents(tenant, products, at=EMULATOR.now())
    EMULATOR.put_many(tenant.id, "product", ((doc["id"], doc) for doc in documents))
    links = [
        (variant["sku"], {"product": doc["id"], "variant": variant["id"]})
        for doc in documents
        for variant in doc["variants"]
    ]
    EMULATOR.put_many(tenant.id, "sku", links)
    return len(links)


def generated_products(
    *, count: int, prefix: str, quantity: int | None
) -> Iterable[dict[str, Any]]:
    for number in range(1, count + 1):
        yield {
            "title": f"{prefix} product {number}",
            "variants": [
                {
                    "sku": f"{prefix}-{number:05d}",
                    "barcode": f"94{number:011d}",
                    "title": "Default",
                    "price": "9.95",
                    "stock_quantity": number % 10 if quantity is None else quantity,
                }
            ],
        }


def variant_json(variant: Mapping[str, Any], local_time_zone: str = "") -> dict[str, Any]:
    updated = datetime.fromisoformat(str(variant["updated_at"]))
    return {
        "id": variant["id"],
        "sku": variant["sku"],
        "barcode": variant["barcode"],
        "title": variant["title"],
        "price": variant["price"],
        "stock_quantity": sum(variant["stock"].values()),
        "updated_at": stamp(updated, local_time_zone),
    }


def product_json(record: EmulatorRecord, local_time_zone: str = "") -> dict[str, Any]:
    """A product as ``GET products`` answers it (pisell.md §2.2)."""
    data = record.data
    return {
        "id": data["id"],
        "title": data["title"],
        "status": data["status"],
        "updated_at": stamp(record.updated_at, local_time_zone),
        "variants": [variant_json(variant, local_time_zone) for variant in data["variants"]],
    }


def encode_cursor(record: EmulatorRecord) -> str:
    raw = json.dumps({"u": record.updated_at.isoformat(), "k": record.pk}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
        return datetime.fromisoformat(position["u"]), int(position["k"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None


def products_page(
    tenant: Tenant,
    *,
    updated_since: datetime | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> tuple[list[EmulatorRecord], str | None]:
    """One page in ``(updated_at, id)`` order (keyset: the index serves it at any depth)."""
    found = EMULATOR.records(tenant.id, "product")
    if updated_since is not None:
        found = found.filter(updated_at__gte=updated_since)
    if after is not None:
        at, pk = after
        found = found.filter(Q(updated_at__gt=at) | Q(updated_at=at, pk__gt=pk))
    rows = list(found.order_by("updated_at", "pk")[: limit + 1])
    page = rows[:limit]
    more = len(rows) > limit
    return page, encode_cursor(page[-1]) if more else None


def variants_by_sku(tenant: Tenant, skus: Iterable[str]) -> dict[str, tuple[str, str]]:
    """SKU → (product id, variant id) for the SKUs the tenant has."""
    links = EMULATOR.records(tenant.id, "sku").filter(key__in=set(skus))
    return {link.key: (link.data["product"], link.data["variant"]) for link in links}


def products_by_id(tenant: Tenant, product_ids: Iterable[str]) -> dict[str, EmulatorRecord]:
    records = EMULATOR.records(tenant.id, "product").filter(key__in=set(product_ids))
    return {record.key: record for record in records}


def find_variant(document: Mapping[str, Any], variant_id: str) -> dict[str, Any]:
    return next(v for v in document["variants"] if v["id"] == variant_id)


def product_save(record: EmulatorRecord, document: Mapping[str, Any]) -> EmulatorRecord:
    """Store a changed product; the product's ``updated_at`` follows its variant's."""
    return EMULATOR.put(record.account, "product", record.key, document)


# -- state ----------------------------------------------------------------------------------


def tenant_state(tenant_id: str) -> dict[str, Any]:
    """What a test asserts on: each SKU's stock per location and in total, the locations and
    webhooks (without secrets)."""
    tenant = EMULATOR.get(tenant_id, "tenant", tenant_id) or {}
    variants: dict[str, Any] = {}
    for record in EMULATOR.records(tenant_id, "product").order_by("updated_at", "pk"):
        for variant in record.data["variants"]:
            variants[variant["sku"]] = {
                "product_id": record.data["id"],
                "variant_id": variant["id"],
                "barcode": variant["barcode"],
                "stock": variant["stock"],
                "stock_quantity": sum(variant["stock"].values()),
                "updated_at": variant["updated_at"],
            }
    webhooks = [
        {key: value for key, value in record.data.items() if key != "secret"}
        for record in EMULATOR.records(tenant_id, "webhook").order_by("id")
    ]
    return {
        "name": tenant.get("name", ""),
        "domain": tenant.get("domain", ""),
        "default_location": tenant.get("default_location", ""),
        "locations": locations(tenant_id),
        "variants": variants,
        "webhooks": webhooks,
        "deliveries": EMULATOR.records(tenant_id, "delivery").count(),
    }
