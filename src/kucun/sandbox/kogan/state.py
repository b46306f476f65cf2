"""What the Kogan emulator holds: sellers, their products, asynchronous tasks and orders, as
records of the shared emulator store (account = SellerID)."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Least
from django.db.models.lookups import GreaterThanOrEqual

from kucun.sandbox.emulator import Emulator, credential_digest
from kucun.sandbox.models import EmulatorBucket, EmulatorSetting


class KoganEmulator(Emulator):
    """The shared emulator, reading its settings (clock, bucket size, page size…) once per
    vendor request instead of once per use: a products page asks for them four times, and a
    full pull of 10,000 products is 100 pages."""

    def __init__(self, system: str) -> None:
        super().__init__(system)
        self._request = threading.local()

    @contextmanager
    def one_request(self) -> Iterator[None]:
        self._request.settings = dict(
            EmulatorSetting.objects.filter(system=self.system).values_list("name", "value")
        )
        try:
            yield
        finally:
            self._request.settings = None

    def setting(self, name: str, default: Any = None) -> Any:
        cached = getattr(self._request, "settings", None)
        if cached is None:
            return super().setting(name, default)
        return cached.get(name, default)

    def set_setting(self, name: str, value: Any) -> None:
        super().set_setting(name, value)
        cached = getattr(self._request, "settings", None)
        if cached is not None:
            cached[name] = value

    def spend(
        self, credential: str, cost: float = 1.0, limit: Mapping[str, float] | None = None
    ) -> float | None:
        """``take`` in one UPDATE when the bucket has the tokens (the usual case): None when
        allowed, else the seconds until it will have them. Same bucket, same arithmetic.
        ``limit`` (capacity, refill_per_second) is the burst limit unless given."""
        limit = limit or self.rate_limit()
        capacity, rate = float(limit["capacity"]), float(limit["refill_per_second"])
        now = self.now().timestamp()
        bucket = EmulatorBucket.objects.filter(
            system=self.system, credential=credential_digest(credential)
        )
        elapsed = Greatest(Value(0.0), Value(now) - F("refilled_at"))
        refilled = Least(Value(capacity), F("tokens") + elapsed * Value(rate))
        taken = bucket.filter(GreaterThanOrEqual(refilled, Value(cost))).update(
            tokens=refilled - Value(cost), refilled_at=now
        )
        if taken:
            return None
        found = bucket.first()
        if found is None:
            try:
                with transaction.atomic():
                    bucket.create(
                        system=self.system,
                        credential=credential_digest(credential),
                        tokens=capacity - cost,
                        refilled_at=now,
                    )
            except IntegrityError:  # another request created it meanwhile
                return self.spend(credential, cost, limit)
            return None if capacity >= cost else 60.0
        tokens = min(capacity, found.tokens + max(0.0, now - found.refilled_at) * rate)
        return (cost - tokens) / rate if rate > 0 else 60.0


emulator = KoganEmulator("kogan")

SELLER = "seller"
PRODUCT = "product"
TASK = "task"
ORDER = "order"

DEFAULT_SELLER_ID = "sandbox-seller"
DEFAULT_SELLER_TOKEN = "sandbox-kogan-token-not-a-secret"  # noqa: S105 - a documented fake
DEFAULT_SELLER_NAME = "Sandbox Kogan seller"

# kogan.md §8: 500 requests a minute per seller (the burst window).
DEFAULT_RATE_LIMIT = {"capacity": 500.0, "refill_per_second": 500.0 / 60.0}
DEFAULT_SETTINGS: dict[str, int] = {
    "task_polls": 2,  # polls answered "pending" before a task completes
    "max_batch": 500,  # items per stockprice request (kogan.md §4)
    "page_size": 100,  # products/ default and maximum ``size``
    "release_delay_seconds": 0,  # fraud screening before an order is released (kogan.md §5.1)
    "fulfil_async": 0,  # 1: orders/fulfill/ answers with a task, as the catalogue writes do
    "hourly_limit": 20_000,  # kogan.md §8: sustained requests an hour per seller
    "daily_limit": 100_000,  # kogan.md §8: requests a day per seller
}
# The sustained and daily windows (kogan.md §8), each a bucket of its own that refills over
# its window; the burst window is the emulator's ``rate_limit`` (``__emu/rate-limit``).
LONG_WINDOWS = (("hourly_limit", "hour", 3600.0), ("daily_limit", "day", 86400.0))
# Kogan's help-centre list could not be read beyond Australia Post (kogan.md §6); the rest are
# the emulator's stand-ins, replaceable through the ``carrier_codes`` setting.
DEFAULT_CARRIER_CODES = (
    "AUP",
    "StarTrack",
    "Aramex",
    "4PX",
    "CouriersPlease",
    "TNT",
    "DHL",
    "TOLL",
)
MAX_SKU_LENGTH = 45
DEFAULT_CURRENCY = "AUD"

# The fields of a product in products/ without ``detail=true`` (kogan.md §3.1's example).
SUMMARY_FIELDS = (
    "product_sku",
    "product_title",
    "product_gtin",
    "brand",
    "category",
    "enabled",
    "stock",
    "offer_data",
)

DEFAULT_PRODUCTS: tuple[dict[str, Any], ...] = (
    {
        "product_sku": "KG-TEE-S",
        "product_gtin": "9300000000011",
        "product_title": "Plain tee, small",
        "stock": 12,
    },
    {
        "product_sku": "KG-TEE-M",
        "product_gtin": "9300000000028",
        "product_title": "Plain tee, medium",
        "stock": 7,
    },
    {
        "product_sku": "KG-TEE-L",
        "product_gtin": "9300000000035",
        "product_title": "Plain tee, large",
        "stock": 0,
    },
    {
        "product_sku": "KG-MUG",
        "product_gtin": "9300000000042",
        "product_title": "Enamel mug",
        "stock": 30,
    },
    {
        "product_sku": "KG-BOTTLE",
        "product_gtin": "9300000000059",
        "product_title": "Steel bottle",
        "stock": 4,
        "enabled": False,
    },
)


def setting(name: str) -> int:
    return int(emulator.setting("settings", {}).get(name, DEFAULT_SETTINGS[name]))


def update_settings(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The numeric settings, and ``carrier_codes`` (the codes ``orders/fulfill/`` accepts)."""
    current = {**DEFAULT_SETTINGS, **emulator.setting("settings", {})}
    for name in DEFAULT_SETTINGS:
        if name in changes:
            current[name] = max(0, int(changes[name]))
    if "carrier_codes" in changes:
        codes = changes["carrier_codes"]
        if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
            raise SeedError("carrier_codes must be a list of strings")
        emulator.set_setting("carrier_codes", codes)
    emulator.set_setting("settings", current)
    return settings_now()


def seller_throttled(seller_id: str) -> float | None:
    """None when the seller may make one more request, else the seconds to wait: the burst
    bucket first, then the hourly and daily ones."""
    wait = emulator.spend(seller_id)
    for setting_name, window, seconds in LONG_WINDOWS:
        if wait is not None:
            return wait
        capacity = float(setting(setting_name))
        limit = {"capacity": capacity, "refill_per_second": capacity / seconds}
        wait = emulator.spend(f"{seller_id}@{window}", limit=limit)
    return wait


def carrier_codes() -> list[str]:
    return list(emulator.setting("carrier_codes", list(DEFAULT_CARRIER_CODES)))


def settings_now() -> dict[str, Any]:
    return {
        **DEFAULT_SETTINGS,
        **emulator.setting("settings", {}),
        "carrier_codes": carrier_codes(),
    }


class SeedError(ValueError):
    """Seed JSON the emulator refuses (the control plane answers 400 with the message)."""


# -- sellers ------------------------------------------------------------------------------
def seller_put(
    *,
    seller_id: str,
    seller_token: str,
    name: str = "",
    status_permission: bool = False,
    no_carrier_permission: bool = False,
    orders_error: str = "",
) -> None:
    """A seller and a digest of its token (the token itself is not kept).
    ``status_permission`` is the account grant that products/status/ needs,
    ``no_carrier_permission`` the agreement to dispatch with carrier ``NA``; an
    ``orders_error`` is an account-level problem that ``orders/`` answers with ``Failed``."""
    emulator.put(
        seller_id,
        SELLER,
        seller_id,
        {
            "seller_id": seller_id,
            "name": name or seller_id,
            "token_digest": credential_digest(seller_token),
            "status_permission": status_permission,
            "no_carrier_permission": no_carrier_permission,
            "orders_error": orders_error,
        },
    )


def seller_may_change_status(seller_id: str) -> bool:
    seller = emulator.get(seller_id, SELLER, seller_id) or {}
    return bool(seller.get("status_permission"))


def seller_orders_error(seller_id: str) -> str:
    seller = emulator.get(seller_id, SELLER, seller_id) or {}
    return str(seller.get("orders_error") or "")


def seller_authenticated(seller_id: str, seller_token: str) -> bool:
    seller = emulator.get(seller_id, SELLER, seller_id)
    if seller is None:
        return False
    return hmac.compare_digest(seller["token_digest"], credential_digest(seller_token))


def sellers() -> list[dict[str, Any]]:
    found = (emulator.get(account, SELLER, account) for account in emulator.accounts(SELLER))
    return [seller for seller in found if seller is not None]


# -- products -----------------------------------------------------------------------------
# Seed JSON may use plain names; Kogan's own field names win when both are given.
SEED_ALIASES = {
    "sku": "product_sku",
    "barcode": "product_gtin",
    "ean": "product_gtin",
    "title": "product_title",
    "quantity": "stock",
}


def product_document(seed_spec: Mapping[str, Any]) -> dict[str, Any]:
    """A product as Kogan keeps it, from seed JSON (price/currency or offer_data)."""
    spec = {SEED_ALIASES[name]: value for name, value in seed_spec.items() if name in SEED_ALIASES}
    spec.update(seed_spec)
    sku = str(spec["product_sku"])
    if not sku or len(sku) > MAX_SKU_LENGTH:
        raise SeedError(f"product_sku {sku!r} must have 1 to {MAX_SKU_LENGTH} characters")
    if int(spec.get("stock", 0)) < 0:
        raise SeedError(f"{sku}: stock must be 0 or more")
    currency = str(spec.get("currency") or DEFAULT_CURRENCY)
    offer_data = spec.get("offer_data") or {
        currency: {
            "price": str(spec.get("price") or "9.95"),
            "handling_days": int(spec.get("handling_days", 2)),
            "kogan_first_price": None,
        }
    }
    return {
        "product_sku": sku,
        "product_title": str(spec.get("product_title") or sku),
        "product_gtin": str(spec.get("product_gtin") or ""),
        "brand": str(spec.get("brand") or "Sandbox"),
        "category": str(spec.get("category") or "kogan:1000"),
        "enabled": bool(spec.get("enabled", True)),
        "stock": int(spec.get("stock", 0)),
        "offer_data": offer_data,
        "product_description": str(spec.get("product_description") or ""),
        "images": list(spec.get("images") or []),
        "attributes": dict(spec.get("attributes") or {}),
    }


def generated_products(count: int, sku_prefix: str) -> Iterator[dict[str, Any]]:
    for number in range(1, count + 1):
        yield product_document(
            {
                "product_sku": f"{sku_prefix}-{number:05d}",
                "product_title": f"Generated product {number}",
                "product_gtin": f"93{number:011d}",
                "stock": number % 10,
            }
        )


def products_put(seller_id: str, documents: list[dict[str, Any]]) -> int:
    """Replace or add these products in one go (put_many after dropping the same SKUs)."""
    keys = [document["product_sku"] for document in documents]
    with transaction.atomic():
        for start in range(0, len(keys), 500):
            emulator.records(seller_id, PRODUCT).filter(key__in=keys[start : start + 500]).delete()
        return emulator.put_many(
            seller_id, PRODUCT, ((document["product_sku"], document) for document in documents)
        )


# -- control plane ------------------------------------------------------------------------
def reset() -> None:
    emulator.wipe()
    emulator.set_setting("rate_limit", dict(DEFAULT_RATE_LIMIT))
    emulator.set_setting("settings", dict(DEFAULT_SETTINGS))
    seller_put(
        seller_id=DEFAULT_SELLER_ID, seller_token=DEFAULT_SELLER_TOKEN, name=DEFAULT_SELLER_NAME
    )
    products_put(DEFAULT_SELLER_ID, [product_document(spec) for spec in DEFAULT_PRODUCTS])


@transaction.atomic
def seed(body: Mapping[str, Any]) -> dict[str, Any]:
    """Load sellers and products; all of the JSON or, when any of it is refused, none."""
    loaded: dict[str, int] = {}
    for spec in body.get("sellers") or []:
        seller_id = str(spec.get("seller_id") or "")
        if not seller_id:
            raise SeedError("every seller needs a seller_id")
        if spec.get("seller_token"):
            seller_put(
                seller_id=seller_id,
                seller_token=str(spec["seller_token"]),
                name=str(spec.get("name") or ""),
                status_permission=bool(spec.get("status_permission", False)),
                no_carrier_permission=bool(spec.get("no_carrier_permission", False)),
                orders_error=str(spec.get("orders_error") or ""),
            )
        elif emulator.get(seller_id, SELLER, seller_id) is None:
            raise SeedError(f"seller {seller_id} does not exist: give its seller_token")
        documents = [product_document(product) for product in spec.get("products") or []]
        generate = spec.get("generate") or {}
        if generate:
            documents.extend(
                generated_products(int(generate["count"]), str(generate.get("sku_prefix", "GEN")))
            )
        loaded[seller_id] = products_put(seller_id, documents)
    return {"products": loaded}


def state(seller_id: str | None = None) -> dict[str, Any]:
    """Sellers (no token), their products by SKU, tasks and orders."""
    found = emulator.accounts(SELLER)
    if seller_id is not None:
        found = [account for account in found if account == seller_id]
    return {
        "now": emulator.now().isoformat(),
        "settings": settings_now(),
        "sellers": {account: seller_state(account) for account in found},
    }


def seller_state(seller_id: str) -> dict[str, Any]:
    seller = emulator.get(seller_id, SELLER, seller_id) or {}
    products = {
        record.key: {**record.data, "updated_at": record.updated_at.isoformat()}
        for record in emulator.records(seller_id, PRODUCT).order_by("key")
    }
    tasks = {record.key: record.data for record in emulator.records(seller_id, TASK)}
    orders = [
        record.data["order"]
        for record in emulator.records(seller_id, ORDER).order_by("created_at", "id")
    ]
    return {"name": seller.get("name", ""), "products": products, "tasks": tasks, "orders": orders}
