"""The emulated shops' state, kept as emulator records (one account per shop domain).

Collections: ``shop`` (name, app credentials), ``location``, ``product``, ``variant`` (with its
inventory levels per location), ``token`` (digests of issued and admin access tokens),
``adjustment_group`` (applied stock writes), ``idempotency`` (keys of ``@idempotent``
mutations), ``webhook`` (subscriptions), ``delivery`` (webhook delivery outcomes), ``mutation``
(the recent-writes log shown by the control plane and the pages), ``order`` and
``order_part`` (orders, their fulfillment orders and fulfilments: see ``orders.py``).

A variant's record is stamped with the emulator clock on every change, and that stamp is its
``updatedAt``: paging by (updated_at, id) is keyset paging on the records' index. Its inventory
item id is derived from the variant id, so reading stock by inventory item needs no lookup
table.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from kucun.core import secrets
from kucun.core.dataio.bulk import bulk_update_rows
from kucun.sandbox.emulator import Emulator, credential_digest
from kucun.sandbox.models import EmulatorRecord, EmulatorSetting

# Standard plan (shopify.md §8): the bucket holds 2,000 points and restores 100 a second.
DEFAULT_THROTTLE = {"capacity": 2000.0, "refill_per_second": 100.0}


class ShopifyEmulator(Emulator):
    def rate_limit(self) -> dict[str, float]:
        return {**DEFAULT_THROTTLE, **self.setting("rate_limit", {})}


emulator = ShopifyEmulator("shopify")

FIRST_ID = 44_000_000_000_001
INVENTORY_ITEM_OFFSET = 2_000_000_000_000
QUANTITY_NAMES = (
    "available",
    "on_hand",
    "committed",
    "incoming",
    "reserved",
    "damaged",
    "safety_stock",
    "quality_control",
)
# What ``on_hand`` is made of besides ``available`` (Shopify's inventory states).
UNAVAILABLE_NAMES = ("committed", "reserved", "damaged", "safety_stock", "quality_control")
DEFAULT_SCOPES = (
    "read_products",
    "read_inventory",
    "write_inventory",
    "read_locations",
    "read_orders",
    "write_fulfillments",
    "write_merchant_managed_fulfillment_orders",
)
RECENT_MUTATIONS = 200


# -- ids -----------------------------------------------------------------------------------


def gid(kind: str, number: int | str) -> str:
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: str, kind: str) -> int | None:
    """The number of ``gid://shopify/<kind>/<number>``, or None for anything else."""
    prefix = f"gid://shopify/{kind}/"
    if not isinstance(value, str) or not value.startswith(prefix):
        return None
    number = value[len(prefix) :].split("?", 1)[0]
    return int(number) if number.isdigit() else None


def gid_kind(value: str) -> str:
    if not isinstance(value, str) or not value.startswith("gid://shopify/"):
        return ""
    return value[len("gid://shopify/") :].split("/", 1)[0]


def inventory_item_id(variant_id: int) -> int:
    return variant_id + INVENTORY_ITEM_OFFSET


def variant_id_of_item(item_id: int) -> int:
    return item_id - INVENTORY_ITEM_OFFSET


def allocate_ids(count: int) -> int:
    """Reserve ``count`` consecutive ids (for every kind of object) and return the first."""
    with transaction.atomic():
        setting, _ = EmulatorSetting.objects.select_for_update().get_or_create(
            system=emulator.system, name="next_id", defaults={"value": FIRST_ID}
        )
        first = int(setting.value)
        setting.value = first + count
        setting.save(update_fields=["value"])
    return first


def shopify_time(moment: datetime) -> str:
    """Shopify's DateTime: UTC, whole seconds, ``Z``."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- cursors -------------------------------------------------------------------------------


def encode_cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode()


def decode_cursor(cursor: str) -> list[Any] | None:
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        return None
    return parts if isinstance(parts, list) else None


# -- shops ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shop:
    domain: str
    name: str
    currency_code: str
    client_id: str
    scopes: tuple[str, ...]
    created_at: datetime

    def client_secret(self) -> str:
        data = emulator.get(self.domain, "shop", self.domain) or {}
        sealed = data.get("client_secret", "")
        return secrets.decrypt(sealed) if sealed else ""


def shop_get(domain: str) -> Shop | None:
    record = emulator.records(domain, "shop").filter(key=domain).first()
    if record is None:
        return None
    data = record.data
    return Shop(
        domain=domain,
        name=data.get("name", domain),
        currency_code=data.get("currency_code", "AUD"),
        client_id=data.get("client_id", ""),
        scopes=tuple(data.get("scopes", DEFAULT_SCOPES)),
        created_at=record.created_at,
    )


def shop_domains() -> list[str]:
    return emulator.accounts("shop")


def shop_put(
    *,
    domain: str,
    name: str,
    client_id: str,
    client_secret: str,
    access_token: str = "",
    currency_code: str = "AUD",
    scopes: Iterable[str] = DEFAULT_SCOPES,
) -> None:
    """Create or replace a shop and its app; the secret is kept encrypted, tokens as digests."""
    emulator.put(
        domain,
        "shop",
        domain,
        {
            "name": name,
            "currency_code": currency_code,
            "client_id": client_id,
            "client_secret": secrets.encrypt(client_secret) if client_secret else "",
            "scopes": list(scopes),
        },
    )
    if access_token:
        emulator.put(
            domain,
            "token",
            credential_digest(access_token),
            {"kind": "admin", "expires_at": None, "bucket": f"{domain}|custom-app"},
        )


# -- locations -----------------------------------------------------------------------------


def locations(domain: str) -> QuerySet[EmulatorRecord]:
    return emulator.records(domain, "location").order_by("id")


def location_get(domain: str, location_id: int) -> EmulatorRecord | None:
    return emulator.records(domain, "location").filter(key=str(location_id)).first()


def location_ids(domain: str) -> list[int]:
    return [int(key) for key in locations(domain).values_list("key", flat=True)]


def location_add(domain: str, *, name: str, active: bool = True) -> int:
    location_id = allocate_ids(1)
    emulator.put(
        domain,
        "location",
        str(location_id),
        {"name": name, "isActive": active, "fulfillsOnlineOrders": True},
    )
    return location_id


# -- products and variants -----------------------------------------------------------------


def variants(domain: str) -> QuerySet[EmulatorRecord]:
    return emulator.records(domain, "variant")


def variant_record(domain: str, variant_id: int) -> EmulatorRecord | None:
    return variants(domain).filter(key=str(variant_id)).first()


def variant_records(domain: str, variant_ids: Iterable[int]) -> dict[int, EmulatorRecord]:
    keys = [str(number) for number in variant_ids]
    return {int(record.key): record for record in variants(domain).filter(key__in=keys)}


def product_records(domain: str, product_ids: Iterable[int]) -> dict[int, EmulatorRecord]:
    keys = [str(number) for number in set(product_ids)]
    found = emulator.records(domain, "product").filter(key__in=keys)
    return {int(record.key): record for record in found}


def new_levels(location_quantities: Mapping[int, int]) -> dict[str, dict[str, int]]:
    return {
        str(location): {"available": quantity, "on_hand": quantity}
        for location, quantity in location_quantities.items()
    }


def quantity_of(data: Mapping[str, Any], location_id: int, name: str) -> int | None:
    """A variant's quantity of ``name`` at a location; None when it is not stocked there."""
    level = data.get("levels", {}).get(str(location_id))
    if level is None:
        return None
    if name == "on_hand":
        return int(level.get("on_hand", level.get("available", 0)))
    return int(level.get(name, 0))


def products_add(
    domain: str, products: Sequence[Mapping[str, Any]], *, default_location: int
) -> list[dict[str, Any]]:
    """Create products with their variants in bulk; answers each variant's ids and SKU."""
    count = len(products) + sum(len(product.get("variants", [])) for product in products)
    next_id = allocate_ids(count)
    product_rows, variant_rows, created = [], [], []
    now = shopify_time(emulator.now())
    for product in products:
        product_id, next_id = next_id, next_id + 1
        product_rows.append(
            (
                str(product_id),
                {
                    "title": product.get("title") or "Untitled product",
                    "status": product.get("status", "ACTIVE"),
                    "vendor": product.get("vendor", ""),
                    "handle": product.get("handle") or f"product-{product_id}",
                },
            )
        )
        for position, variant in enumerate(product.get("variants", []), start=1):
            variant_id, next_id = next_id, next_id + 1
            quantities = variant.get("quantities")
            if quantities is None:
                quantities = {default_location: int(variant.get("quantity", 0))}
            variant_rows.append(
                (
                    str(variant_id),
                    {
                        "product_id": product_id,
                        "sku": variant.get("sku", ""),
                        "barcode": variant.get("barcode") or None,
                        "title": variant.get("title") or "Default Title",
                        "price": str(variant.get("price", "10.00")),
                        "position": position,
                        "weight": variant.get("weight_kg"),
                        "tracked": bool(variant.get("tracked", True)),
                        "levels": new_levels({int(k): int(v) for k, v in quantities.items()}),
                        "last_change": {"at": now, "reason": "seed"},
                    },
                )
            )
            created.append(
                {
                    "sku": variant.get("sku", ""),
                    "id": gid("ProductVariant", variant_id),
                    "inventoryItemId": gid("InventoryItem", inventory_item_id(variant_id)),
                    "productId": gid("Product", product_id),
                }
            )
    emulator.put_many(domain, "product", product_rows)
    emulator.put_many(domain, "variant", variant_rows)
    return created


def variant_find(domain: str, *, sku: str = "", variant: str = "") -> EmulatorRecord | None:
    if variant:
        number = parse_gid(variant, "ProductVariant")
        if number is None and variant.isdigit():
            number = int(variant)
        return None if number is None else variant_record(domain, number)
    return variants(domain).filter(data__sku=sku).order_by("id").first()


def variant_save(record: EmulatorRecord, *, reason: str, now: datetime | None = None) -> None:
    """Store a changed variant: its clock stamp is its new ``updatedAt``. A write of many
    variants passes the clock's reading once (``now``): it is a setting read each time."""
    now = now or emulator.now()
    record.data["last_change"] = {"at": shopify_time(now), "reason": reason}
    record.updated_at = now
    record.save(update_fields=["data", "updated_at"])


def variants_save(
    records: Sequence[EmulatorRecord], *, reason: str, now: datetime | None = None
) -> None:
    """Store many changed variants with one prepared statement run for all of them (a bulk
    write of quantities), each stamped as ``variant_save`` stamps one."""
    now = now or emulator.now()
    for record in records:
        record.data["last_change"] = {"at": shopify_time(now), "reason": reason}
        record.updated_at = now
    data = EmulatorRecord._meta.get_field("data")
    bulk_update_rows(
        EmulatorRecord,
        ["data", "updated_at"],
        [
            (data.get_db_prep_save(record.data, connection), record.updated_at, record.pk)
            for record in records
        ],
    )


def variants_page(
    queryset: QuerySet[EmulatorRecord], *, after: list[Any] | None, size: int, reverse: bool
) -> tuple[list[EmulatorRecord], bool]:
    """One page of records in (updated_at, id) order after the cursor's position, and whether
    more follow."""
    if after is not None:
        stamp, record_id = datetime.fromisoformat(after[0]), int(after[1])
        # The plain range on updated_at lets the (…, updated_at, id) index start at the
        # cursor; the OR then picks the rows after it.
        if reverse:
            queryset = queryset.filter(
                Q(updated_at__lte=stamp),
                Q(updated_at__lt=stamp) | Q(updated_at=stamp, id__lt=record_id),
            )
        else:
            queryset = queryset.filter(
                Q(updated_at__gte=stamp),
                Q(updated_at__gt=stamp) | Q(updated_at=stamp, id__gt=record_id),
            )
    order = ("-updated_at", "-id") if reverse else ("updated_at", "id")
    rows = list(queryset.order_by(*order)[: size + 1])
    return rows[:size], len(rows) > size


def record_cursor(record: EmulatorRecord) -> str:
    return encode_cursor(record.updated_at.isoformat(), record.id)


# -- tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    shop: str
    bucket: str
    scopes: tuple[str, ...]


def token_grant(shop: Shop, token: str, ttl_seconds: int) -> None:
    expires = emulator.now() + timedelta(seconds=ttl_seconds)
    emulator.put(
        shop.domain,
        "token",
        credential_digest(token),
        {
            "kind": "client_credentials",
            "expires_at": expires.isoformat(),
            "bucket": f"{shop.domain}|app:{shop.client_id}",
        },
    )


def token_check(shop: Shop, token: str) -> Grant | None:
    """The grant behind a live access token for this shop, or None."""
    if not token:
        return None
    data = emulator.get(shop.domain, "token", credential_digest(token))
    if data is None:
        return None
    expires = data.get("expires_at")
    if expires and datetime.fromisoformat(expires) <= emulator.now():
        return None
    return Grant(shop=shop.domain, bucket=data["bucket"], scopes=shop.scopes)


def token_buckets(domain: str) -> list[str]:
    """Every rate-limit bucket of this shop's credentials."""
    shop = shop_get(domain)
    found = {f"{domain}|custom-app"}
    if shop is not None:
        found.add(f"{domain}|app:{shop.client_id}")
    return sorted(found)


# -- log of writes -------------------------------------------------------------------------


def mutation_log(domain: str, entry: Mapping[str, Any]) -> None:
    number = allocate_ids(1)
    emulator.put(
        domain, "mutation", f"{number:020d}", {**entry, "at": shopify_time(emulator.now())}
    )
    stale = list(
        emulator.records(domain, "mutation")
        .order_by("-key")
        .values_list("id", flat=True)[RECENT_MUTATIONS:]
    )
    if stale:
        EmulatorRecord.objects.filter(id__in=stale).delete()


def recent_mutations(domain: str, limit: int = 50) -> list[dict[str, Any]]:
    found = emulator.records(domain, "mutation").order_by("-key")[:limit]
    return [record.data for record in found]
